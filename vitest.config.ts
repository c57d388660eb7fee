import { basename } from "node:path";
import { defineConfig } from "vitest/config";
import { BaseSequencer, type TestSpecification } from "vitest/node";

/**
 * Seconds the longest files took in CI (2026-12-06, two workers on two cores). A clean clone has
 * no timings cached, and vitest then starts the largest files first, so these small-but-slow ones
 * started last and the run waited on them alone; started first, they overlap the rest.
 */
const SLOW: Record<string, number> = {
  "compose.test.ts": 160,
  "chaos.test.ts": 103,
  "shell.test.ts": 66,
  "persistence.test.ts": 60,
  "benchmarks.test.ts": 51,
  "cli.test.ts": 43,
  "whole-xfer.test.ts": 41,
  "strace-dmesg.test.ts": 35,
  "processes.test.ts": 33,
  "resilience.test.ts": 27,
  "syscalls.test.ts": 27,
  "dashboard.test.ts": 26,
  "crash.test.ts": 23,
  "fuzz-bus.test.ts": 22,
  "gateway.test.ts": 22,
  "standby.test.ts": 22,
  "modules.test.ts": 21,
  "processes-cli.test.ts": 20,
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
