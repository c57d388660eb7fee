/**
 * How many bytes a call moves, and how long it may take for that. The deadline bounds a call
 * that is stuck; a call that moves 64 MiB through a filesystem server and a disk driver is not
 * stuck after the few seconds a small one gets, so its deadline grows with its bytes: one more
 * deadline for every XFER_PER_DEADLINE bytes. Every party that waits on a call — libc, the
 * kernel mediating it, a door keeping its pieces — counts the same.
 */
import type { SyscallRequest } from "./frame.js";
import type { SyscallDef } from "../syscalls/types.js";
import { decodeIov } from "./iov.js";

/** Bytes a call may move per deadline before its deadline grows. */
export const XFER_PER_DEADLINE = 4 * 1024 * 1024;

/** Bytes in (its in-buffers) plus bytes it may bring back (out capacities, readv's lengths). */
export function transferBytes(request: SyscallRequest, def?: SyscallDef): number {
  let bytes = 0;
  for (const data of request.input) bytes += data?.length ?? 0;
  for (const cap of request.outCap) if (cap > 0) bytes += cap;
  def?.args.forEach((arg, i) => {
    const lengths = arg.kind === "iov-out" && request.input[i] ? decodeIov(request.input[i]!, false)?.lens : undefined;
    for (const n of lengths ?? []) bytes += n;
  });
  return bytes;
}

/** The deadline of a call moving `bytes`: `deadlineMs`, and one more per XFER_PER_DEADLINE. */
export function deadlineFor(deadlineMs: number, bytes: number): number {
  return deadlineMs * (1 + Math.floor(bytes / XFER_PER_DEADLINE));
}
