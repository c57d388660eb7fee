/**
 * Syscalls on path names, each with its *at form: open/openat/creat, stat/lstat/newfstatat,
 * access/faccessat(2), mkdir(at), unlink(at), rmdir, rename(at/at2), link(at), symlink(at),
 * readlink(at), chmod/fchmodat, chown/lchown/fchownat, truncate, chdir, getcwd, umask.
 * A plain call is its *at form with AT_FDCWD.
 */
import type { SyscallContext } from "../../kernel-core/server-runtime.js";
import type { SyscallHandler } from "../../kernel-core/server-runtime.js";
import { E } from "../../kernel-core/errno.js";
import { AT, O } from "../../kernel-core/abi/fcntl.js";
import { encodeStat } from "../../kernel-core/abi/stat.js";
import { cString, utf8 } from "../../kernel-core/abi/strings.js";
import type { ProcStat } from "../../kernel-core/procfs.js";
import { toLinuxStat, type VfsState } from "./state.js";
import { isProcPath, procLinuxStat } from "./procfs.js";
import { normalize } from "./path.js";
import { ROOT_INO } from "../fs/layout.js";

/** access(2) on a /proc entry: its mode bits with the caller's real (or effective) ids. */
function procAccess(ctx: SyscallContext, st: ProcStat, mode: number, effective: boolean): number {
  if ((mode & ~7) !== 0) return -E.EINVAL;
  const uid = effective ? ctx.caller.euid : ctx.caller.uid;
  if (uid === 0) return mode & 1 && st.type !== "dir" && (st.mode & 0o111) === 0 ? -E.EACCES : 0;
  const bits = uid === st.uid ? (st.mode >> 6) & 7 : st.mode & 7;
  return (bits & mode) === mode ? 0 : -E.EACCES;
}

/** The arguments of one *at call, by position in the syscall's argument list. */
interface At {
  dirfd: number | null;
  path: number;
}

export function pathCalls(vfs: VfsState): Record<string, SyscallHandler> {
  /**
   * Resolves the (dirfd, path) pair at the given argument positions: start inode and path, or
   * `proc` — the absolute path — when it names something under /proc. A call that would change
   * /proc gets EPERM.
   */
  async function where(ctx: SyscallContext, at: At, modifies = false): Promise<{ start: number; path: string; proc?: string } | number> {
    const path = ctx.path(at.path);
    if (typeof path === "number") return path;
    const dirfd = at.dirfd === null ? AT.FDCWD : ctx.int(at.dirfd);
    const p = vfs.proc(ctx.pid);
    const dirFile = dirfd === AT.FDCWD || path.startsWith("/") ? undefined : p.fds.file(dirfd);
    let abs: string | undefined;
    if (path.startsWith("/")) abs = normalize(path);
    else if (dirFile?.proc) abs = normalize(`${dirFile.proc.path}/${path}`);
    else if ((dirfd === AT.FDCWD ? p.cwd : dirFile?.kind === "dir" ? dirFile.ino : 0) === ROOT_INO) abs = normalize(`/${path}`);
    if (abs !== undefined && isProcPath(abs)) return modifies ? -E.EPERM : { start: 0, path, proc: abs };
    const start = await vfs.start(ctx, dirfd, path);
    return start < 0 ? start : { start, path };
  }

  async function open(ctx: SyscallContext, at: At, flags: number, mode: number): Promise<number> {
    const p = vfs.proc(ctx.pid);
    if (p.fds.lowestFree() < 0) return -E.EMFILE;
    if ((flags & O.TMPFILE) === O.TMPFILE) return -E.EOPNOTSUPP;
    let w = await where(ctx, at);
    if (typeof w === "number") return w;
    if (w.proc !== undefined) {
      const r = await vfs.procfs.open(ctx, w.proc, flags);
      if (typeof r === "number") return r;
      if (typeof r === "object") {
        const fd = p.fds.lowestFree();
        if (fd < 0) return -E.EMFILE;
        p.fds.install(fd, r, (flags & O.CLOEXEC) !== 0);
        return fd;
      }
      w = { start: ROOT_INO, path: r }; // a /proc symlink led out of /proc (fd/N)
    }
    const opened = await vfs.fs.open(ctx.caller, w.start, w.path, flags, mode, p.umask);
    if (typeof opened === "number") return opened;
    const file = vfs.describe(opened, flags);
    if (typeof file === "number") return file;
    file.openedAs = { start: w.start, path: w.path };
    vfs.fs.opened(opened.ino);
    const fd = p.fds.lowestFree();
    if (fd < 0) {
      await vfs.fs.closed(opened.ino);
      return -E.EMFILE;
    }
    p.fds.install(fd, file, (flags & O.CLOEXEC) !== 0);
    return fd;
  }

  async function stat(ctx: SyscallContext, at: At, out: number, flags: number): Promise<number> {
    if ((flags & ~(AT.SYMLINK_NOFOLLOW | AT.EMPTY_PATH | AT.NO_AUTOMOUNT)) !== 0) return -E.EINVAL;
    const raw = ctx.path(at.path);
    if (raw === "" && flags & AT.EMPTY_PATH && at.dirfd !== null) {
      const file = vfs.proc(ctx.pid).fds.file(ctx.int(at.dirfd));
      if (file === undefined) return -E.EBADF;
      const st = await vfs.stat(ctx, file);
      if (typeof st === "number") return st;
      return ctx.copyOut(out, encodeStat(st)) ? 0 : -E.EFAULT;
    }
    const w = await where(ctx, at);
    if (typeof w === "number") return w;
    const follow = (flags & AT.SYMLINK_NOFOLLOW) === 0;
    let target = w;
    if (w.proc !== undefined) {
      const ps = await vfs.procfs.stat(ctx, w.proc, follow);
      if (typeof ps === "number") return ps;
      if (typeof ps === "object") return ctx.copyOut(out, encodeStat(procLinuxStat(ps))) ? 0 : -E.EFAULT;
      target = { start: ROOT_INO, path: ps };
    }
    const st = await vfs.fs.statPath(ctx.caller, target.start, target.path, follow);
    if (typeof st === "number") return st;
    return ctx.copyOut(out, encodeStat(toLinuxStat(st))) ? 0 : -E.EFAULT;
  }

  async function access(ctx: SyscallContext, at: At, mode: number, flags: number): Promise<number> {
    if ((flags & ~(AT.EACCESS | AT.SYMLINK_NOFOLLOW | AT.EMPTY_PATH)) !== 0) return -E.EINVAL;
    const w = await where(ctx, at);
    if (typeof w === "number") return w;
    if (w.proc !== undefined) {
      const ps = await vfs.procfs.stat(ctx, w.proc, (flags & AT.SYMLINK_NOFOLLOW) === 0);
      if (typeof ps === "number") return ps;
      if (typeof ps === "object") return procAccess(ctx, ps, mode, (flags & AT.EACCESS) !== 0);
      return vfs.fs.access(ctx.caller, ROOT_INO, ps, mode, true, (flags & AT.EACCESS) !== 0);
    }
    return vfs.fs.access(ctx.caller, w.start, w.path, mode, (flags & AT.SYMLINK_NOFOLLOW) === 0, (flags & AT.EACCESS) !== 0);
  }

  async function mkdir(ctx: SyscallContext, at: At, mode: number): Promise<number> {
    const w = await where(ctx, at, true);
    return typeof w === "number" ? w : vfs.fs.mkdir(ctx.caller, w.start, w.path, mode, vfs.proc(ctx.pid).umask);
  }

  async function unlink(ctx: SyscallContext, at: At, flags: number): Promise<number> {
    if ((flags & ~AT.REMOVEDIR) !== 0) return -E.EINVAL;
    const w = await where(ctx, at, true);
    if (typeof w === "number") return w;
    return flags & AT.REMOVEDIR ? vfs.fs.rmdir(ctx.caller, w.start, w.path) : vfs.fs.unlink(ctx.caller, w.start, w.path);
  }

  async function rename(ctx: SyscallContext, from: At, to: At, flags: number): Promise<number> {
    const a = await where(ctx, from, true);
    if (typeof a === "number") return a;
    const b = await where(ctx, to, true);
    if (typeof b === "number") return b;
    return vfs.fs.rename(ctx.caller, a.start, a.path, b.start, b.path, flags);
  }

  async function link(ctx: SyscallContext, from: At, to: At, flags: number): Promise<number> {
    if ((flags & ~AT.SYMLINK_FOLLOW) !== 0) return -E.EINVAL;
    const a = await where(ctx, from, true);
    if (typeof a === "number") return a;
    const b = await where(ctx, to, true);
    if (typeof b === "number") return b;
    return vfs.fs.link(ctx.caller, a.start, a.path, b.start, b.path, (flags & AT.SYMLINK_FOLLOW) !== 0);
  }

  async function symlink(ctx: SyscallContext, target: number, to: At): Promise<number> {
    const t = ctx.path(target);
    if (typeof t === "number") return t;
    const w = await where(ctx, to, true);
    return typeof w === "number" ? w : vfs.fs.symlink(ctx.caller, t, w.start, w.path);
  }

  async function readlink(ctx: SyscallContext, at: At, buf: number): Promise<number> {
    const size = ctx.int(buf + 1);
    if (size <= 0) return -E.EINVAL;
    const w = await where(ctx, at);
    if (typeof w === "number") return w;
    let target: string | number;
    if (w.proc !== undefined) {
      const ps = await vfs.procfs.readlink(ctx, w.proc);
      target = typeof ps === "number" ? ps : ps.type === "symlink" ? ps.target! : -E.EINVAL;
    } else target = await vfs.fs.readlink(ctx.caller, w.start, w.path);
    if (typeof target === "number") return target;
    const bytes = utf8(target).subarray(0, size);
    return ctx.copyOut(buf, bytes, size) ? bytes.length : -E.EFAULT;
  }

  async function chmod(ctx: SyscallContext, at: At, mode: number): Promise<number> {
    const w = await where(ctx, at, true);
    return typeof w === "number" ? w : vfs.fs.chmod(ctx.caller, w.start, w.path, mode);
  }

  async function chown(ctx: SyscallContext, at: At, uid: number, gid: number, flags: number): Promise<number> {
    if ((flags & ~(AT.SYMLINK_NOFOLLOW | AT.EMPTY_PATH)) !== 0) return -E.EINVAL;
    const w = await where(ctx, at, true);
    if (typeof w === "number") return w;
    return vfs.fs.chown(ctx.caller, w.start, w.path, uid, gid, (flags & AT.SYMLINK_NOFOLLOW) === 0);
  }

  const cwd: At = { dirfd: null, path: 0 };
  const at1: At = { dirfd: 0, path: 1 };

  return {
    open: (ctx) => open(ctx, cwd, ctx.int(1), ctx.uint(2)),
    openat: (ctx) => open(ctx, at1, ctx.int(2), ctx.uint(3)),
    creat: (ctx) => open(ctx, cwd, O.CREAT | O.WRONLY | O.TRUNC, ctx.uint(1)),
    stat: (ctx) => stat(ctx, cwd, 1, 0),
    lstat: (ctx) => stat(ctx, cwd, 1, AT.SYMLINK_NOFOLLOW),
    newfstatat: (ctx) => stat(ctx, at1, 2, ctx.int(3)),
    access: (ctx) => access(ctx, cwd, ctx.int(1), 0),
    faccessat: (ctx) => access(ctx, at1, ctx.int(2), 0),
    faccessat2: (ctx) => access(ctx, at1, ctx.int(2), ctx.int(3)),
    mkdir: (ctx) => mkdir(ctx, cwd, ctx.uint(1)),
    mkdirat: (ctx) => mkdir(ctx, at1, ctx.uint(2)),
    unlink: (ctx) => unlink(ctx, cwd, 0),
    rmdir: (ctx) => unlink(ctx, cwd, AT.REMOVEDIR),
    unlinkat: (ctx) => unlink(ctx, at1, ctx.int(2)),
    rename: (ctx) => rename(ctx, cwd, { dirfd: null, path: 1 }, 0),
    renameat: (ctx) => rename(ctx, at1, { dirfd: 2, path: 3 }, 0),
    renameat2: (ctx) => rename(ctx, at1, { dirfd: 2, path: 3 }, ctx.uint(4)),
    link: (ctx) => link(ctx, cwd, { dirfd: null, path: 1 }, 0),
    linkat: (ctx) => link(ctx, at1, { dirfd: 2, path: 3 }, ctx.int(4)),
    symlink: (ctx) => symlink(ctx, 0, { dirfd: null, path: 1 }),
    symlinkat: (ctx) => symlink(ctx, 0, { dirfd: 1, path: 2 }),
    readlink: (ctx) => readlink(ctx, cwd, 1),
    readlinkat: (ctx) => readlink(ctx, at1, 2),
    chmod: (ctx) => chmod(ctx, cwd, ctx.uint(1)),
    fchmodat: (ctx) => chmod(ctx, at1, ctx.uint(2)),
    chown: (ctx) => chown(ctx, cwd, ctx.uint(1), ctx.uint(2), 0),
    lchown: (ctx) => chown(ctx, cwd, ctx.uint(1), ctx.uint(2), AT.SYMLINK_NOFOLLOW),
    fchownat: (ctx) => chown(ctx, at1, ctx.uint(2), ctx.uint(3), ctx.int(4)),
    async truncate(ctx) {
      const length = ctx.arg(1);
      const w = await where(ctx, cwd, true);
      if (typeof w === "number") return w;
      if (length < 0) return -E.EINVAL;
      return vfs.fs.truncatePath(ctx.caller, w.start, w.path, length);
    },
    async chdir(ctx) {
      const w = await where(ctx, cwd);
      if (typeof w === "number") return w;
      if (w.proc !== undefined && w.proc !== "/proc") return -E.EOPNOTSUPP;
      const ino = await vfs.fs.directory(ctx.caller, w.start, w.path);
      if (ino < 0) return ino;
      vfs.proc(ctx.pid).cwd = ino;
      return 0;
    },
    async getcwd(ctx) {
      const size = ctx.size(1);
      const path = await vfs.fs.pathOf(vfs.proc(ctx.pid).cwd);
      if (typeof path === "number") return path;
      const bytes = cString(path);
      if (size < bytes.length) return -E.ERANGE;
      return ctx.copyOut(0, bytes, size) ? bytes.length : -E.EFAULT;
    },
    umask(ctx) {
      const p = vfs.proc(ctx.pid);
      const old = p.umask;
      p.umask = ctx.uint(0) & 0o777;
      return old;
    },
  };
}
