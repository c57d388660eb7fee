/**
 * The process manager server (MINIX's PM): wait4, kill, rt_sigaction, rt_sigprocmask, getppid
 * and the process-group calls, and the PM's half of natix_spawn and execve (kernel-core keeps
 * identity and credentials, and asks). Its own process in micro mode, linked in the monolith.
 *
 * It learns of processes from kernel-core: a spawned child when the kernel asks it to make
 * one ("pm.spawn"); any other — a program `natix run` started, or every process after the PM
 * itself restarted — from the kernel's list, fetched the first time the PM meets a pid it does
 * not know. Exits arrive as kernel events.
 */
import type { Logger } from "pino";
import type { PeerCall, ServerDefinition, SyscallContext, SyscallHandler } from "../../kernel-core/server-runtime.js";
import { E } from "../../kernel-core/errno.js";
import { STRUCT_SIZES } from "../../kernel-core/syscalls/table.js";
import { SIGSET_SIZE, decodeSigaction, decodeSigset, encodeSigaction, encodeSigset } from "../../kernel-core/abi/signal.js";
import { encodePmFields, maskFromWire } from "../../kernel-core/abi/pm.js";
import { ProcessManager } from "./manager.js";
import { PmTable, type PmProc } from "./table.js";
import { KernelLink } from "./kernel-link.js";

export interface PmServerDeps {
  log: Logger;
  peer: PeerCall;
  /** How long one wait4 blocks before libc issues it again (ERESTARTSYS). */
  waitSliceMs: number;
}

const num = (x: unknown) => (typeof x === "number" && Number.isSafeInteger(x) ? x : undefined);

export function createPmServer(deps: PmServerDeps): ServerDefinition & { readonly table: PmTable } {
  const table = new PmTable();
  const kernel = new KernelLink(deps.peer, deps.log);
  const pm = new ProcessManager(
    table,
    {
      terminate: (pid, sig) => kernel.terminate(pid, sig),
      notify: (pid, sig, notice) => kernel.notify(pid, sig, notice),
      changed: (p) => kernel.change(p),
      reaped: (pid) => kernel.reap(pid),
    },
    deps.waitSliceMs,
  );

  // --- knowing the processes ----------------------------------------------------------------

  let boot: string | undefined;
  /** A process the PM has not met was created (its list must be fetched before a group is signalled). */
  let behind = true;
  let syncing: Promise<void> | undefined;

  /** Takes in the kernel's list: new processes adopted, vanished ones dropped, ended ones ended. */
  const sync = (): Promise<void> =>
    (syncing ??= (async () => {
      behind = false;
      const window = table.open();
      const snap = await kernel.snapshot();
      window.close();
      if (snap === null) {
        behind = true;
        return;
      }
      if (snap.boot !== boot) {
        table.clear(); // a kernel that restarted knows none of the processes of the one before
        boot = snap.boot;
      }
      // The list was made before what the PM did while it travelled: children made since are
      // kept, processes reaped since stay reaped.
      const listed = new Set(snap.procs.map((e) => e.pid));
      for (const p of table.list()) if (!listed.has(p.pid) && !window.born.has(p.pid)) table.delete(p.pid);
      const ended: [PmProc, number][] = [];
      for (const e of snap.procs) {
        if (window.gone.has(e.pid)) continue;
        const mine = table.get(e.pid);
        if (mine === undefined) {
          const { waitStatus, state, ...fields } = e;
          const p: PmProc = { ...fields, state: "running" };
          table.set(p);
          if (state === "zombie") ended.push([p, waitStatus ?? 0]);
        } else {
          Object.assign(mine, { uid: e.uid, euid: e.euid, suid: e.suid });
          if (mine.state === "running" && e.state === "zombie") ended.push([mine, e.waitStatus ?? 0]);
        }
      }
      // Ends the PM did not hear of (it was down, or the event is still on its way): decided now.
      for (const [p, status] of ended) pm.ended(p, status);
    })().finally(() => (syncing = undefined)));

  /**
   * Resolves once the caller, and every other pid given, is in the table or known not to be a
   * process. The caller exists (the kernel routed its call), so it is fetched whenever unknown;
   * another pid only while the PM is behind — else an unknown pid is no process, and asking the
   * kernel again for each `kill(99999, 0)` would only cost.
   */
  const know = (caller: number, ...others: number[]): Promise<void> | undefined => {
    if (caller > 0 && !table.has(caller)) return sync();
    return behind && others.some((pid) => pid > 0 && !table.has(pid)) ? sync() : undefined;
  };

  /** A handler that runs once its caller (and any pid `more` names) is known; synchronous when they are. */
  const known =
    (h: (ctx: SyscallContext) => number | Promise<number>, more?: (ctx: SyscallContext) => number[]): SyscallHandler =>
    (ctx) => {
      const wait = know(ctx.pid, ...(more?.(ctx) ?? []));
      return wait === undefined ? h(ctx) : wait.then(() => (table.has(ctx.pid) ? h(ctx) : -E.ESRCH));
    };

  /** A call that may signal its own caller: answered once the kernel has the notices (KernelLink.settled). */
  const noticed =
    (h: SyscallHandler): SyscallHandler =>
    (ctx) => {
      const settle = (r: number) => {
        const wait = kernel.settled();
        return wait === undefined ? r : wait.then(() => r);
      };
      const r = h(ctx);
      return typeof r === "number" ? settle(r) : r.then(settle);
    };

  // --- syscalls -------------------------------------------------------------------------------

  const wait4: SyscallHandler = async (ctx) => {
    const wantsStatus = (ctx.request.outCap[1] ?? -1) >= 0;
    const wantsUsage = (ctx.request.outCap[3] ?? -1) >= 0;
    if (wantsStatus && !ctx.fits(1, STRUCT_SIZES.int)) return -E.EFAULT;
    if (wantsUsage && !ctx.fits(3, STRUCT_SIZES.rusage)) return -E.EFAULT;
    const r = await pm.wait(ctx.pid, ctx.int(0), ctx.int(2));
    if (typeof r === "number") return r;
    if (wantsStatus) {
      const b = new Uint8Array(STRUCT_SIZES.int);
      new DataView(b.buffer).setInt32(0, r.status, true);
      ctx.copyOut(1, b);
    }
    // No CPU accounting: rusage is all zeros, as for a child that used no measurable time.
    if (wantsUsage) ctx.copyOut(3, new Uint8Array(STRUCT_SIZES.rusage));
    return r.pid;
  };

  const kill: SyscallHandler = (ctx) => {
    const target = ctx.int(0);
    // A group or everyone: processes created since the PM last looked must be among them.
    const wait = know(ctx.pid, target) ?? (target <= 0 && behind ? sync() : undefined);
    const go = () => pm.kill(ctx.caller, target, ctx.int(1));
    return wait === undefined ? go() : wait.then(go);
  };

  const rtSigaction: SyscallHandler = (ctx) => {
    if (ctx.size(3) !== SIGSET_SIZE) return -E.EINVAL;
    let act;
    if (ctx.request.input[1] !== undefined) {
      const bytes = ctx.copyIn(1, STRUCT_SIZES.sigaction);
      act = bytes && decodeSigaction(bytes);
      if (!act) return -E.EFAULT;
    }
    const wantsOld = (ctx.request.outCap[2] ?? -1) >= 0;
    if (wantsOld && !ctx.fits(2, STRUCT_SIZES.sigaction)) return -E.EFAULT;
    const old = pm.sigaction(ctx.pid, ctx.int(0), act);
    if (typeof old === "number") return old;
    if (wantsOld) ctx.copyOut(2, encodeSigaction(old));
    return 0;
  };

  const rtSigprocmask: SyscallHandler = (ctx) => {
    if (ctx.size(3) !== SIGSET_SIZE) return -E.EINVAL;
    let set;
    if (ctx.request.input[1] !== undefined) {
      const bytes = ctx.copyIn(1, SIGSET_SIZE);
      set = bytes && decodeSigset(bytes);
      if (set === undefined || set === null) return -E.EFAULT;
    }
    const wantsOld = (ctx.request.outCap[2] ?? -1) >= 0;
    if (wantsOld && !ctx.fits(2, SIGSET_SIZE)) return -E.EFAULT;
    const how = ctx.int(0);
    if (set !== undefined && (how < 0 || how > 2)) return -E.EINVAL;
    const old = pm.sigprocmask(ctx.pid, how, set);
    if (typeof old === "number") return old;
    if (wantsOld) ctx.copyOut(2, encodeSigset(old));
    return 0;
  };

  const target = (ctx: SyscallContext) => [ctx.int(0)];

  // --- what kernel-core asks --------------------------------------------------------------------

  /** {parent, child: {pid, uid, euid, suid}, setsid, pgroup?, sigmask?, sigdefault} → {fields} | {error}. */
  const spawn = async (a: Record<string, unknown>) => {
    const parentPid = num(a.parent) ?? 0;
    const c = (a.child ?? {}) as Record<string, unknown>;
    const child = { pid: num(c.pid), uid: num(c.uid), euid: num(c.euid), suid: num(c.suid) };
    if (parentPid <= 0 || Object.values(child).some((v) => v === undefined || v < 0)) return { error: E.EINVAL };
    await know(parentPid);
    const parent = table.get(parentPid);
    if (parent === undefined || parent.state !== "running") return { error: E.ESRCH };
    const r = pm.spawn(parent, child as { pid: number; uid: number; euid: number; suid: number }, {
      setsid: a.setsid === true,
      pgroup: num(a.pgroup),
      sigmask: maskFromWire(a.sigmask),
      sigdefault: maskFromWire(a.sigdefault) ?? 0n,
    });
    return typeof r === "number" ? { error: -r } : { fields: encodePmFields(r) };
  };

  const exec = async (a: Record<string, unknown>) => {
    const pid = num(a.pid) ?? 0;
    await know(pid);
    const p = table.get(pid);
    if (p === undefined) return { error: E.ESRCH };
    pm.exec(p);
    return { ok: true };
  };

  /** A signal a server raises (SIGPIPE from the vfs server): 0 or −errno. */
  const raise = async (a: Record<string, unknown>) => {
    const pid = num(a.pid) ?? 0;
    await know(pid);
    const r = pm.raise(pid, num(a.sig) ?? 0);
    await kernel.settled(); // the writer hears of its SIGPIPE before its write returns EPIPE
    return r;
  };

  return {
    name: "pm",
    table,
    handlers: {
      wait4: known(wait4),
      kill: noticed(kill),
      rt_sigaction: noticed(known(rtSigaction)),
      rt_sigprocmask: noticed(known(rtSigprocmask)),
      getppid: known((ctx) => table.get(ctx.pid)!.ppid),
      setpgid: known((ctx) => pm.setpgid(ctx.pid, ctx.int(0), ctx.int(1)), target),
      getpgid: known((ctx) => pm.getpgid(ctx.pid, ctx.int(0)), target),
      getpgrp: known((ctx) => pm.getpgid(ctx.pid, 0)),
      setsid: known((ctx) => pm.setsid(ctx.pid)),
      getsid: known((ctx) => pm.getsid(ctx.pid, ctx.int(0)), target),
    },
    peer: {
      "pm.spawn": spawn,
      "pm.exec": exec,
      "pm.raise": raise,
      // A child the kernel could not finish making: gone with no zombie and no SIGCHLD.
      "pm.forget": (a) => void table.delete(num(a.pid) ?? 0),
    },
    processExited(pid, waitStatus) {
      const p = table.get(pid);
      if (p === undefined) {
        behind = true;
        return void sync();
      }
      if (p.state === "running") pm.ended(p, waitStatus ?? 0);
    },
    processChanged(pid, creds) {
      const p = table.get(pid);
      if (p === undefined) behind = true;
      else Object.assign(p, { uid: creds.caller.uid, euid: creds.caller.euid, suid: creds.suid });
    },
    async stop() {
      kernel.stop();
    },
    // Exits published while the PM's connection was down were missed: the kernel's list has them.
    eventsMissed() {
      behind = true;
      void sync();
    },
    kernelRestarted() {
      table.clear();
      boot = undefined;
      behind = true;
    },
  };
}
