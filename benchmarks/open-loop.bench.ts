/**
 * Latency under open-loop load: calls sent at fixed rates whether or not answers have come,
 * from a tenth of the path's saturation throughput to beyond it, each latency measured from
 * the call's intended send time so that queueing shows (no coordinated omission). Saturation
 * is the throughput scenario's best rate for the path, or measured here when that is absent.
 */
import { median, openLoop, throughput, type OpenLoopRun } from "./lib/measure.js";
import { MESSAGE_PATHS, type PathName } from "./lib/paths.js";
import { Collector, type Config, type Context, type Scenario } from "./lib/scenario.js";
import { workload } from "./lib/workloads.js";

const pathsOf = (c: Config) => c.paths.filter((p) => MESSAGE_PATHS.includes(p));

async function saturation(ctx: Context, path: PathName, name: string): Promise<number> {
  const measured = ctx.results.results.filter((r) => r.scenario === "throughput" && r.path === path && r.workload === name);
  if (measured.length > 0) return Math.max(...measured.map((r) => r.ops_per_sec));
  const op = await ctx.op(path, workload(name));
  return op ? (await throughput(op, 64, ctx.config.windowMs)).ops_per_sec : 0;
}

export const scenario: Scenario = {
  name: "open-loop",
  steps: (c) => c.reps * c.workloads.openLoop.length * pathsOf(c).length * c.loadFractions.length,
  async run(ctx) {
    const { config, progress, results } = ctx;
    const reps = new Collector<{ path: PathName; workload: string; load_fraction: number }, OpenLoopRun>();
    const rates = new Map<string, number>();
    for (let rep = 1; rep <= config.reps; rep++) {
      for (const name of config.workloads.openLoop) {
        for (const path of pathsOf(config)) {
          const op = await ctx.op(path, workload(name));
          const key = `${path} ${name}`;
          if (!rates.has(key)) rates.set(key, await saturation(ctx, path, name));
          for (const fraction of config.loadFractions) {
            progress.step(`open loop ${name} ${path} at ${Math.round(fraction * 100)}% (${rep}/${config.reps})`);
            const rate = Math.max(1, Math.round(rates.get(key)! * fraction));
            if (op) reps.add({ path, workload: name, load_fraction: fraction }, await openLoop(op, rate, config.openLoopMs));
          }
        }
      }
    }
    for (const { key, values } of reps.entries()) {
      const med = (f: (r: OpenLoopRun) => number) => Math.round(median(values.map(f)) * 100) / 100;
      results.open_loop.push({
        ...key,
        reps: values.length,
        offered_per_sec: values[0].offered_per_sec,
        achieved_per_sec: Math.round(med((r) => r.achieved_per_sec)),
        p50_us: med((r) => r.p50_us),
        p90_us: med((r) => r.p90_us),
        p99_us: med((r) => r.p99_us),
        p999_us: med((r) => r.p999_us),
        max_us: med((r) => r.max_us),
      });
    }
  },
};
