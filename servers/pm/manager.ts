/**
 * The process manager (MINIX's PM): parents and children, zombies and reaping, process groups
 * and sessions, and signals — generation, masks, pending sets, dispositions and default
 * actions. It holds no transport: what it must have done to a process (end it, tell its libc
 * to run a handler, stop or continue, forget a reaped one) goes out through `PmHooks`, which
 * the server wires to peer questions to kernel-core.
 */
import { E } from "../../kernel-core/errno.js";
import type { Caller } from "../../kernel-core/abi/routed.js";
import {
  CONTINUED_STATUS,
  SA,
  SIG,
  SIG_DFL,
  SIG_IGN,
  UNBLOCKABLE,
  UNCATCHABLE,
  WAIT,
  defaultAction,
  sigbit,
  stoppedStatus,
  validSignal,
  type KSigaction,
  type SignalNotice,
} from "../../kernel-core/abi/signal.js";
import type { PmTable, PmProc } from "./table.js";


export interface PmHooks {
  /** End `pid` as killed by `sig` (kernel-core's exit path: servers release, tracer told). */
  terminate(pid: number, sig: number): void;
  /** Tell process `pid`'s libc what a signal did to it. */
  notify(pid: number, sig: number, notice: SignalNotice): void;
  /** A process's fields changed (kernel-core's copy is brought up to date). */
  changed(p: PmProc): void;
  /** An ended process was reaped (or needs no reaping): kernel-core frees its pid. */
  reaped(pid: number): void;
}

/** A blocked wait4's wake-up: a child changed state, or a signal arrived (restart: SA_RESTART). */
type Wake = { kind: "child" } | { kind: "signal"; restart: boolean };

export type WaitResult = { pid: number; status: number } | number;

export class ProcessManager {
  private readonly sleepers = new Map<number, Set<(w: Wake) => void>>();
  /** The signal that stopped each stopped process (wait4's WSTOPSIG). */
  private readonly stopSignal = new Map<number, number>();

  constructor(
    private readonly table: PmTable,
    private readonly hooks: PmHooks,
    /** How long one wait4 blocks before libc issues it again (ERESTARTSYS). */
    readonly sliceMs: number,
  ) {}

  // --- lifetime -------------------------------------------------------------------------------

  /**
   * `p` has just ended with `waitStatus`. Its children go to pid 1 (zombies among them are reaped
   * at once, as init would); it becomes a zombie for its parent to reap, or goes at once when its
   * parent is pid 1 (the kernel itself, which reaps) or has said it does not want zombies
   * (SIGCHLD ignored).
   */
  ended(p: PmProc, waitStatus: number): "zombie" | "gone" {
    this.stopSignal.delete(p.pid);
    p.waitStatus = waitStatus;
    p.stopped = false;
    p.report = undefined;
    for (const c of this.table.children(p.pid)) {
      c.ppid = 1;
      if (c.state === "zombie") this.reap(c.pid);
      else this.hooks.changed(c);
    }
    this.wake(p.pid, { kind: "child" }); // its own wait4, if any, sees ECHILD or ESRCH
    const parent = this.table.get(p.ppid);
    const chld = parent?.actions.get(SIG.CHLD);
    const unwanted = chld !== undefined && (chld.handler === SIG_IGN || (chld.flags & SA.NOCLDWAIT) !== 0);
    if (p.ppid === 1 || parent === undefined || parent.state !== "running" || unwanted) {
      this.reap(p.pid);
      if (parent) this.wake(parent.pid, { kind: "child" });
      return "gone";
    }
    p.state = "zombie";
    this.hooks.changed(p);
    this.send(parent, SIG.CHLD);
    this.wake(parent.pid, { kind: "child" });
    return "zombie";
  }

  /** Forgets an ended process; kernel-core frees its pid. */
  private reap(pid: number): void {
    this.table.delete(pid);
    this.hooks.reaped(pid);
  }

  /**
   * A child natix_spawn is making: its group and session (EPERM for a group that is not in the
   * parent's session), its signal mask and dispositions (ignored signals stay ignored unless
   * POSIX_SPAWN_SETSIGDEF resets them; handled ones return to the default, as across execve).
   */
  spawn(parent: PmProc, child: { pid: number; uid: number; euid: number; suid: number }, opts: { setsid: boolean; pgroup?: number; sigmask?: bigint; sigdefault: bigint }): PmProc | number {
    if (opts.pgroup !== undefined && opts.pgroup < 0) return -E.EINVAL;
    if (opts.pgroup && !this.table.list().some((p) => p.pgid === opts.pgroup && p.sid === parent.sid && p.state === "running")) return -E.EPERM;
    const actions = new Map<number, { handler: number; flags: number; mask: bigint }>();
    for (const [sig, a] of parent.actions) if (a.handler === SIG_IGN && (opts.sigdefault & sigbit(sig)) === 0n) actions.set(sig, { ...a });
    const proc: PmProc = {
      ...child,
      ppid: parent.pid,
      pgid: opts.setsid || opts.pgroup === 0 ? child.pid : (opts.pgroup ?? parent.pgid),
      sid: opts.setsid ? child.pid : parent.sid,
      stopped: false,
      sigmask: (opts.sigmask ?? parent.sigmask) & ~UNBLOCKABLE,
      pending: 0n,
      actions,
      state: "running",
    };
    this.table.set(proc);
    this.hooks.changed(proc);
    return proc;
  }

  // --- wait4 ----------------------------------------------------------------------------------

  private matches(self: PmProc, c: PmProc, pid: number): boolean {
    if (pid > 0) return c.pid === pid;
    if (pid === -1) return true;
    return c.pgid === (pid === 0 ? self.pgid : -pid);
  }

  /** One look at the children: a status to report, 0 (WNOHANG, none yet), −ECHILD, or "block". */
  private look(self: PmProc, pid: number, options: number): WaitResult | "block" {
    const mine = this.table.children(self.pid).filter((c) => this.matches(self, c, pid));
    if (mine.length === 0) return -E.ECHILD;
    const zombie = mine.find((c) => c.state === "zombie");
    if (zombie) {
      this.reap(zombie.pid);
      return { pid: zombie.pid, status: zombie.waitStatus ?? 0 };
    }
    if (options & WAIT.UNTRACED) {
      const s = mine.find((c) => c.report === "stopped");
      if (s) {
        s.report = undefined;
        return { pid: s.pid, status: stoppedStatus(this.stopSignal.get(s.pid) ?? SIG.STOP) };
      }
    }
    if (options & WAIT.CONTINUED) {
      const c = mine.find((x) => x.report === "continued");
      if (c) {
        c.report = undefined;
        return { pid: c.pid, status: CONTINUED_STATUS };
      }
    }
    return options & WAIT.NOHANG ? 0 : "block";
  }

  /**
   * wait4: a child's pid and status; 0 with WNOHANG; −ECHILD; −EINTR when a handled signal
   * arrives while it waits (unless SA_RESTART); −ERESTARTSYS after one slice, and libc asks again.
   */
  async wait(selfPid: number, pid: number, options: number): Promise<WaitResult> {
    // Linux's thread-selection bits mean nothing here (one thread per process); anything else is EINVAL.
    if ((options & ~(WAIT.NOHANG | WAIT.UNTRACED | WAIT.CONTINUED | WAIT.__WNOTHREAD | WAIT.__WALL | WAIT.__WCLONE)) !== 0) return -E.EINVAL;
    const self = this.table.get(selfPid);
    if (self === undefined || self.state !== "running") return -E.ESRCH;
    const deadline = performance.now() + this.sliceMs;
    for (;;) {
      const r = this.look(self, pid, options);
      if (r !== "block") return r;
      const left = deadline - performance.now();
      if (left <= 0) return -E.ERESTARTSYS;
      const w = await this.sleep(selfPid, left);
      if (w?.kind === "signal" && !w.restart) return -E.EINTR;
    }
  }

  private sleep(pid: number, ms: number): Promise<Wake | undefined> {
    return new Promise((resolve) => {
      let set = this.sleepers.get(pid);
      if (set === undefined) this.sleepers.set(pid, (set = new Set()));
      const done = (w?: Wake) => {
        clearTimeout(timer);
        set!.delete(done);
        if (set!.size === 0) this.sleepers.delete(pid);
        resolve(w);
      };
      const timer = setTimeout(done, ms);
      set.add(done);
    });
  }

  private wake(pid: number, w: Wake): void {
    for (const done of [...(this.sleepers.get(pid) ?? [])]) done(w);
  }

  // --- signals --------------------------------------------------------------------------------

  /** May `from` signal `to`? (kill(2): root, or a real or effective id matching the target's real or saved uid.) */
  private permitted(c: Caller, from: PmProc, to: PmProc, sig: number): boolean {
    if (c.euid === 0) return true;
    if (sig === SIG.CONT && from.sid === to.sid) return true;
    return [c.uid, c.euid].some((id) => id === to.uid || id === to.suid);
  }

  /** kill(2) from `caller` (its credentials as the kernel routed them). */
  kill(caller: Caller, pid: number, sig: number): number {
    const senderPid = caller.pid;
    const sender = this.table.get(senderPid);
    if (sender === undefined) return -E.ESRCH;
    if (sig !== 0 && !validSignal(sig)) return -E.EINVAL;
    if (!Number.isInteger(pid) || pid === -2147483648) return -E.ESRCH;
    const all = this.table.list();
    const targets =
      pid > 0 ? all.filter((p) => p.pid === pid) : pid === -1 ? all.filter((p) => p.pid !== 1 && p.pid !== senderPid) : all.filter((p) => p.pgid === (pid === 0 ? sender.pgid : -pid));
    if (targets.length === 0) return -E.ESRCH;
    let sent = 0;
    for (const t of targets) {
      if (!this.permitted(caller, sender, t, sig)) continue;
      sent++;
      if (sig !== 0 && t.state === "running") this.send(t, sig);
    }
    return sent > 0 ? 0 : -E.EPERM;
  }

  /** A signal the kernel itself generates (SIGPIPE from the vfs server, SIGCHLD). */
  raise(pid: number, sig: number): number {
    const p = this.table.get(pid);
    if (p === undefined || p.state !== "running") return -E.ESRCH;
    if (!validSignal(sig)) return -E.EINVAL;
    this.send(p, sig);
    return 0;
  }

  private blocked(p: PmProc, sig: number): boolean {
    return (p.sigmask & sigbit(sig)) !== 0n;
  }

  /** Generates `sig` for `p` and delivers it unless it is blocked (then it stays pending). */
  private send(p: PmProc, sig: number): void {
    if (sig === SIG.KILL) return this.hooks.terminate(p.pid, sig);
    this.generate(p, sig);
    this.hooks.changed(p); // its pending set, stop state or dispositions may have changed
  }

  private generate(p: PmProc, sig: number): void {
    if (sig === SIG.CONT) this.resume(p);
    const handler = p.actions.get(sig)?.handler ?? SIG_DFL;
    if (handler === SIG_IGN) return;
    if (handler === SIG_DFL && (defaultAction(sig) === "ign" || defaultAction(sig) === "cont")) return;
    if (sig !== SIG.STOP && this.blocked(p, sig)) {
      p.pending |= sigbit(sig);
      return;
    }
    this.deliver(p, sig);
  }

  private deliver(p: PmProc, sig: number): void {
    const d = p.actions.get(sig);
    if (d === undefined || d.handler === SIG_DFL) {
      const action = defaultAction(sig);
      if (action === "stop") return this.stop(p, sig);
      if (action === "term" || action === "core") return this.hooks.terminate(p.pid, sig);
      return;
    }
    if (d.handler === SIG_IGN) return;
    if (d.flags & SA.RESETHAND) p.actions.delete(sig);
    this.hooks.notify(p.pid, sig, "handle");
    this.wake(p.pid, { kind: "signal", restart: (d.flags & SA.RESTART) !== 0 });
  }

  private stop(p: PmProc, sig: number): void {
    if (p.stopped) return;
    p.stopped = true;
    p.report = "stopped";
    this.stopSignal.set(p.pid, sig);
    this.hooks.notify(p.pid, sig, "stop");
    this.tellParent(p);
  }

  private resume(p: PmProc): void {
    // A SIGCONT discards pending stop signals, and a stop discards a pending SIGCONT (signal(7)).
    for (const s of [SIG.STOP, SIG.TSTP, SIG.TTIN, SIG.TTOU]) p.pending &= ~sigbit(s);
    if (!p.stopped) return;
    p.stopped = false;
    p.report = "continued";
    this.stopSignal.delete(p.pid);
    this.hooks.notify(p.pid, SIG.CONT, "continue");
    this.tellParent(p);
  }

  /** A child stopped or continued: SIGCHLD (unless SA_NOCLDSTOP) and its parent's wait4 looks again. */
  private tellParent(p: PmProc): void {
    const parent = this.table.get(p.ppid);
    if (parent === undefined || parent.state !== "running") return;
    if (((parent.actions.get(SIG.CHLD)?.flags ?? 0) & SA.NOCLDSTOP) === 0) this.send(parent, SIG.CHLD);
    this.wake(parent.pid, { kind: "child" });
  }

  /** Delivers what a changed mask or disposition let through. */
  private flush(p: PmProc): void {
    for (let s = 1; s <= 64 && p.pending !== 0n; s++) {
      const bit = sigbit(s);
      if ((p.pending & bit) === 0n || this.blocked(p, s)) continue;
      p.pending &= ~bit;
      if (p.state === "running") this.deliver(p, s);
    }
  }

  /** rt_sigaction: the old action; sets `act` when given. */
  sigaction(pid: number, sig: number, act: KSigaction | undefined): KSigaction | number {
    const p = this.table.get(pid);
    if (p === undefined) return -E.ESRCH;
    if (!validSignal(sig) || (act !== undefined && UNCATCHABLE(sig))) return -E.EINVAL;
    const old = p.actions.get(sig) ?? { handler: SIG_DFL, flags: 0, mask: 0n };
    if (act !== undefined) {
      if (act.handler === SIG_DFL && act.flags === 0 && act.mask === 0n) p.actions.delete(sig);
      else p.actions.set(sig, { handler: act.handler, flags: act.flags, mask: act.mask & ~UNBLOCKABLE });
      // Ignoring a signal discards it if pending (POSIX).
      const ignored = act.handler === SIG_IGN || (act.handler === SIG_DFL && defaultAction(sig) === "ign");
      if (ignored) p.pending &= ~sigbit(sig);
      else this.flush(p);
      this.hooks.changed(p);
    }
    return old;
  }

  /** rt_sigprocmask: the old mask; applies `how` with `set` when given. */
  sigprocmask(pid: number, how: number, set: bigint | undefined): bigint | number {
    const p = this.table.get(pid);
    if (p === undefined) return -E.ESRCH;
    const old = p.sigmask;
    if (set === undefined) return old;
    if (how === 0) p.sigmask = old | set;
    else if (how === 1) p.sigmask = old & ~set;
    else if (how === 2) p.sigmask = set;
    else return -E.EINVAL;
    p.sigmask &= ~UNBLOCKABLE;
    this.flush(p);
    this.hooks.changed(p);
    return old;
  }

  /** execve: handled signals go back to their default action; ignored ones stay ignored. */
  exec(p: PmProc): void {
    for (const [sig, d] of p.actions) if (d.handler !== SIG_IGN) p.actions.delete(sig);
    this.hooks.changed(p);
  }

  // --- process groups and sessions ------------------------------------------------------------

  setpgid(selfPid: number, pid: number, pgid: number): number {
    const self = this.table.get(selfPid)!;
    if (pgid < 0) return -E.EINVAL;
    const target = pid === 0 ? self : this.table.get(pid);
    if (target === undefined || (target.pid !== self.pid && target.ppid !== self.pid)) return -E.ESRCH;
    if (target.sid !== self.sid) return -E.EPERM;
    if (target.sid === target.pid) return -E.EPERM; // a session leader stays in its group
    const group = pgid === 0 ? target.pid : pgid;
    if (group !== target.pid && !this.table.list().some((p) => p.pgid === group && p.sid === self.sid)) return -E.EPERM;
    target.pgid = group;
    this.hooks.changed(target);
    return 0;
  }

  getpgid(selfPid: number, pid: number): number {
    const p = this.table.get(pid === 0 ? selfPid : pid);
    return p === undefined ? -E.ESRCH : p.pgid;
  }

  getsid(selfPid: number, pid: number): number {
    const p = this.table.get(pid === 0 ? selfPid : pid);
    return p === undefined ? -E.ESRCH : p.sid;
  }

  setsid(selfPid: number): number {
    const self = this.table.get(selfPid)!;
    if (this.table.list().some((p) => p.pgid === self.pid && p.pid !== self.pid) || self.pgid === self.pid) return -E.EPERM;
    self.sid = self.pid;
    self.pgid = self.pid;
    this.hooks.changed(self);
    return self.pid;
  }
}
