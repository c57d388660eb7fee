/**
 * One hello_world syscall's latency, one in flight, through every path, in one run:
 * micro with reply forwarding, micro fully mediated, mono over NATS, embedded, and beside them
 * a bare nats.js request/reply between two processes with the same payload sizes.
 *
 *   npm run build && node build/benchmarks/hello-latency.bench.js [--n 5000] [--rounds 3]
 *
 * Paths are measured in interleaved rounds; each row shows the median of the rounds' p50 and
 * the spread (min–max) as a measure of machine noise.
 */
import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { connect as natsConnect } from "@nats-io/transport-node";
import { connect, type Proc } from "../client-libc/mod.js";
import { startSystem, type RunningSystem } from "../services/launcher.js";
import { createEmbeddedSystem } from "../services/embedded.js";
import { startNatsServer } from "../services/nats-server.js";
import { encodeReply, encodeRequest } from "../kernel-core/abi/frame.js";
import { measureSequential, type Percentiles } from "./lib/histogram.js";

const { values } = parseArgs({ options: { n: { type: "string", default: "5000" }, rounds: { type: "string", default: "3" } } });
const N = Number(values.n);
const ROUNDS = Number(values.rounds);

const name = "Kam";
const message = new Uint8Array(64);
const hello = (p: Proc) => () => p.syscall(999, name, 4, message, 64);

// Same byte counts as the syscall's request and reply frames.
const requestBytes = encodeRequest({ nr: 999, args: [0, 4, 0, 64], input: [Buffer.from("Kam\0")], outCap: [-1, -1, 64, -1] }).length;
const replyBytes = encodeReply({ ret: 0, output: [undefined, undefined, new Uint8Array(11)] }).length;

interface Path {
  label: string;
  op: () => Promise<unknown>;
  results: Percentiles[];
}

const nats = await startNatsServer();
const systems: RunningSystem[] = [];
const paths: Path[] = [];
const cleanups: (() => Promise<unknown>)[] = [];
try {
  // Raw floor: a responder process and a requester here.
  const responder = spawn(process.execPath, [fileURLToPath(new URL("./lib/echo-responder.js", import.meta.url)), nats.url, "bench.echo", String(replyBytes)], {
    stdio: ["ignore", "pipe", "inherit"],
  });
  await new Promise((r) => responder.stdout!.once("data", r));
  cleanups.push(async () => responder.kill("SIGTERM"));
  const nc = await natsConnect({ servers: nats.url, noAsyncTraces: true });
  cleanups.push(() => nc.close());
  const payload = new Uint8Array(requestBytes);
  paths.push({ label: "raw nats.js request/reply", op: () => nc.request("bench.echo", payload, { timeout: 5000 }), results: [] });

  for (const [label, mode, routing] of [
    ["micro (reply forwarding)", "micro", "forward"],
    ["micro (full mediation)", "micro", "mediate"],
    ["mono over NATS", "mono", "forward"],
  ] as const) {
    const natsForSystem = await startNatsServer();
    cleanups.push(() => natsForSystem.stop());
    const system = await startSystem({ mode, routing, nats: natsForSystem.url });
    systems.push(system);
    const p = await connect({ nats: natsForSystem.url, argv: ["bench"] });
    cleanups.push(() => p.exit(0));
    paths.push({ label, op: hello(p), results: [] });
  }
  const embedded = await createEmbeddedSystem();
  const pe = await connect({ embedded, argv: ["bench"] });
  paths.push({ label: "embedded (direct calls)", op: hello(pe), results: [] });

  for (let round = 0; round < ROUNDS; round++) {
    for (const path of paths) path.results.push(await measureSequential(path.op, N, Math.min(1000, N)));
  }

  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
  const raw = median(paths[0].results.map((r) => r.p50));
  console.log(`hello_world latency, 1 in flight, ${N} calls × ${ROUNDS} rounds (µs; median of rounds, noise min–max of p50)`);
  console.log(`request ${requestBytes} B, reply ${replyBytes} B; node ${process.version}`);
  console.log("| path | p50 | p50 noise | p90 | p99 | p50 / raw |");
  console.log("|---|---:|---:|---:|---:|---:|");
  for (const path of paths) {
    const p50s = path.results.map((r) => r.p50);
    const p50 = median(p50s);
    console.log(
      `| ${path.label} | ${p50.toFixed(0)} | ${Math.min(...p50s).toFixed(0)}–${Math.max(...p50s).toFixed(0)} | ${median(path.results.map((r) => r.p90)).toFixed(0)} | ${median(path.results.map((r) => r.p99)).toFixed(0)} | ${(p50 / raw).toFixed(2)} |`,
    );
  }
} finally {
  for (const c of cleanups.reverse()) await c().catch(() => {});
  for (const s of systems) await s.stop();
  await nats.stop();
}
