/**
 * The shape of one syscall-table entry. The table (table.ts) is the single list of syscalls:
 * kernel argument checks, server dispatch, libc marshalling and strace formatting all read it.
 */

/** How strace prints a scalar argument. */
export type ScalarFormat = "dec" | "hex" | "oct" | "fd" | "dirfd" | { flags: string };

/** A plain integer in a register. `int`/`uint` are 32-bit, `long`/`ulong` 64-bit. */
export interface ScalarArg {
  name: string;
  kind: "int" | "uint" | "long" | "ulong";
  fmt?: ScalarFormat;
  /** strace shows it only when argument `arg` has one of `bits` set (open's mode needs O_CREAT). */
  onlyIf?: { arg: number; bits: number };
  /** A length natix passes beside a list C marks by its end (execve's argv): strace omits it. */
  hidden?: boolean;
}

/**
 * A buffer the program passes in (copy_from_user). `len` is the index of the argument that
 * holds its byte count; a count larger than the buffer really is emulates a bad pointer.
 */
export interface InBufferArg {
  name: string;
  kind: "in";
  len: number;
  /** strace shows the bytes as a C string ("str") or as a struct decoder's output. */
  fmt?: "str" | string;
}

/**
 * A buffer the kernel fills (copy_to_user). `len` is the index of its capacity argument.
 * `shows` tells strace how much of it holds data after the call: the return value's worth
 * ("ret"), a NUL-terminated string ("cstr"), or a fixed-size struct (a decoder name).
 */
export interface OutBufferArg {
  name: string;
  kind: "out";
  len: number;
  shows: "ret" | "cstr" | string;
}

/** A NUL-terminated path, at most PATH_MAX bytes with its NUL. */
export interface PathArg {
  name: string;
  kind: "path";
}

/**
 * An array of iovecs (readv/writev), its count in argument `len`. The program passes an array
 * of Uint8Arrays; "iov-in" carries their bytes, "iov-out" receives bytes into them.
 */
export interface IovArg {
  name: string;
  kind: "iov-in" | "iov-out";
  len: number;
}

/**
 * Addresses in another process's memory (process_vm_readv/writev's remote iovecs), their count
 * in argument `len`: an array of { base, len }.
 */
export interface RemoteIovArg {
  name: string;
  kind: "riov";
  len: number;
}

export type ArgSpec = ScalarArg | InBufferArg | OutBufferArg | PathArg | IovArg | RemoteIovArg;

/**
 * Behaviour flags:
 * - `partial`: the call may transfer fewer bytes than asked (read/write), so libc may cut a
 *   transfer larger than one frame carries down to the frame limit, as Linux caps a write.
 * - `restart`: a blocking call; its server may answer the internal ERESTARTSYS after a slice of
 *   waiting, and libc issues the call again (no call outlives the deadline).
 * - `idempotent`: repeating it has the same effect, so it may be retried after a server restart.
 * - `noreturn`: the program does not continue after it (exit, exit_group).
 */
export type SyscallFlag = "partial" | "restart" | "idempotent" | "noreturn";

export interface SyscallDef {
  nr: number;
  name: string;
  /** The server that owns it: "kernel" for calls kernel-core answers itself. */
  owner: string;
  args: readonly ArgSpec[];
  flags?: readonly SyscallFlag[];
  /** How strace prints the return value (default decimal). */
  ret?: "dec" | "hex";
  /**
   * The argument that names another process (its pid): the kernel checks it exists (ESRCH) and
   * that the caller may act on it (EPERM) before routing. `zeroIsSelf`: pid 0 is the caller.
   */
  target?: { arg: number; zeroIsSelf?: boolean };
}
