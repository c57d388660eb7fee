/**
 * kernel-core on NATS. Syscalls arrive on natix.sys.<pid>: the subject, not the frame, says who
 * is calling (the bus lets only process <pid> publish there), and the reply subject must be that
 * process's own inbox. Each call is decoded (a malformed frame gets an errno reply, never a
 * crash) and delivered (kernel-core/deliver.ts): answered here, run by a server linked into this
 * process (mono), or sent to the owning server's subject — with the caller's reply subject, so
 * the server answers the caller directly (forward, and what reaches the kernel under direct
 * routing), or with the kernel's own, the kernel relaying the answer (mediate, and any traced
 * call). The control plane (spawn, registration, routes, log, trace, modules) is in
 * kernel-control.ts.
 */
import type { NatsConnection, Msg } from "@nats-io/transport-node";
import { Svcm, type ServiceMsg } from "@nats-io/services";
import type { Logger } from "pino";
import { hostname } from "node:os";
import type { Kernel, RouteTable } from "../../kernel-core/kernel.js";
import type { KernelEvents } from "../../kernel-core/kernel.js";
import type { Dispatcher } from "../../kernel-core/server-runtime.js";
import type { SyscallReply, SyscallRequest } from "../../kernel-core/abi/frame.js";
import type { ProcessRecord } from "../../kernel-core/direct-router.js";
import { FRAME_TYPE, decodeReply, decodeRequest, encodeReply, encodeRequest, encodeResult } from "../../kernel-core/abi/frame.js";
import { encodeRouted } from "../../kernel-core/abi/routed.js";
import { batchLinked, decodeBatch, decodeBatchReply, encodeBatchReply, encodeRoutedBatch, frameType } from "../../kernel-core/abi/batch.js";
import { SUBJECTS, pidOfSubject, serviceName } from "../../kernel-core/abi/subjects.js";
import { deliver, deliverBatch, type Delivery, type RemoteServers } from "../../kernel-core/deliver.js";
import { E } from "../../kernel-core/errno.js";
import { NATIX_VERSION } from "../../kernel-core/version.js";
import { requestWithRetry } from "../../transport/resend.js";
import { PIECE_BYTES, PieceDoor } from "../../transport/pieces.js";
import type { SegmentDoor } from "../../transport/segment-door.js";
import { deadlineFor, transferBytes } from "../../kernel-core/abi/xfer.js";
import { watchProcesses } from "./liveness.js";
import { replyGuard } from "./reply-guard.js";
import { hostKernelControl } from "./kernel-control.js";
import type { ModuleLoader } from "../../system/modules.js";
import type { Registration } from "../../kernel-core/registry.js";
import type { BusAuthority } from "../bus/authority.js";

export { FOLLOW_LEASE_MS } from "./kernel-control.js";

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
  /** Mints and revokes bus credentials; absent when the bus is not isolated. */
  authority?: BusAuthority;
  /** How the system runs, told to whoever discovers the kernel ($SRV.INFO metadata). */
  mode?: "micro" | "mono";
  /** Segments shared with processes on this host (transport/segment-door.ts); the caller drops a process's at its exit. */
  segments?: SegmentDoor;
}

export async function hostKernel(opts: KernelHostOptions): Promise<{ stop(): Promise<void> }> {
  const { nc, kernel, log } = opts;
  const guard = replyGuard(log);

  // Calls for servers in other processes: forwarded (the server answers the caller; not while
  // traced — the kernel must see the reply) or mediated, through requestWithRetry.
  // A call whose frame or reply is over one message is mediated too: its pieces are exchanged
  // with whoever sent them, and the caller fetches a large reply from the kernel's door.
  // Under direct routing a server's call reaches the kernel when libc's direct send reached no
  // one — the server is restarting — so it is mediated: a forward would be published to no one
  // and lost (the "no responders" status goes to the publisher, not to the caller), while a
  // mediated request is sent again until the new server takes it.
  const remote: RemoteServers<Incoming> = {
    one(server, caller, request, via, traced) {
      const routed = encodeRouted(caller, via.data);
      if (kernel.routing === "forward" && !traced && fitsOneMessage(kernel, request, routed)) return void nc.publish(SUBJECTS.server(server), routed, { reply: via.msg.reply });
      const def = kernel.registry.definition(request.nr);
      const idempotent = def?.flags?.includes("idempotent") ?? false;
      const deadlineMs = deadlineFor(kernel.deadlineMs, transferBytes(request, def));
      return requestWithRetry(nc, SUBJECTS.server(server), routed, deadlineMs, idempotent ? Math.max(250, deadlineMs / 5) : Infinity).then((r) => {
        const reply = r.ok ? decodeReply(r.data) : -E.ETIMEDOUT;
        return typeof reply === "number" ? { ret: reply === -E.ETIMEDOUT ? reply : -E.EIO } : reply;
      });
    },
    async many(server, caller, requests) {
      const r = await requestWithRetry(nc, SUBJECTS.server(server), encodeRoutedBatch(caller, requests.map(encodeRequest)), kernel.deadlineMs);
      const decoded = r.ok ? decodeBatchReply(r.data) : -E.ETIMEDOUT;
      return requests.map((_, k) => {
        const one = typeof decoded === "number" ? decoded : (decoded[k] ?? -E.EIO);
        return typeof one === "number" ? { ret: one } : one;
      });
    },
  };
  const delivery: Delivery<Incoming> = { router: kernel, linked: opts.local ?? new Map<string, Dispatcher>(), remote };

  // Frames over one NATS message arrive as pieces and large replies leave as pieces.
  const door = new PieceDoor({ ttlMs: kernel.deadlineMs, segments: opts.segments });
  const answer = (msg: Msg, reply: SyscallReply | Promise<SyscallReply> | undefined) => {
    if (reply instanceof Promise) reply.then((r) => door.respond(msg, encodeReply(r)));
    else if (reply !== undefined) door.respond(msg, encodeReply(reply));
  };

  function onSyscall(msg: ServiceMsg): void {
    if (!msg.reply) return; // a publish with nowhere to answer: nothing to do
    const pid = pidOfSubject(msg.subject);
    // Not a process's subject (only reachable on an open bus): ESRCH, but only to an inbox.
    if (pid === 0) return void (msg.reply.startsWith("_INBOX.") && msg.respond(encodeResult(-E.ESRCH)));
    if (!guard.fromProcess(pid, msg.reply, msg.subject)) return;
    const data = door.take(msg);
    if (data === undefined) return; // a piece or a fetch, answered by the door
    if (frameType(data) === FRAME_TYPE.BATCH_REQUEST) {
      const entries = decodeBatch(data);
      if (typeof entries === "number") return void msg.respond(encodeResult(entries));
      return void deliverBatch(delivery, pid, entries, batchLinked(data)).then((replies) => door.respond(msg, encodeBatchReply(replies.map(encodeReply))));
    }
    const request = decodeRequest(data);
    if (typeof request === "number") return void msg.respond(encodeResult(request));
    answer(msg, deliver(delivery, pid, request, { msg, data }));
  }

  const svc = await new Svcm(nc).add({
    name: serviceName("kernel"),
    version: NATIX_VERSION,
    description: "natix kernel-core: process table, syscall validation and routing",
    queue: serviceName("kernel"),
    metadata: { pid: String(process.pid), kind: "kernel", mode: opts.mode ?? "micro", host: hostname() },
  });
  svc.addEndpoint("sys", { subject: SUBJECTS.sysAll, handler: (err, msg) => err === null && onSyscall(msg) });
  await hostKernelControl({ ...opts, svc, guard });
  const unwatch = watchProcesses(nc, kernel, log);
  await nc.flush();
  nc.publish(SUBJECTS.hello, "");
  return {
    stop: async () => {
      unwatch();
      await svc.stop();
      opts.segments?.close();
    },
  };
}

/** A call as the kernel's edge received it: the message (for its reply subject) and the whole frame. */
interface Incoming {
  msg: Msg;
  data: Uint8Array;
}

/**
 * Can the routed call and its largest possible reply each travel as one message (the reply is
 * bounded by what the call may move, in or out)? Reply forwarding needs both: the server's reply goes to the caller, who could fetch the rest of a
 * large one only from the kernel.
 */
function fitsOneMessage(kernel: Kernel, request: SyscallRequest, routed: Uint8Array): boolean {
  return routed.length <= PIECE_BYTES && REPLY_HEADER_BOUND + transferBytes(request, kernel.registry.definition(request.nr)) <= PIECE_BYTES;
}

/** A reply frame's bytes besides its buffers: header and a descriptor per argument. */
const REPLY_HEADER_BOUND = 16 + 8 * 6;

/**
 * A process ended: its bus credentials are revoked once nats-server has what the kernel published
 * before (the "terminate" notice of a killed process above all — revoked first, the process's
 * connection could close before the notice reached it, and its program would go on, getting
 * ESRCH, instead of ending as killed).
 */
export function revokeAfterNotices(nc: NatsConnection, authority: { processExited(pid: number): void } | undefined, pid: number): void {
  if (authority === undefined) return;
  void nc.flush().then(
    () => authority.processExited(pid),
    () => authority.processExited(pid),
  );
}

/**
 * Kernel events as NATS messages, for servers in other processes: a process's end, its
 * credentials (on creation, setuid, trace), and the route table libc's direct calls follow —
 * published once per event-loop turn however many changes it saw.
 */
export function publishKernelEvents(nc: NatsConnection, routeTable?: () => RouteTable): KernelEvents {
  let routesDue = false;
  return {
    processExited(pid, status, wait) {
      nc.publish(SUBJECTS.events, JSON.stringify({ type: "exit", pid, status, wait }));
    },
    processChanged(pid: number, record: ProcessRecord) {
      nc.publish(SUBJECTS.events, JSON.stringify({ type: "proc", pid, ...record }));
    },
    signal(pid, sig, notice) {
      nc.publish(SUBJECTS.sig(pid), JSON.stringify({ sig, notice }));
    },
    registered(name, kind) {
      nc.publish(SUBJECTS.events, JSON.stringify({ type: "registered", name, kind }));
    },
    routesChanged() {
      if (routesDue || routeTable === undefined) return;
      routesDue = true;
      queueMicrotask(() => {
        routesDue = false;
        nc.publish(SUBJECTS.routes, JSON.stringify(routeTable()));
      });
    },
  };
}
