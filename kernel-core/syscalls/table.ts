/**
 * THE syscall table: number → name, owning server, argument kinds. Linux x86-64 numbers for the
 * standard calls (arch/x86/entry/syscalls/syscall_64.tbl); 999 is the chapter's hello_world.
 * Nothing else in natix lists syscalls: the kernel validates from it, servers dispatch by its
 * names, libc marshals from it, strace formats from it. Modules add entries at run time
 * (kernel-core's registry), never by editing other files.
 */
import type { ArgSpec, SyscallDef, SyscallFlag } from "./types.js";

// Argument builders keep each table row on one line, like syscall_64.tbl.
const int = (name: string, fmt?: "fd" | "dirfd" | "oct" | "hex"): ArgSpec => ({ name, kind: "int", fmt });
const uint = (name: string): ArgSpec => ({ name, kind: "uint" });
const ulong = (name: string): ArgSpec => ({ name, kind: "ulong" });
const fd = (name = "fd"): ArgSpec => int(name, "fd");
const inBuf = (name: string, len: number, fmt: string = "str"): ArgSpec => ({ name, kind: "in", len, fmt });
const outBuf = (name: string, len: number, shows: string): ArgSpec => ({ name, kind: "out", len, shows });

function sc(nr: number, name: string, owner: string, args: ArgSpec[], flags?: SyscallFlag[]): SyscallDef {
  return { nr, name, owner, args, flags };
}

export const SYSCALL_TABLE: readonly SyscallDef[] = [
  sc(0, "read", "vfs", [fd(), outBuf("buf", 2, "ret"), ulong("count")], ["partial", "restart"]),
  sc(1, "write", "vfs", [fd(), inBuf("buf", 2), ulong("count")], ["partial"]),
  sc(3, "close", "vfs", [fd()]),
  sc(32, "dup", "vfs", [fd("oldfd")]),
  sc(33, "dup2", "vfs", [fd("oldfd"), fd("newfd")]),
  sc(39, "getpid", "kernel", [], ["idempotent"]),
  sc(60, "exit", "kernel", [int("status")], ["noreturn"]),
  sc(63, "uname", "kernel", [outBuf("buf", -1, "utsname")], ["idempotent"]),
  sc(102, "getuid", "kernel", [], ["idempotent"]),
  sc(104, "getgid", "kernel", [], ["idempotent"]),
  sc(105, "setuid", "kernel", [uint("uid")]),
  sc(106, "setgid", "kernel", [uint("gid")]),
  sc(107, "geteuid", "kernel", [], ["idempotent"]),
  sc(108, "getegid", "kernel", [], ["idempotent"]),
  sc(110, "getppid", "kernel", [], ["idempotent"]),
  sc(231, "exit_group", "kernel", [int("status")], ["noreturn"]),
  sc(999, "hello_world", "hello", [inBuf("str", 1), uint("str_len"), outBuf("buf", 3, "cstr"), uint("buf_len")]),
];

/** Sizes of the fixed-size structs an out-buffer with no length argument (len −1) receives. */
export const STRUCT_SIZES: Readonly<Record<string, number>> = {
  utsname: 6 * 65,
};

const byNr = new Map<number, SyscallDef>(SYSCALL_TABLE.map((d) => [d.nr, d]));
const byName = new Map<string, SyscallDef>(SYSCALL_TABLE.map((d) => [d.name, d]));

/** Syscall numbers by name, as <sys/syscall.h>'s SYS_xxx: `SYS.write === 1`. */
export const SYS: Readonly<Record<string, number>> = Object.freeze(
  Object.fromEntries(SYSCALL_TABLE.map((d) => [d.name, d.nr])),
);

export function syscallByNr(nr: number): SyscallDef | undefined {
  return byNr.get(nr);
}

export function syscallByName(name: string): SyscallDef | undefined {
  return byName.get(name);
}

export function hasFlag(def: SyscallDef, flag: SyscallFlag): boolean {
  return def.flags?.includes(flag) ?? false;
}
