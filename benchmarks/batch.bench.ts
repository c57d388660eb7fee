/**
 * Batched submission (io_uring-style): syscalls per second with one batch of 1, 8, 32, 128
 * independent calls in flight, beside the same call made unbatched (batch size 0 in the
 * results: one ordinary syscall per message, one in flight), on every natix path.
 */
import { median, throughput, type Measured, type Op } from "./lib/measure.js";
import type { PathName } from "./lib/paths.js";
import { NATIX_PATHS } from "./lib/env.js";
import { Collector, type Config, type Scenario } from "./lib/scenario.js";
import { workload } from "./lib/workloads.js";

const pathsOf = (c: Config) => NATIX_PATHS.filter((p) => c.paths.includes(p));

export const scenario: Scenario = {
  name: "batch",
  steps: (c) => c.reps * c.workloads.batch.length * pathsOf(c).length * (c.batchSizes.length + 1),
  async run({ config, progress, results, env }) {
    const reps = new Collector<{ path: PathName; workload: string; batch_size: number }, Measured>();
    for (let rep = 1; rep <= config.reps; rep++) {
      for (const name of config.workloads.batch) {
        const w = workload(name);
        if (w.call === undefined) throw new Error(`workload ${name} is several syscalls; batches take single calls`);
        for (const path of pathsOf(config)) {
          const p = await env.proc(path);
          const call = await w.call(p);
          for (const size of [0, ...config.batchSizes]) {
            progress.step(`batch ${name} ${path} ×${size || "unbatched"} (${rep}/${config.reps})`);
            const calls = Array.from({ length: size }, () => call);
            const op: Op = size === 0 ? () => p.rawSyscall(...call) : () => p.batch(calls);
            reps.add({ path, workload: name, batch_size: size }, await throughput(op, 1, config.windowMs));
          }
        }
      }
    }
    for (const { key, values } of reps.entries()) {
      const perCall = values.map((m) => m.ops_per_sec * Math.max(1, key.batch_size));
      results.batch.push({
        ...key,
        calls_per_sec: Math.round(median(perCall)),
        calls_per_sec_range: [Math.min(...perCall), Math.max(...perCall)],
        p50_us: median(values.map((m) => m.p50_us)),
        p99_us: median(values.map((m) => m.p99_us)),
        reps: values.length,
      });
    }
  },
};
