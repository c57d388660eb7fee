/**
 * The run's charts, from its results: the latency CDF per path, latency against offered load
 * (open loop), throughput against calls in flight, and throughput against batch size.
 */
import type { PathName } from "./paths.js";
import type { Results } from "./scenario.js";
import { chart, type Panel, type Series } from "./svg.js";

export const PATH_COLORS: Record<PathName, string> = {
  native: "#000000",
  "node-fs": "#8c8c8c",
  embedded: "#2ca02c",
  mono: "#1f77b4",
  micro: "#d62728",
  "micro-forward": "#e377c2",
  "micro-mediated": "#ff7f0e",
  "micro-bus": "#bcbd22",
  "raw-nats": "#9467bd",
  "raw-tcp": "#8c564b",
};

const byPath = <T extends { path: PathName }>(rows: T[]) => {
  const m = new Map<PathName, T[]>();
  for (const r of rows) m.set(r.path, [...(m.get(r.path) ?? []), r]);
  return [...m.entries()];
};

const usAxis = (label: string) => ({ label, log: true });

/**
 * The CDF's vertical axis in "nines", as HDR histogram plots draw it: q ↦ −log10(1 − q/100),
 * so 90, 99, 99.9 and 99.99 % are evenly spaced and the tail, where paths differ, is visible.
 * The maximum (q = 100) is drawn a little above 99.99 %.
 */
const NINES_MAX = 4.5;
const nines = (q: number) => (q >= 100 ? NINES_MAX : -Math.log10(1 - q / 100));
const NINES_TICKS: [number, string][] = [[0, "0"], [nines(50), "50"], [1, "90"], [2, "99"], [3, "99.9"], [4, "99.99"], [NINES_MAX, "max"]];

function latencyCdf(r: Results): string | undefined {
  const panels: Panel[] = [];
  for (const workload of ["getpid", "hello_world"]) {
    const rows = r.results.filter((x) => x.scenario === "latency" && x.workload === workload && x.cdf);
    if (rows.length === 0) continue;
    panels.push({
      title: `${workload}, one in flight`,
      x: usAxis("latency (µs, log scale)"),
      y: {
        label: "calls completed within (percentile)",
        min: 0,
        max: NINES_MAX,
        ticks: NINES_TICKS.map(([v]) => v),
        format: (v) => NINES_TICKS.find(([t]) => t === v)?.[1] ?? "",
      },
      series: rows.map((x) => ({ label: x.path, color: PATH_COLORS[x.path], points: x.cdf!.map(([q, us]) => [us, nines(q)] as [number, number]) })),
    });
  }
  return panels.length ? chart("Latency CDF per path (HDR histogram, median repetition)", panels) : undefined;
}

function latencyVsLoad(r: Results): string | undefined {
  const rows = r.open_loop.filter((x) => x.workload === "hello_world");
  if (rows.length === 0) return undefined;
  const panel = (pct: "p50_us" | "p99_us", title: string): Panel => ({
    title,
    x: { label: "offered load (calls/s, log scale)", log: true },
    y: usAxis("latency from intended send (µs, log scale)"),
    series: byPath(rows).map(([path, xs]) => ({ label: path, color: PATH_COLORS[path], points: xs.map((x) => [x.offered_per_sec, x[pct]] as [number, number]) })),
  });
  return chart("hello_world latency under open-loop load (no coordinated omission)", [panel("p50_us", "p50"), panel("p99_us", "p99")]);
}

function throughputVsInFlight(r: Results): string | undefined {
  const rows = r.results.filter((x) => x.scenario === "throughput" && x.workload === "hello_world");
  if (rows.length === 0) return undefined;
  const ticks = [...new Set(rows.map((x) => x.concurrency))].sort((a, b) => a - b);
  return chart("hello_world throughput with calls in flight from one process", [
    {
      title: "throughput",
      x: { label: "calls in flight (log scale)", log: true, ticks, format: String },
      y: { label: "calls/s (log scale)", log: true },
      series: byPath(rows).map(([path, xs]) => ({ label: path, color: PATH_COLORS[path], points: xs.map((x) => [x.concurrency, x.ops_per_sec] as [number, number]) })),
    },
  ]);
}

function throughputVsBatch(r: Results): string | undefined {
  const rows = r.batch.filter((x) => x.workload === "hello_world");
  if (rows.length === 0) return undefined;
  const sizes = [...new Set(rows.map((x) => x.batch_size).filter((s) => s > 0))].sort((a, b) => a - b);
  const series: Series[] = [];
  for (const [path, xs] of byPath(rows)) {
    series.push({ label: `${path} batched`, color: PATH_COLORS[path], points: xs.filter((x) => x.batch_size > 0).map((x) => [x.batch_size, x.calls_per_sec]) });
    const flat = xs.find((x) => x.batch_size === 0);
    if (flat && sizes.length) series.push({ label: `${path} unbatched`, color: PATH_COLORS[path], dashed: true, points: [sizes[0], sizes[sizes.length - 1]].map((s) => [s, flat.calls_per_sec]) });
  }
  return chart("Batched submission: hello_world calls/s, one batch in flight", [
    { title: "throughput vs batch size", x: { label: "calls per batch (log scale)", log: true, ticks: sizes, format: String }, y: { label: "syscalls/s (log scale)", log: true }, series },
  ]);
}

export const CHARTS = [
  { file: "latency-cdf.svg", title: "Latency CDF per path", make: latencyCdf },
  { file: "latency-vs-load.svg", title: "Latency vs offered load", make: latencyVsLoad },
  { file: "throughput-vs-inflight.svg", title: "Throughput vs calls in flight", make: throughputVsInFlight },
  { file: "throughput-vs-batch.svg", title: "Throughput vs batch size", make: throughputVsBatch },
] as const;
