/**
 * The process table. kernel-core creates every emulated process and is the only authority on
 * who it is: a syscall's caller is the process whose subject the frame arrived on.
 */
import type { Caller } from "./abi/routed.js";

export type ProcessState = "running" | "exited";

export interface ProcessEntry {
  readonly pid: number;
  readonly ppid: number;
  readonly argv: readonly string[];
  /** The command name, as Linux's comm: the basename of argv[0], at most 15 bytes. */
  readonly comm: string;
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
    const entry: ProcessEntry = {
      pid,
      ppid: req.ppid ?? 1,
      argv,
      comm: base.slice(0, 15),
      startedAt: this.clock(),
      startedWall: Date.now(),
      caller: { pid, uid, gid, euid: uid, egid: gid },
      suid: uid,
      sgid: gid,
      state: "running",
    };
    this.entries.set(pid, entry);
    return entry;
  }

  get(pid: number): ProcessEntry | undefined {
    return this.entries.get(pid);
  }

  /** Marks the process exited; the entry stays readable until removed. */
  exit(pid: number, status: number): ProcessEntry | undefined {
    const entry = this.entries.get(pid);
    if (entry === undefined || entry.state === "exited") return undefined;
    entry.state = "exited";
    entry.exitStatus = status & 0xff;
    return entry;
  }

  remove(pid: number): void {
    this.entries.delete(pid);
  }

  list(): ProcessEntry[] {
    return [...this.entries.values()];
  }
}
