/**
 * THE syscall table: number → name, owning server, argument kinds. Linux x86-64 numbers for the
 * standard calls (arch/x86/entry/syscalls/syscall_64.tbl); 999 is the chapter's hello_world.
 * Nothing else in natix lists syscalls: the kernel validates from it, servers dispatch by its
 * names, libc marshals from it, strace formats from it. Modules add entries at run time
 * (kernel-core's registry), never by editing other files.
 */
import type { ArgSpec, SyscallDef, SyscallFlag } from "./types.js";
import { O } from "../abi/fcntl.js";

// Argument builders keep each table row on one line, like syscall_64.tbl.
type Fmt = "fd" | "dirfd" | "oct" | "hex" | { flags: string };
const int = (name: string, fmt?: Fmt): ArgSpec => ({ name, kind: "int", fmt });
const uint = (name: string, fmt?: Fmt): ArgSpec => ({ name, kind: "uint", fmt });
const long = (name: string): ArgSpec => ({ name, kind: "long" });
const ulong = (name: string): ArgSpec => ({ name, kind: "ulong" });
const fd = (name = "fd"): ArgSpec => int(name, "fd");
const dirfd = (name = "dirfd"): ArgSpec => int(name, "dirfd");
const mode = (name = "mode"): ArgSpec => uint(name, "oct");
/**
 * open's mode: strace shows it only with O_CREAT or O_TMPFILE in the flags argument (O_TMPFILE's
 * own bit, without the O_DIRECTORY it includes, as Linux tests it).
 */
const createMode = (flagsArg: number): ArgSpec => ({ name: "mode", kind: "uint", fmt: "oct", onlyIf: { arg: flagsArg, bits: O.CREAT | (O.TMPFILE & ~O.DIRECTORY) } });
const path = (name = "pathname"): ArgSpec => ({ name, kind: "path" });
const inBuf = (name: string, len: number, fmt: string = "str"): ArgSpec => ({ name, kind: "in", len, fmt });
const outBuf = (name: string, len: number, shows: string): ArgSpec => ({ name, kind: "out", len, shows });
const iov = (kind: "iov-in" | "iov-out", len: number, name = "iov"): ArgSpec => ({ name, kind, len });
/** The byte length of the list before it (natix passes it; C ends the list with NULL). */
const hiddenLen = (name: string): ArgSpec => ({ name, kind: "ulong", hidden: true });
const signo = (name = "sig"): ArgSpec => int(name, { flags: "signal" });
const addr = (name = "addr"): ArgSpec => ({ name, kind: "ulong", fmt: "hex" });
const riov = (len: number): ArgSpec => ({ name: "remote_iov", kind: "riov", len });

function sc(nr: number, name: string, owner: string, args: ArgSpec[], flags?: SyscallFlag[], extra: Partial<SyscallDef> = {}): SyscallDef {
  return { nr, name, owner, args, flags, ...extra };
}

export const SYSCALL_TABLE: readonly SyscallDef[] = [
  sc(0, "read", "vfs", [fd(), outBuf("buf", 2, "ret"), ulong("count")], ["partial", "restart"]),
  sc(1, "write", "vfs", [fd(), inBuf("buf", 2), ulong("count")], ["partial"]),
  sc(2, "open", "vfs", [path(), int("flags", { flags: "open" }), createMode(1)]),
  sc(3, "close", "vfs", [fd()]),
  sc(4, "stat", "vfs", [path(), outBuf("statbuf", -1, "stat")], ["idempotent"]),
  sc(5, "fstat", "vfs", [fd(), outBuf("statbuf", -1, "stat")], ["idempotent"]),
  sc(6, "lstat", "vfs", [path(), outBuf("statbuf", -1, "stat")], ["idempotent"]),
  sc(9, "mmap", "mem", [addr(), ulong("length"), int("prot", { flags: "prot" }), int("flags", { flags: "map" }), fd(), long("offset")], [], { ret: "hex" }),
  sc(10, "mprotect", "mem", [addr(), ulong("len"), int("prot", { flags: "prot" })]),
  sc(11, "munmap", "mem", [addr(), ulong("length")]),
  sc(12, "brk", "mem", [addr()], [], { ret: "hex" }),
  sc(8, "lseek", "vfs", [fd(), long("offset"), int("whence", { flags: "whence" })]),
  sc(13, "rt_sigaction", "pm", [signo("signum"), inBuf("act", -1, "sigaction"), outBuf("oldact", -1, "sigaction"), ulong("sigsetsize")]),
  sc(14, "rt_sigprocmask", "pm", [int("how", { flags: "sighow" }), inBuf("set", -1, "sigset"), outBuf("oldset", -1, "sigset"), ulong("sigsetsize")]),
  sc(16, "ioctl", "vfs", [fd(), uint("request", "hex"), outBuf("argp", -1, "termios")]),
  sc(17, "pread64", "vfs", [fd(), outBuf("buf", 2, "ret"), ulong("count"), long("offset")], ["partial", "idempotent"]),
  sc(18, "pwrite64", "vfs", [fd(), inBuf("buf", 2), ulong("count"), long("offset")], ["partial", "idempotent"]),
  sc(19, "readv", "vfs", [fd(), iov("iov-out", 2), int("iovcnt")], ["partial", "restart"]),
  sc(20, "writev", "vfs", [fd(), iov("iov-in", 2), int("iovcnt")], ["partial"]),
  sc(21, "access", "vfs", [path(), int("mode", { flags: "access" })], ["idempotent"]),
  sc(22, "pipe", "vfs", [outBuf("pipefd", -1, "fds")]),
  sc(25, "mremap", "mem", [addr("old_address"), ulong("old_size"), ulong("new_size"), int("flags", { flags: "mremap" }), addr("new_address")], [], { ret: "hex" }),
  sc(28, "madvise", "mem", [addr(), ulong("length"), int("advice")]),
  sc(32, "dup", "vfs", [fd("oldfd")]),
  sc(33, "dup2", "vfs", [fd("oldfd"), fd("newfd")]),
  sc(39, "getpid", "kernel", [], ["idempotent"]),
  sc(59, "execve", "kernel", [path(), inBuf("argv", 2, "argv"), hiddenLen("argv_len"), inBuf("envp", 4, "envp"), hiddenLen("envp_len")]),
  sc(60, "exit", "kernel", [int("status")], ["noreturn"]),
  sc(61, "wait4", "pm", [int("pid"), outBuf("wstatus", -1, "wstatus"), int("options", { flags: "wait" }), outBuf("rusage", -1, "rusage")], ["restart"]),
  sc(62, "kill", "pm", [int("pid"), signo()]),
  sc(63, "uname", "kernel", [outBuf("buf", -1, "utsname")], ["idempotent"]),
  sc(72, "fcntl", "vfs", [fd(), int("cmd", { flags: "fcntl" }), ulong("arg")]),
  sc(74, "fsync", "vfs", [fd()], ["idempotent"]),
  sc(75, "fdatasync", "vfs", [fd()], ["idempotent"]),
  sc(76, "truncate", "vfs", [path(), long("length")], ["idempotent"]),
  sc(77, "ftruncate", "vfs", [fd(), long("length")], ["idempotent"]),
  sc(79, "getcwd", "vfs", [outBuf("buf", 1, "cstr"), ulong("size")], ["idempotent"]),
  sc(80, "chdir", "vfs", [path()], ["idempotent"]),
  sc(81, "fchdir", "vfs", [fd()], ["idempotent"]),
  sc(82, "rename", "vfs", [path("oldpath"), path("newpath")]),
  sc(83, "mkdir", "vfs", [path(), mode()]),
  sc(84, "rmdir", "vfs", [path()]),
  sc(85, "creat", "vfs", [path(), mode()]),
  sc(86, "link", "vfs", [path("oldpath"), path("newpath")]),
  sc(87, "unlink", "vfs", [path()]),
  sc(88, "symlink", "vfs", [path("target"), path("linkpath")]),
  sc(89, "readlink", "vfs", [path(), outBuf("buf", 2, "ret"), int("bufsiz")], ["idempotent"]),
  sc(90, "chmod", "vfs", [path(), mode()], ["idempotent"]),
  sc(91, "fchmod", "vfs", [fd(), mode()], ["idempotent"]),
  sc(92, "chown", "vfs", [path(), uint("owner"), uint("group")], ["idempotent"]),
  sc(93, "fchown", "vfs", [fd(), uint("owner"), uint("group")], ["idempotent"]),
  sc(94, "lchown", "vfs", [path(), uint("owner"), uint("group")], ["idempotent"]),
  sc(95, "umask", "vfs", [mode("mask")]),
  sc(97, "getrlimit", "mem", [int("resource", { flags: "rlimit" }), outBuf("rlim", -1, "rlimit")], ["idempotent"]),
  sc(102, "getuid", "kernel", [], ["idempotent"]),
  sc(104, "getgid", "kernel", [], ["idempotent"]),
  sc(105, "setuid", "kernel", [uint("uid")]),
  sc(106, "setgid", "kernel", [uint("gid")]),
  sc(107, "geteuid", "kernel", [], ["idempotent"]),
  sc(108, "getegid", "kernel", [], ["idempotent"]),
  sc(110, "getppid", "pm", [], ["idempotent"]),
  sc(109, "setpgid", "pm", [int("pid"), int("pgid")]),
  sc(111, "getpgrp", "pm", [], ["idempotent"]),
  sc(112, "setsid", "pm", []),
  sc(121, "getpgid", "pm", [int("pid")], ["idempotent"]),
  sc(124, "getsid", "pm", [int("pid")], ["idempotent"]),
  sc(160, "setrlimit", "mem", [int("resource", { flags: "rlimit" }), inBuf("rlim", -1, "rlimit")]),
  sc(162, "sync", "vfs", [], ["idempotent"]),
  sc(217, "getdents64", "vfs", [fd(), outBuf("dirp", 2, "dirents"), uint("count")]),
  sc(231, "exit_group", "kernel", [int("status")], ["noreturn"]),
  sc(257, "openat", "vfs", [dirfd(), path(), int("flags", { flags: "open" }), createMode(2)]),
  sc(258, "mkdirat", "vfs", [dirfd(), path(), mode()]),
  sc(260, "fchownat", "vfs", [dirfd(), path(), uint("owner"), uint("group"), int("flags", { flags: "at" })], ["idempotent"]),
  sc(262, "newfstatat", "vfs", [dirfd(), path(), outBuf("statbuf", -1, "stat"), int("flags", { flags: "at" })], ["idempotent"]),
  sc(263, "unlinkat", "vfs", [dirfd(), path(), int("flags", { flags: "at" })]),
  sc(264, "renameat", "vfs", [dirfd("olddirfd"), path("oldpath"), dirfd("newdirfd"), path("newpath")]),
  sc(265, "linkat", "vfs", [dirfd("olddirfd"), path("oldpath"), dirfd("newdirfd"), path("newpath"), int("flags", { flags: "at" })]),
  sc(266, "symlinkat", "vfs", [path("target"), dirfd("newdirfd"), path("linkpath")]),
  sc(267, "readlinkat", "vfs", [dirfd(), path(), outBuf("buf", 3, "ret"), int("bufsiz")], ["idempotent"]),
  sc(268, "fchmodat", "vfs", [dirfd(), path(), mode()], ["idempotent"]),
  sc(269, "faccessat", "vfs", [dirfd(), path(), int("mode", { flags: "access" })], ["idempotent"]),
  sc(292, "dup3", "vfs", [fd("oldfd"), fd("newfd"), int("flags", { flags: "open" })]),
  sc(293, "pipe2", "vfs", [outBuf("pipefd", -1, "fds"), int("flags", { flags: "pipe2" })]),
  sc(302, "prlimit64", "mem", [int("pid"), int("resource", { flags: "rlimit" }), inBuf("new_limit", -1, "rlimit"), outBuf("old_limit", -1, "rlimit")], [], {
    target: { arg: 0, zeroIsSelf: true },
  }),
  sc(310, "process_vm_readv", "mem", [int("pid"), iov("iov-out", 2, "local_iov"), ulong("liovcnt"), riov(4), ulong("riovcnt"), ulong("flags")], [], {
    target: { arg: 0 },
  }),
  sc(311, "process_vm_writev", "mem", [int("pid"), iov("iov-in", 2, "local_iov"), ulong("liovcnt"), riov(4), ulong("riovcnt"), ulong("flags")], [], {
    target: { arg: 0 },
  }),
  sc(316, "renameat2", "vfs", [dirfd("olddirfd"), path("oldpath"), dirfd("newdirfd"), path("newpath"), uint("flags")]),
  sc(439, "faccessat2", "vfs", [dirfd(), path(), int("mode", { flags: "access" }), int("flags", { flags: "at" })], ["idempotent"]),
  // natix's own: posix_spawn's primitive (JavaScript cannot fork; docs/abi.md, "Processes").
  sc(997, "natix_spawn", "kernel", [path(), inBuf("spec", 2, "spawn"), hiddenLen("spec_len"), outBuf("creds", 4, "creds"), ulong("creds_size")]),
  sc(999, "hello_world", "hello", [inBuf("str", 1, "cstr"), uint("str_len"), outBuf("buf", 3, "cstr"), uint("buf_len")], ["idempotent"]),
];

/** Sizes of the fixed-size structs an out-buffer with no length argument (len −1) receives. */
export const STRUCT_SIZES: Readonly<Record<string, number>> = {
  utsname: 6 * 65,
  stat: 144,
  termios: 60,
  rlimit: 16,
  /** pipe's int[2]. */
  fds: 8,
  /** wait4's int *wstatus. */
  int: 4,
  /** struct rusage (x86-64). */
  rusage: 144,
  /** The kernel's struct sigaction and sigset_t. */
  sigaction: 32,
  sigset: 8,
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
