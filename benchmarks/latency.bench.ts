/**
 * Latency one in flight: every path × workload, `samples` calls one after another after a
 * warm-up, repeated `reps` times. Repetitions are interleaved (rep → workload → path) so a
 * noisy moment of the machine is spread over all paths instead of landing on one.
 */
import { latency, type Measured } from "./lib/measure.js";
import { BULK_ONLY, measureNative, type PathName } from "./lib/paths.js";
import { Collector, rowOf, type Config, type Scenario } from "./lib/scenario.js";
import { workload } from "./lib/workloads.js";

/**
 * In-process paths take well under a microsecond: they get 50 times the samples, so that the
 * JIT has settled (a few hundred calls run in the interpreter and read 4× slower) and the run
 * lasts long enough to see the machine's noise.
 */
const IN_PROCESS: readonly PathName[] = ["native", "node-fs", "embedded"];
const scale = (path: PathName) => (IN_PROCESS.includes(path) ? 50 : 1);

const latencyPaths = (c: Config) => c.paths.filter((p) => !BULK_ONLY.includes(p));

export const scenario: Scenario = {
  name: "latency",
  steps: (c) => c.reps * c.workloads.latency.length * latencyPaths(c).length,
  async run({ config, progress, results, op, env }) {
    const reps = new Collector<{ path: PathName; workload: string }, Measured>();
    for (let rep = 1; rep <= config.reps; rep++) {
      for (const name of config.workloads.latency) {
        const w = workload(name);
        for (const path of latencyPaths(config)) {
          progress.step(`latency ${name} ${path} (${rep}/${config.reps})`);
          let m: Measured | undefined;
          const [samples, warmup] = [config.samples * scale(path), config.warmup * scale(path)];
          if (path === "native") m = measureNative(env, w, samples, warmup);
          else {
            const call = await op(path, w);
            if (call) m = await latency(call, samples, warmup);
          }
          if (m) reps.add({ path, workload: name }, m);
        }
      }
    }
    for (const { key, values } of reps.entries()) results.results.push(rowOf({ scenario: "latency", ...key, concurrency: 1, clients: 1 }, values));
  },
};
