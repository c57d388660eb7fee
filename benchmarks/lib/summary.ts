/**
 * The headline ratios, each against a baseline measured in the same run, and the targets they
 * are held to (reported, never asserted: this machine is shared and noisy).
 */
import type { BatchRow, Results, Row, SummaryKey } from "./scenario.js";

type Find = Partial<Pick<Row, "scenario" | "path" | "workload" | "concurrency" | "clients">>;

const row = (r: Results, f: Find) =>
  r.results.find((x) => Object.entries(f).every(([k, v]) => x[k as keyof Row] === v));
const batch = (r: Results, f: Partial<BatchRow>) => r.batch.find((x) => Object.entries(f).every(([k, v]) => x[k as keyof BatchRow] === v));

const ratio = (a: number | undefined, b: number | undefined) => (a === undefined || b === undefined || b === 0 ? null : Math.round((a / b) * 100) / 100);

const p50 = (r: Results, path: Row["path"], workload: string) => row(r, { scenario: "latency", path, workload })?.p50_us;

export const TARGETS: { key: SummaryKey; op: "<=" | ">="; value: number; means: string }[] = [
  { key: "micro_over_raw_p50", op: "<=", value: 1.15, means: "micro (direct routing) hello_world p50 / raw nats.js request-reply p50 (same bytes)" },
  { key: "mono_over_raw_p50", op: "<=", value: 1.05, means: "mono hello_world p50 / raw nats.js request-reply p50" },
  { key: "embedded_over_native_p50", op: "<=", value: 4, means: "embedded getpid p50 / native getpid p50" },
  { key: "micro_tput64_over_raw_pipelined", op: ">=", value: 0.9, means: "micro hello_world ops/s at 64 in flight / raw nats.js at 64 in flight" },
  { key: "batch32_over_unbatched", op: ">=", value: 20, means: "micro hello_world calls/s in batches of 32 / unbatched" },
  { key: "micro_isolated_over_open_p50", op: "<=", value: 1.03, means: "micro hello_world p50 on an isolated bus / on an open one (the cost of isolation)" },
];

export function summarize(r: Results): Pick<Results, "summary" | "targets"> {
  const tput64 = (path: Row["path"]) => row(r, { scenario: "throughput", path, workload: "hello_world", concurrency: 64 })?.ops_per_sec;
  const calls = (size: number) => batch(r, { path: "micro", workload: "hello_world", batch_size: size })?.calls_per_sec;
  const summary: Record<SummaryKey, number | null> = {
    micro_over_raw_p50: ratio(p50(r, "micro", "hello_world"), p50(r, "raw-nats", "hello_world")),
    mono_over_raw_p50: ratio(p50(r, "mono", "hello_world"), p50(r, "raw-nats", "hello_world")),
    embedded_over_native_p50: ratio(p50(r, "embedded", "getpid"), p50(r, "native", "getpid")),
    micro_tput64_over_raw_pipelined: ratio(tput64("micro"), tput64("raw-nats")),
    batch32_over_unbatched: ratio(calls(32), calls(0)),
    micro_isolated_over_open_p50: (() => {
      const row = r.isolation?.find((x) => x.pair === "micro" && x.workload === "hello_world");
      return ratio(row?.isolated_p50_us, row?.open_p50_us);
    })(),
  };
  const targets = TARGETS.map(({ key, op, value }) => {
    const v = summary[key];
    return { key, want: `${op} ${value}`, value: v, met: v === null ? null : op === "<=" ? v <= value : v >= value };
  });
  return { summary, targets };
}
