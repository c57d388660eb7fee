/**
 * The run as Markdown: summary against targets, the charts, and a table per scenario. Also the
 * body of docs/benchmarks.md, which is regenerated from results, never edited by hand.
 */
import type { PathName } from "./paths.js";
import type { Results, Row } from "./scenario.js";
import { TARGETS } from "./summary.js";

const fmt = (v: number) => (v >= 100 ? Math.round(v).toLocaleString("en-US") : v >= 10 ? v.toFixed(1) : v.toFixed(2));
/** A Markdown table; `align` gives each column l or r (default: the first left, the rest right). */
const table = (head: string[], rows: string[][], align = "l" + "r".repeat(head.length - 1)) =>
  [`| ${head.join(" | ")} |`, `|${head.map((_, i) => (align[i] === "l" ? ":--" : "--:")).join("|")}|`, ...rows.map((r) => `| ${r.join(" | ")} |`)].join("\n");
/** A ratio to two significant digits: 0.0031×, 0.42×, 3.1×, 250×. */
const fmtRatio = (v: number) => `${v >= 100 ? Math.round(v) : Number(v.toPrecision(2))}×`;
const unique = <T>(xs: T[]) => [...new Set(xs)];

function latencyTables(r: Results): string[] {
  const rows = r.results.filter((x) => x.scenario === "latency");
  return unique(rows.map((x) => x.workload)).flatMap((w) => [
    `#### ${w}`,
    "",
    table(
      ["path", "p50 µs", "p90 µs", "p99 µs", "p99.9 µs", "max µs", "calls/s", "p50 over reps (noise)"],
      rows
        .filter((x) => x.workload === w)
        .map((x) => [x.path, fmt(x.p50_us), fmt(x.p90_us), fmt(x.p99_us), fmt(x.p999_us), fmt(x.max_us), fmt(x.ops_per_sec), `${fmt(x.p50_us_range[0])}–${fmt(x.p50_us_range[1])}`]),
    ),
    "",
  ]);
}

/** Rows workload × path, a column per level of `levelOf`. */
function sweep(rows: Row[], levelOf: (x: Row) => number, label: (n: number) => string): string {
  const levels = unique(rows.map(levelOf)).sort((a, b) => a - b);
  const keys = unique(rows.map((x) => `${x.workload}\u0000${x.path}`));
  const top = levels[levels.length - 1];
  return table(
    ["workload", "path", ...levels.map(label), `p99 µs at ${label(top)}`],
    keys.map((k) => {
      const [w, p] = k.split("\u0000");
      const at = (n: number) => rows.find((x) => x.workload === w && x.path === p && levelOf(x) === n);
      return [w, p, ...levels.map((n) => (at(n) ? fmt(at(n)!.ops_per_sec) : "–")), at(top) ? fmt(at(top)!.p99_us) : "–"];
    }),
    "ll" + "r".repeat(levels.length + 1),
  );
}

export function markdown(r: Results, chartLinks: { title: string; href: string }[]): string {
  const m = r.machine;
  const out: string[] = [
    `Run of ${r.started} (${r.quick ? "quick" : "full"}, ${Math.round(r.duration_s)} s): ${r.config.reps} repetitions per measurement, rows are medians of repetitions.`,
    "",
    table(["machine", ""], [
      ["cpu", `${m.cpu} × ${m.cores} cores`],
      ["memory", `${m.memory_gib} GiB`],
      ["os", m.os],
      ["node", m.node],
      ["nats-server", m.nats_server],
      ["cc", m.cc ?? "none (no native path)"],
    ], "ll"),
    "",
    "### Summary",
    "",
    table(
      ["ratio", "value", "target", "met", "what it divides"],
      r.targets.map((t) => [`\`${t.key}\``, t.value === null ? "–" : `${t.value}×`, t.want, t.met === null ? "–" : t.met ? "yes" : "**no**", TARGETS.find((x) => x.key === t.key)!.means]),
      "lrrll",
    ),
    "",
    ...chartLinks.flatMap((c) => [`![${c.title}](${c.href})`, ""]),
    "### Latency, one call in flight",
    "",
    ...latencyTables(r),
  ];
  const tput = r.results.filter((x) => x.scenario === "throughput");
  if (tput.length) out.push("### Throughput (calls/s) with calls in flight from one process", "", sweep(tput, (x) => x.concurrency, (n) => `${n} in flight`), "");
  const clients = r.results.filter((x) => x.scenario === "clients");
  if (clients.length) out.push("### Throughput (calls/s) from separate client processes, one call in flight each", "", sweep(clients, (x) => x.clients, (n) => `${n} proc`), "");
  if (r.open_loop.length) {
    out.push(
      "### Open-loop latency (from the intended send time)",
      "",
      table(
        ["workload", "path", "offered/s", "achieved/s", "load", "p50 µs", "p99 µs", "p99.9 µs", "max µs"],
        r.open_loop.map((x) => [x.workload, x.path, fmt(x.offered_per_sec), fmt(x.achieved_per_sec), `${Math.round(x.load_fraction * 100)}%`, fmt(x.p50_us), fmt(x.p99_us), fmt(x.p999_us), fmt(x.max_us)]),
        "llrrrrrrr",
      ),
      "",
    );
  }
  if (r.batch.length) {
    const sizes = unique(r.batch.map((x) => x.batch_size)).sort((a, b) => a - b);
    const keys = unique(r.batch.map((x) => `${x.workload}\u0000${x.path}`));
    out.push(
      "### Batched submission (syscalls/s, one batch in flight)",
      "",
      table(
        ["workload", "path", ...sizes.map((s) => (s === 0 ? "unbatched" : `batch ${s}`)), "best / unbatched"],
        keys.map((k) => {
          const [w, p] = k.split("\u0000");
          const at = (s: number) => r.batch.find((x) => x.workload === w && x.path === (p as PathName) && x.batch_size === s);
          const best = Math.max(...sizes.filter((s) => s > 0).map((s) => at(s)?.calls_per_sec ?? 0));
          const flat = at(0)?.calls_per_sec;
          return [w, p, ...sizes.map((s) => (at(s) ? fmt(at(s)!.calls_per_sec) : "–")), flat ? `${(best / flat).toFixed(1)}×` : "–"];
        }),
        "ll" + "r".repeat(sizes.length + 1),
      ),
      "",
    );
  }
  if (r.fs.length) {
    const host = r.fs.find((x) => x.path === "node-fs");
    const vs = (v: number, h: number | undefined) => (h ? ` (${(v / h).toFixed(3)}×)` : "");
    out.push(
      `### Filesystem throughput (${r.fs[0].mib} MiB in 1 MiB writes + fsync, read back; ${r.fs[0].files} files of 1 KiB + sync)`,
      "",
      table(
        ["path", "write MB/s (vs host)", "read MB/s (vs host)", "small files/s (vs host)", "linked small files/s (vs host)"],
        r.fs.map((x) => [
          x.path === "node-fs" ? "host node:fs" : x.path,
          fmt(x.write_mb_per_sec) + vs(x.write_mb_per_sec, host?.write_mb_per_sec),
          fmt(x.read_mb_per_sec) + vs(x.read_mb_per_sec, host?.read_mb_per_sec),
          fmt(x.small_files_per_sec) + vs(x.small_files_per_sec, host?.small_files_per_sec),
          x.small_files_linked_per_sec === undefined ? "—" : fmt(x.small_files_linked_per_sec) + vs(x.small_files_linked_per_sec, host?.small_files_per_sec),
        ]),
      ),
      "",
    );
  }
  if (r.isolation?.length) {
    out.push(
      "### The cost of isolation (p50 µs, the same calls on an isolated bus and an open one)",
      "",
      table(
        ["pair", "workload", "open p50", "isolated p50", "overhead", "open p99", "isolated p99"],
        r.isolation.map((x) => [x.pair, x.workload, fmt(x.open_p50_us), fmt(x.isolated_p50_us), `${x.overhead_pct > 0 ? "+" : ""}${x.overhead_pct}%`, fmt(x.open_p99_us), fmt(x.isolated_p99_us)]),
        "llrrrrr",
      ),
      "",
      "Isolated: nats-server in operator mode, every connection a JWT user with least-privilege permissions (raw-nats: a requester allowed only `bench.echo.*` and its inbox, a responder allowed only to answer; natix: the role table of docs/security.md), reply subjects checked. Open: anonymous connections, no permissions.",
      "",
    );
  }
  if (r.processes?.length) {
    const native = r.processes.find((x) => x.path === "native");
    const vs = (v: number, n: number | undefined) => (n ? ` (${fmtRatio(v / n)})` : "");
    const x0 = r.processes[0];
    out.push(
      `### Processes (${x0.spawns} spawns; ${x0.mib} MiB through cat; ${x0.round_trips} round trips)`,
      "",
      table(
        ["path", "spawn+wait /s", "spawn p50 µs", "spawn p99 µs", "pipe through cat MB/s", "ping-pong p50 µs", "ping-pong p99 µs"],
        r.processes.map((x) => [
          x.path === "native" ? "native (host)" : x.path,
          fmt(x.spawn_per_sec) + vs(x.spawn_per_sec, native?.spawn_per_sec),
          fmt(x.spawn_p50_us) + vs(x.spawn_p50_us, native?.spawn_p50_us),
          fmt(x.spawn_p99_us) + vs(x.spawn_p99_us, native?.spawn_p99_us),
          fmt(x.pipe_mb_per_sec) + vs(x.pipe_mb_per_sec, native?.pipe_mb_per_sec),
          fmt(x.pingpong_p50_us) + vs(x.pingpong_p50_us, native?.pingpong_p50_us),
          fmt(x.pingpong_p99_us) + vs(x.pingpong_p99_us, native?.pingpong_p99_us),
        ]),
      ),
      "",
      "In parentheses: the value divided by native's, measured in the same run (below 1× a rate is slower than native; above 1× a latency is). Spawn: posix_spawn of /bin/true, then waitpid, one after another after 3 warm-up spawns. Pipe: /bin/cat with its stdin and stdout on pipes, written in 64 KiB writes while being read back, timed from the first write to end of file (spawn and waitpid untimed). Ping-pong: 1 byte written to /bin/cat and read back from it (cat writes what each read brought before it reads again, as GNU cat does). In micro and mono each child is an OS process of its own; embedded, it runs in the caller's process. native is the C program with the host's /bin/true and /bin/cat.",
      "",
    );
  }
  out.push(
    "### Paths and workloads",
    "",
    table(["path", "what it is"], r.paths.map((p) => [p.name, p.about]), "ll"),
    "",
    table(["workload", "what it does", "frames (request/reply bytes)"], r.workloads.map((w) => [w.name, w.about, w.frames.map(([a, b]) => `${a}/${b}`).join(", ")]), "lll"),
    "",
  );
  return out.join("\n");
}
