/**
 * File syscall wrappers (<fcntl.h>, <unistd.h>, <sys/stat.h>): each is `syscall()` with the
 * table's number. Where C fills a struct, the wrapper decodes the kernel's bytes into an
 * object (stat → Stat); getcwd returns the path; readlink keeps C's (path, buf, bufsiz).
 */
import type { Process } from "./process.js";
import { SYS } from "../kernel-core/syscalls/table.js";
import { AT, O, S_IF, TCGETS, TERMIOS_SIZE } from "../kernel-core/abi/fcntl.js";
import { STAT_SIZE, decodeStat, type LinuxStat } from "../kernel-core/abi/stat.js";
import { decodeUtf8, untilNul } from "../kernel-core/abi/strings.js";
import { E } from "../kernel-core/errno.js";

/** struct stat, decoded; times also as st_atim/st_mtim/st_ctim {tv_sec, tv_nsec}. */
export interface Stat {
  st_dev: number;
  st_ino: number;
  st_nlink: number;
  st_mode: number;
  st_uid: number;
  st_gid: number;
  st_rdev: number;
  st_size: number;
  st_blksize: number;
  st_blocks: number;
  st_atim: { tv_sec: number; tv_nsec: number };
  st_mtim: { tv_sec: number; tv_nsec: number };
  st_ctim: { tv_sec: number; tv_nsec: number };
  st_atime: number;
  st_mtime: number;
  st_ctime: number;
}

export function toStat(s: LinuxStat): Stat {
  return {
    st_dev: s.dev,
    st_ino: s.ino,
    st_nlink: s.nlink,
    st_mode: s.mode,
    st_uid: s.uid,
    st_gid: s.gid,
    st_rdev: s.rdev,
    st_size: s.size,
    st_blksize: s.blksize,
    st_blocks: s.blocks,
    st_atim: { tv_sec: s.atime.sec, tv_nsec: s.atime.nsec },
    st_mtim: { tv_sec: s.mtime.sec, tv_nsec: s.mtime.nsec },
    st_ctim: { tv_sec: s.ctime.sec, tv_nsec: s.ctime.nsec },
    st_atime: s.atime.sec,
    st_mtime: s.mtime.sec,
    st_ctime: s.ctime.sec,
  };
}

export const S_ISREG = (m: number) => (m & S_IF.MT) === S_IF.REG;
export const S_ISDIR = (m: number) => (m & S_IF.MT) === S_IF.DIR;
export const S_ISLNK = (m: number) => (m & S_IF.MT) === S_IF.LNK;
export const S_ISCHR = (m: number) => (m & S_IF.MT) === S_IF.CHR;
export const S_ISBLK = (m: number) => (m & S_IF.MT) === S_IF.BLK;
export const S_ISFIFO = (m: number) => (m & S_IF.MT) === S_IF.IFO;
export const S_ISSOCK = (m: number) => (m & S_IF.MT) === S_IF.SOCK;

type Path = string | Uint8Array;

export function files(p: Process) {
  /** Runs a stat-family call into a fresh buffer and decodes it (also into `into`, if given). */
  const statCall = async (into: Partial<Stat> | undefined, nr: number, ...args: (Path | number | Uint8Array)[]): Promise<Stat | -1> => {
    const buf = new Uint8Array(STAT_SIZE);
    if ((await p.syscall(nr, ...args.map((a) => (a === BUF ? buf : a)))) < 0) return -1;
    const st = toStat(decodeStat(buf));
    if (into) Object.assign(into, st);
    return st;
  };
  return {
    // As glibc since 2.26: open(3) is the openat syscall relative to the working directory.
    open: (path: Path, flags: number, mode = 0) => p.syscall(SYS.openat, AT.FDCWD, path, flags, mode),
    openat: (dirfd: number, path: Path, flags: number, mode = 0) => p.syscall(SYS.openat, dirfd, path, flags, mode),
    creat: (path: Path, mode: number) => p.syscall(SYS.creat, path, mode),
    pread: (fd: number, buf: Uint8Array, count: number, offset: number | bigint) => p.syscall(SYS.pread64, fd, buf, count, offset),
    pwrite: (fd: number, buf: Uint8Array | string, count: number, offset: number | bigint) =>
      p.syscall(SYS.pwrite64, fd, typeof buf === "string" ? new TextEncoder().encode(buf) : buf, count, offset),
    lseek: (fd: number, offset: number | bigint, whence: number) => p.syscall(SYS.lseek, fd, offset, whence),
    readv: (fd: number, iov: Uint8Array[], iovcnt = iov.length) => p.syscall(SYS.readv, fd, iov, iovcnt),
    writev: (fd: number, iov: Uint8Array[], iovcnt = iov.length) => p.syscall(SYS.writev, fd, iov, iovcnt),
    stat: (path: Path, into?: Partial<Stat>) => statCall(into, SYS.stat, path, BUF),
    lstat: (path: Path, into?: Partial<Stat>) => statCall(into, SYS.lstat, path, BUF),
    fstat: (fd: number, into?: Partial<Stat>) => statCall(into, SYS.fstat, fd, BUF),
    fstatat: (dirfd: number, path: Path, into?: Partial<Stat>, flags = 0) => statCall(into, SYS.newfstatat, dirfd, path, BUF, flags),
    access: (path: Path, mode: number) => p.syscall(SYS.access, path, mode),
    faccessat: (dirfd: number, path: Path, mode: number, flags = 0) => p.syscall(SYS.faccessat2, dirfd, path, mode, flags),
    mkdir: (path: Path, mode = 0o777) => p.syscall(SYS.mkdir, path, mode),
    mkdirat: (dirfd: number, path: Path, mode = 0o777) => p.syscall(SYS.mkdirat, dirfd, path, mode),
    rmdir: (path: Path) => p.syscall(SYS.rmdir, path),
    unlink: (path: Path) => p.syscall(SYS.unlink, path),
    unlinkat: (dirfd: number, path: Path, flags = 0) => p.syscall(SYS.unlinkat, dirfd, path, flags),
    rename: (oldpath: Path, newpath: Path) => p.syscall(SYS.rename, oldpath, newpath),
    renameat: (olddirfd: number, oldpath: Path, newdirfd: number, newpath: Path) => p.syscall(SYS.renameat, olddirfd, oldpath, newdirfd, newpath),
    renameat2: (olddirfd: number, oldpath: Path, newdirfd: number, newpath: Path, flags: number) =>
      p.syscall(SYS.renameat2, olddirfd, oldpath, newdirfd, newpath, flags),
    link: (oldpath: Path, newpath: Path) => p.syscall(SYS.link, oldpath, newpath),
    linkat: (olddirfd: number, oldpath: Path, newdirfd: number, newpath: Path, flags = 0) =>
      p.syscall(SYS.linkat, olddirfd, oldpath, newdirfd, newpath, flags),
    symlink: (target: Path, linkpath: Path) => p.syscall(SYS.symlink, target, linkpath),
    symlinkat: (target: Path, newdirfd: number, linkpath: Path) => p.syscall(SYS.symlinkat, target, newdirfd, linkpath),
    readlink: (path: Path, buf: Uint8Array, bufsiz = buf.length) => p.syscall(SYS.readlink, path, buf, bufsiz),
    readlinkat: (dirfd: number, path: Path, buf: Uint8Array, bufsiz = buf.length) => p.syscall(SYS.readlinkat, dirfd, path, buf, bufsiz),
    chdir: (path: Path) => p.syscall(SYS.chdir, path),
    fchdir: (fd: number) => p.syscall(SYS.fchdir, fd),
    /** getcwd(3): the path, or null with errno (ERANGE when `size` is too small). */
    getcwd: async (size = 4096): Promise<string | null> => {
      const buf = new Uint8Array(Math.max(0, Math.min(size, 4096)));
      if ((await p.syscall(SYS.getcwd, buf, size)) < 0) return null;
      return decodeUtf8(untilNul(buf));
    },
    chmod: (path: Path, mode: number) => p.syscall(SYS.chmod, path, mode),
    fchmod: (fd: number, mode: number) => p.syscall(SYS.fchmod, fd, mode),
    fchmodat: (dirfd: number, path: Path, mode: number) => p.syscall(SYS.fchmodat, dirfd, path, mode),
    chown: (path: Path, owner: number, group: number) => p.syscall(SYS.chown, path, owner, group),
    fchown: (fd: number, owner: number, group: number) => p.syscall(SYS.fchown, fd, owner, group),
    lchown: (path: Path, owner: number, group: number) => p.syscall(SYS.lchown, path, owner, group),
    fchownat: (dirfd: number, path: Path, owner: number, group: number, flags = 0) => p.syscall(SYS.fchownat, dirfd, path, owner, group, flags),
    truncate: (path: Path, length: number | bigint) => p.syscall(SYS.truncate, path, length),
    ftruncate: (fd: number, length: number | bigint) => p.syscall(SYS.ftruncate, fd, length),
    fsync: (fd: number) => p.syscall(SYS.fsync, fd),
    fdatasync: (fd: number) => p.syscall(SYS.fdatasync, fd),
    sync: () => p.syscall(SYS.sync),
    dup3: (oldfd: number, newfd: number, flags: number) => p.syscall(SYS.dup3, oldfd, newfd, flags),
    fcntl: (fd: number, cmd: number, arg = 0) => p.syscall(SYS.fcntl, fd, cmd, arg),
    umask: (mask: number) => p.syscall(SYS.umask, mask),
    getdents64: (fd: number, buf: Uint8Array, count = buf.length) => p.syscall(SYS.getdents64, fd, buf, count),
    /** isatty(3): 1 for a terminal; 0 with errno ENOTTY otherwise. */
    isatty: async (fd: number): Promise<number> => {
      const r = await p.rawSyscall(SYS.ioctl, fd, TCGETS, new Uint8Array(TERMIOS_SIZE));
      if (r === 0) return 1;
      p.errno = r === -E.EBADF ? E.EBADF : E.ENOTTY;
      return 0;
    },
  };
}

// Stands for "the stat buffer" in statCall's argument list.
const BUF = new Uint8Array(0);

export const AT_FDCWD = AT.FDCWD;
export { O };
