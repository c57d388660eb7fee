/**
 * Puts one server or driver on NATS as a NATS micro service (`@nats-io/services`: answers
 * $SRV.PING/INFO/STATS), in a queue group so replicas share the load, and keeps it registered
 * with the kernel: at start, and again whenever the kernel announces it (re)started. It answers
 * only to reply subjects of kernel-side components, or, for a routed syscall, of the caller
 * (reply-guard.ts).
 */
import type { NatsConnection } from "@nats-io/transport-node";
import { Svcm } from "@nats-io/services";
import type { Logger } from "pino";
import { randomUUID } from "node:crypto";
import { hostname } from "node:os";
import { SUBJECTS, serviceName } from "../../kernel-core/abi/subjects.js";
import type { ComponentKind, Registration } from "../../kernel-core/registry.js";
import type { SyscallDef } from "../../kernel-core/syscalls/types.js";
import { NATIX_VERSION } from "../../kernel-core/version.js";
import { answerPeer } from "./links.js";
import { replyGuard } from "./reply-guard.js";
import { routedCallerPid } from "../../kernel-core/abi/routed.js";

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
  handle(data: Uint8Array): Uint8Array | Promise<Uint8Array>;
  /**
   * Who its requests come from: "routed" — syscalls the kernel routes (answered to the calling
   * process, or to a component that mediates); "components" — kernel-side components only.
   */
  callers: "routed" | "components";
  syscalls?: number[];
  definitions?: SyscallDef[];
  processExited?(pid: number): void | Promise<void>;
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
  const accepts =
    opts.callers === "routed"
      ? (data: Uint8Array, reply: string, on: string) => guard.forCaller(routedCallerPid(data), reply, on)
      : (_data: Uint8Array, reply: string, on: string) => guard.fromComponent(reply, on);
  const svc = await new Svcm(nc).add({
    name: serviceName(opts.name),
    version: NATIX_VERSION,
    description: `natix ${opts.kind} ${opts.name}`,
    queue: serviceName(opts.name),
    metadata: { kind: opts.kind, pid: String(process.pid), host: hostname() },
  });
  svc.addEndpoint(opts.kind === "server" ? "syscall" : "request", {
    subject: opts.subject,
    handler: (err, msg) => {
      if (err !== null || !msg.reply || !accepts(msg.data, msg.reply, msg.subject)) return;
      const out = opts.handle(msg.data);
      if (out instanceof Uint8Array) msg.respond(out);
      else out.then((bytes) => msg.respond(bytes), (e) => log.error({ err: e }, "request handler failed"));
    },
  });

  if (opts.peer) {
    const handlers = opts.peer;
    svc.addEndpoint("peer", {
      subject: SUBJECTS.peer(opts.name),
      handler: (err, msg) => {
        if (err === null && msg.reply && guard.fromComponent(msg.reply, msg.subject)) void answerPeer(handlers, msg.data).then((bytes) => msg.respond(bytes));
      },
    });
  }

  if (opts.processExited) {
    const exited = opts.processExited;
    nc.subscribe(SUBJECTS.events, {
      callback: (err, msg) => {
        if (err !== null) return;
        const event = msg.json<{ type: string; pid: number }>();
        if (event.type === "exit") void exited(event.pid);
      },
    });
  }

  const registration: Registration = {
    name: opts.name,
    kind: opts.kind,
    instance,
    syscalls: opts.syscalls ?? [],
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
  nc.subscribe(SUBJECTS.hello, { callback: () => void register().catch((e) => log.error({ err: e }, "registration failed")) });
  await register();

  return {
    instance,
    async stop() {
      nc.publish(SUBJECTS.unregister(opts.name), JSON.stringify({ name: opts.name, instance }));
      await svc.stop().catch(() => {});
    },
  };
}
