/**
 * A client process for the clients scenario: forked by the runner, it keeps its own natix
 * process (or raw connection) per path and, on each "run" message, keeps calls in flight for
 * the window and answers with its encoded histogram and rate. Several run at once.
 */
import { connect as natsConnect, type NatsConnection } from "@nats-io/transport-node";
import { connect, type Proc } from "../../client-libc/mod.js";
import { throughputEncoded, type Op } from "./measure.js";
import { rawNatsOp, tcpOp, type PathName } from "./paths.js";
import { TcpPinger } from "./tcp-pinger.js";
import { natixOp, workload } from "./workloads.js";

export interface WorkerTarget {
  natsUrls: Partial<Record<PathName, string>>;
  rawNatsUrl: string;
  tcpPort: number;
}

export type ToWorker = { type: "run"; path: PathName; workload: string; inFlight: number; ms: number } | { type: "exit" };
export type FromWorker = { type: "done"; histogram: string; ops_per_sec: number } | { type: "error"; message: string };

const target = JSON.parse(process.argv[2]) as WorkerTarget;
const procs = new Map<PathName, Proc>();
const ops = new Map<string, Op>();
let raw: NatsConnection | undefined;
let tcp: TcpPinger | undefined;

async function opFor(path: PathName, name: string): Promise<Op> {
  const key = `${path} ${name}`;
  let op = ops.get(key);
  if (op) return op;
  const w = workload(name);
  if (path === "raw-nats") op = rawNatsOp((raw ??= await natsConnect({ servers: target.rawNatsUrl, noAsyncTraces: true })), w.frames);
  else if (path === "raw-tcp") op = tcpOp((tcp ??= await TcpPinger.connect(target.tcpPort)), w.frames);
  else {
    const url = target.natsUrls[path];
    if (url === undefined) throw new Error(`no client path ${path}`);
    let p = procs.get(path);
    if (p === undefined) procs.set(path, (p = await connect({ nats: url, argv: ["bench-client"] })));
    op = await natixOp(w, p);
  }
  ops.set(key, op);
  return op;
}

const send = (m: FromWorker) => process.send!(m);

process.on("message", async (m: ToWorker) => {
  if (m.type === "exit") {
    for (const p of procs.values()) await p.exit(0).catch(() => {});
    await raw?.close();
    tcp?.close();
    process.disconnect();
    return;
  }
  try {
    const run = await throughputEncoded(await opFor(m.path, m.workload), m.inFlight, m.ms);
    send({ type: "done", ...run });
  } catch (err) {
    send({ type: "error", message: err instanceof Error ? err.message : String(err) });
  }
});
send({ type: "done", histogram: "", ops_per_sec: 0 }); // ready
