import { basename } from "node:path";
import { defineConfig } from "vitest/config";
import { BaseSequencer, type TestSpecification } from "vitest/node";

/**
 * Seconds the longest files took in CI (2026-12-06, 413 s in all, two workers on two cores; the
 * compose suite's with its 43 s of bringing the stack up). A clean clone has no timings cached,
 * and vitest then starts the largest files first, so these small-but-slow ones started last and
 * the run waited on them alone; started first, they overlap the rest.
 */
const SLOW: Record<string, number> = {
  "compose.test.ts": 112,
  "chaos.test.ts": 74,
  "shell.test.ts": 51,
  "persistence.test.ts": 40,
  "cli.test.ts": 31,
  "resilience.test.ts": 24,
  "strace-dmesg.test.ts": 23,
  "whole-xfer.test.ts": 22,
  "syscalls.test.ts": 22,
  "crash.test.ts": 21,
  "process-leaks.test.ts": 20,
  "processes.test.ts": 20,
  "standby.test.ts": 19,
  "processes-cli.test.ts": 15,
  "fuzz-bus.test.ts": 13,
  "gateway.test.ts": 13,
  "direct-routing.test.ts": 12,
  "dashboard.test.ts": 12,
  "modules.test.ts": 11,
  "linked-batch.test.ts": 11,
};

class SlowFirst extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const weight = (f: TestSpecification) => SLOW[basename(f.moduleId)] ?? 0;
    // Array.prototype.sort is stable: ties keep vitest's own order.
    return (await super.sort(files)).sort((a, b) => weight(b) - weight(a));
  }
}

export default defineConfig({
  test: {
    include: ["tests/**/*.test.ts"],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: "forks",
    // Integration suites start real nats-servers and process trees; two at a time suits 2 cores.
    maxWorkers: 2,
    reporters: ["default"],
    sequence: { sequencer: SlowFirst },
  },
});
