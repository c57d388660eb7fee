/**
 * What a scenario is to the runner (benchmarks/run.ts): a name, how many progress steps it
 * takes under a configuration, and a run that measures and adds rows to the results. The
 * result types here are the JSON file's shape (benchmarks/results.schema.json documents it).
 */
import type { Env } from "./env.js";
import type { MachineInfo } from "./machine.js";
import { median, type Measured, type Op, type OpenLoopRun, type Percentiles } from "./measure.js";
import type { PathName } from "./paths.js";
import type { Progress } from "./progress.js";
import type { Workload } from "./workloads.js";

export interface Config {
  quick: boolean;
  /** Repetitions of every measurement; rows hold their medians. */
  reps: number;
  /** Latency: recorded calls per repetition, and unrecorded warm-up calls before them. */
  samples: number;
  warmup: number;
  /** Throughput, client and batch windows, ms (plus a warm-up of a quarter of it). */
  windowMs: number;
  /** Open loop: how long each offered rate is held, ms. */
  openLoopMs: number;
  inFlight: number[];
  clients: number[];
  batchSizes: number[];
  /** Fractions of a path's saturation throughput offered in the open-loop ramp. */
  loadFractions: number[];
  /** Filesystem scenario: MiB written and read back, small files created. */
  fsMiB: number;
  fsFiles: number;
  /** Processes scenario: spawns timed (after 3 warm-up ones), MiB piped through cat, 1-byte round trips. */
  procSpawns: number;
  procMiB: number;
  procRoundTrips: number;
  /** Workloads each scenario runs (names from workloads.ts). */
  workloads: { latency: string[]; throughput: string[]; clients: string[]; openLoop: string[]; batch: string[]; isolation: string[] };
  paths: PathName[];
}

/** One path × workload × concurrency: medians over repetitions, and their spread. */
export interface Row extends Percentiles {
  /** The scenario that measured it: latency (one in flight, sequential calls), throughput (K in
   *  flight in one process) or clients (separate client processes). */
  scenario: "latency" | "throughput" | "clients";
  path: PathName;
  workload: string;
  /** Calls in flight in each client process. */
  concurrency: number;
  /** Client processes, each with `concurrency` in flight. */
  clients: number;
  ops_per_sec: number;
  reps: number;
  /** Machine noise: [min, max] over repetitions. */
  p50_us_range: [number, number];
  ops_per_sec_range: [number, number];
  /** Latency CDF of the median repetition (latency rows at concurrency 1 only). */
  cdf?: [number, number][];
}

export interface OpenLoopRow extends OpenLoopRun {
  path: PathName;
  workload: string;
  reps: number;
  /** offered / the path's measured saturation throughput. */
  load_fraction: number;
}

export interface BatchRow {
  path: PathName;
  workload: string;
  /** 0 is unbatched: one ordinary syscall per message. */
  batch_size: number;
  /** Syscalls completed per second (not batches), one batch in flight. */
  calls_per_sec: number;
  calls_per_sec_range: [number, number];
  /** Latency of a whole batch. */
  p50_us: number;
  p99_us: number;
  reps: number;
}

export interface FsRow {
  path: PathName;
  /** Sequential write in 1 MiB writes, then fsync. */
  write_mb_per_sec: number;
  /** Sequential read of it back, 1 MiB at a time. */
  read_mb_per_sec: number;
  /** 1 KiB files created (open, write, close), then sync. */
  small_files_per_sec: number;
  /** The same, each file made by one linked batch (openat, write, close in one message); natix paths only. */
  small_files_linked_per_sec?: number;
  mib: number;
  files: number;
  reps: number;
}

/** The same calls with the bus isolated and open: what isolation costs. */
export interface IsolationRow {
  /** raw-nats: two nats.js clients (JWT users with least privilege vs anonymous); micro, mono: natix. */
  pair: "raw-nats" | "micro" | "mono";
  workload: string;
  open_p50_us: number;
  isolated_p50_us: number;
  /** (isolated − open) / open, percent. */
  overhead_pct: number;
  open_p99_us: number;
  isolated_p99_us: number;
  reps: number;
}

/** Processes on one path: spawn + exit + wait, a pipe through cat, 1-byte round trips through a child. */
export interface ProcessRow {
  /** native: the C program with the host's /bin/true and /bin/cat; the rest natix, its /bin. */
  path: PathName;
  /** posix_spawn("/bin/true") then waitpid, one after another. */
  spawn_per_sec: number;
  spawn_p50_us: number;
  spawn_p99_us: number;
  /** `mib` MiB written through /bin/cat in 64 KiB writes while reading it back: first write to end of file. */
  pipe_mb_per_sec: number;
  /** 1 byte written to a copying child on one pipe and read back from it on another. */
  pingpong_p50_us: number;
  pingpong_p99_us: number;
  spawns: number;
  mib: number;
  round_trips: number;
  reps: number;
}

export interface Results {
  schema: "natix-bench/1";
  started: string;
  duration_s: number;
  quick: boolean;
  machine: MachineInfo;
  config: Config;
  paths: { name: PathName; kind: string; about: string }[];
  workloads: { name: string; about: string; frames: [number, number][] }[];
  results: Row[];
  open_loop: OpenLoopRow[];
  batch: BatchRow[];
  fs: FsRow[];
  isolation: IsolationRow[];
  /** Absent from results written before the processes scenario existed. */
  processes?: ProcessRow[];
  summary: Record<SummaryKey, number | null>;
  targets: { key: SummaryKey; want: string; value: number | null; met: boolean | null }[];
}

export const SUMMARY_KEYS = [
  "micro_over_raw_p50",
  "mono_over_raw_p50",
  "embedded_over_native_p50",
  "micro_tput64_over_raw_pipelined",
  "batch32_over_unbatched",
  "micro_isolated_over_open_p50",
] as const;
export type SummaryKey = (typeof SUMMARY_KEYS)[number];

export interface Context {
  env: Env;
  config: Config;
  progress: Progress;
  results: Results;
  /** The op for a path and workload, prepared once and reused (undefined where it has none). */
  op(path: PathName, workload: Workload): Promise<Op | undefined>;
}

export interface Scenario {
  name: string;
  /** Progress steps run() will take. */
  steps(config: Config): number;
  run(ctx: Context): Promise<void>;
}

/** Medians over repetitions, per field; the CDF of the repetition with the median p50. */
export function rowOf(key: Pick<Row, "scenario" | "path" | "workload" | "concurrency" | "clients">, reps: Measured[]): Row {
  const med = (f: (m: Measured) => number) => round(median(reps.map(f)));
  const range = (f: (m: Measured) => number): [number, number] => [Math.min(...reps.map(f)), Math.max(...reps.map(f))];
  const byP50 = [...reps].sort((a, b) => a.p50_us - b.p50_us);
  const row: Row = {
    ...key,
    p50_us: med((m) => m.p50_us),
    p90_us: med((m) => m.p90_us),
    p99_us: med((m) => m.p99_us),
    p999_us: med((m) => m.p999_us),
    max_us: med((m) => m.max_us),
    ops_per_sec: Math.round(median(reps.map((m) => m.ops_per_sec))),
    reps: reps.length,
    p50_us_range: range((m) => m.p50_us),
    ops_per_sec_range: range((m) => m.ops_per_sec),
  };
  if (key.scenario === "latency") row.cdf = byP50[Math.floor((byP50.length - 1) / 2)].cdf;
  return row;
}

const round = (x: number) => Math.round(x * 100) / 100;

/** Repetitions collected under a key, in first-seen order. */
export class Collector<K, V> {
  private readonly map = new Map<string, { key: K; values: V[] }>();
  add(key: K, value: V): void {
    const id = JSON.stringify(key);
    let entry = this.map.get(id);
    if (entry === undefined) this.map.set(id, (entry = { key, values: [] }));
    entry.values.push(value);
  }
  entries(): { key: K; values: V[] }[] {
    return [...this.map.values()];
  }
}
