/**
 * /proc in the vfs server: paths under /proc are not natixfs's; their stat, contents and
 * listings come from kernel-core (peer questions "proc.stat", "proc.read", "proc.list"). A
 * /proc file's contents are made when it is opened, so every open sees the present.
 *
 * Reached through absolute paths ("/proc/self/maps"), paths relative to "/" and to an open
 * /proc directory (openat). Symbolic links under /proc (self, fd/N) are followed.
 */
import type { SyscallContext } from "../../kernel-core/server-runtime.js";
import type { PeerCall } from "../../kernel-core/server-runtime.js";
import { DT, type LinuxStat } from "../../kernel-core/abi/stat.js";
import type { ProcStat } from "../../kernel-core/procfs.js";
import { E } from "../../kernel-core/errno.js";
import { O } from "../../kernel-core/abi/fcntl.js";
import { openFile, type OpenFile } from "./files.js";
import { normalize } from "./path.js";

/** st_dev of procfs (0:21). */
const PROC_DEV = 0x15;

export const isProcPath = (abs: string) => abs === "/proc" || abs.startsWith("/proc/");

export class ProcfsClient {
  constructor(private readonly peer: PeerCall) {}

  private viewer(ctx: SyscallContext) {
    return { pid: ctx.pid, uid: ctx.caller.uid, euid: ctx.caller.euid };
  }

  private async ask<T>(ctx: SyscallContext, op: string, path: string): Promise<T | number> {
    try {
      return (await this.peer("kernel", op, { viewer: this.viewer(ctx), path })) as T | number;
    } catch {
      return -E.EIO;
    }
  }

  /** stat of a /proc path; `follow` resolves symbolic links (returning a non-/proc target as a string). */
  async stat(ctx: SyscallContext, path: string, follow: boolean): Promise<ProcStat | string | number> {
    for (let links = 0; links < 40; links++) {
      const st = await this.ask<ProcStat>(ctx, "proc.stat", path);
      if (typeof st === "number" || st.type !== "symlink" || !follow) return st;
      const target = st.target!.startsWith("/") ? st.target! : normalize(`${path}/../${st.target}`);
      if (!isProcPath(target)) return target;
      path = target;
    }
    return -E.ELOOP;
  }

  readlink(ctx: SyscallContext, path: string): Promise<ProcStat | number> {
    return this.ask<ProcStat>(ctx, "proc.stat", path);
  }

  /**
   * open(2) of a /proc path: a description, a number (errno), or a string — the path outside
   * /proc a symbolic link led to, for the caller to open there.
   */
  async open(ctx: SyscallContext, path: string, flags: number): Promise<OpenFile | string | number> {
    if (flags & O.CREAT) return -E.EACCES;
    const st = await this.stat(ctx, path, (flags & O.NOFOLLOW) === 0);
    if (typeof st !== "object") return st;
    if (st.type === "symlink") return -E.ELOOP;
    const acc = flags & O.ACCMODE;
    if (st.type === "dir") {
      if (acc !== O.RDONLY) return -E.EISDIR;
      return openFile("procdir", { proc: { path, stat: st }, readable: true, flags: acc | O.LARGEFILE });
    }
    if (flags & O.DIRECTORY) return -E.ENOTDIR;
    if (acc !== O.RDONLY) return -E.EACCES;
    const text = await this.ask<string>(ctx, "proc.read", path);
    if (typeof text === "number") return text;
    return openFile("procfile", { proc: { path, stat: st }, content: new TextEncoder().encode(text), readable: true, flags: acc | O.LARGEFILE });
  }

  list(ctx: SyscallContext, path: string): Promise<{ name: string; type: string }[] | number> {
    return this.ask(ctx, "proc.list", path);
  }
}

export function procLinuxStat(st: ProcStat, size = 0): LinuxStat {
  const t = { sec: Math.floor(Date.now() / 1000), nsec: 0 };
  return { dev: PROC_DEV, ino: st.ino, nlink: st.type === "dir" ? 2 : 1, mode: st.mode, uid: st.uid, gid: st.gid, rdev: 0, size, blksize: 1024, blocks: 0, atime: t, mtime: t, ctime: t };
}

/** d_type of a /proc entry. */
export const procDtype = (type: string) => (type === "dir" ? DT.DIR : type === "symlink" ? DT.LNK : DT.REG);
