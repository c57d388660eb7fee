/**
 * The benchmark runner on a tiny run: it boots every path for real, measures a few calls,
 * writes results that match benchmarks/results.schema.json, the Markdown and the charts. The
 * numbers are not checked (speed belongs in benchmarks, not tests); their shape is.
 */
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { schemaErrors } from "../build/benchmarks/lib/schema.js";

const RUNNER = "build/benchmarks/run.js";
const bench = (args: string[]) => spawnSync(process.execPath, [RUNNER, ...args], { encoding: "utf8", timeout: 240_000 });

describe("npm run bench on a tiny run", () => {
  const out = mkdtempSync(join(tmpdir(), "natix-bench-test-"));
  const copy = join(out, "copy", "results.json");
  let run: ReturnType<typeof bench>;
  let results: Record<string, any>;

  beforeAll(() => {
    run = bench(["--quick", "--reps", "1", "--samples", "20", "--window-ms", "100", "--spawns", "1", "--workloads", "getpid,hello_world", "--out", out, "--json", copy, "--no-docs"]);
    const json = readdirSync(out).find((f) => f.endsWith(".json"));
    results = json ? JSON.parse(readFileSync(join(out, json), "utf8")) : {};
  }, 240_000);
  afterAll(() => rmSync(out, { recursive: true, force: true }));

  it("exits 0 and draws its progress on stderr", () => {
    expect(run.stderr).toContain("100%");
    expect(run.status).toBe(0);
  });

  it("writes <date>-<host>.json matching the schema, and the same JSON to --json", () => {
    expect(schemaErrors(results)).toEqual([]);
    expect(readdirSync(out).filter((f) => f.endsWith(".json"))[0]).toMatch(/^\d{4}-\d{2}-\d{2}-[\w.-]+\.json$/);
    expect(JSON.parse(readFileSync(copy, "utf8"))).toEqual(results);
  });

  it("has a summary with exactly the six ratios, measured", () => {
    expect(Object.keys(results.summary).sort()).toEqual(
      ["batch32_over_unbatched", "embedded_over_native_p50", "micro_over_raw_p50", "micro_tput64_over_raw_pipelined", "mono_over_raw_p50", "micro_isolated_over_open_p50"].sort(),
    );
    for (const key of ["micro_over_raw_p50", "mono_over_raw_p50", "micro_tput64_over_raw_pipelined", "batch32_over_unbatched", "micro_isolated_over_open_p50"]) expect(results.summary[key]).toBeGreaterThan(0);
    for (const key of Object.keys(results.summary)) expect(run.stdout).toContain(key);
  });

  it("measures every message path for both workloads, at 1 to 64 in flight and 1 to 4 processes", () => {
    const rows = results.results as { scenario: string; path: string; workload: string; concurrency: number; clients: number; p50_us: number; ops_per_sec: number }[];
    for (const path of ["embedded", "mono", "micro", "micro-forward", "micro-mediated", "raw-nats", "raw-tcp"])
      for (const workload of ["getpid", "hello_world"]) {
        const latency = rows.find((r) => r.scenario === "latency" && r.path === path && r.workload === workload);
        expect(latency?.p50_us, `${path} ${workload}`).toBeGreaterThan(0);
        expect(rows.filter((r) => r.scenario === "throughput" && r.path === path && r.workload === workload).map((r) => r.concurrency)).toEqual([1, 4, 16, 64]);
      }
    expect(rows.filter((r) => r.scenario === "clients" && r.path === "micro").map((r) => r.clients)).toEqual([1, 2, 4]);
    expect(new Set(results.batch.filter((b: { path: string }) => b.path === "micro").map((b: { batch_size: number }) => b.batch_size))).toEqual(new Set([0, 1, 8, 32, 128]));
    expect(results.open_loop.length).toBeGreaterThan(0);
    // micro-bus (every byte in messages, no shared segment) is measured where bytes are bulk only.
    expect(results.fs.map((f: { path: string }) => f.path)).toEqual(["node-fs", "embedded", "mono", "micro", "micro-forward", "micro-mediated", "micro-bus"]);
    expect(rows.filter((r) => r.path === "micro-bus")).toEqual([]);
  });

  it("measures the cost of isolation: raw nats.js, micro and mono, each on an isolated bus and an open one", () => {
    const rows = results.isolation as { pair: string; workload: string; open_p50_us: number; isolated_p50_us: number }[];
    expect(rows.map((r) => `${r.pair} ${r.workload}`)).toEqual(["raw-nats hello_world", "micro hello_world", "mono hello_world"]);
    for (const r of rows) {
      expect(r.open_p50_us, r.pair).toBeGreaterThan(0);
      expect(r.isolated_p50_us, r.pair).toBeGreaterThan(0);
    }
    expect(readFileSync(join(out, readdirSync(out).find((f) => f.endsWith(".md"))!), "utf8")).toContain("### The cost of isolation");
  });

  it("measures processes (spawn, a pipe through cat, ping-pong) on every natix path, and native with cc", () => {
    const rows = results.processes as { path: string; spawn_per_sec: number; spawn_p50_us: number; pipe_mb_per_sec: number; pingpong_p50_us: number; spawns: number }[];
    const natix = ["embedded", "mono", "micro"]; // not micro's routing variants (processes.bench.ts)
    expect(rows.map((r) => r.path)).toEqual(results.machine.cc ? ["native", ...natix] : natix);
    for (const r of rows) {
      for (const v of [r.spawn_per_sec, r.spawn_p50_us, r.pipe_mb_per_sec, r.pingpong_p50_us]) expect(v, r.path).toBeGreaterThan(0);
      expect(r.spawns).toBe(1);
    }
    expect(readFileSync(join(out, readdirSync(out).find((f) => f.endsWith(".md"))!), "utf8")).toContain("### Processes");
  });

  it("writes the Markdown table and one SVG per chart beside the JSON", () => {
    const files = readdirSync(out);
    const md = readFileSync(join(out, files.find((f) => f.endsWith(".md"))!), "utf8");
    expect(md).toContain("| `micro_over_raw_p50` |");
    for (const chart of ["latency-cdf", "latency-vs-load", "throughput-vs-inflight", "throughput-vs-batch"]) {
      const svg = files.find((f) => f.endsWith(`-${chart}.svg`));
      expect(svg, chart).toBeDefined();
      const text = readFileSync(join(out, svg!), "utf8");
      expect(text).toMatch(/^<svg [^>]*xmlns="http:\/\/www.w3.org\/2000\/svg"/);
      expect(text).toMatch(/<path d="M[\d.]+ [\d.]+ L/);
      expect(md).toContain(`](${svg})`);
    }
  });
});

describe("the results schema", () => {
  it("rejects results that lack a summary ratio or carry a foreign path", () => {
    const bad = { schema: "natix-bench/1", summary: { micro_over_raw_p50: 1 }, paths: [{ name: "warp", kind: "natix", about: "" }] };
    const errors = schemaErrors(bad).join("\n");
    expect(errors).toMatch(/\/summary must have required property 'mono_over_raw_p50'/);
    expect(errors).toMatch(/\/paths\/0\/name must be equal to one of the allowed values/);
  });
});

describe("bad arguments", () => {
  it("get a precise message and exit 2, before anything boots", () => {
    const reps = bench(["--reps", "0"]);
    expect(reps.status).toBe(2);
    expect(reps.stderr).toContain("--reps wants a positive integer, not 0");
    const only = bench(["--only", "latency,nope"]);
    expect(only.status).toBe(2);
    expect(only.stderr).toContain("--only: unknown scenario nope");
    const paths = bench(["--paths", "micro,warp"]);
    expect(paths.status).toBe(2);
    expect(paths.stderr).toMatch(/--paths: unknown warp \(known: native, node-fs, embedded/);
  });

  it("--docs-from refuses a file that does not match the schema", () => {
    const dir = mkdtempSync(join(tmpdir(), "natix-bench-bad-"));
    const file = join(dir, "bad.json");
    spawnSync("sh", ["-c", `echo '{"schema":"natix-bench/1"}' > ${file}`]);
    const r = bench(["--docs-from", file]);
    expect(r.status).toBe(2);
    expect(r.stderr).toContain("does not match the schema");
    expect(existsSync(file)).toBe(true);
    rmSync(dir, { recursive: true, force: true });
  });
});
