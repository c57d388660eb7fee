/**
 * kernel-core: creates processes, validates each syscall against the table, and decides where
 * it goes. It never talks to a transport and never imports a server: the edge that received a
 * frame (NATS, or a direct call in the monolith) asks `route()` and carries out the answer.
 */
import type { Logger } from "pino";
import { hostname } from "node:os";
import { randomUUID } from "node:crypto";
import type { SyscallReply, SyscallRequest } from "./abi/frame.js";
import { E } from "./errno.js";
import { ProcessTable, type ProcessEntry, type SpawnRequest } from "./processes.js";
import { Registry, type Registration } from "./registry.js";
import { admit } from "./admit.js";
import { replyRoute, type Route, type Router } from "./deliver.js";
import type { ProcessRecord } from "./direct-router.js";
import { createDispatcher, type Dispatcher, type PeerCall, type PeerHandler } from "./server-runtime.js";
import { ModuleTable } from "./modules.js";
import { Procfs, type ProcViewer } from "./procfs.js";
import { DEFAULT_STYLE, formatCall, type TraceStyle } from "./strace/format.js";
import { createProcessSyscalls } from "./proc-syscalls.js";
import { KernelLog } from "./kmsg.js";
import type { SyscallMeter } from "./meter.js";
import type { SyscallDef } from "./syscalls/types.js";
import { DEFAULT_DEADLINE_MS } from "./abi/limits.js";
import { KERNEL_RELEASE } from "./version.js";
import { createPmSyscalls } from "./pm/syscalls.js";
import { execProgram, spawnChild, type CreateDeps } from "./pm/create.js";
import { signalByName, signalName, signaledStatus, defaultAction, SIGNAL_NOTICES, type SignalNotice } from "./abi/signal.js";
import { decodePmFields, encodeSnapshotEntry, type PmFields } from "./abi/pm.js";

/**
 * How a call for a server travels. direct: libc sends it to the server itself, on a subject
 * that carries its pid, and the kernel only programs the routes (the table, the caller's
 * credentials, tracing); forward: through the kernel, the server answering the caller; mediate:
 * through the kernel both ways. Calls that reach the kernel under direct routing (a traced
 * process's, a number libc has no route for) are forwarded.
 */
export type RoutingMode = "direct" | "forward" | "mediate";
export const ROUTING_MODES: readonly RoutingMode[] = ["direct", "forward", "mediate"];

export interface KernelEvents {
  /** A process ended with exit `status`; `waitStatus` is how its parent's wait4 sees it. */
  processExited(pid: number, status: number, waitStatus: number): void;
  /** A process was created, or its credentials or tracing changed: servers' view of it. */
  processChanged?(pid: number, record: ProcessRecord): void;
  /** Which server answers which number, or who is traced, changed (libc's direct routes). */
  routesChanged?(): void;
  /** An instance of a component registered: it serves from now on (whoever waits on it resends). */
  registered?(name: string, kind: string): void;
  /** A signal did something process `pid`'s libc must act on (run a handler, die, stop, go on). */
  signal?(pid: number, sig: number, notice: SignalNotice): void;
}

/** What libc needs to send calls directly: number → server, and the pids that must not. */
export interface RouteTable {
  routing: RoutingMode;
  routes: Record<number, string>;
  traced: number[];
}

export interface KernelOptions {
  log: Logger;
  /** How kernel-core asks servers things (procfs content); injected by the wiring. */
  peer?: PeerCall;
  /** A server that has not answered within this many ms fails the call with ETIMEDOUT. */
  deadlineMs?: number;
  /** direct (default), forward or mediate: see RoutingMode. */
  routing?: RoutingMode;
  events?: KernelEvents;
  /** Records the calls kernel-core answers, and those it refuses. */
  meter?: SyscallMeter;
  /** Bus credentials for a spawned child's public key (absent on an open bus or embedded). */
  mint?: (pid: number, key: string) => Promise<string>;
}

/** Where a traced process's lines go; null ends the trace. */
export type TraceSink = (line: string | null) => void;

/** What a new process learns about itself and the kernel it runs on. */
export interface ProcessInfo {
  pid: number;
  ppid: number;
  uid: number;
  gid: number;
  deadlineMs: number;
  routing: RoutingMode;
}

export class Kernel implements Router {
  readonly processes: ProcessTable;
  readonly registry = new Registry();
  readonly deadlineMs: number;
  readonly routing: RoutingMode;
  readonly bootedAt = performance.now();
  /** The kernel log ring (dmesg). */
  readonly kmsg = new KernelLog(() => (performance.now() - this.bootedAt) * 1000);
  /** Loaded modules (/proc/modules). */
  readonly modules = new ModuleTable();
  /** /proc, as the vfs server asks for it. */
  readonly procfs: Procfs;
  /** Which boot this is (a process manager that outlived the kernel forgets the old one's processes). */
  readonly boot = randomUUID();
  private readonly own: Dispatcher;
  private readonly create: CreateDeps;
  private readonly tracers = new Map<number, { sink: TraceSink; style: TraceStyle }>();
  private readonly log: Logger;
  private readonly events?: KernelEvents;
  private readonly meter?: SyscallMeter;
  private readonly peer: PeerCall;

  constructor(opts: KernelOptions) {
    this.log = opts.log;
    this.deadlineMs = opts.deadlineMs ?? DEFAULT_DEADLINE_MS;
    this.routing = opts.routing ?? "direct";
    this.events = opts.events;
    this.meter = opts.meter;
    this.processes = new ProcessTable(() => this.uptimeMs());
    const peer: PeerCall = opts.peer ?? (async () => Promise.reject(new Error("no peers in this kernel")));
    this.peer = peer;
    this.create = {
      processes: this.processes,
      peer: (server, op, args) => peer(server, op, args),
      apply: (fields) => this.applyPm(fields),
      mint: opts.mint,
      changed: (pid) => this.changed(pid),
      discard: (pid) => this.discard(pid),
      deadlineMs: this.deadlineMs,
    };
    this.procfs = new Procfs({
      processes: () => this.processes.list(),
      process: (pid) => this.processes.get(pid),
      uptimeMs: () => this.uptimeMs(),
      release: KERNEL_RELEASE,
      modules: this.modules,
      peer: (server, op, args) => peer(server, op, args),
    });
    const identity = createProcessSyscalls({
        process: (pid) => this.processes.get(pid),
        exit: (pid, status) => this.exit(pid, status),
        credentialsChanged: (pid) => this.changed(pid),
        uname: () => ({
          sysname: "natix",
          nodename: hostname(),
          release: KERNEL_RELEASE,
          version: "#1 natix microkernel over NATS",
          machine: "x86_64",
          domainname: "(none)",
        }),
      });
    const pm = createPmSyscalls({
      process: (pid) => this.processes.get(pid),
      spawnChild: (parent, path, spec) => spawnChild(this.create, parent, path, spec),
      exec: (p, path, argv) => execProgram(this.create, p, path, argv),
    });
    this.own = createDispatcher({ name: "kernel", handlers: { ...identity.handlers, ...pm.handlers } }, this.log, opts.meter);
  }

  uptimeMs(): number {
    return performance.now() - this.bootedAt;
  }

  spawn(req: SpawnRequest): ProcessInfo {
    const p = this.processes.spawn(req);
    this.log.debug({ pid: p.pid, argv: p.argv }, "process created");
    this.changed(p.pid);
    return { pid: p.pid, ppid: p.ppid, uid: p.caller.uid, gid: p.caller.gid, deadlineMs: this.deadlineMs, routing: this.routing };
  }

  /**
   * A component registers: a server or driver joins the routing; a module also joins the
   * module table (/proc/modules, its /proc entries). Returns an error text on refusal.
   */
  register(reg: Registration): string | undefined {
    const fresh = !this.registry.hasInstance(reg.name, reg.instance);
    if (reg.kind === "module" && fresh) {
      if (this.modules.get(reg.name)) return `module ${reg.name} is already loaded`;
      const clash = reg.module?.proc.find((e) => this.modules.ownerOf(e) !== undefined || ["self", "modules", "uptime", "meminfo", "version"].includes(e) || /^\d+$/.test(e));
      if (clash) return `/proc/${clash} exists already`;
    }
    const error = this.registry.register(reg);
    if (error) return error;
    if (fresh) {
      this.events?.registered?.(reg.name, reg.kind);
      this.events?.routesChanged?.();
    }
    if (reg.kind !== "module" || !fresh) return undefined;
    this.modules.add({ name: reg.name, size: reg.module?.size ?? 4096, proc: reg.module?.proc ?? [], syscalls: reg.syscalls, loadedAt: this.uptimeMs() });
    return undefined;
  }

  /** An instance of a component left cleanly; when the last one has, its calls are ENOSYS. */
  unregister(name: string, instance: string): void {
    this.registry.unregister(name, instance);
    if (!this.registry.has(name)) this.events?.routesChanged?.();
  }

  /** A module is gone (rmmod): its syscalls are ENOSYS again and its /proc entries vanish. */
  unloadModule(name: string): boolean {
    if (this.modules.remove(name) === undefined) return false;
    this.registry.remove(name);
    this.events?.routesChanged?.();
    return true;
  }

  /** A running process as servers see it (null when there is none). */
  record(pid: number): ProcessRecord | null {
    const p = this.processes.get(pid);
    if (p === undefined || p.state !== "running") return null;
    return { caller: p.caller, suid: p.suid, sgid: p.sgid, traced: this.tracers.has(pid) };
  }

  /** Tells servers what changed about a process (its creation, credentials, tracing). */
  private changed(pid: number): void {
    const r = this.record(pid);
    if (r !== null) this.events?.processChanged?.(pid, r);
  }

  /** The routes libc sends direct calls by (none unless routing is direct). */
  routeTable(): RouteTable {
    const routes: Record<number, string> = {};
    if (this.routing === "direct") {
      for (const s of this.registry.list()) if (s.kind !== "driver") for (const nr of s.syscalls) routes[nr] = s.name;
    }
    return { routing: this.routing, routes, traced: [...this.tracers.keys()] };
  }

  /**
   * kernel-core's answers to peer questions: procfs for the vfs server, and the process
   * manager's messages — what changed in its table, which ended processes it reaped, a
   * process to end or to tell of a signal, and the list of processes when it meets one it
   * does not know.
   */
  peerHandlers(): Record<string, PeerHandler> {
    const viewer = (a: Record<string, unknown>) => a.viewer as ProcViewer;
    const pid = (a: Record<string, unknown>) => (Number.isSafeInteger(a.pid) ? (a.pid as number) : 0);
    const sig = (a: Record<string, unknown>) => (Number.isSafeInteger(a.sig) && (a.sig as number) > 0 && (a.sig as number) <= 64 ? (a.sig as number) : 0);
    return {
      "proc.stat": (a) => this.procfs.stat(viewer(a), String(a.path)),
      "proc.list": (a) => this.procfs.list(viewer(a), String(a.path)),
      "proc.read": (a) => this.procfs.read(viewer(a), String(a.path)),
      "proc.pm": (a) => {
        for (const f of Array.isArray(a.procs) ? a.procs : []) {
          const fields = decodePmFields(f);
          if (fields) this.applyPm(fields);
        }
        for (const p of Array.isArray(a.reap) ? a.reap : []) this.reap(Number(p));
        return { ok: true };
      },
      "proc.terminate": (a) => {
        const s = sig(a);
        if (s === 0 || pid(a) <= 1) return { error: E.EINVAL };
        this.exit(pid(a), 128 + s, signalName(s), signaledStatus(s, defaultAction(s) === "core"));
        return { ok: true };
      },
      "proc.notify": (a) => {
        const p = this.processes.get(pid(a));
        if (p === undefined || p.state !== "running" || sig(a) === 0 || !(SIGNAL_NOTICES as readonly unknown[]).includes(a.notice)) return { error: E.ESRCH };
        this.events?.signal?.(p.pid, sig(a), a.notice as SignalNotice);
        return { ok: true };
      },
      "proc.snapshot": () => ({
        boot: this.boot,
        procs: this.processes.list().map((p) =>
          encodeSnapshotEntry({ ...p, uid: p.caller.uid, euid: p.caller.euid, state: p.state === "running" ? "running" : "zombie" }),
        ),
      }),
    };
  }

  /** The process manager's fields for a process, into the kernel's copy (/proc reads it). */
  private applyPm(f: PmFields): void {
    const p = this.processes.get(f.pid);
    if (p === undefined) return;
    Object.assign(p, { ppid: f.ppid, pgid: f.pgid, sid: f.sid, stopped: f.stopped, sigmask: f.sigmask, pending: f.pending, actions: f.actions });
    // An ended process the PM sends is one it keeps for its parent to reap.
    if (p.state === "exited") p.state = "zombie";
  }

  /** The process manager reaped an ended process: its pid is free. */
  private reap(pid: number): void {
    const p = this.processes.get(pid);
    if (p !== undefined && p.state !== "running") this.processes.remove(pid);
  }

  /**
   * Ends a process: every server is told, so it releases what it held for it. Its entry (and
   * pid) stays until the process manager says its parent reaped it — at once when its parent is
   * the kernel (pid 1), or when no process manager runs at all.
   * `signal` names the signal that killed it (its wait status then says so).
   */
  exit(pid: number, status: number, signal?: string, waitStatus?: number): void {
    const sig = signal === undefined ? undefined : signalByName(signal);
    const p = this.processes.exit(pid, status, waitStatus ?? (sig === undefined ? undefined : signaledStatus(sig)));
    if (p === undefined) return;
    const t = this.tracers.get(pid);
    if (t) {
      t.sink(signal ? `+++ killed by ${signal} +++` : `+++ exited with ${p.exitStatus} +++`);
      this.untrace(pid);
    }
    this.log.debug({ pid, status: p.exitStatus }, "process exited");
    if (p.ppid === 1 || !this.registry.has("pm")) this.processes.remove(pid);
    if (sig !== undefined) this.events?.signal?.(pid, sig, "terminate");
    this.events?.processExited(pid, p.exitStatus ?? 0, p.waitStatus ?? 0);
  }

  /** A child that could not be made: gone without a zombie or SIGCHLD; servers drop what they made for it. */
  private discard(pid: number): void {
    if (this.processes.exit(pid, 127) === undefined) return;
    this.processes.remove(pid);
    this.peer("pm", "pm.forget", { pid }).catch(() => {});
    this.events?.processExited(pid, 127, 127 << 8);
  }

  process(pid: number): ProcessEntry | undefined {
    return this.processes.get(pid);
  }

  /** Starts tracing `pid` (strace): each call it makes becomes a line in `sink`. */
  trace(pid: number, sink: TraceSink, style: Partial<TraceStyle> = {}, tracerPid = 0): number {
    const p = this.processes.get(pid);
    if (p === undefined || p.state !== "running") return -E.ESRCH;
    if (this.tracers.has(pid)) return -E.EPERM;
    const given = Object.fromEntries(Object.entries(style).filter(([, v]) => v !== undefined));
    this.tracers.set(pid, { sink, style: { ...DEFAULT_STYLE, ...given } });
    p.tracer = tracerPid;
    this.changed(pid);
    this.events?.routesChanged?.();
    return 0;
  }

  untrace(pid: number): void {
    const t = this.tracers.get(pid);
    if (t === undefined) return;
    this.tracers.delete(pid);
    const p = this.processes.get(pid);
    if (p) p.tracer = undefined;
    this.changed(pid);
    this.events?.routesChanged?.();
    t.sink(null);
  }

  /** A traced process's call completed: its line. */
  traced(pid: number, request: SyscallRequest, reply: SyscallReply | undefined): void {
    const t = this.tracers.get(pid);
    if (t === undefined || reply?.ret === -E.ERESTARTSYS) return; // restarted calls show once, when they finish
    t.sink(formatCall(this.registry.definition(request.nr), request, reply, t.style));
  }

  /** Validates one syscall from `pid` and says where it goes (and traces it when asked). */
  route(pid: number, request: SyscallRequest): Route {
    if (!this.tracers.has(pid)) return this.decide(pid, request);
    const def = this.registry.definition(request.nr);
    const snapshot: SyscallRequest = { ...request, input: request.input.map((b) => b && new Uint8Array(b)) };
    if (def && def.flags?.includes("noreturn")) this.traced(pid, snapshot, undefined);
    const route = this.decide(pid, request);
    if (route.kind === "server") return { ...route, traced: snapshot };
    if (def?.flags?.includes("noreturn")) return route;
    return {
      kind: "reply",
      reply: Promise.resolve(route.reply).then((r) => {
        this.traced(pid, snapshot, r);
        return r;
      }),
    };
  }

  /** A call kernel-core answers with an error itself, counted in its meter. */
  private refuse(def: SyscallDef | undefined, ret: number): Route {
    this.meter?.record("kernel", def?.name ?? "unknown", ret, 0);
    return replyRoute(ret);
  }

  /** A running process's credentials (admit's lookup). */
  private readonly running = (pid: number) => {
    const p = this.processes.get(pid);
    return p?.state === "running" ? p : undefined;
  };

  private decide(pid: number, request: SyscallRequest): Route {
    const def = this.registry.definition(request.nr);
    const proc = this.processes.get(pid);
    if (proc === undefined || proc.state !== "running") return this.refuse(def, -E.ESRCH);
    if (def === undefined) {
      this.log.debug({ pid, comm: proc.comm, nr: request.nr }, `${pid} ${proc.comm}: unknown sys call ${request.nr}`);
      return this.refuse(def, -E.ENOSYS);
    }
    const bad = admit(def, request, proc, this.running);
    if (bad < 0) return this.refuse(def, bad);
    if (def.owner === "kernel") return { kind: "reply", reply: this.own.dispatch(proc.caller, request) };
    const server = this.registry.route(request.nr);
    if (server === undefined) return this.refuse(def, -E.ENOSYS);
    return { kind: "server", server, caller: proc.caller };
  }
}
