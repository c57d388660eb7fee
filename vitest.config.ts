import { basename } from "node:path";
import { defineConfig } from "vitest/config";
import { BaseSequencer, type TestSpecification } from "vitest/node";

/**
 * Seconds the longest files took in CI (2026-12-01, two workers on two cores). A clean clone has
 * no timings cached, and vitest then starts the largest files first, so these small-but-slow ones
 * started last and the run waited on them alone; started first, they overlap the rest.
 */
const SLOW: Record<string, number> = {
  "compose.test.ts": 150,
  "chaos.test.ts": 104,
  "benchmarks.test.ts": 100,
  "persistence.test.ts": 93,
  "fuzz-bus.test.ts": 76,
  "whole-xfer.test.ts": 69,
  "cli.test.ts": 45,
  "shell.test.ts": 43,
  "crash.test.ts": 42,
  "strace-dmesg.test.ts": 37,
  "dashboard.test.ts": 37,
  "processes.test.ts": 36,
  "process-leaks.test.ts": 30,
  "gateway.test.ts": 31,
  "processes-cli.test.ts": 28,
  "differential.test.ts": 27,
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
