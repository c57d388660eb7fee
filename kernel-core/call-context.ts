/**
 * What a server's handler sees of one syscall: the caller, typed argument access, and the two
 * crossings of the user/kernel boundary, copyIn (copy_from_user) and copyOut (copy_to_user).
 * A crossing that would touch more bytes than the program's buffer really has is a bad
 * pointer: it fails, and the handler returns its errno (EFAULT, or the syscall's own code).
 */
import type { SyscallDef } from "./syscalls/types.js";
import type { SyscallReply, SyscallRequest } from "./abi/frame.js";
import type { Caller } from "./abi/routed.js";
import { LIMITS } from "./abi/limits.js";
import { E } from "./errno.js";
import { decodeUtf8, untilNul } from "./abi/strings.js";
import { decodeIov } from "./abi/iov.js";
import { decodeRemoteIov, type RemoteIovec } from "./abi/mman.js";

export class SyscallContext {
  private output: (Uint8Array | undefined)[] | undefined;

  constructor(
    readonly caller: Caller,
    readonly request: SyscallRequest,
    readonly def: SyscallDef,
  ) {}

  get pid(): number {
    return this.caller.pid;
  }

  /** The raw 64-bit argument (as a JS number; missing arguments are 0, as stale registers). */
  arg(i: number): number {
    return this.request.args[i] ?? 0;
  }

  /** Argument i as a C `int` (low 32 bits, signed). */
  int(i: number): number {
    return this.arg(i) | 0;
  }

  /** Argument i as a C `unsigned int` (low 32 bits). */
  uint(i: number): number {
    return this.arg(i) >>> 0;
  }

  /** Argument i as a size_t: negative values are huge, so they never fit a buffer. */
  size(i: number): number {
    const v = this.arg(i);
    return v < 0 ? Number.MAX_SAFE_INTEGER : v;
  }

  /** copy_from_user: the first `len` bytes of buffer argument i, or null if it has fewer. */
  copyIn(i: number, len: number): Uint8Array | null {
    if (len === 0) return new Uint8Array(0);
    const data = this.request.input[i];
    if (data === undefined || len < 0 || len > data.length) return null;
    return data.subarray(0, len);
  }

  /** A path argument (the kernel already checked it is NUL-terminated within PATH_MAX). */
  path(i: number): string | number {
    const data = this.request.input[i];
    if (data === undefined) return -E.EFAULT;
    const nul = data.indexOf(0);
    if (nul < 0) return data.length >= LIMITS.PATH_MAX ? -E.ENAMETOOLONG : -E.EFAULT;
    return decodeUtf8(data.subarray(0, nul));
  }

  /** A NUL-terminated string argument with no length argument. */
  cstring(i: number): string | null {
    const data = this.request.input[i];
    return data === undefined ? null : decodeUtf8(untilNul(data));
  }

  /** writev's iovecs: the first `count` buffers, or null when the program has fewer (bad pointer). */
  iovIn(i: number, count: number): Uint8Array[] | null {
    const data = this.request.input[i];
    const iov = data === undefined ? undefined : decodeIov(data, true);
    if (iov === undefined || count < 0 || count > iov.data.length) return null;
    return iov.data.slice(0, count);
  }

  /** readv's iovec lengths: the first `count`, or null when the program has fewer. */
  iovOut(i: number, count: number): number[] | null {
    const data = this.request.input[i];
    const iov = data === undefined ? undefined : decodeIov(data, false);
    if (iov === undefined || count < 0 || count > iov.lens.length) return null;
    return iov.lens.slice(0, count);
  }

  /** readv's result: bytes libc scatters over the iovecs (the caller checked they fit). */
  copyOutIov(i: number, bytes: Uint8Array): void {
    if (this.output === undefined) this.output = [];
    this.output[i] = bytes;
  }

  /** process_vm_*'s remote iovecs: the first `count`, or null when the program has fewer. */
  remoteIov(i: number, count: number): RemoteIovec[] | null {
    const data = this.request.input[i];
    const list = data === undefined ? undefined : decodeRemoteIov(data);
    if (list === undefined || count < 0 || count > list.length) return null;
    return list.slice(0, count);
  }

  /** True when out-buffer argument i really has room for `claimed` bytes. */
  fits(i: number, claimed: number): boolean {
    const cap = this.request.outCap[i] ?? -1;
    return cap >= 0 && claimed >= 0 && claimed <= cap;
  }

  /**
   * copy_to_user: puts `bytes` into out-buffer argument i. Fails (false) when the buffer is
   * smaller than `bytes`, or smaller than the `claimed` length the program said it has.
   */
  copyOut(i: number, bytes: Uint8Array, claimed = bytes.length): boolean {
    if (!this.fits(i, Math.max(claimed, bytes.length))) return false;
    if (this.output === undefined) this.output = [];
    this.output[i] = bytes;
    return true;
  }

  /** The reply for a result: the out-buffers copied so far travel with it. */
  reply(ret: number): SyscallReply {
    return this.output === undefined ? { ret } : { ret, output: this.output };
  }
}
