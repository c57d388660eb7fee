/**
 * A server's half of direct routing: a process sends its call straight to the owning server
 * (natix.srv.<server>.<pid>), and the server decides as kernel-core would have — the caller is
 * the pid in the subject, its credentials are the kernel's (KnownProcesses), the frame is
 * checked by the same table code (admit). A process the kernel does not know gets ESRCH; a
 * traced one is sent back through the kernel, which writes its strace lines.
 *
 * KnownProcesses is what a server knows of the processes that may call it: their credentials as
 * the kernel told it — never as a frame claims. Filled by the kernel's process events (a process
 * created, its credentials changed, traced or not, ended) and, for a process it has not heard of
 * (the server started after it), by asking the kernel. A process the kernel does not know is not
 * cached, so its calls fail with ESRCH every time.
 */
import type { SyscallRequest } from "./abi/frame.js";
import type { Dispatcher } from "./server-runtime.js";
import type { SyscallDef } from "./syscalls/types.js";
import type { SyscallMeter } from "./meter.js";
import { replyRoute, type Route, type Router } from "./deliver.js";
import { admit, targetOf, type ProcessCredentials, type ProcessRecord } from "./admit.js";
import { E } from "./errno.js";
import type { Caller } from "./abi/routed.js";

export type { ProcessRecord };

/** A kernel event servers hear on natix.kernel.events. */
export type KernelEvent =
  | { type: "exit"; pid: number; status: number; wait?: number }
  | ({ type: "proc"; pid: number } & ProcessRecord)
  /** A component (an instance of it) registered: it serves from now on. */
  | { type: "registered"; name: string; kind: string };

/** Asks the kernel for a process's record; null when it knows no such running process. */
export type AskKernel = (pid: number) => Promise<ProcessRecord | null>;

/** A record from untrusted JSON (the kernel's own messages; still, never crash on one). */
export function parseProcessRecord(x: unknown): ProcessRecord | null {
  const r = x as { caller?: Partial<Caller>; suid?: unknown; sgid?: unknown; traced?: unknown } | null;
  const c = r?.caller;
  const ids = [c?.pid, c?.uid, c?.gid, c?.euid, c?.egid, r?.suid, r?.sgid];
  if (!ids.every((n) => Number.isInteger(n) && (n as number) >= 0)) return null;
  return { caller: { pid: c!.pid!, uid: c!.uid!, gid: c!.gid!, euid: c!.euid!, egid: c!.egid! }, suid: r!.suid as number, sgid: r!.sgid as number, traced: r!.traced === true };
}

export class KnownProcesses {
  private readonly records = new Map<number, ProcessRecord>();
  private readonly asking = new Map<number, Promise<ProcessRecord | undefined>>();
  /** Processes that ended while the kernel was being asked about them: its answer is stale. */
  private readonly endedWhileAsking = new Set<number>();
  /** Bumped when everything is forgotten, so an answer asked for before does not come back. */
  private epoch = 0;

  constructor(private readonly ask: AskKernel) {}

  get(pid: number): ProcessRecord | undefined {
    return this.records.get(pid);
  }

  /** The record, asking the kernel once when it is not known here. */
  fetch(pid: number): Promise<ProcessRecord | undefined> {
    const known = this.records.get(pid);
    if (known !== undefined) return Promise.resolve(known);
    let pending = this.asking.get(pid);
    if (pending === undefined) {
      const epoch = this.epoch;
      pending = this.ask(pid)
        .then((r) => r ?? undefined, () => undefined)
        .then((r) => {
          this.asking.delete(pid);
          const stale = this.endedWhileAsking.delete(pid) || epoch !== this.epoch;
          if (r !== undefined && !stale && !this.records.has(pid)) this.records.set(pid, r);
          return stale ? undefined : (this.records.get(pid) ?? r);
        });
      this.asking.set(pid, pending);
    }
    return pending;
  }

  /** A kernel event: a process created or changed, or ended. */
  apply(event: KernelEvent): void {
    if (event.type === "exit") {
      this.records.delete(event.pid);
      if (this.asking.has(event.pid)) this.endedWhileAsking.add(event.pid);
    }
    else if (event.type === "proc") {
      const r = parseProcessRecord(event);
      if (r !== null && r.caller.pid === event.pid) this.records.set(event.pid, r);
    }
  }

  /** The kernel restarted: the processes it knew are not its any more. */
  forget(): void {
    this.records.clear();
    this.epoch++;
  }
}

export function directRouter(dispatcher: Dispatcher, known: KnownProcesses, meter?: SyscallMeter): Router {
  const defs = new Map<number, SyscallDef>(dispatcher.definitions.map((d) => [d.nr, d]));
  const refuse = (def: SyscallDef | undefined, ret: number): Route => {
    meter?.record(dispatcher.name, def?.name ?? "unknown", ret, 0);
    return replyRoute(ret);
  };
  const lookup = (pid: number) => known.get(pid);

  const decide = (self: ProcessRecord, request: SyscallRequest): Route | Promise<Route> => {
    if (self.traced) return replyRoute(-E.EVIAKERNEL);
    const def = defs.get(request.nr);
    if (def === undefined) return refuse(undefined, -E.ENOSYS);
    const target = targetOf(def, request);
    // A target this server has not heard of is asked about first (it may be older than the server).
    if (target !== undefined && target > 0 && known.get(target) === undefined) return known.fetch(target).then(() => checked(self, def, request));
    return checked(self, def, request);
  };
  const checked = (self: ProcessRecord, def: SyscallDef, request: SyscallRequest): Route => {
    const bad = admit(def, request, self, lookup);
    return bad < 0 ? refuse(def, bad) : { kind: "server", server: dispatcher.name, caller: self.caller };
  };

  return {
    route(pid, request) {
      const self = known.get(pid);
      if (self !== undefined) return decide(self, request);
      return known.fetch(pid).then((r) => (r === undefined ? refuse(defs.get(request.nr), -E.ESRCH) : decide(r, request)));
    },
    traced() {
      // Never: a traced process's calls are refused here (EVIAKERNEL) and go through the kernel.
    },
  };
}
