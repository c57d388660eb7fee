/**
 * kernel-core on NATS. Syscalls arrive on natix.sys.<pid>: the subject, not the frame, says who
 * is calling. Each is decoded (a malformed frame gets an errno reply, never a crash), routed by
 * the kernel, and then either answered here, run by a server linked into this process (mono),
 * or sent to the owning server's subject: with the caller's reply subject, so the server
 * answers the caller directly (forward), or with the kernel's own, the kernel relaying the
 * answer (mediate).
 */
import type { NatsConnection, Msg } from "@nats-io/transport-node";
import { Svcm, type ServiceMsg } from "@nats-io/services";
import type { Logger } from "pino";
import type { Kernel } from "../../kernel-core/kernel.js";
import type { Dispatcher } from "../../kernel-core/server-runtime.js";
import type { SyscallReply } from "../../kernel-core/abi/frame.js";
import { FRAME_TYPE, decodeReply, decodeRequest, encodeReply, encodeRequest, encodeResult } from "../../kernel-core/abi/frame.js";
import { encodeRouted, type Caller } from "../../kernel-core/abi/routed.js";
import { decodeBatch, decodeBatchReply, encodeBatchReply, encodeRoutedBatch, frameType } from "../../kernel-core/abi/batch.js";
import { SUBJECTS, pidOfSubject, serviceName } from "../../kernel-core/abi/subjects.js";
import { E, errnoName } from "../../kernel-core/errno.js";
import { NATIX_VERSION } from "../version.js";
import { requestWithRetry } from "./requests.js";
import { parseRegistration, parseSpawn, parseTraceRequest } from "./control.js";
import { watchProcesses } from "./liveness.js";
import { probingSpawner } from "./pid-probe.js";
import { answerPeer } from "./links.js";
import type { ModuleLoader } from "../module-loader.js";
import type { Registration } from "../../kernel-core/registry.js";

/** How long one lease of dmesg -w keeps the kernel publishing new records (renewed at a third). */
export const FOLLOW_LEASE_MS = 6000;

export interface KernelHostOptions {
  nc: NatsConnection;
  kernel: Kernel;
  log: Logger;
  /** Servers linked into this process (mono mode): called directly, no NATS hop. */
  local?: ReadonlyMap<string, Dispatcher>;
  /** Loads and unloads modules (a process per module in micro, an import in mono). */
  modules?: ModuleLoader;
  /** Told of every accepted registration (the module loader waits for its module's). */
  onRegister?: (reg: Registration) => void;
}

export async function hostKernel(opts: KernelHostOptions): Promise<{ stop(): Promise<void> }> {
  const { nc, kernel, log } = opts;
  const local = opts.local ?? new Map<string, Dispatcher>();

  const answer = (msg: Msg, reply: SyscallReply | Promise<SyscallReply>) => {
    if (reply instanceof Promise) reply.then((r) => msg.respond(encodeReply(r)));
    else msg.respond(encodeReply(reply));
  };

  const mediate = async (msg: Msg, subject: string, routed: Uint8Array, idempotent: boolean, onReply?: (reply: SyscallReply) => void) => {
    const r = await requestWithRetry(nc, subject, routed, kernel.deadlineMs, idempotent ? Math.max(250, kernel.deadlineMs / 5) : Infinity);
    const bytes = r.ok ? r.data : encodeResult(-E.ETIMEDOUT);
    if (onReply) {
      const reply = decodeReply(bytes);
      onReply(typeof reply === "number" ? { ret: -E.EIO } : reply);
    }
    msg.respond(bytes);
  };

  /**
   * A batch: each call routed on its own; those for the same remote server go to it as one
   * routed batch, those linked in or answered by the kernel are done here; the replies go
   * back together, in order. A batch is always mediated (the kernel merges the replies).
   */
  async function onBatch(msg: Msg, pid: number): Promise<void> {
    const entries = decodeBatch(msg.data);
    if (typeof entries === "number") return void msg.respond(encodeResult(entries));
    const replies: (SyscallReply | Promise<SyscallReply>)[] = new Array(entries.length);
    const remote = new Map<string, { caller: Caller; indices: number[]; frames: Uint8Array[] }>();
    entries.forEach((req, i) => {
      if (typeof req === "number") return void (replies[i] = { ret: req });
      const route = kernel.route(pid, req);
      if (route.kind === "reply") return void (replies[i] = route.reply);
      const snapshot = route.traced;
      const linked = local.get(route.server);
      if (linked !== undefined) {
        const r = Promise.resolve(linked.dispatch(route.caller, req));
        return void (replies[i] = snapshot ? r.then((x) => (kernel.traced(pid, snapshot, x), x)) : r);
      }
      const group = remote.get(route.server) ?? { caller: route.caller, indices: [], frames: [] };
      group.indices.push(i);
      group.frames.push(encodeRequest(req));
      remote.set(route.server, group);
    });
    await Promise.all(
      [...remote].map(async ([server, g]) => {
        const r = await requestWithRetry(nc, SUBJECTS.server(server), encodeRoutedBatch(g.caller, g.frames), kernel.deadlineMs);
        const decoded = r.ok ? decodeBatchReply(r.data) : -E.ETIMEDOUT;
        g.indices.forEach((index, k) => {
          const one = typeof decoded === "number" ? decoded : decoded[k] ?? -E.EIO;
          replies[index] = typeof one === "number" ? { ret: one } : one;
        });
      }),
    );
    const done = await Promise.all(replies);
    msg.respond(encodeBatchReply(done.map(encodeReply)));
  }

  function onSyscall(msg: ServiceMsg): void {
    if (!msg.reply) return; // a publish with nowhere to answer: nothing to do
    const pid = pidOfSubject(msg.subject);
    if (pid === 0) return void msg.respond(encodeResult(-E.ESRCH));
    if (frameType(msg.data) === FRAME_TYPE.BATCH_REQUEST) return void onBatch(msg, pid);
    const request = decodeRequest(msg.data);
    if (typeof request === "number") return void msg.respond(encodeResult(request));
    const route = kernel.route(pid, request);
    if (route.kind === "reply") return answer(msg, route.reply);
    const snapshot = route.traced;
    const traced = snapshot ? (r: SyscallReply) => kernel.traced(pid, snapshot, r) : undefined;
    const linked = local.get(route.server);
    if (linked !== undefined) {
      const reply = linked.dispatch(route.caller, request);
      return answer(msg, traced ? Promise.resolve(reply).then((r) => (traced(r), r)) : reply);
    }
    const routed = encodeRouted(route.caller, msg.data);
    const subject = SUBJECTS.server(route.server);
    // A traced call is mediated whatever the routing: the kernel must see its reply.
    if (kernel.routing === "forward" && !traced) nc.publish(subject, routed, { reply: msg.reply });
    else void mediate(msg, subject, routed, kernel.registry.definition(request.nr)?.flags?.includes("idempotent") ?? false, traced);
  }

  const json = (msg: Msg, body: unknown) => void msg.respond(JSON.stringify(body));
  // A trace's lines go to natix.trace.<token>; an empty message ends it.
  const traceSink = (token: string) => (line: string | null) => nc.publish(SUBJECTS.traceOut(token), line ?? "");
  const spawn = probingSpawner(nc, kernel, log);
  const svc = await new Svcm(nc).add({
    name: serviceName("kernel"),
    version: NATIX_VERSION,
    description: "natix kernel-core: process table, syscall validation and routing",
    queue: serviceName("kernel"),
    metadata: { pid: String(process.pid) },
  });
  svc.addEndpoint("sys", { subject: SUBJECTS.sysAll, handler: (err, msg) => err === null && onSyscall(msg) });
  svc.addEndpoint("spawn", {
    subject: SUBJECTS.spawn,
    handler: (err, msg) => {
      if (err !== null) return;
      const req = parseSpawn(msg.data);
      if (typeof req === "string") return json(msg, { error: req });
      void spawn(req).then(
        (info) => {
          if (req.trace) kernel.trace(info.pid, traceSink(req.trace.token), req.trace.style, req.trace.tracer);
          json(msg, info);
        },
        (e: Error) => json(msg, { error: `spawn failed: ${e.message}` }),
      );
    },
  });
  svc.addEndpoint("register", {
    subject: SUBJECTS.register,
    handler: (err, msg) => {
      if (err !== null) return;
      const reg = parseRegistration(msg.data);
      const known = typeof reg !== "string" && kernel.registry.hasInstance(reg.name, reg.instance);
      const error = typeof reg === "string" ? reg : kernel.register(reg);
      if (!error && typeof reg !== "string") opts.onRegister?.(reg);
      if (error) log.warn({ error }, "registration refused");
      else if (typeof reg !== "string" && !known) log.info(`${reg.kind} ${reg.name} registered${reg.syscalls.length ? ` (${reg.syscalls.length} syscalls)` : ""}`);
      json(msg, error ? { error } : { ok: true });
    },
  });
  nc.subscribe(SUBJECTS.unregister, {
    callback: (err, msg) => {
      if (err !== null) return;
      const r = parseRegistration(msg.data);
      if (typeof r !== "string") kernel.registry.unregister(r.name, r.instance);
    },
  });
  svc.addEndpoint("status", {
    subject: SUBJECTS.status,
    handler: (err, msg) => {
      if (err !== null) return;
      json(msg, {
        uptimeMs: Math.round(kernel.uptimeMs()),
        routing: kernel.routing,
        deadlineMs: kernel.deadlineMs,
        servers: kernel.registry.list(),
        processes: kernel.processes.list().map((p) => ({
          pid: p.pid,
          ppid: p.ppid,
          uid: p.caller.uid,
          comm: p.comm,
          argv: p.argv,
          state: p.state,
          startedWall: p.startedWall,
        })),
      });
    },
  });
  // The kernel log: lines from other components in (newline-separated batches), the ring out
  // (dmesg), and each new record published while a follower's lease runs (dmesg -w) — not to
  // nobody on every printk.
  nc.subscribe(SUBJECTS.kmsg, {
    callback: (err, msg) => {
      if (err === null) for (const line of msg.string().split("\n")) if (line) kernel.kmsg.ingest(line);
    },
  });
  let followedUntil = 0;
  nc.subscribe(SUBJECTS.kmsgFollowLease, {
    callback: (err, msg) => {
      if (err !== null) return;
      followedUntil = Date.now() + FOLLOW_LEASE_MS;
      msg.respond(String(FOLLOW_LEASE_MS));
    },
  });
  kernel.kmsg.follow((r) => {
    if (Date.now() < followedUntil) nc.publish(SUBJECTS.kmsgFollow, JSON.stringify(r));
  });
  svc.addEndpoint("dmesg", {
    subject: SUBJECTS.dmesg,
    handler: (err, msg) => {
      if (err !== null) return;
      const since = Number(msg.string() || 0);
      json(msg, kernel.kmsg.since(Number.isFinite(since) ? since : 0));
    },
  });
  const peerHandlers = kernel.peerHandlers();
  svc.addEndpoint("peer", {
    subject: SUBJECTS.peer("kernel"),
    handler: (err, msg) => {
      if (err === null) void answerPeer(peerHandlers, msg.data).then((bytes) => msg.respond(bytes));
    },
  });
  // strace -p: follow a running process; untrace stops.
  svc.addEndpoint("trace", {
    subject: SUBJECTS.trace,
    handler: (err, msg) => {
      if (err !== null) return;
      const t = parseTraceRequest(msg.data);
      if (typeof t === "string") return json(msg, { error: t });
      if (t.detach) {
        kernel.untrace(t.pid);
        return json(msg, { ok: true });
      }
      const r = kernel.trace(t.pid, traceSink(t.token), t.style, t.tracer);
      json(msg, r < 0 ? { error: errnoName(-r) } : { ok: true });
    },
  });
  svc.addEndpoint("sysent", {
    subject: SUBJECTS.sysent,
    handler: (err, msg) => {
      if (err !== null) return;
      const nr = Number(msg.string());
      json(msg, { def: Number.isInteger(nr) ? (kernel.registry.definition(nr) ?? null) : null });
    },
  });
  const loader = opts.modules;
  if (loader) {
    const control = (run: (body: Record<string, unknown>) => Promise<string | undefined>) => (err: Error | null, msg: Msg) => {
      if (err !== null) return;
      let body: Record<string, unknown> = {};
      try {
        body = msg.json<Record<string, unknown>>();
      } catch {
        // answered below as a bad request
      }
      void run(body).then((error) => json(msg, error ? { error } : { ok: true }));
    };
    svc.addEndpoint("insmod", { subject: SUBJECTS.insmod, handler: control((b) => (typeof b.path === "string" ? loader.insmod(b.path) : Promise.resolve("insmod needs a path"))) });
    svc.addEndpoint("rmmod", { subject: SUBJECTS.rmmod, handler: control((b) => (typeof b.name === "string" ? loader.rmmod(b.name) : Promise.resolve("rmmod needs a name"))) });
  }
  const unwatch = watchProcesses(nc, kernel, log);
  await nc.flush();
  nc.publish(SUBJECTS.hello, "");
  return {
    stop: async () => {
      unwatch();
      await svc.stop();
    },
  };
}

/** Kernel events as NATS messages, for servers in other processes. */
export function publishKernelEvents(nc: NatsConnection) {
  return {
    processExited(pid: number, status: number) {
      nc.publish(SUBJECTS.events, JSON.stringify({ type: "exit", pid, status }));
    },
  };
}
