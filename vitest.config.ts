import { basename } from "node:path";
import { defineConfig } from "vitest/config";
import { BaseSequencer, type TestSpecification } from "vitest/node";

/**
 * Seconds the longest files took in CI (2026-12-02, two workers on two cores). A clean clone has
 * no timings cached, and vitest then starts the largest files first, so these small-but-slow ones
 * started last and the run waited on them alone; started first, they overlap the rest.
 */
const SLOW: Record<string, number> = {
  "compose.test.ts": 267,
  "persistence.test.ts": 125,
  "chaos.test.ts": 111,
  "benchmarks.test.ts": 95,
  "whole-xfer.test.ts": 61,
  "fuzz-bus.test.ts": 53,
  "shell.test.ts": 48,
  "cli.test.ts": 47,
  "strace-dmesg.test.ts": 43,
  "processes.test.ts": 36,
  "syscalls.test.ts": 33,
  "standby.test.ts": 31,
  "gateway.test.ts": 31,
  "crash.test.ts": 30,
  "differential.test.ts": 30,
  "dashboard.test.ts": 28,
  "processes-cli.test.ts": 27,
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
