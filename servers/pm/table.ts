/**
 * The process manager's own table: for each process the kernel created, its place in the tree
 * (parent, group, session), its stop state and its signals, and — once it has ended and until
 * its parent reaps it — its wait status. Credentials are the kernel's; the PM keeps a copy for
 * kill(2)'s permission rule.
 */
import type { PmFields } from "../../kernel-core/abi/pm.js";

export interface PmProc extends PmFields {
  uid: number;
  euid: number;
  suid: number;
  /** running (possibly stopped), or zombie: ended, its status not yet collected by its parent. */
  state: "running" | "zombie";
  waitStatus?: number;
  /** What the parent's wait4 has yet to see of a stop or a continue. */
  report?: "stopped" | "continued";
}

/** The pids that came and went while a window was open (the time a list from the kernel was on its way). */
export interface Window {
  readonly born: ReadonlySet<number>;
  readonly gone: ReadonlySet<number>;
  close(): void;
}

export class PmTable {
  private readonly procs = new Map<number, PmProc>();
  private window?: { born: Set<number>; gone: Set<number> };

  /**
   * Starts recording which pids are added and removed: a list the kernel made before a child
   * was made (or after a zombie was reaped) must not take the child out (or the zombie back).
   */
  open(): Window {
    const w = { born: new Set<number>(), gone: new Set<number>() };
    this.window = w;
    return { born: w.born, gone: w.gone, close: () => this.window === w && (this.window = undefined) };
  }

  get(pid: number): PmProc | undefined {
    return this.procs.get(pid);
  }

  has(pid: number): boolean {
    return this.procs.has(pid);
  }

  set(p: PmProc): void {
    this.procs.set(p.pid, p);
    this.window?.born.add(p.pid);
  }

  delete(pid: number): void {
    this.procs.delete(pid);
    this.window?.gone.add(pid);
  }

  clear(): void {
    this.procs.clear();
  }

  /** Live and zombie children of `pid`. */
  children(pid: number): PmProc[] {
    const out: PmProc[] = [];
    for (const p of this.procs.values()) if (p.ppid === pid) out.push(p);
    return out;
  }

  list(): PmProc[] {
    return [...this.procs.values()];
  }

  get size(): number {
    return this.procs.size;
  }
}
