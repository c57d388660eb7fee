/**
 * Throughput with 1, 4, 16, 64 calls in flight from one process, on every path that carries
 * calls as messages (native calls are synchronous: one in flight is all a thread has). The
 * latency each call saw meanwhile is recorded with it.
 */
import { throughput, type Measured } from "./lib/measure.js";
import { MESSAGE_PATHS, type PathName } from "./lib/paths.js";
import { Collector, rowOf, type Config, type Scenario } from "./lib/scenario.js";
import { workload } from "./lib/workloads.js";

const pathsOf = (c: Config) => c.paths.filter((p) => MESSAGE_PATHS.includes(p));

export const scenario: Scenario = {
  name: "throughput",
  steps: (c) => c.reps * c.workloads.throughput.length * pathsOf(c).length * c.inFlight.length,
  async run({ config, progress, results, op }) {
    const reps = new Collector<{ path: PathName; workload: string; concurrency: number }, Measured>();
    for (let rep = 1; rep <= config.reps; rep++) {
      for (const name of config.workloads.throughput) {
        for (const path of pathsOf(config)) {
          const call = await op(path, workload(name));
          for (const k of config.inFlight) {
            progress.step(`throughput ${name} ${path} ×${k} (${rep}/${config.reps})`);
            if (call) reps.add({ path, workload: name, concurrency: k }, await throughput(call, k, config.windowMs));
          }
        }
      }
    }
    for (const { key, values } of reps.entries()) results.results.push(rowOf({ scenario: "throughput", ...key, clients: 1 }, values));
  },
};
