/**
 * Where a call's CPU goes: runs N sequential calls against a fresh system (or the raw nats.js
 * echo floor) and prints the CPU time per call of every process involved — the caller, from
 * process.cpuUsage(), and each component and nats-server, from /proc/<pid>/stat (Linux only;
 * clock ticks of 10 ms, so use N ≥ 10,000). This is what docs/performance.md's tables come from.
 *
 *   node build/benchmarks/cpu-per-call.js [--mode micro|mono|raw] [--routing direct|forward|mediate]
 *        [--workload hello_world|getpid] [--calls N]
 */
import { parseArgs } from "node:util";
import { readFileSync, readdirSync, readlinkSync } from "node:fs";
import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { connect as natsConnect } from "@nats-io/transport-node";
import { startSystem } from "../services/launcher.js";
import { startNatsServer } from "../services/nats-server.js";
import { requesterOf } from "../transport/requester.js";
import { connect } from "../client-libc/mod.js";
import { SYS } from "../kernel-core/syscalls/table.js";
import { ROUTING_MODES, type RoutingMode } from "../kernel-core/kernel.js";
import { workload } from "./lib/workloads.js";

const { values } = parseArgs({
  options: {
    mode: { type: "string", default: "micro" },
    routing: { type: "string", default: "direct" },
    workload: { type: "string", default: "hello_world" },
    calls: { type: "string", default: "10000" },
  },
});
const calls = Number(values.calls);
if (!["micro", "mono", "raw"].includes(values.mode!) || !ROUTING_MODES.includes(values.routing as RoutingMode) || !["hello_world", "getpid"].includes(values.workload!) || !(calls > 0)) {
  process.stderr.write("usage: cpu-per-call [--mode micro|mono|raw] [--routing direct|forward|mediate] [--workload hello_world|getpid] [--calls N]\n");
  process.exit(2);
}

/** utime + stime of a process, in clock ticks (10 ms). */
function ticks(pid: number): number {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1].split(" ");
    return Number(fields[11]) + Number(fields[12]);
  } catch {
    return 0;
  }
}

/** The process listening on TCP `port` (the nats-server: its port is chosen at start). */
function listenerOf(port: number): number | undefined {
  const hex = `:${port.toString(16).toUpperCase().padStart(4, "0")}`;
  const row = readFileSync("/proc/net/tcp", "utf8").split("\n").find((l) => l.trim().split(/\s+/)[1]?.endsWith(hex) && l.trim().split(/\s+/)[3] === "0A");
  const inode = row?.trim().split(/\s+/)[9];
  if (inode === undefined) return undefined;
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (readdirSync(`/proc/${entry}/fd`).some((fd) => readlinkSync(`/proc/${entry}/fd/${fd}`) === `socket:[${inode}]`)) return Number(entry);
    } catch {
      // not ours to read, or gone
    }
  }
  return undefined;
}

/** Every process whose command line names this port (the components), and its nats-server. */
function processesOf(marker: string): { pid: number; name: string }[] {
  const found: { pid: number; name: string }[] = [];
  const server = listenerOf(Number(marker));
  for (const entry of readdirSync("/proc")) {
    const pid = Number(entry);
    if (!Number.isInteger(pid) || pid === process.pid) continue;
    try {
      const cmd = readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0").filter(Boolean);
      if (cmd.some((a) => a.includes(marker)) || pid === server) found.push({ pid, name: cmd.join(" ").replace(/\S*\/(?=[^/\s]+\.js)/g, "").slice(0, 70) });
    } catch {
      // gone meanwhile
    }
  }
  return found;
}

async function measure(call: () => Promise<unknown>, others: { pid: number; name: string }[]): Promise<void> {
  for (let i = 0; i < 2000; i++) await call();
  const before = others.map((o) => ticks(o.pid));
  const cpu = process.cpuUsage();
  const started = performance.now();
  for (let i = 0; i < calls; i++) await call();
  const wall = (performance.now() - started) / calls;
  const used = process.cpuUsage(cpu);
  const us = (n: number) => n.toFixed(1).padStart(7);
  console.log(`${values.mode}${values.mode === "micro" ? ` (${values.routing})` : ""} ${values.workload}, ${calls} calls`);
  console.log(`${us(wall * 1000)} µs  wall per call`);
  console.log(`${us((used.user + used.system) / calls)} µs  CPU per call: the caller`);
  others.forEach((o, i) => {
    const d = ticks(o.pid) - before[i];
    if (d > 0) console.log(`${us((d * 10_000) / calls)} µs  CPU per call: ${o.name}`);
  });
}

// The raw floor moves the same bytes as the workload's syscall frames (as the latency bench does).
const [requestBytes, replyBytes] = workload(values.workload!).frames[0];
if (values.mode === "raw") {
  const server = await startNatsServer();
  const responder = spawn(process.execPath, [fileURLToPath(new URL("./lib/echo-responder.js", import.meta.url)), server.url], { stdio: ["ignore", "pipe", "inherit"] });
  await new Promise((r) => responder.stdout!.once("data", r));
  const nc = await natsConnect({ servers: server.url, noAsyncTraces: true });
  const frame = new Uint8Array(requestBytes);
  const requester = requesterOf(nc); // natix's calls' request/reply (paths.ts rawNatsOp)
  await measure(() => requester.request(`bench.echo.${replyBytes}`, frame, { timeout: 5000 }), processesOf(String(server.port)));
  responder.kill();
  await nc.close();
  await server.stop();
} else {
  const sys = await startSystem({ mode: values.mode as "micro" | "mono", routing: values.routing as RoutingMode });
  const proc = await connect({ nats: sys.natsUrl, argv: ["cpu-per-call"] });
  const buf = new Uint8Array(64);
  const call = values.workload === "getpid" ? () => proc.getpid() : () => proc.syscall(SYS.hello_world, "Kam", 4, buf, 64);
  const port = new URL(sys.natsUrl).port;
  await measure(call, processesOf(port));
  await proc.exit(0).catch(() => {});
  await sys.stop();
}
process.exit(0);
