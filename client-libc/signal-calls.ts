/**
 * <signal.h>: kill, raise, signal, sigaction, sigprocmask and signal sets. The kernel holds the
 * disposition of each signal (it decides what a signal does); libc keeps the handler functions
 * and runs them when the kernel says (signals.ts).
 */
import type { Process } from "./process.js";
import { SYS } from "../kernel-core/syscalls/table.js";
import { E } from "../kernel-core/errno.js";
import { NSIG, SA, SIG, SIG_DFL, SIG_IGN, SIG_HOW, decodeSigaction, decodeSigset, describeSignal, encodeSigaction, encodeSigset, sigbit, validSignal } from "../kernel-core/abi/signal.js";
import { handlerValue, type SignalHandler } from "./signals.js";

/** sigset_t. */
export class SigSet {
  constructor(public bits = 0n) {}
}

export type Handler = SignalHandler | typeof SIG_DFL | typeof SIG_IGN;

/** struct sigaction, with the handler a function (or SIG_DFL, SIG_IGN). */
export interface SigAction {
  sa_handler: Handler;
  sa_mask?: SigSet;
  sa_flags?: number;
}

export const sigemptyset = (s: SigSet): number => ((s.bits = 0n), 0);
export const sigfillset = (s: SigSet): number => ((s.bits = (1n << BigInt(NSIG)) - 1n), 0);
export const sigaddset = (s: SigSet, sig: number): number => (validSignal(sig) ? ((s.bits |= sigbit(sig)), 0) : -1);
export const sigdelset = (s: SigSet, sig: number): number => (validSignal(sig) ? ((s.bits &= ~sigbit(sig)), 0) : -1);
export const sigismember = (s: SigSet, sig: number): number => (validSignal(sig) ? ((s.bits & sigbit(sig)) !== 0n ? 1 : 0) : -1);
/** strsignal(3): glibc's description ("Terminated"). */
export const strsignal = describeSignal;

export function signalCalls(p: Process) {
  const sigaction = async (sig: number, act: SigAction | null, oldact: SigAction | null = null): Promise<number> => {
    const out = new Uint8Array(32);
    const kact = act && encodeSigaction({ handler: handlerValue(act.sa_handler), flags: act.sa_flags ?? 0, mask: act.sa_mask?.bits ?? 0n });
    const r = await p.syscall(SYS.rt_sigaction, sig, kact, out, 8);
    if (r < 0) return r;
    const previous = p.signals.handlers.get(sig);
    if (oldact) {
      const old = decodeSigaction(out)!;
      oldact.sa_handler = old.handler === SIG_DFL || old.handler === SIG_IGN ? old.handler : (previous?.fn ?? SIG_DFL);
      oldact.sa_flags = old.flags;
      oldact.sa_mask = new SigSet(old.mask);
    }
    if (act) {
      if (typeof act.sa_handler === "function") p.signals.handlers.set(sig, { fn: act.sa_handler, flags: act.sa_flags ?? 0 });
      else p.signals.handlers.delete(sig);
    }
    return 0;
  };
  return {
    /** kill(2): 0, or −1 with ESRCH, EPERM or EINVAL. */
    kill: (pid: number, sig: number) => p.syscall(SYS.kill, pid, sig),
    /** raise(3): the signal to this process. */
    raise: (sig: number) => p.syscall(SYS.kill, p.pid, sig),
    sigaction,
    /**
     * signal(2) with glibc's (BSD) semantics: the handler stays installed and interrupted calls
     * restart (SA_RESTART). The previous handler, or SIG_ERR (−1) with errno.
     */
    signal: async (sig: number, handler: Handler): Promise<Handler | -1> => {
      const old: SigAction = { sa_handler: SIG_DFL };
      const r = await sigaction(sig, { sa_handler: handler, sa_flags: SA.RESTART }, old);
      return r < 0 ? -1 : old.sa_handler;
    },
    /** sigprocmask(2): SIG_BLOCK, SIG_UNBLOCK or SIG_SETMASK with `set`; the old mask into `oldset`. */
    sigprocmask: async (how: number, set: SigSet | null, oldset: SigSet | null = null): Promise<number> => {
      const out = new Uint8Array(8);
      const r = await p.syscall(SYS.rt_sigprocmask, how, set ? encodeSigset(set.bits) : null, out, 8);
      if (r >= 0 && oldset) oldset.bits = decodeSigset(out)!;
      return r;
    },
    /** pause(2): waits until a signal's handler has run; then −1 with EINTR. (A signal that kills ends the program instead.) */
    pause: async (): Promise<number> => {
      if (!p.signals.pending) await p.signals.arrival();
      await p.signals.runQueued();
      p.errno = E.EINTR;
      return -1;
    },
  };
}

export { SIG, SIG_DFL, SIG_IGN, SA };
export const { BLOCK: SIG_BLOCK, UNBLOCK: SIG_UNBLOCK, SETMASK: SIG_SETMASK } = SIG_HOW;
