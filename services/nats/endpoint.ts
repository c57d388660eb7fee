/**
 * Puts one server or driver on NATS as a NATS micro service (`@nats-io/services`: answers
 * $SRV.PING/INFO/STATS), in a queue group so replicas share the load, and keeps it registered
 * with the kernel: at start, and again whenever the kernel announces it (re)started. A server
 * has two doors: natix.srv.<name> for what the kernel and other components route to it, and
 * natix.srv.<name>.<pid> for process <pid>'s direct calls. Each answers only to the reply
 * subjects of kernel-side components or of the caller (reply-guard.ts).
 */
import type { NatsConnection } from "@nats-io/transport-node";
import { Svcm, type ServiceMsg } from "@nats-io/services";
import type { Logger } from "pino";
import { randomUUID } from "node:crypto";
import { hostname } from "node:os";
import { SUBJECTS, pidOfSubject, serviceName } from "../../kernel-core/abi/subjects.js";
import type { ComponentKind, Registration } from "../../kernel-core/registry.js";
import type { SyscallDef } from "../../kernel-core/syscalls/types.js";
import type { Dispatcher } from "../../kernel-core/server-runtime.js";
import type { SyscallMeter } from "../../kernel-core/meter.js";
import { KnownProcesses, directRouter, parseProcessRecord, type KernelEvent, type ProcessRecord } from "../../kernel-core/direct-router.js";
import { NATIX_VERSION } from "../../kernel-core/version.js";
import { answerPeer } from "./links.js";
import { requestWithRetry } from "../../transport/resend.js";
import { PieceDoor, isPieceMessage } from "../../transport/pieces.js";
import { segmentDoorFromEnv } from "../../transport/segment-door.js";
import { deadlineFromEnv } from "../../system/timing.js";
import { replyGuard } from "./reply-guard.js";
import { decodeRouted, routedCallerPid } from "../../kernel-core/abi/routed.js";
import { FRAME_TYPE, decodeRequest, encodeReply, encodeResult } from "../../kernel-core/abi/frame.js";
import { ROUTED_BATCH, batchLinked, decodeBatch, decodeRoutedBatch, encodeBatchReply, frameType } from "../../kernel-core/abi/batch.js";
import { deliver, deliverBatch, type Delivery } from "../../kernel-core/deliver.js";
import { E } from "../../kernel-core/errno.js";

export interface EndpointOptions {
  nc: NatsConnection;
  log: Logger;
  name: string;
  kind: ComponentKind;
  /** Fixed instance id (a module uses the id its loader gave it); default a fresh one. */
  instance?: string;
  /** A module's facts for /proc/modules. */
  module?: { size: number; proc: string[] };
  subject: string;
  /**
   * What it serves: syscalls (a server or module: routed to it by the kernel, or sent directly
   * by processes), or requests of kernel-side components only (a driver).
   */
  serves: { syscalls: Dispatcher; meter?: SyscallMeter } | { requests(data: Uint8Array): Uint8Array | Promise<Uint8Array> };
  /** Table entries the server adds (a module's), for its registration. */
  definitions?: SyscallDef[];
  processExited?(pid: number, waitStatus?: number): void | Promise<void>;
  /** A process was created or its credentials changed (after the endpoint's own bookkeeping). */
  processChanged?(pid: number, record: ProcessRecord): void;
  /** The kernel (re)started: its processes are not the ones before. */
  kernelRestarted?(): void;
  /** The connection came back: kernel events published meanwhile were missed. */
  eventsMissed?(): void;
  /** Every kernel event this server hears (after its own bookkeeping). */
  onKernelEvent?(event: KernelEvent): void;
  /** How long a call may take (the kernel's deadline): how long pieces of a large frame are kept. */
  deadlineMs?: number;
  /** Peer questions it answers (on natix.srv.<name>.peer). */
  peer?: Readonly<Record<string, (args: Record<string, unknown>) => unknown>>;
}

export interface HostedEndpoint {
  readonly instance: string;
  stop(): Promise<void>;
}

export async function hostEndpoint(opts: EndpointOptions): Promise<HostedEndpoint> {
  const { nc, log } = opts;
  const instance = opts.instance ?? randomUUID();
  const guard = replyGuard(log);
  const serves = opts.serves;
  const dispatcher = "syscalls" in serves ? serves.syscalls : undefined;
  const handle = dispatcher ? (data: Uint8Array) => handleRouted(dispatcher, data) : (serves as { requests(d: Uint8Array): Uint8Array | Promise<Uint8Array> }).requests;
  // A syscall frame over one NATS message arrives, or leaves, as pieces: the door reassembles
  // it before it is decoded and stages a large reply until the caller fetches it.
  // A caller on this host may share a segment with it for its large calls' bytes: a process
  // with a server (on its direct door), the filesystem with the blk driver.
  const segments = segmentDoorFromEnv();
  const door = new PieceDoor({ ttlMs: opts.deadlineMs ?? deadlineFromEnv(), segments });
  const respond = (msg: ServiceMsg, out: Uint8Array | Promise<Uint8Array>) => {
    if (out instanceof Uint8Array) door.respond(msg, out);
    else out.then((bytes) => door.respond(msg, bytes), (e) => log.error({ err: e }, "request handler failed"));
  };
  // What the kernel says of the processes that may call directly (credentials, tracing).
  const known = new KnownProcesses(async (pid) => {
    const r = await requestWithRetry(nc, SUBJECTS.procRecord, new TextEncoder().encode(JSON.stringify({ pid })), 2000);
    if (!r.ok) throw new Error(`the kernel did not say who process ${pid} is (${r.why})`);
    return parseProcessRecord(JSON.parse(new TextDecoder().decode(r.data)));
  });
  const svc = await new Svcm(nc).add({
    name: serviceName(opts.name),
    version: NATIX_VERSION,
    description: `natix ${opts.kind} ${opts.name}`,
    queue: serviceName(opts.name),
    metadata: { kind: opts.kind, pid: String(process.pid), host: hostname() },
  });
  svc.addEndpoint(dispatcher ? "syscall" : "request", {
    subject: opts.subject,
    handler: (err, msg) => {
      if (err !== null || !msg.reply) return;
      // Pieces and fetches of a routed call come from kernel-side components only (the kernel
      // mediates a call that needs them); a whole frame names its caller in its envelope.
      // A driver's callers (kernel-side components only) may also share a segment with it.
      if (!dispatcher || isPieceMessage(msg)) {
        if (!guard.fromComponent(msg.reply, msg.subject)) return;
        const whole = door.take(msg);
        if (whole !== undefined) respond(msg, handle(whole));
      } else if (guard.forCaller(routedCallerPid(msg.data), msg.reply, msg.subject)) respond(msg, handle(msg.data));
    },
  });
  if (dispatcher) {
    const delivery = { router: directRouter(dispatcher, known, (serves as { meter?: SyscallMeter }).meter), linked: new Map([[dispatcher.name, dispatcher]]) };
    svc.addEndpoint("direct", {
      subject: SUBJECTS.directAll(opts.name),
      handler: (err, msg) => {
        const pid = pidOfSubject(msg.subject);
        if (err !== null || !msg.reply || pid === 0 || !guard.fromProcess(pid, msg.reply, msg.subject)) return;
        const whole = door.take(msg);
        if (whole !== undefined) respond(msg, handleDirect(delivery, pid, whole));
      },
    });
  }

  if (opts.peer) {
    const handlers = opts.peer;
    svc.addEndpoint("peer", {
      subject: SUBJECTS.peer(opts.name),
      handler: (err, msg) => {
        if (err === null && msg.reply && guard.fromComponent(msg.reply, msg.subject)) void answerPeer(handlers, msg.data).then((bytes) => msg.respond(bytes));
      },
    });
  }

  if (dispatcher) {
    const exited = opts.processExited;
    nc.subscribe(SUBJECTS.events, {
      callback: (err, msg) => {
        if (err !== null) return;
        let event: KernelEvent;
        try {
          event = msg.json<KernelEvent>();
        } catch {
          return;
        }
        known.apply(event);
        if (event.type === "exit") {
          segments?.dropProcess(event.pid);
          void exited?.(event.pid, event.wait);
        }
        else if (event.type === "proc") {
          const record = known.get(event.pid); // as apply() just took it in (checked, or not at all)
          if (record) opts.processChanged?.(event.pid, record);
        }
        opts.onKernelEvent?.(event);
      },
    });
    // Events missed while the connection was down (a setuid among them) must not leave a stale
    // view: forget, and ask the kernel again on the next call.
    void (async () => {
      for await (const s of nc.status()) {
        if (s.type !== "reconnect") continue;
        known.forget();
        opts.eventsMissed?.();
      }
    })().catch(() => {});
  }

  const registration: Registration = {
    name: opts.name,
    kind: opts.kind,
    instance,
    syscalls: dispatcher?.numbers ?? [],
    definitions: opts.definitions,
    module: opts.module,
  };
  const register = async () => {
    for (let attempt = 0; !nc.isClosed(); attempt++) {
      try {
        const reply = (await nc.request(SUBJECTS.register(opts.name), JSON.stringify(registration), { timeout: 2000 })).json<{ error?: string }>();
        if (reply.error) throw new Error(`kernel refused registration of ${opts.name}: ${reply.error}`);
        log.debug({ instance }, "registered with the kernel");
        return;
      } catch (err) {
        if ((err as Error).message.startsWith("kernel refused")) throw err;
        if (attempt % 20 === 19) log.warn(`${opts.name}: still waiting for the kernel to accept registration`);
        await new Promise((r) => setTimeout(r, 100));
      }
    }
  };
  nc.subscribe(SUBJECTS.hello, {
    callback: () => {
      known.forget(); // a restarted kernel knows none of the processes of the one before
      segments?.dropWhere(() => true);
      opts.kernelRestarted?.();
      void register().catch((e) => log.error({ err: e }, "registration failed"));
    },
  });
  await register();

  return {
    instance,
    async stop() {
      nc.publish(SUBJECTS.unregister(opts.name), JSON.stringify({ name: opts.name, instance }));
      await svc.stop().catch(() => {});
      segments?.close();
    },
  };
}

/** What the kernel (or another component) routed here, in an envelope naming the caller. */
export function handleRouted(dispatcher: Dispatcher, data: Uint8Array): Uint8Array | Promise<Uint8Array> {
  if (frameType(data) === ROUTED_BATCH) {
    const batch = decodeRoutedBatch(data);
    if (typeof batch === "number") return encodeResult(batch);
    return Promise.all(batch.requests.map((r) => (typeof r === "number" ? { ret: r } : dispatcher.dispatch(batch.caller, r)))).then((replies) =>
      encodeBatchReply(replies.map(encodeReply)),
    );
  }
  const routed = decodeRouted(data);
  if (typeof routed === "number") return encodeResult(routed);
  const reply = dispatcher.dispatch(routed.caller, routed.request);
  return reply instanceof Promise ? reply.then(encodeReply) : encodeReply(reply);
}

/**
 * A call (or a batch) process `pid` sent this server directly (the server decides as the kernel
 * would: kernel-core/direct-router.ts); a malformed frame gets its errno.
 */
export function handleDirect(delivery: Delivery<undefined>, pid: number, data: Uint8Array): Uint8Array | Promise<Uint8Array> {
  if (frameType(data) === FRAME_TYPE.BATCH_REQUEST) {
    const entries = decodeBatch(data);
    if (typeof entries === "number") return encodeResult(entries);
    return deliverBatch(delivery, pid, entries, batchLinked(data)).then((replies) => encodeBatchReply(replies.map(encodeReply)));
  }
  const request = decodeRequest(data);
  if (typeof request === "number") return encodeResult(request);
  const reply = deliver(delivery, pid, request, undefined) ?? { ret: -E.EIO };
  return reply instanceof Promise ? reply.then(encodeReply) : encodeReply(reply);
}
