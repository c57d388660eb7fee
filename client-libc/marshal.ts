/**
 * Turns a C-style call `syscall(nr, a0..a5)` into a request frame's contents and copies the
 * reply's out-buffers back into the program's buffers (copy_to_user's other half). Driven by
 * the syscall table: which argument is a buffer, in which direction, with which length.
 *
 * Pointers are Uint8Arrays: an `in` buffer's bytes travel in the frame, an `out` buffer sends
 * its real capacity. A JS string passed where a buffer goes is a C string (UTF-8 + NUL). null
 * is NULL. A length argument larger than its buffer is left as it is: the kernel side turns it
 * into EFAULT (or the call's own code) at the point of access, as Linux does.
 */
import type { SyscallDef } from "../kernel-core/syscalls/types.js";
import type { SyscallReply, SyscallRequest } from "../kernel-core/abi/frame.js";
import { LIMITS } from "../kernel-core/abi/limits.js";
import { hasFlag, STRUCT_SIZES } from "../kernel-core/syscalls/table.js";
import { encodeRemoteIov } from "../kernel-core/abi/mman.js";
import { cString } from "../kernel-core/abi/strings.js";
import { IOV_MAX, encodeIov } from "../kernel-core/abi/iov.js";

/** Anything a program may pass as one syscall argument. */
export type SyscallArg =
  | number
  | bigint
  | boolean
  | string
  | Uint8Array
  | readonly Uint8Array[]
  | readonly { iov_base: number | bigint; iov_len: number }[]
  | null
  | undefined;

export interface Marshalled {
  request: SyscallRequest;
  /** The program's out-buffers (or readv's iovecs) by argument index, to receive the reply's bytes. */
  targets: (Uint8Array | readonly Uint8Array[] | undefined)[];
}

function scalar(value: SyscallArg): number {
  if (typeof value === "number") return Number.isFinite(value) ? Math.trunc(value) : 0;
  if (typeof value === "bigint") return Number(BigInt.asIntN(64, value));
  if (typeof value === "boolean") return value ? 1 : 0;
  return 0;
}

function asBytes(value: string | Uint8Array): Uint8Array {
  return typeof value === "string" ? cString(value) : value;
}

/**
 * `maxXfer`: the most one buffer may carry (LIMITS.MAX_XFER; a batch entry LIMITS.BATCH_XFER). A
 * partial call (read, write, ...) asking for more moves that much, as Linux caps a transfer at
 * 0x7ffff000; the transport carries a frame over one message as pieces.
 */
export function marshal(nr: number, def: SyscallDef | undefined, argv: readonly SyscallArg[], maxXfer: number = LIMITS.MAX_XFER): Marshalled {
  const n = Math.min(argv.length, LIMITS.MAX_ARGS);
  const args = new Array<number>(n);
  const input = new Array<Uint8Array | undefined>(n);
  const outCap = new Array<number>(n).fill(-1);
  const targets: Marshalled["targets"] = [];
  for (let i = 0; i < n; i++) {
    const v = argv[i];
    args[i] = typeof v === "string" || v instanceof Uint8Array || Array.isArray(v) ? 0 : scalar(v as SyscallArg & number);
  }
  for (let i = 0; i < n; i++) {
    const v = argv[i];
    const spec = def?.args[i];
    if (Array.isArray(v)) {
      // An iovec array: only where the table has one.
      if (spec?.kind === "iov-in" || spec?.kind === "iov-out") {
        // The lengths travel in the same buffer as writev's bytes: the bytes get what is left.
        const head = 4 + 4 * Math.min((v as readonly Uint8Array[]).length, IOV_MAX);
        input[i] = encodeIov(v as readonly Uint8Array[], spec.kind === "iov-in", spec.kind === "iov-in" ? maxXfer - head : maxXfer);
        if (spec.kind === "iov-out") targets[i] = v as readonly Uint8Array[];
      } else if (spec?.kind === "riov") {
        input[i] = encodeRemoteIov((v as unknown as { iov_base: number | bigint; iov_len: number }[]).map((r) => ({ base: Number(r.iov_base), len: r.iov_len })));
      }
      continue;
    }
    if (typeof v !== "string" && !(v instanceof Uint8Array)) continue;
    if (spec?.kind === "out") {
      if (typeof v === "string") continue; // a string literal is not writable: NULL
      outCap[i] = Math.min(v.length, maxXfer);
      targets[i] = v;
      if (spec.len >= 0 && def && hasFlag(def, "partial") && args[spec.len] > maxXfer && args[spec.len] <= v.length) {
        args[spec.len] = maxXfer;
      }
      continue;
    }
    const bytes = asBytes(v);
    if (spec?.kind === "in" && spec.len < 0) {
      // A fixed-size struct passed in (setrlimit's struct rlimit): its size, or what the buffer has.
      input[i] = bytes.subarray(0, Math.min(bytes.length, STRUCT_SIZES[spec.fmt ?? ""] ?? bytes.length));
    } else if (spec?.kind === "in" && spec.len >= 0 && spec.len < n) {
      // Send what the length argument asks for, up to what the buffer has: a longer claim
      // stays visible to the kernel as a bad pointer.
      let want = args[spec.len];
      if (def && hasFlag(def, "partial") && want > maxXfer && want <= bytes.length) {
        want = args[spec.len] = maxXfer;
      }
      input[i] = bytes.subarray(0, Math.max(0, Math.min(bytes.length, want, maxXfer)));
    } else if (spec?.kind === "path") {
      const nul = bytes.indexOf(0);
      input[i] = bytes.subarray(0, nul >= 0 ? Math.min(nul + 1, LIMITS.PATH_MAX) : Math.min(bytes.length, LIMITS.PATH_MAX));
    } else {
      input[i] = bytes.subarray(0, Math.min(bytes.length, maxXfer));
    }
  }
  return { request: { nr, args, input, outCap }, targets };
}

/** Copies each returned out-buffer into the program's buffer; false if one does not fit. */
export function unmarshal(reply: SyscallReply, targets: Marshalled["targets"]): boolean {
  const output = reply.output;
  if (output === undefined) return true;
  for (let i = 0; i < output.length; i++) {
    const bytes = output[i];
    if (bytes === undefined) continue;
    const target = targets[i];
    if (Array.isArray(target)) {
      // readv: scatter over the iovecs in order.
      let at = 0;
      for (const iov of target as readonly Uint8Array[]) {
        if (at >= bytes.length) break;
        const n = Math.min(iov.length, bytes.length - at);
        iov.set(bytes.subarray(at, at + n));
        at += n;
      }
      if (at < bytes.length) return false;
      continue;
    }
    if (target === undefined || bytes.length > (target as Uint8Array).length) return false;
    (target as Uint8Array).set(bytes);
  }
  return true;
}
