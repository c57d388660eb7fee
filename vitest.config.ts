import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["tests/**/*.test.ts"],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: "forks",
    // Integration suites start real nats-servers and process trees; two at a time suits 2 cores.
    maxWorkers: 2,
    reporters: ["default"],
  },
});
