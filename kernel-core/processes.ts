/**
 * The process table. kernel-core creates every emulated process and is the only authority on
 * who it is: a syscall's caller is the process whose subject the frame arrived on.
 */
import type { Caller } from "./abi/routed.js";

/**
 * running: alive (possibly stopped, see `stopped`); zombie: exited, its status not yet collected
 * by its parent (wait4); exited: gone (removed from the table once reaped).
 */
export type ProcessState = "running" | "zombie" | "exited";

/** What a process does with one signal (rt_sigaction): SIG_DFL 0, SIG_IGN 1, else a handler. */
export interface Disposition {
  handler: number;
  flags: number;
  mask: bigint;
}

export interface ProcessEntry {
  readonly pid: number;
  /** Its parent; 1 (the kernel, as init) once the parent has ended. */
  ppid: number;
  /** Its command line (execve replaces it). */
  argv: readonly string[];
  /** The command name, as Linux's comm: the basename of argv[0] (of the program after execve), at most 15 bytes. */
  comm: string;
  /** Milliseconds since boot when it was created. */
  readonly startedAt: number;
  /** Wall-clock creation time (ms since the epoch), for ps's STIME. */
  readonly startedWall: number;
  /** Credentials as the kernel passes them to servers (rebuilt on setuid/setgid). */
  caller: Caller;
  /** Saved set-user/group-ID, for setuid's rules. */
  suid: number;
  sgid: number;
  state: ProcessState;
  exitStatus?: number;
  /** How wait4 reports its end (<sys/wait.h> encoding), once it has ended. */
  waitStatus?: number;
  /** Process group and session (setpgid, setsid). */
  pgid: number;
  sid: number;
  /** Stopped by SIGSTOP/SIGTSTP until SIGCONT; `report` is what its parent's wait4 has yet to see. */
  stopped: boolean;
  report?: "stopped" | "continued";
  /** Blocked signals (bit sig−1) and signals generated but not yet delivered. */
  sigmask: bigint;
  pending: bigint;
  /** Non-default dispositions by signal number. */
  actions: Map<number, Disposition>;
  /** When it ended (ms since boot), for how long a zombie has waited. */
  endedAt?: number;
  /**
   * A child whose program has not started yet (natix_spawn made it; its first execve has not
   * come): its OS process may take seconds to start on a busy machine, and has no terminal yet.
   */
  launching?: boolean;
  /** The pid of the tracer (strace) following it, if any (TracerPid). */
  tracer?: number;
}

/** What a tracer asks for: where lines go, how they look, who traces (TracerPid). */
export interface TraceRequest {
  token: string;
  style?: { strsize?: number; column?: number };
  tracer?: number;
}

export interface SpawnRequest {
  argv: string[];
  ppid?: number;
  /** A child inherits its parent's credentials whole (effective and saved ids too). */
  inherit?: { caller: Caller; suid: number; sgid: number };
  uid?: number;
  gid?: number;
  /** Trace from the first syscall (set by the trusted runner, not by the program). */
  trace?: TraceRequest;
}

export class ProcessTable {
  private readonly entries = new Map<number, ProcessEntry>();
  private nextPid: number;

  constructor(
    private readonly clock: () => number,
    firstPid = 2,
  ) {
    this.nextPid = firstPid;
  }

  /**
   * The pid the next spawn will get unless it is passed over. A transport whose programs can
   * outlive the kernel (NATS) checks that no program from an earlier kernel still answers as it.
   */
  nextCandidate(): number {
    while (this.entries.has(this.nextPid)) this.nextPid++;
    return this.nextPid;
  }

  /** Passes over a pid that something outside the table still uses. */
  passOver(pid: number): void {
    if (this.nextPid === pid) this.nextPid++;
  }

  spawn(req: SpawnRequest): ProcessEntry {
    const pid = this.nextCandidate();
    this.nextPid = pid + 1;
    const uid = req.uid ?? 0;
    const gid = req.gid ?? 0;
    const argv = req.argv.length > 0 ? req.argv : ["?"];
    const base = argv[0].split("/").pop() || argv[0];
    const from = req.inherit;
    const entry: ProcessEntry = {
      pid,
      ppid: req.ppid ?? 1,
      argv,
      comm: base.slice(0, 15),
      startedAt: this.clock(),
      startedWall: Date.now(),
      caller: from ? { ...from.caller, pid } : { pid, uid, gid, euid: uid, egid: gid },
      suid: from ? from.suid : uid,
      sgid: from ? from.sgid : gid,
      state: "running",
      // A group and a session of its own, no signal state: the process manager's until it says
      // otherwise (a spawned child's are set by pm.spawn before it runs).
      pgid: pid,
      sid: pid,
      stopped: false,
      sigmask: 0n,
      pending: 0n,
      actions: new Map(),
    };
    this.entries.set(pid, entry);
    return entry;
  }

  get(pid: number): ProcessEntry | undefined {
    return this.entries.get(pid);
  }

  /**
   * Marks the process ended with `waitStatus` (wait4's encoding); the entry stays readable until
   * removed (a zombie stays until its parent reaps it).
   */
  exit(pid: number, status: number, waitStatus = (status & 0xff) << 8): ProcessEntry | undefined {
    const entry = this.entries.get(pid);
    if (entry === undefined || entry.state !== "running") return undefined;
    entry.state = "exited";
    entry.exitStatus = status & 0xff;
    entry.waitStatus = waitStatus;
    entry.stopped = false;
    entry.endedAt = this.clock();
    return entry;
  }

  /** Live and zombie children of `pid`. */
  children(pid: number): ProcessEntry[] {
    const out: ProcessEntry[] = [];
    for (const p of this.entries.values()) if (p.ppid === pid) out.push(p);
    return out;
  }

  remove(pid: number): void {
    this.entries.delete(pid);
  }

  list(): ProcessEntry[] {
    return [...this.entries.values()];
  }
}
