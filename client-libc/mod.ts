/**
 * natix/libc — the C library of natix programs.
 *
 *   import { syscall, SYS, errno, printf } from "natix/libc";
 *
 * The named functions act on the program's own process (the one `natix run` created); errno is
 * a live binding; stdin/stdout/stderr are that process's standard streams. `connect()` creates
 * further, independent processes whose methods are the same functions (`proc.syscall`,
 * `proc.write`, `proc.printf`, `proc.errno`, ...).
 */
import { forCurrent, currentProcess } from "./current.js";
import { STANDARD_STREAMS } from "./stdio.js";

export { errno, setErrno, busConnection } from "./current.js";
export { connect, type ConnectOptions, type Proc } from "./connect.js";
export { Process } from "./process.js";
export type { Utsname } from "./unistd.js";
export type { SyscallArg } from "./marshal.js";
export type { Stat } from "./files.js";
export type { Dirent, DIR } from "./dirent.js";
export type { PrintfArg } from "./printf.js";
export { S_ISREG, S_ISDIR, S_ISLNK, S_ISCHR, S_ISBLK, S_ISFIFO, S_ISSOCK } from "./files.js";
export { FILE, EOF, BUFSIZ, _IOFBF, _IOLBF, _IONBF, sprintf, snprintf } from "./stdio.js";
export { format as vsprintf } from "./printf.js";
export { SYS, SYSCALL_TABLE, syscallByNr, syscallByName } from "../kernel-core/syscalls/table.js";
export { E, strerror, errnoName } from "../kernel-core/errno.js";
export { O, AT, F, FD_CLOEXEC, SEEK, ACCESS, S_IF, RENAME } from "../kernel-core/abi/fcntl.js";
import { O, AT, F, SEEK, ACCESS, S_IF, RENAME } from "../kernel-core/abi/fcntl.js";
import { E } from "../kernel-core/errno.js";
import { PROT, MAP, MREMAP, MADV, RLIMIT } from "../kernel-core/abi/mman.js";

// Each constant under its C name (O_CREAT, AT_FDCWD, F_GETFL, SEEK_SET, R_OK, ENOENT, ...), from the same tables.
export const {
  RDONLY: O_RDONLY, WRONLY: O_WRONLY, RDWR: O_RDWR, ACCMODE: O_ACCMODE, CREAT: O_CREAT, EXCL: O_EXCL, NOCTTY: O_NOCTTY,
  TRUNC: O_TRUNC, APPEND: O_APPEND, NONBLOCK: O_NONBLOCK, DSYNC: O_DSYNC, ASYNC: O_ASYNC, DIRECT: O_DIRECT,
  LARGEFILE: O_LARGEFILE, DIRECTORY: O_DIRECTORY, NOFOLLOW: O_NOFOLLOW, NOATIME: O_NOATIME, CLOEXEC: O_CLOEXEC,
  SYNC: O_SYNC, PATH: O_PATH, TMPFILE: O_TMPFILE,
} = O;
export const {
  FDCWD: AT_FDCWD, SYMLINK_NOFOLLOW: AT_SYMLINK_NOFOLLOW, REMOVEDIR: AT_REMOVEDIR, EACCESS: AT_EACCESS,
  SYMLINK_FOLLOW: AT_SYMLINK_FOLLOW, EMPTY_PATH: AT_EMPTY_PATH,
} = AT;
export const { DUPFD: F_DUPFD, GETFD: F_GETFD, SETFD: F_SETFD, GETFL: F_GETFL, SETFL: F_SETFL, DUPFD_CLOEXEC: F_DUPFD_CLOEXEC } = F;
export const { SET: SEEK_SET, CUR: SEEK_CUR, END: SEEK_END, DATA: SEEK_DATA, HOLE: SEEK_HOLE } = SEEK;
export const { F_OK, X_OK, W_OK, R_OK } = ACCESS;
export const { MT: S_IFMT, SOCK: S_IFSOCK, LNK: S_IFLNK, REG: S_IFREG, BLK: S_IFBLK, DIR: S_IFDIR, CHR: S_IFCHR, IFO: S_IFIFO } = S_IF;
export const { NOREPLACE: RENAME_NOREPLACE, EXCHANGE: RENAME_EXCHANGE } = RENAME;
export const {
  EPERM, ENOENT, ESRCH, EINTR, EIO, ENXIO, E2BIG, EBADF, EAGAIN, ENOMEM, EACCES, EFAULT, EBUSY, EEXIST, EXDEV, ENODEV,
  ENOTDIR, EISDIR, EINVAL, ENFILE, EMFILE, ENOTTY, EFBIG, ENOSPC, ESPIPE, EROFS, EMLINK, EPIPE, ERANGE, ENAMETOOLONG,
  ENOSYS, ENOTEMPTY, ELOOP, EOVERFLOW, EOPNOTSUPP, ETIMEDOUT, EUCLEAN,
} = E;

export const { NONE: PROT_NONE, READ: PROT_READ, WRITE: PROT_WRITE, EXEC: PROT_EXEC } = PROT;
export const {
  SHARED: MAP_SHARED, PRIVATE: MAP_PRIVATE, SHARED_VALIDATE: MAP_SHARED_VALIDATE, FIXED: MAP_FIXED, ANONYMOUS: MAP_ANONYMOUS,
  NORESERVE: MAP_NORESERVE, POPULATE: MAP_POPULATE, STACK: MAP_STACK, FIXED_NOREPLACE: MAP_FIXED_NOREPLACE,
} = MAP;
export const MAP_ANON = MAP.ANONYMOUS;
export const { MAYMOVE: MREMAP_MAYMOVE, FIXED: MREMAP_FIXED } = MREMAP;
export const { NORMAL: MADV_NORMAL, RANDOM: MADV_RANDOM, SEQUENTIAL: MADV_SEQUENTIAL, WILLNEED: MADV_WILLNEED, DONTNEED: MADV_DONTNEED, FREE: MADV_FREE } = MADV;
export const {
  CPU: RLIMIT_CPU, FSIZE: RLIMIT_FSIZE, DATA: RLIMIT_DATA, STACK: RLIMIT_STACK, CORE: RLIMIT_CORE, RSS: RLIMIT_RSS,
  NPROC: RLIMIT_NPROC, NOFILE: RLIMIT_NOFILE, MEMLOCK: RLIMIT_MEMLOCK, AS: RLIMIT_AS,
} = RLIMIT;
export { RLIM_INFINITY, PAGE_SIZE, PROT, MAP, MREMAP, MADV, RLIMIT } from "../kernel-core/abi/mman.js";
export { MAP_FAILED, type Rlimit, type RemoteIov } from "./mman.js";

export const stdin = STANDARD_STREAMS[0];
export const stdout = STANDARD_STREAMS[1];
export const stderr = STANDARD_STREAMS[2];

export const syscall = forCurrent("syscall");
export const rawSyscall = forCurrent("rawSyscall");
/**
 * Batched submission: `[nr, ...args]` calls in one message; raw results in order. With
 * `{ link: true }` a chain, where `batch_result(k)` as an fd argument is entry k's result.
 */
export const syscall_batch = forCurrent("batch");
export { resultOf as batch_result } from "../kernel-core/abi/batch.js";
// <unistd.h>, <fcntl.h>, <sys/stat.h>
export const read = forCurrent("read");
export const write = forCurrent("write");
export const open = forCurrent("open");
export const openat = forCurrent("openat");
export const creat = forCurrent("creat");
export const close = forCurrent("close");
export const pread = forCurrent("pread");
export const pwrite = forCurrent("pwrite");
export const lseek = forCurrent("lseek");
export const readv = forCurrent("readv");
export const writev = forCurrent("writev");
export const stat = forCurrent("stat");
export const lstat = forCurrent("lstat");
export const fstat = forCurrent("fstat");
export const fstatat = forCurrent("fstatat");
export const access = forCurrent("access");
export const faccessat = forCurrent("faccessat");
export const mkdir = forCurrent("mkdir");
export const mkdirat = forCurrent("mkdirat");
export const rmdir = forCurrent("rmdir");
export const unlink = forCurrent("unlink");
export const unlinkat = forCurrent("unlinkat");
export const rename = forCurrent("rename");
export const renameat = forCurrent("renameat");
export const renameat2 = forCurrent("renameat2");
export const link = forCurrent("link");
export const linkat = forCurrent("linkat");
export const symlink = forCurrent("symlink");
export const symlinkat = forCurrent("symlinkat");
export const readlink = forCurrent("readlink");
export const readlinkat = forCurrent("readlinkat");
export const chdir = forCurrent("chdir");
export const fchdir = forCurrent("fchdir");
export const getcwd = forCurrent("getcwd");
export const chmod = forCurrent("chmod");
export const fchmod = forCurrent("fchmod");
export const fchmodat = forCurrent("fchmodat");
export const chown = forCurrent("chown");
export const fchown = forCurrent("fchown");
export const lchown = forCurrent("lchown");
export const fchownat = forCurrent("fchownat");
export const truncate = forCurrent("truncate");
export const ftruncate = forCurrent("ftruncate");
export const fsync = forCurrent("fsync");
export const fdatasync = forCurrent("fdatasync");
export const sync = forCurrent("sync");
export const dup = forCurrent("dup");
export const dup2 = forCurrent("dup2");
export const pipe = forCurrent("pipe");
export const pipe2 = forCurrent("pipe2");
export const dup3 = forCurrent("dup3");
export const fcntl = forCurrent("fcntl");
export const umask = forCurrent("umask");
export const getdents64 = forCurrent("getdents64");
export const isatty = forCurrent("isatty");
// processes and identity
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
// <sys/mman.h>, <sys/resource.h>, <sys/uio.h>
export const mmap = forCurrent("mmap");
export const munmap = forCurrent("munmap");
export const mprotect = forCurrent("mprotect");
export const mremap = forCurrent("mremap");
export const madvise = forCurrent("madvise");
export const brk = forCurrent("brk");
export const sbrk = forCurrent("sbrk");
export const getrlimit = forCurrent("getrlimit");
export const setrlimit = forCurrent("setrlimit");
export const prlimit = forCurrent("prlimit");
export const process_vm_readv = forCurrent("process_vm_readv");
export const process_vm_writev = forCurrent("process_vm_writev");
export const peek = forCurrent("peek");
export const poke = forCurrent("poke");
// <dirent.h>
export const opendir = forCurrent("opendir");
export const readdir = forCurrent("readdir");
export const closedir = forCurrent("closedir");
// <stdio.h>
export const fopen = forCurrent("fopen");
export const fdopen = forCurrent("fdopen");
export const fclose = forCurrent("fclose");
export const fflush = forCurrent("fflush");
export const fread = forCurrent("fread");
export const fwrite = forCurrent("fwrite");
export const fgetc = forCurrent("fgetc");
export const getc = forCurrent("getc");
export const getchar = forCurrent("getchar");
export const fgets = forCurrent("fgets");
export const fputc = forCurrent("fputc");
export const putc = forCurrent("putc");
export const putchar = forCurrent("putchar");
export const fputs = forCurrent("fputs");
export const puts = forCurrent("puts");
export const printf = forCurrent("printf");
export const fprintf = forCurrent("fprintf");
export const dprintf = forCurrent("dprintf");
export const fseek = forCurrent("fseek");
export const ftell = forCurrent("ftell");
export const rewind = forCurrent("rewind");

/** Stream functions that need no syscall, on the program's own streams. */
export { feof, ferror, clearerr, fileno, setvbuf, setbuf, ungetc } from "./current.js";
import { onRunning } from "./current.js";
import { SA, SIG } from "../kernel-core/abi/signal.js";

/**
 * C's exit(): flushes stdio, ends the process, and ends this program's OS process with `status`
 * (an embedded child shares its OS process: its program just stops here).
 */
export async function exit(status = 0): Promise<never> {
  const p = await currentProcess();
  await p.exit(status);
  if (p.ownsHostProcess) process.exit(status & 0xff);
  return new Promise<never>(() => {});
}

/** C's _exit(): as exit() without flushing stdio. */
export async function _exit(status = 0): Promise<never> {
  const p = await currentProcess();
  await p._exit(status);
  if (p.ownsHostProcess) process.exit(status & 0xff);
  return new Promise<never>(() => {});
}

// <spawn.h>, <sys/wait.h>, <unistd.h>'s exec and process groups
export const posix_spawn = forCurrent("posix_spawn");
export const posix_spawnp = forCurrent("posix_spawnp");
export const wait4 = forCurrent("wait4");
export const waitpid = forCurrent("waitpid");
export const wait = forCurrent("wait");
export const execve = forCurrent("execve");
export const execv = forCurrent("execv");
export const execvp = forCurrent("execvp");
export const setpgid = forCurrent("setpgid");
export const getpgid = forCurrent("getpgid");
export const getpgrp = forCurrent("getpgrp");
export const setsid = forCurrent("setsid");
export const getsid = forCurrent("getsid");
export {
  posix_spawn_file_actions_init,
  posix_spawn_file_actions_destroy,
  posix_spawn_file_actions_addopen,
  posix_spawn_file_actions_addclose,
  posix_spawn_file_actions_adddup2,
  posix_spawn_file_actions_addchdir_np,
  posix_spawnattr_init,
  posix_spawnattr_destroy,
  posix_spawnattr_setflags,
  posix_spawnattr_getflags,
  posix_spawnattr_setpgroup,
  posix_spawnattr_setsigmask,
  posix_spawnattr_setsigdefault,
  POSIX_SPAWN_RESETIDS,
  POSIX_SPAWN_SETPGROUP,
  POSIX_SPAWN_SETSIGDEF,
  POSIX_SPAWN_SETSIGMASK,
  POSIX_SPAWN_SETSID,
  WIFEXITED,
  WEXITSTATUS,
  WIFSIGNALED,
  WTERMSIG,
  WCOREDUMP,
  WIFSTOPPED,
  WSTOPSIG,
  WIFCONTINUED,
  WNOHANG,
  WUNTRACED,
  WCONTINUED,
  type SpawnFileActions,
  type SpawnAttr,
} from "./spawn.js";
// <signal.h>
export const kill = forCurrent("kill");
export const raise = forCurrent("raise");
export const sigaction = forCurrent("sigaction");
export const signal = forCurrent("signal");
export const sigprocmask = forCurrent("sigprocmask");
export const pause = forCurrent("pause");
export { SigSet, sigemptyset, sigfillset, sigaddset, sigdelset, sigismember, strsignal, SIG_BLOCK, SIG_UNBLOCK, SIG_SETMASK, type SigAction, type Handler } from "./signal-calls.js";
export { SIG_DFL, SIG_IGN, SIG, signalName, signalByName } from "../kernel-core/abi/signal.js";
export const { NOCLDSTOP: SA_NOCLDSTOP, NOCLDWAIT: SA_NOCLDWAIT, RESTART: SA_RESTART, NODEFER: SA_NODEFER, RESETHAND: SA_RESETHAND } = SA;
export const {
  HUP: SIGHUP, INT: SIGINT, QUIT: SIGQUIT, ILL: SIGILL, TRAP: SIGTRAP, ABRT: SIGABRT, BUS: SIGBUS, FPE: SIGFPE, KILL: SIGKILL, USR1: SIGUSR1,
  SEGV: SIGSEGV, USR2: SIGUSR2, PIPE: SIGPIPE, ALRM: SIGALRM, TERM: SIGTERM, CHLD: SIGCHLD, CONT: SIGCONT, STOP: SIGSTOP, TSTP: SIGTSTP,
  TTIN: SIGTTIN, TTOU: SIGTTOU, URG: SIGURG, WINCH: SIGWINCH,
} = SIG;
// <stdlib.h>'s environment
export const getenv = onRunning("getenv");
export const setenv = onRunning("setenv");
export const unsetenv = onRunning("unsetenv");
export const environ = onRunning("environ");
