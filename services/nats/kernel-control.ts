/**
 * kernel-core's control plane on NATS: creating processes (and minting their bus credentials),
 * components registering, the kernel log in and out, status, tracing, module loading, and
 * the questions servers ask the kernel. Control messages are JSON: they are rare, and readable
 * messages help anyone watching. Who may send each is the bus's business (docs/security.md);
 * where a subject names the sender (register.<name>, kmsg.<name>, sys.<pid>.sysent), the name
 * in the subject is the one believed, and every answer goes only to the asker's own inbox.
 */
import type { NatsConnection, Msg } from "@nats-io/transport-node";
import type { Service } from "@nats-io/services";
import type { Logger } from "pino";
import type { Kernel } from "../../kernel-core/kernel.js";
import { SUBJECTS, lastToken, pidOfSubject } from "../../kernel-core/abi/subjects.js";
import { errnoName } from "../../kernel-core/errno.js";
import { parseRegistration, parseSpawn, parseTraceRequest, type SpawnMessage } from "./control.js";
import { probingSpawner } from "./pid-probe.js";
import { answerPeer } from "./links.js";
import type { ReplyGuard } from "./reply-guard.js";
import type { ModuleLoader } from "../../system/modules.js";
import type { Registration } from "../../kernel-core/registry.js";
import type { BusAuthority } from "../bus/authority.js";

/** How long one lease of dmesg -w keeps the kernel publishing new records (renewed at a third). */
export const FOLLOW_LEASE_MS = 6000;

export interface KernelControlOptions {
  nc: NatsConnection;
  kernel: Kernel;
  log: Logger;
  svc: Service;
  guard: ReplyGuard;
  modules?: ModuleLoader;
  onRegister?: (reg: Registration) => void;
  authority?: BusAuthority;
}

const json = (msg: Msg, body: unknown) => void msg.respond(JSON.stringify(body));

export async function hostKernelControl(opts: KernelControlOptions): Promise<void> {
  const { nc, kernel, log, svc, guard } = opts;
  /** An endpoint answered only to `allowed` reply subjects. */
  const endpoint = (name: string, subject: string, allowed: (reply: string, on: string) => boolean, handle: (msg: Msg) => void) =>
    svc.addEndpoint(name, {
      subject,
      handler: (err, msg) => {
        if (err === null && msg.reply && allowed(msg.reply, msg.subject)) handle(msg);
      },
    });

  // Processes: created at an administrator's request, with the credentials the kernel mints.
  const traceSink = (token: string) => (line: string | null) => nc.publish(SUBJECTS.traceOut(token), line ?? "");
  const spawn = probingSpawner(nc, kernel, log);
  const create = async (req: SpawnMessage) => {
    if (opts.authority && req.key === undefined) throw new Error("the bus is isolated: a spawn needs the new process's public key (key)");
    const info = await spawn(req);
    if (!opts.authority) return info;
    try {
      return { ...info, jwt: await opts.authority.mintProcess(info.pid, req.key!) };
    } catch (err) {
      kernel.exit(info.pid, 1);
      throw err;
    }
  };
  endpoint("spawn", SUBJECTS.spawn, guard.fromAdmin, (msg) => {
    const req = parseSpawn(msg.data);
    if (typeof req === "string") return json(msg, { error: req });
    void create(req).then(
      (info) => {
        if (req.trace) kernel.trace(info.pid, traceSink(req.trace.token), req.trace.style, req.trace.tracer);
        json(msg, info);
      },
      (e: Error) => json(msg, { error: `spawn failed: ${e.message}` }),
    );
  });

  // Components join and leave the routing under the name their subject carries.
  endpoint("register", SUBJECTS.registerAll, guard.fromComponent, (msg) => {
    const reg = parseRegistration(msg.data);
    const error = typeof reg === "string" ? reg : reg.name !== lastToken(msg.subject) ? `registration names ${reg.name} on ${msg.subject}` : undefined;
    if (error || typeof reg === "string") {
      log.warn({ error }, "registration refused");
      return json(msg, { error });
    }
    const known = kernel.registry.hasInstance(reg.name, reg.instance);
    const refused = kernel.register(reg);
    if (refused) log.warn({ error: refused }, "registration refused");
    else {
      opts.onRegister?.(reg);
      if (!known) log.info(`${reg.kind} ${reg.name} registered${reg.syscalls.length ? ` (${reg.syscalls.length} syscalls)` : ""}`);
    }
    json(msg, refused ? { error: refused } : { ok: true });
  });
  nc.subscribe(SUBJECTS.unregisterAll, {
    callback: (err, msg) => {
      if (err !== null) return;
      const r = parseRegistration(msg.data);
      if (typeof r === "string" || r.name !== lastToken(msg.subject) || !kernel.registry.hasInstance(r.name, r.instance)) return;
      kernel.unregister(r.name, r.instance);
      const left = kernel.registry.list().find((s) => s.name === r.name)?.instances ?? 0;
      log.info(`${r.kind === "server" ? "server" : r.kind} ${r.name} left${left ? ` (${left} instance${left > 1 ? "s" : ""} still serve)` : ""}`);
    },
  });

  endpoint("status", SUBJECTS.status, guard.fromAdmin, (msg) =>
    json(msg, {
      uptimeMs: Math.round(kernel.uptimeMs()),
      routing: kernel.routing,
      deadlineMs: kernel.deadlineMs,
      bus: opts.authority ? "isolated" : "open",
      servers: kernel.registry.list(),
      processes: kernel.processes.list().map((p) => ({
        pid: p.pid,
        ppid: p.ppid,
        uid: p.caller.uid,
        comm: p.comm,
        argv: p.argv,
        state: p.stopped ? "stopped" : p.state,
        startedWall: p.startedWall,
      })),
    }),
  );

  // The kernel log: lines from other components in (each under the name its subject carries),
  // the ring out (dmesg), and each new record published while a follower's lease runs
  // (dmesg -w) — not to nobody on every printk.
  nc.subscribe(SUBJECTS.kmsgAll, {
    callback: (err, msg) => {
      if (err !== null) return;
      const sender = lastToken(msg.subject);
      for (const line of msg.string().split("\n")) if (line) kernel.kmsg.ingest(line, sender);
    },
  });
  let followedUntil = 0;
  endpoint("kmsg-follow", SUBJECTS.kmsgFollowLease, guard.fromAdmin, (msg) => {
    followedUntil = Date.now() + FOLLOW_LEASE_MS;
    msg.respond(String(FOLLOW_LEASE_MS));
  });
  kernel.kmsg.follow((r) => {
    if (Date.now() < followedUntil) nc.publish(SUBJECTS.kmsgFollow, JSON.stringify(r));
  });
  endpoint("dmesg", SUBJECTS.dmesg, guard.fromAdmin, (msg) => {
    const since = Number(msg.string() || 0);
    json(msg, kernel.kmsg.since(Number.isFinite(since) ? since : 0));
  });

  const peerHandlers = kernel.peerHandlers();
  endpoint("peer", SUBJECTS.peer("kernel"), guard.fromComponent, (msg) => void answerPeer(peerHandlers, msg.data).then((bytes) => msg.respond(bytes)));

  // strace -p: follow a running process; untrace stops.
  endpoint("trace", SUBJECTS.trace, guard.fromAdmin, (msg) => {
    const t = parseTraceRequest(msg.data);
    if (typeof t === "string") return json(msg, { error: t });
    if (t.detach) {
      kernel.untrace(t.pid);
      return json(msg, { ok: true });
    }
    const r = kernel.trace(t.pid, traceSink(t.token), t.style, t.tracer);
    json(msg, r < 0 ? { error: errnoName(-r) } : { ok: true });
  });

  // A process asks for a syscall's table entry (libc learns module-added syscalls).
  endpoint("sysent", SUBJECTS.sysentAll, () => true, (msg) => {
    const pid = pidOfSubject(msg.subject);
    if (pid === 0 || !msg.reply || !guard.fromProcess(pid, msg.reply, msg.subject)) return;
    const nr = Number(msg.string());
    json(msg, { def: Number.isInteger(nr) ? (kernel.registry.definition(nr) ?? null) : null });
  });

  // A server taking direct calls asks who a process is (it started after the process did).
  endpoint("proc", SUBJECTS.procRecord, guard.fromComponent, (msg) => {
    let pid = 0;
    try {
      pid = Number(msg.json<{ pid?: unknown }>().pid);
    } catch {
      // answered as no such process
    }
    json(msg, Number.isInteger(pid) && pid > 0 ? kernel.record(pid) : null);
  });

  // A process asks for the routes of its direct calls (after subscribing to their changes).
  endpoint("routes", SUBJECTS.sysRoutesAll, () => true, (msg) => {
    const pid = pidOfSubject(msg.subject);
    if (pid === 0 || !msg.reply || !guard.fromProcess(pid, msg.reply, msg.subject)) return;
    json(msg, kernel.routeTable());
  });

  const loader = opts.modules;
  if (loader) {
    const control = (run: (body: Record<string, unknown>) => Promise<string | undefined>) => (msg: Msg) => {
      let body: Record<string, unknown> = {};
      try {
        body = msg.json<Record<string, unknown>>();
      } catch {
        // answered below as a bad request
      }
      void run(body).then((error) => json(msg, error ? { error } : { ok: true }));
    };
    endpoint("insmod", SUBJECTS.insmod, guard.fromAdmin, control((b) => (typeof b.path === "string" ? loader.insmod(b.path) : Promise.resolve("insmod needs a path"))));
    endpoint("rmmod", SUBJECTS.rmmod, guard.fromAdmin, control((b) => (typeof b.name === "string" ? loader.rmmod(b.name) : Promise.resolve("rmmod needs a name"))));
  }
}
