/**
 * kernel-core on NATS. Syscalls arrive on natix.sys.<pid>: the subject, not the frame, says who
 * is calling (the bus lets only process <pid> publish there), and the reply subject must be that
 * process's own inbox. Each call is decoded (a malformed frame gets an errno reply, never a
 * crash), routed by the kernel, and then either answered here, run by a server linked into this
 * process (mono), or sent to the owning server's subject: with the caller's reply subject, so
 * the server answers the caller directly (forward), or with the kernel's own, the kernel
 * relaying the answer (mediate). The control plane (spawn, registration, log, trace, modules)
 * is in kernel-control.ts.
 */
import type { NatsConnection, Msg } from "@nats-io/transport-node";
import { Svcm, type ServiceMsg } from "@nats-io/services";
import type { Logger } from "pino";
import { hostname } from "node:os";
import type { Kernel } from "../../kernel-core/kernel.js";
import type { Dispatcher } from "../../kernel-core/server-runtime.js";
import type { SyscallReply } from "../../kernel-core/abi/frame.js";
import { FRAME_TYPE, decodeReply, decodeRequest, encodeReply, encodeRequest, encodeResult } from "../../kernel-core/abi/frame.js";
import { encodeRouted, type Caller } from "../../kernel-core/abi/routed.js";
import { decodeBatch, decodeBatchReply, encodeBatchReply, encodeRoutedBatch, frameType } from "../../kernel-core/abi/batch.js";
import { SUBJECTS, pidOfSubject, serviceName } from "../../kernel-core/abi/subjects.js";
import { E } from "../../kernel-core/errno.js";
import { NATIX_VERSION } from "../../kernel-core/version.js";
import { requestWithRetry } from "../../transport/resend.js";
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
}

export async function hostKernel(opts: KernelHostOptions): Promise<{ stop(): Promise<void> }> {
  const { nc, kernel, log } = opts;
  const local = opts.local ?? new Map<string, Dispatcher>();
  const guard = replyGuard(log);

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
    // Not a process's subject (only reachable on an open bus): ESRCH, but only to an inbox.
    if (pid === 0) return void (msg.reply.startsWith("_INBOX.") && msg.respond(encodeResult(-E.ESRCH)));
    if (!guard.fromProcess(pid, msg.reply, msg.subject)) return;
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
