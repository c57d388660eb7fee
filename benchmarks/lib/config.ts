/** How much a run measures: the full suite (minutes), --quick (under three minutes here). */
import { pathNames, type PathName } from "./paths.js";
import type { Config } from "./scenario.js";
import { workloadNames } from "./workloads.js";

/** What quick and full runs share: the concurrency, client, batch and path grids. */
const GRID = {
  inFlight: [1, 4, 16, 64],
  clients: [1, 2, 4],
  batchSizes: [1, 8, 32, 128],
  paths: pathNames,
} satisfies Partial<Config>;

export function defaultConfig(quick: boolean): Config {
  if (quick)
    return {
      ...GRID,
      quick,
      reps: 2,
      samples: 300,
      warmup: 50,
      windowMs: 250,
      openLoopMs: 300,
      loadFractions: [0.25, 0.5, 0.9, 1.2],
      fsMiB: 4,
      fsFiles: 100,
      procSpawns: 20,
      procMiB: 1,
      procRoundTrips: 200,
      workloads: { latency: workloadNames, throughput: ["getpid", "hello_world"], clients: ["hello_world"], openLoop: ["hello_world"], batch: ["hello_world"], isolation: ["hello_world"] },
    };
  return {
    ...GRID,
    quick,
    reps: 3,
    samples: 2000,
    warmup: 200,
    windowMs: 700,
    openLoopMs: 1000,
    loadFractions: [0.1, 0.25, 0.5, 0.75, 0.9, 1.0, 1.2],
    fsMiB: 16,
    fsFiles: 300,
    procSpawns: 50,
    procMiB: 4,
    procRoundTrips: 1000,
    workloads: {
      latency: workloadNames,
      throughput: workloadNames,
      clients: ["getpid", "hello_world", "pread4k"],
      openLoop: ["hello_world"],
      batch: ["hello_world", "pread4k"],
      isolation: ["getpid", "hello_world"],
    },
  };
}

export interface Overrides {
  reps?: string;
  samples?: string;
  "window-ms"?: string;
  spawns?: string;
  paths?: string;
  workloads?: string;
}

/** Command-line overrides: counts, and path or workload subsets (for short checks). */
export function applyOverrides(c: Config, o: Overrides): Config {
  const count = (name: string, v: string | undefined, fallback: number) => {
    if (v === undefined) return fallback;
    const n = Number(v);
    if (!Number.isInteger(n) || n < 1) throw new Error(`--${name} wants a positive integer, not ${v}`);
    return n;
  };
  const subset = <T extends string>(name: string, v: string | undefined, known: readonly T[]): T[] | undefined => {
    if (v === undefined) return undefined;
    const picked = v.split(",").filter(Boolean);
    const bad = picked.filter((x) => !known.includes(x as T));
    if (bad.length) throw new Error(`--${name}: unknown ${bad.join(", ")} (known: ${known.join(", ")})`);
    return picked as T[];
  };
  const windowMs = count("window-ms", o["window-ms"], c.windowMs);
  const paths = subset<PathName>("paths", o.paths, pathNames) ?? c.paths;
  const only = subset("workloads", o.workloads, workloadNames);
  const keep = (ws: string[]) => (only ? ws.filter((w) => only.includes(w)) : ws);
  return {
    ...c,
    reps: count("reps", o.reps, c.reps),
    samples: count("samples", o.samples, c.samples),
    warmup: o.samples ? Math.min(c.warmup, count("samples", o.samples, c.samples)) : c.warmup,
    windowMs,
    openLoopMs: o["window-ms"] ? windowMs : c.openLoopMs,
    procSpawns: count("spawns", o.spawns, c.procSpawns),
    // Ping-pong's round trips are latency samples: --samples bounds them too.
    procRoundTrips: o.samples ? Math.min(c.procRoundTrips, count("samples", o.samples, c.samples)) : c.procRoundTrips,
    paths,
    workloads: {
      latency: keep(c.workloads.latency),
      throughput: keep(c.workloads.throughput),
      clients: keep(c.workloads.clients),
      openLoop: keep(c.workloads.openLoop),
      batch: keep(c.workloads.batch),
      isolation: keep(c.workloads.isolation),
    },
  };
}
