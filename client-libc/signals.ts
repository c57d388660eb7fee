/**
 * A process's signals as its libc sees them. The kernel decides what a signal does (its
 * process manager holds masks, pending sets and dispositions); libc keeps the handler
 * *functions*, which cannot cross the bus, and acts on the kernel's notices:
 * - handle: run the handler — at once when no syscall is in flight, otherwise when the call
 *   comes back; a call that was blocked (it comes back as ERESTARTSYS) then fails with EINTR,
 *   or is issued again when every handler that ran had SA_RESTART, as Linux restarts it;
 * - stop / continue: calls wait while stopped (SIGSTOP, SIGTSTP);
 * - terminate: the kernel has already ended the process; its program ends now, as a killed
 *   process does (no stdio flush).
 */
import { SA, SIG_DFL, SIG_IGN, type SignalNotice } from "../kernel-core/abi/signal.js";

export type SignalHandler = (sig: number) => void | Promise<void>;
export type { SignalNotice };

export interface HandlerEntry {
  fn: SignalHandler;
  flags: number;
}

export class SignalState {
  /** Handler functions by signal number (the kernel knows only that there is one). */
  readonly handlers = new Map<number, HandlerEntry>();
  private readonly queued: number[] = [];
  private inFlight = 0;
  private stopped: { promise: Promise<void>; resume: () => void } | undefined;
  /**
   * What ends this program when the kernel has killed its process: natix run (and a spawned
   * child's OS process) exit with 128 + N; otherwise the program stops at its next call.
   */
  onTerminate: (sig: number) => void = (sig) => {
    this.killedBy = sig;
  };
  /** The signal that killed the process, once the kernel has. */
  killedBy: number | undefined;

  notice(sig: number, notice: SignalNotice): void {
    if (notice === "terminate") return this.onTerminate(sig);
    if (notice === "stop") {
      if (this.stopped === undefined) {
        let resume!: () => void;
        const promise = new Promise<void>((r) => (resume = r));
        this.stopped = { promise, resume };
      }
      return;
    }
    if (notice === "continue") {
      this.stopped?.resume();
      this.stopped = undefined;
      return;
    }
    this.queued.push(sig);
    for (const w of this.waiters.splice(0)) w();
    if (this.inFlight === 0) queueMicrotask(() => void this.runQueued());
  }

  private readonly waiters: (() => void)[] = [];

  /** Resolves when the next handled signal arrives (pause, sigsuspend). */
  arrival(): Promise<void> {
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  /**
   * Counts a call in flight; while the process is stopped, a promise of when it may go on. (Not
   * async: on the syscall path a running process must not pay a turn of the event loop for it.)
   */
  enter(): Promise<void> | undefined {
    if (this.stopped === undefined) {
      this.inFlight++;
      return undefined;
    }
    return this.stopped.promise.then(() => this.enter());
  }

  leave(): void {
    this.inFlight--;
  }

  /** A handled signal arrived and has not run yet. */
  get pending(): boolean {
    return this.queued.length > 0;
  }

  /** Runs the queued handlers; true when each had SA_RESTART (a blocked call may go on). */
  async runQueued(): Promise<boolean> {
    let restart = true;
    while (this.queued.length > 0) {
      const sig = this.queued.shift()!;
      const h = this.handlers.get(sig);
      if (h === undefined) continue; // its handler was removed since: nothing to run
      if ((h.flags & SA.RESTART) === 0) restart = false;
      if (h.flags & SA.RESETHAND) this.handlers.delete(sig);
      await h.fn(sig);
    }
    return restart;
  }

  /** execve: handler functions belong to the old program. */
  clear(): void {
    this.handlers.clear();
    this.queued.length = 0;
  }
}

/** The kernel's view of a handler argument: SIG_DFL 0, SIG_IGN 1, or "a function" (2). */
export function handlerValue(h: SignalHandler | typeof SIG_DFL | typeof SIG_IGN): number {
  return typeof h === "function" ? 2 : h;
}
