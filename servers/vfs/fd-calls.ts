/**
 * Syscalls on descriptors: read/write and their positioned and vectored forms, lseek, close,
 * dup/dup2/dup3, fcntl, fsync/fdatasync, ftruncate, fstat, fchmod/fchown, fchdir, getdents64,
 * ioctl(TCGETS). Mostly argument checking in Linux's order, then a call into io.ts or the
 * filesystem (as xv6's sysfile.c says of itself).
 */
import type { SyscallContext } from "../../kernel-core/server-runtime.js";
import type { SyscallHandler } from "../../kernel-core/server-runtime.js";
import { E } from "../../kernel-core/errno.js";
import { F, FD_CLOEXEC, O, SEEK, TCGETS, TERMIOS_SIZE } from "../../kernel-core/abi/fcntl.js";
import { encodeDirent64, encodeStat } from "../../kernel-core/abi/stat.js";
import { IOV_MAX } from "../../kernel-core/abi/iov.js";
import { MAX_FILE_SIZE } from "../fs/data.js";
import { MAX_FDS, type OpenFile } from "./files.js";
import { readFrom, seekable, writeTo } from "./io.js";
import { procDtype } from "./procfs.js";
import type { VfsState } from "./state.js";

const SETFL_BITS = O.APPEND | O.NONBLOCK | O.ASYNC | O.DIRECT | O.NOATIME;

export function fdCalls(vfs: VfsState): Record<string, SyscallHandler> {
  const fileOf = (ctx: SyscallContext, i = 0): OpenFile | undefined => vfs.proc(ctx.pid).fds.file(ctx.int(i));

  async function rw(ctx: SyscallContext, positioned: boolean, writing: boolean): Promise<number> {
    const file = fileOf(ctx);
    if (file === undefined) return -E.EBADF;
    // Linux checks "can it be positioned" before the access mode.
    if (positioned && !seekable(file)) return -E.ESPIPE;
    if (writing ? !file.writable : !file.readable) return -E.EBADF;
    const count = ctx.size(2);
    let at: number | null = null;
    if (positioned) {
      at = ctx.arg(3);
      if (at < 0) return -E.EINVAL;
    }
    if (count === 0) return 0;
    if (writing) {
      const data = ctx.copyIn(1, count);
      return data === null ? -E.EFAULT : writeTo(vfs, ctx.pid, file, at, data);
    }
    if (!ctx.fits(1, count)) return -E.EFAULT;
    const got = await readFrom(vfs, ctx.pid, file, at, count);
    if (typeof got === "number") return got;
    ctx.copyOut(1, got);
    return got.length;
  }

  async function vectored(ctx: SyscallContext, writing: boolean): Promise<number> {
    const file = fileOf(ctx);
    if (file === undefined || (writing ? !file.writable : !file.readable)) return -E.EBADF;
    const count = ctx.int(2);
    if (count < 0 || count > IOV_MAX) return -E.EINVAL;
    if (writing) {
      const iov = ctx.iovIn(1, count);
      if (iov === null) return -E.EFAULT;
      const total = iov.reduce((n, b) => n + b.length, 0);
      if (total === 0) return 0;
      const data = new Uint8Array(total);
      let at = 0;
      for (const b of iov) {
        data.set(b, at);
        at += b.length;
      }
      return writeTo(vfs, ctx.pid, file, null, data);
    }
    const lens = ctx.iovOut(1, count);
    if (lens === null) return -E.EFAULT;
    const total = lens.reduce((n, l) => n + l, 0);
    if (total === 0) return 0;
    const got = await readFrom(vfs, ctx.pid, file, null, total);
    if (typeof got === "number") return got;
    ctx.copyOutIov(1, got);
    return got.length;
  }

  async function lseek(ctx: SyscallContext): Promise<number> {
    const file = fileOf(ctx);
    if (file === undefined) return -E.EBADF;
    if (!seekable(file)) return -E.ESPIPE;
    if (file.kind === "device") return 0;
    const offset = ctx.arg(1);
    if (file.kind === "procfile" || file.kind === "procdir") {
      const size = file.content?.length ?? 0;
      const base = ctx.int(2) === SEEK.SET ? 0 : ctx.int(2) === SEEK.CUR ? file.offset : ctx.int(2) === SEEK.END ? size : -1;
      if (base < 0 || base + offset < 0) return -E.EINVAL;
      return (file.offset = base + offset);
    }
    const whence = ctx.int(2);
    return file.lock.run(async () => {
      let base: number;
      if (whence === SEEK.SET) base = 0;
      else if (whence === SEEK.CUR) base = file.offset;
      else if (whence === SEEK.END || whence === SEEK.DATA || whence === SEEK.HOLE) {
        const size = await vfs.fs.size(file.ino);
        if (size < 0) return size;
        if (whence !== SEEK.END) {
          if (offset < 0 || offset >= size) return -E.ENXIO;
          return (file.offset = whence === SEEK.DATA ? offset : size);
        }
        base = size;
      } else return -E.EINVAL;
      const pos = base + offset;
      if (pos < 0 || pos > MAX_FILE_SIZE) return -E.EINVAL;
      return (file.offset = pos);
    });
  }

  async function close(ctx: SyscallContext): Promise<number> {
    const file = vfs.proc(ctx.pid).fds.remove(ctx.int(0));
    if (file === undefined) return -E.EBADF;
    await vfs.release(file);
    return 0;
  }

  async function dupTo(ctx: SyscallContext, newfd: number, cloexec: boolean): Promise<number> {
    const fds = vfs.proc(ctx.pid).fds;
    const file = fds.file(ctx.int(0));
    if (file === undefined) return -E.EBADF;
    if (newfd < 0 || newfd >= MAX_FDS) return -E.EBADF;
    if (newfd === ctx.int(0)) return newfd;
    await vfs.release(fds.install(newfd, file, cloexec));
    return newfd;
  }

  function dupLowest(ctx: SyscallContext, min: number, cloexec: boolean): number {
    const fds = vfs.proc(ctx.pid).fds;
    const file = fds.file(ctx.int(0));
    if (file === undefined) return -E.EBADF;
    if (min < 0 || min >= MAX_FDS) return -E.EINVAL;
    const fd = fds.lowestFree(min);
    if (fd < 0) return -E.EMFILE;
    fds.install(fd, file, cloexec);
    return fd;
  }

  function fcntl(ctx: SyscallContext): number {
    const d = vfs.proc(ctx.pid).fds.get(ctx.int(0));
    if (d === undefined) return -E.EBADF;
    const arg = ctx.arg(2);
    switch (ctx.int(1)) {
      case F.DUPFD:
        return dupLowest(ctx, arg, false);
      case F.DUPFD_CLOEXEC:
        return dupLowest(ctx, arg, true);
      case F.GETFD:
        return d.cloexec ? FD_CLOEXEC : 0;
      case F.SETFD:
        d.cloexec = (arg & FD_CLOEXEC) !== 0;
        return 0;
      case F.GETFL:
        return d.file.flags;
      case F.SETFL:
        d.file.flags = (d.file.flags & ~SETFL_BITS) | (arg & SETFL_BITS);
        return 0;
      default:
        return -E.EINVAL;
    }
  }

  async function fsync(ctx: SyscallContext): Promise<number> {
    const file = fileOf(ctx);
    if (file === undefined) return -E.EBADF;
    if (file.kind !== "file" && file.kind !== "dir") return -E.EINVAL;
    return vfs.fs.sync();
  }

  /** getdents64 of a /proc directory: its listing, "." and ".." first; the offset is an index. */
  async function procDents(ctx: SyscallContext, file: OpenFile, count: number): Promise<number> {
    const list = await vfs.procfs.list(ctx, file.proc!.path);
    if (typeof list === "number") return list;
    const all = [{ name: ".", type: "dir" }, { name: "..", type: "dir" }, ...list];
    const records: Uint8Array[] = [];
    let used = 0;
    let i = file.offset;
    for (; i < all.length; i++) {
      const e = all[i];
      const rec = encodeDirent64({ ino: 0x40000000 + i, off: i + 1, type: procDtype(e.type), name: e.name });
      if (used + rec.length > count) break;
      records.push(rec);
      used += rec.length;
    }
    if (used === 0 && i < all.length) return -E.EINVAL;
    file.offset = i;
    ctx.copyOut(1, Buffer.concat(records));
    return used;
  }

  async function getdents64(ctx: SyscallContext): Promise<number> {
    const file = fileOf(ctx);
    if (file === undefined) return -E.EBADF;
    if (file.kind === "procdir") {
      if (!ctx.fits(1, ctx.uint(2))) return -E.EFAULT;
      return procDents(ctx, file, ctx.uint(2));
    }
    if (file.kind !== "dir") return -E.ENOTDIR;
    const count = ctx.uint(2);
    if (!ctx.fits(1, count)) return -E.EFAULT;
    return file.lock.run(async () => {
      const records: Uint8Array[] = [];
      let used = 0;
      let full = false;
      const pos = await vfs.fs.readdir(file.ino, file.offset, (e) => {
        const rec = encodeDirent64({ ino: e.ino, off: e.next, type: e.type, name: e.name });
        if (used + rec.length > count) return !(full = true);
        records.push(rec);
        used += rec.length;
        return true;
      });
      if (pos < 0) return pos;
      if (used === 0 && full) return -E.EINVAL;
      file.offset = pos;
      const out = new Uint8Array(used);
      let at = 0;
      for (const r of records) {
        out.set(r, at);
        at += r.length;
      }
      ctx.copyOut(1, out);
      return used;
    });
  }

  async function ioctl(ctx: SyscallContext): Promise<number> {
    const file = fileOf(ctx);
    if (file === undefined) return -E.EBADF;
    if (ctx.uint(1) !== TCGETS) return -E.ENOTTY;
    const answer = file.kind === "console" ? await vfs.tty.isatty(file.terminal ?? ctx.pid, file.stream) : file.kind === "device" ? await file.device!.isatty(ctx.pid) : 0;
    if (answer < 0) return answer;
    if (answer === 0) return -E.ENOTTY;
    return ctx.copyOut(2, new Uint8Array(TERMIOS_SIZE)) ? 0 : -E.EFAULT;
  }

  const inodeOf = (ctx: SyscallContext): OpenFile | number => {
    const file = fileOf(ctx);
    if (file === undefined) return -E.EBADF;
    // A pipe's inode is not natixfs's: its mode and owner stay as pipe() made them.
    return file.ino === 0 || file.kind === "pipe" ? -E.EINVAL : file;
  };

  return {
    read: (ctx) => rw(ctx, false, false),
    write: (ctx) => rw(ctx, false, true),
    pread64: (ctx) => rw(ctx, true, false),
    pwrite64: (ctx) => rw(ctx, true, true),
    readv: (ctx) => vectored(ctx, false),
    writev: (ctx) => vectored(ctx, true),
    lseek,
    close,
    dup: (ctx) => dupLowest(ctx, 0, false),
    dup2: (ctx) => (fileOf(ctx) === undefined ? -E.EBADF : dupTo(ctx, ctx.int(1), false)),
    dup3: (ctx) => {
      const flags = ctx.int(2);
      if ((flags & ~O.CLOEXEC) !== 0 || ctx.int(0) === ctx.int(1)) return fileOf(ctx) === undefined ? -E.EBADF : -E.EINVAL;
      return dupTo(ctx, ctx.int(1), (flags & O.CLOEXEC) !== 0);
    },
    fcntl,
    fsync,
    fdatasync: fsync,
    sync: async () => {
      await vfs.fs.sync();
      return 0;
    },
    async ftruncate(ctx) {
      const file = fileOf(ctx);
      if (file === undefined) return -E.EBADF;
      const length = ctx.arg(1);
      if (length < 0 || !file.writable || file.kind !== "file") return -E.EINVAL;
      return vfs.fs.truncate(file.ino, length);
    },
    async fstat(ctx) {
      const file = fileOf(ctx);
      if (file === undefined) return -E.EBADF;
      const st = await vfs.stat(ctx, file);
      if (typeof st === "number") return st;
      return ctx.copyOut(1, encodeStat(st)) ? 0 : -E.EFAULT;
    },
    async fchmod(ctx) {
      const f = inodeOf(ctx);
      return typeof f === "number" ? f : vfs.fs.chmod(ctx.caller, f.ino, null, ctx.uint(1));
    },
    async fchown(ctx) {
      const f = inodeOf(ctx);
      return typeof f === "number" ? f : vfs.fs.chown(ctx.caller, f.ino, null, ctx.uint(1), ctx.uint(2));
    },
    async fchdir(ctx) {
      const file = fileOf(ctx);
      if (file === undefined) return -E.EBADF;
      if (file.kind !== "dir") return -E.ENOTDIR;
      const ok = await vfs.fs.access(ctx.caller, file.ino, ".", 1, true, true);
      if (ok < 0) return ok;
      vfs.proc(ctx.pid).cwd = file.ino;
      return 0;
    },
    getdents64,
    ioctl,
  };
}
