/**
 * The benchmark runner (`npm run bench`): boots every path once, runs each scenario file in
 * turn with a progress bar, then writes the results (JSON, Markdown, SVG charts), prints the
 * summary ratios and regenerates docs/benchmarks.md.
 *
 *   npm run bench [-- --quick] [--json FILE] [--out DIR] [--no-docs | --docs]
 *                 [--only latency,throughput,...,processes] [--paths a,b] [--workloads a,b]
 *                 [--reps N] [--samples N] [--window-ms N] [--spawns N]
 *   npm run bench -- --docs-from benchmarks/results/DATE-HOST.json
 */
import { readFileSync } from "node:fs";
import { parseArgs } from "node:util";
import { bootEnv } from "./lib/env.js";
import { applyOverrides, defaultConfig } from "./lib/config.js";
import { machineInfo } from "./lib/machine.js";
import type { Op } from "./lib/measure.js";
import { opFor, PATHS, type PathName } from "./lib/paths.js";
import { Progress } from "./lib/progress.js";
import type { Context, Results, Scenario } from "./lib/scenario.js";
import { schemaErrors } from "./lib/schema.js";
import { summarize, TARGETS } from "./lib/summary.js";
import { RESULTS_DIR, writeDocs, writeRun } from "./lib/output.js";
import { WORKLOADS, type Workload } from "./lib/workloads.js";
import { scenario as latency } from "./latency.bench.js";
import { scenario as throughput } from "./throughput.bench.js";
import { scenario as clients } from "./clients.bench.js";
import { scenario as openLoop } from "./open-loop.bench.js";
import { scenario as batch } from "./batch.bench.js";
import { scenario as fs } from "./fs-throughput.bench.js";
import { scenario as isolation } from "./isolation.bench.js";
import { scenario as processes } from "./processes.bench.js";

/** In order: open-loop rates come from the throughput scenario's saturation. */
const SCENARIOS: Scenario[] = [latency, throughput, clients, openLoop, batch, fs, isolation, processes];

const { values: args } = parseArgs({
  options: {
    quick: { type: "boolean", default: false },
    json: { type: "string" },
    out: { type: "string", default: RESULTS_DIR },
    docs: { type: "boolean" },
    "no-docs": { type: "boolean", default: false },
    "docs-from": { type: "string" },
    only: { type: "string" },
    paths: { type: "string" },
    workloads: { type: "string" },
    reps: { type: "string" },
    samples: { type: "string" },
    "window-ms": { type: "string" },
    spawns: { type: "string" },
    help: { type: "boolean", default: false },
  },
});

function fail(message: string): never {
  process.stderr.write(`bench: ${message}\n`);
  process.exit(2);
}

if (args.help) {
  process.stdout.write(readFileSync(new URL(import.meta.url), "utf8").split("*/")[0].replace(/^\/\*\*?|^ \* ?/gm, "") + "\n");
  process.exit(0);
}

if (args["docs-from"]) {
  const r = JSON.parse(readFileSync(args["docs-from"], "utf8")) as Results;
  const problems = schemaErrors(r);
  if (problems.length) fail(`${args["docs-from"]} does not match the schema:\n  ${problems.join("\n  ")}`);
  process.stdout.write(`wrote ${writeDocs(r, args["docs-from"])}\n`);
  process.exit(0);
}

let config;
try {
  config = applyOverrides(defaultConfig(args.quick), args);
} catch (err) {
  fail((err as Error).message);
}
const only = args.only?.split(",") ?? SCENARIOS.map((s) => s.name);
const unknown = only.filter((n) => !SCENARIOS.some((s) => s.name === n));
if (unknown.length) fail(`--only: unknown scenario ${unknown.join(", ")} (known: ${SCENARIOS.map((s) => s.name).join(", ")})`);
const scenarios = SCENARIOS.filter((s) => only.includes(s.name));

const started = new Date();
const results: Results = {
  schema: "natix-bench/1",
  started: started.toISOString(),
  duration_s: 0,
  quick: config.quick,
  machine: machineInfo(),
  config,
  paths: PATHS.filter((p) => config.paths.includes(p.name)).map((p) => ({ name: p.name, kind: p.kind, about: p.about })),
  workloads: WORKLOADS.map((w) => ({ name: w.name, about: w.about, frames: w.frames })),
  results: [],
  open_loop: [],
  batch: [],
  fs: [],
  isolation: [],
  processes: [],
  summary: summarize({ results: [], batch: [] } as unknown as Results).summary,
  targets: [],
};

const progress = new Progress(1 + scenarios.reduce((n, s) => n + s.steps(config), 0));
progress.step(`booting ${config.paths.join(", ")}`);
const env = await bootEnv(config.paths);
const ops = new Map<string, Promise<Op | undefined>>();
const ctx: Context = {
  env,
  config,
  progress,
  results,
  op(path: PathName, w: Workload) {
    const key = `${path} ${w.name}`;
    let op = ops.get(key);
    if (op === undefined) ops.set(key, (op = opFor(env, path, w)));
    return op;
  },
};
const interrupted = () => {
  process.stderr.write("\nbench: interrupted; stopping what it started\n");
  void env.stop().finally(() => process.exit(130));
};
process.once("SIGINT", interrupted);
process.once("SIGTERM", interrupted);

try {
  for (const s of scenarios) await s.run(ctx);
} finally {
  await env.stop();
}

results.duration_s = Math.round((Date.now() - started.getTime()) / 100) / 10;
Object.assign(results, summarize(results));
const problems = schemaErrors(results);
if (problems.length) fail(`results do not match benchmarks/results.schema.json:\n  ${problems.join("\n  ")}`);

const files = writeRun(results, args.out, args.json);
const docs = args["no-docs"] ? false : (args.docs ?? !config.quick);
if (docs) files.push(writeDocs(results, files[0]));

const out: string[] = [`natix benchmarks, ${results.quick ? "quick" : "full"} run: ${results.duration_s} s on ${results.machine.cpu} × ${results.machine.cores}`, ""];
for (const t of results.targets) {
  const v = t.value === null ? "n/a" : `${t.value.toFixed(2)}×`;
  const verdict = t.met === null ? "not measured" : t.met ? "met" : "MISSED";
  out.push(`  ${t.key.padEnd(32)} ${v.padStart(8)}   target ${t.want.padEnd(7)} ${verdict.padEnd(12)} ${TARGETS.find((x) => x.key === t.key)!.means}`);
}
const p50 = (path: PathName, w: string) => results.results.find((r) => r.scenario === "latency" && r.path === path && r.workload === w)?.p50_us;
out.push("", "  hello_world p50 µs: " + (["raw-nats", "mono", "micro", "micro-forward", "micro-mediated", "embedded"] as PathName[]).map((p) => `${p} ${p50(p, "hello_world") ?? "–"}`).join(", "));
out.push("  getpid p50 µs: " + (["native", "embedded", "mono", "micro"] as PathName[]).map((p) => `${p} ${p50(p, "getpid") ?? "–"}`).join(", "));
out.push("", ...files.map((f) => `wrote ${f}`), "");
process.stdout.write(out.join("\n"));
