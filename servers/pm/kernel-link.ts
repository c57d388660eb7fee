/**
 * The process manager's line to kernel-core, over peer questions: what it must have done (end
 * a process, tell a program's libc of a signal), what changed in its table (kernel-core keeps
 * the copy /proc reads and a restarted PM takes back), which ended processes are reaped, and
 * the kernel's list of processes when the PM meets one it does not know.
 *
 * Order matters — a process's fields must reach the kernel before a notice that depends on
 * them — so changes are held only until the end of the current turn, and are sent first
 * whenever anything else goes out.
 */
import type { Logger } from "pino";
import type { PeerCall } from "../../kernel-core/server-runtime.js";
import { encodePmFields, decodeSnapshotEntry, type PmSnapshot } from "../../kernel-core/abi/pm.js";
import type { PmProc } from "./table.js";
import type { SignalNotice } from "../../kernel-core/abi/signal.js";

export class KernelLink {
  private readonly changed = new Map<number, PmProc>();
  private readonly reaped = new Set<number>();
  private queued = false;
  /** Stopping: nothing more is sent (the connection is closing). */
  private stopped = false;
  /** When the last failure was logged: a kernel that went away fails every message, logged once a second. */
  private lastWarned = -Infinity;
  /** Notices the kernel has not yet acknowledged (see settled). */
  private readonly unacknowledged = new Set<Promise<unknown>>();

  constructor(
    private readonly peer: PeerCall,
    private readonly log: Logger,
  ) {}

  /** `p`'s fields changed: sent at the end of this turn (once, however often it changed). */
  change(p: PmProc): void {
    this.reaped.delete(p.pid);
    this.changed.set(p.pid, p);
    this.schedule();
  }

  /**
   * An ended process is reaped: sent at once, so the kernel frees it before the parent's wait4
   * returns (the parent's next look at /proc must not find it).
   */
  reap(pid: number): void {
    this.changed.delete(pid);
    this.reaped.add(pid);
    this.flush();
  }

  terminate(pid: number, sig: number): void {
    this.notice("proc.terminate", { pid, sig });
  }

  notify(pid: number, sig: number, notice: SignalNotice): void {
    this.notice("proc.notify", { pid, sig, notice });
  }

  /**
   * Resolves once the kernel has acknowledged every notice sent so far (undefined when none is
   * outstanding). A syscall whose signal ended or interrupted its caller — kill(getpid(), ...),
   * an unblocked pending signal — is answered only after that, so the program hears of the
   * signal before its call returns, as on Linux: the kernel publishes the notice before it
   * acknowledges it, and the PM's reply comes after.
   */
  settled(): Promise<void> | undefined {
    this.flush();
    if (this.unacknowledged.size === 0) return undefined;
    return Promise.allSettled([...this.unacknowledged]).then(() => undefined);
  }

  private notice(op: string, args: Record<string, unknown>): void {
    this.flush();
    const sent = this.post(op, args);
    if (sent === undefined) return;
    this.unacknowledged.add(sent);
    void sent.finally(() => this.unacknowledged.delete(sent));
  }

  /** The kernel's processes (null when it could not be asked). */
  async snapshot(): Promise<PmSnapshot | null> {
    if (this.stopped) return null;
    this.flush();
    try {
      const r = (await this.peer("kernel", "proc.snapshot", {})) as { boot?: unknown; procs?: unknown };
      if (typeof r?.boot !== "string" || !Array.isArray(r.procs)) return null;
      const procs = r.procs.map(decodeSnapshotEntry).filter((e) => e !== undefined);
      return { boot: r.boot, procs };
    } catch (err) {
      this.warn(err, "proc.snapshot");
      return null;
    }
  }

  private schedule(): void {
    if (this.queued) return;
    this.queued = true;
    queueMicrotask(() => this.flush());
  }

  private flush(): void {
    this.queued = false;
    if (this.changed.size === 0 && this.reaped.size === 0) return;
    const procs = [...this.changed.values()].map(encodePmFields);
    const reap = [...this.reaped];
    this.changed.clear();
    this.reaped.clear();
    this.post("proc.pm", { procs, reap });
  }

  stop(): void {
    this.stopped = true;
  }

  private post(op: string, args: Record<string, unknown>): Promise<unknown> | undefined {
    if (this.stopped) return undefined;
    return this.peer("kernel", op, args).catch((err: unknown) => this.warn(err, op));
  }

  private warn(err: unknown, op: string): void {
    if (this.stopped || performance.now() - this.lastWarned < 1000) return;
    this.lastWarned = performance.now();
    this.log.warn({ err, op }, "the kernel did not answer the process manager");
  }
}
