/**
 * Table-driven argument checks kernel-core makes before a call reaches its server: every buffer
 * sits where the table says a buffer goes, in the direction it says, and every path is a
 * NUL-terminated string within PATH_MAX. What a buffer's length argument says is checked later,
 * where the handler touches memory (copyIn/copyOut), so errors come in Linux's order.
 */
import type { SyscallDef } from "./syscalls/types.js";
import type { SyscallRequest } from "./abi/frame.js";
import { LIMITS } from "./abi/limits.js";
import { E } from "./errno.js";
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
