/**
 * The checks every syscall passes before its handler runs, in one place: kernel-core makes them
 * for the calls it routes, and a server makes exactly the same ones for a call a process sent it
 * directly (direct routing) — the same table, the same code, the same errno.
 *
 * Arguments (validateArgs): every buffer sits where the table says a buffer goes, in the
 * direction it says, and every path is a NUL-terminated string within PATH_MAX. What a buffer's
 * length argument says is checked later, where the handler touches memory (copyIn/copyOut), so
 * errors come in Linux's order. Targets (checkTarget): a call that names another process may act
 * on it only as ptrace's access check allows.
 */
import type { SyscallDef } from "./syscalls/types.js";
import type { SyscallRequest } from "./abi/frame.js";
import type { Caller } from "./abi/routed.js";
import { E } from "./errno.js";
import { LIMITS } from "./abi/limits.js";
import { decodeIov } from "./abi/iov.js";
import { decodeRemoteIov } from "./abi/mman.js";

export function validateArgs(def: SyscallDef, req: SyscallRequest): number {
  const n = req.args.length;
  for (let i = 0; i < n; i++) {
    const spec = def.args[i];
    const hasIn = req.input[i] !== undefined;
    const hasOut = req.outCap[i] >= 0;
    if (!hasIn && !hasOut) continue;
    if (spec === undefined) continue; // an argument the call does not take: ignored, as a stale register
    switch (spec.kind) {
      case "in":
        if (hasOut) return -E.EINVAL;
        break;
      case "out":
        if (hasIn) return -E.EINVAL;
        break;
      case "iov-in":
      case "iov-out": {
        if (hasOut) return -E.EINVAL;
        if (decodeIov(req.input[i]!, spec.kind === "iov-in") === undefined) return -E.EINVAL;
        break;
      }
      case "riov":
        if (hasOut || decodeRemoteIov(req.input[i]!) === undefined) return -E.EINVAL;
        break;
      case "path": {
        if (hasOut) return -E.EINVAL;
        const bytes = req.input[i]!;
        const nul = bytes.indexOf(0);
        if (nul < 0) return bytes.length >= LIMITS.PATH_MAX ? -E.ENAMETOOLONG : -E.EFAULT;
        if (nul >= LIMITS.PATH_MAX) return -E.ENAMETOOLONG;
        break;
      }
      default:
        return -E.EINVAL; // a buffer where the call takes a plain integer
    }
  }
  return 0;
}

/** What the checks need to know of a running process. */
export interface ProcessCredentials {
  readonly caller: Caller;
  /** Saved set-user/group-ID. */
  readonly suid: number;
  readonly sgid: number;
}

/** A process as the kernel describes it to servers (the "proc" event, and the kernel's answer). */
export interface ProcessRecord extends ProcessCredentials {
  /** Followed by strace: its calls must go through the kernel, which writes the trace. */
  readonly traced: boolean;
}

/** A running process's credentials, or undefined when no such process runs. */
export type ProcessLookup = (pid: number) => ProcessCredentials | undefined;

/**
 * May `self` act on process `pid` (read its memory, change its limits)? As Linux's ptrace
 * access check: root may; otherwise only a process with the same real and effective ids.
 */
function checkTarget(self: ProcessCredentials, pid: number, zeroIsSelf: boolean, lookup: ProcessLookup): number {
  const t = pid === 0 && zeroIsSelf ? self : lookup(pid | 0);
  if (t === undefined) return -E.ESRCH;
  if (t.caller.pid === self.caller.pid || self.caller.euid === 0) return 0;
  const c = self.caller;
  const same = c.uid === t.caller.uid && c.uid === t.caller.euid && c.uid === t.suid && c.gid === t.caller.gid && c.gid === t.caller.egid;
  return same ? 0 : -E.EPERM;
}

/** The pid a call names as its target (prlimit64, process_vm_readv), or undefined. */
export function targetOf(def: SyscallDef, request: SyscallRequest): number | undefined {
  return def.target === undefined ? undefined : (request.args[def.target.arg] ?? 0) | 0;
}

/** 0 if `self` may make this call as framed; otherwise the errno it fails with. */
export function admit(def: SyscallDef, request: SyscallRequest, self: ProcessCredentials, lookup: ProcessLookup): number {
  const bad = validateArgs(def, request);
  if (bad < 0) return bad;
  if (def.target === undefined) return 0;
  return checkTarget(self, request.args[def.target.arg] ?? 0, def.target.zeroIsSelf ?? false, lookup);
}
