/**
 * natix/libc — the C library of natix programs.
 *
 *   import { syscall, SYS, errno } from "natix/libc";
 *
 * The named functions act on the program's own process (the one `natix run` created); errno is
 * a live binding. `connect()` creates further, independent processes whose methods are the
 * same functions (`proc.syscall`, `proc.write`, `proc.errno`, ...).
 */
import { forCurrent, currentProcess } from "./current.js";

export { errno, setErrno } from "./current.js";
export { connect, type ConnectOptions, type Proc } from "./connect.js";
export { Process } from "./process.js";
export type { Utsname } from "./unistd.js";
export type { SyscallArg } from "./marshal.js";
export { SYS, SYSCALL_TABLE, syscallByNr, syscallByName } from "../kernel-core/syscalls/table.js";
export { E, strerror, errnoName } from "../kernel-core/errno.js";

export const syscall = forCurrent("syscall");
export const rawSyscall = forCurrent("rawSyscall");
export const write = forCurrent("write");
export const read = forCurrent("read");
export const close = forCurrent("close");
export const dup = forCurrent("dup");
export const dup2 = forCurrent("dup2");
export const getpid = forCurrent("getpid");
export const getppid = forCurrent("getppid");
export const getuid = forCurrent("getuid");
export const geteuid = forCurrent("geteuid");
export const getgid = forCurrent("getgid");
export const getegid = forCurrent("getegid");
export const setuid = forCurrent("setuid");
export const setgid = forCurrent("setgid");
export const uname = forCurrent("uname");
export const hello_world = forCurrent("hello_world");
export const perror = forCurrent("perror");

/** C's exit(): flushes, ends the process, and ends this program's OS process with `status`. */
export async function exit(status = 0): Promise<never> {
  const p = await currentProcess();
  await p.exit(status);
  process.exit(status & 0xff);
}

/** C's _exit(): as exit() without flushing libc's buffers. */
export async function _exit(status = 0): Promise<never> {
  const p = await currentProcess();
  await p._exit(status);
  process.exit(status & 0xff);
}
