/**
 * What the vfs server keeps per process (descriptor table, working directory, umask) and the
 * helpers every handler shares: credentials, the starting directory of a *at call, turning an
 * inode into a description, releasing descriptions.
 */
import type { Logger } from "pino";
import type { SyscallContext } from "../../kernel-core/server-runtime.js";
import type { TtyDevice } from "../tty/driver.js";
import type { FileSystem } from "../fs/filesystem.js";
import type { StatInfo } from "../fs/stat.js";
import type { Cred } from "../fs/perm.js";
import type { Device } from "./devices.js";
import type { LinuxStat } from "../../kernel-core/abi/stat.js";
import { E } from "../../kernel-core/errno.js";
import { AT, O, S_IF } from "../../kernel-core/abi/fcntl.js";
import { ROOT_INO } from "../fs/layout.js";
import { FdTable, MAX_FDS, openFile, type OpenFile } from "./files.js";
import { procLinuxStat, type ProcfsClient } from "./procfs.js";
import { normalize } from "./path.js";
import { Pipes } from "./pipe.js";

/** st_dev of natixfs (as makedev(8, 1)), of the console (a devpts-like 0:22), of pipes (pipefs-like 0:14). */
export const FS_DEV = 0x801;
const CONSOLE_DEV = 0x16;
const PIPE_DEV = 0x0e;

export interface ProcessFiles {
  fds: FdTable;
  cwd: number;
  umask: number;
}

export class VfsState {
  private readonly procs = new Map<number, ProcessFiles>();
  readonly pipes = new Pipes();

  constructor(
    readonly fs: FileSystem,
    readonly tty: TtyDevice,
    readonly devices: Map<number, Device>,
    readonly procfs: ProcfsClient,
    readonly log: Logger,
    /** How long a pipe read or write waits before asking libc to issue it again (ERESTARTSYS). */
    readonly pipeSliceMs: number,
    /** Sends a process a signal through the process manager (SIGPIPE); resolves once it is sent. */
    readonly raise: (pid: number, sig: number) => Promise<void> = async () => {},
  ) {}

  /**
   * A child's files, as posix_spawn's clone makes them: the parent's descriptors sharing the
   * parent's descriptions (offsets, pipe ends), its cwd and umask. Replaces any table the pid had.
   */
  fork(parent: number, child: number): void {
    const from = this.proc(parent);
    const fds = new FdTable();
    for (let fd = 0; fd < MAX_FDS; fd++) {
      const d = from.fds.get(fd);
      if (d !== undefined) fds.install(fd, d.file, d.cloexec);
    }
    this.procs.set(child, { fds, cwd: from.cwd, umask: from.umask });
  }

  /** execve: descriptors marked close-on-exec are closed. */
  async closeOnExec(pid: number): Promise<void> {
    const p = this.proc(pid);
    for (let fd = 0; fd < MAX_FDS; fd++) {
      if (p.fds.get(fd)?.cloexec) await this.release(p.fds.remove(fd));
    }
  }

  /** A process's files, made on its first call: 0-2 on the console, cwd "/", umask 022. */
  proc(pid: number): ProcessFiles {
    let p = this.procs.get(pid);
    if (p === undefined) {
      const fds = new FdTable();
      fds.install(0, openFile("console", { stream: 0, flags: O.RDONLY, readable: true, terminal: pid }));
      fds.install(1, openFile("console", { stream: 1, flags: O.WRONLY, writable: true, terminal: pid }));
      fds.install(2, openFile("console", { stream: 2, flags: O.WRONLY, writable: true, terminal: pid }));
      p = { fds, cwd: ROOT_INO, umask: 0o022 };
      this.procs.set(pid, p);
    }
    return p;
  }

  cred(ctx: SyscallContext): Cred {
    return ctx.caller;
  }

  /** Where a relative path of a *at call starts: the cwd for AT_FDCWD, else the directory `dirfd`. */
  async start(ctx: SyscallContext, dirfd: number, path: string): Promise<number> {
    const p = this.proc(ctx.pid);
    if (path.startsWith("/") || dirfd === AT.FDCWD) return p.cwd;
    const file = p.fds.file(dirfd);
    if (file === undefined) return -E.EBADF;
    if (file.kind !== "dir") return -E.ENOTDIR;
    return file.ino;
  }

  /** A description for an inode open(2) found, by its type. */
  describe(opened: { ino: number; mode: number; rdev: number }, flags: number): OpenFile | number {
    const acc = flags & O.ACCMODE;
    const status = flags & (O.APPEND | O.NONBLOCK | O.DSYNC | O.SYNC | O.ASYNC | O.DIRECT | O.NOATIME);
    const base = {
      ino: opened.ino,
      flags: acc | status | O.LARGEFILE,
      readable: acc === O.RDONLY || acc === O.RDWR,
      writable: acc === O.WRONLY || acc === O.RDWR,
    };
    switch (opened.mode & S_IF.MT) {
      case S_IF.REG:
        return openFile("file", base);
      case S_IF.DIR:
        return openFile("dir", base);
      case S_IF.CHR: {
        const device = this.devices.get(opened.rdev);
        return device === undefined ? -E.ENXIO : openFile("device", { ...base, device });
      }
      default:
        return -E.ENXIO;
    }
  }

  /** A description lost a descriptor; when none is left the filesystem hears of it. */
  async release(file: OpenFile | undefined): Promise<void> {
    if (file === undefined || file.refs > 0 || file.ino === 0) return;
    if (file.kind === "pipe") {
      file.pipe!.close(file.readable ? "read" : "write");
      this.pipes.closed(file.pipe!);
      return;
    }
    await this.fs.closed(file.ino);
  }

  /** fstat of any description. */
  async stat(ctx: SyscallContext, file: OpenFile): Promise<LinuxStat | number> {
    if (file.kind === "console") {
      const t = { sec: Math.floor(Date.now() / 1000), nsec: 0 };
      return {
        dev: CONSOLE_DEV, ino: 3 + file.stream, nlink: 1, mode: S_IF.CHR | 0o620, uid: ctx.caller.uid, gid: 5,
        rdev: (136 << 8) | 0, size: 0, blksize: 1024, blocks: 0, atime: t, mtime: t, ctime: t,
      };
    }
    if (file.proc !== undefined) return procLinuxStat(file.proc.stat);
    if (file.kind === "pipe") {
      const t = { sec: Math.floor(Date.now() / 1000), nsec: 0 };
      return {
        dev: PIPE_DEV, ino: file.ino, nlink: 1, mode: S_IF.IFO | 0o600, uid: ctx.caller.euid, gid: ctx.caller.egid,
        rdev: 0, size: 0, blksize: 4096, blocks: 0, atime: t, mtime: t, ctime: t,
      };
    }
    const st = await this.fs.statIno(file.ino);
    return typeof st === "number" ? st : toLinuxStat(st);
  }

  /** Closes every process's files (clean shutdown: deleted-but-open files are freed now). */
  async exitAll(): Promise<void> {
    for (const pid of [...this.procs.keys()]) await this.exit(pid);
  }

  /** What a descriptor refers to, as /proc/<pid>/fd shows it: a path, or the console. */
  async describeFd(pid: number, fd: number): Promise<string | undefined> {
    const file = this.procs.get(pid)?.fds.file(fd);
    if (file === undefined) return undefined;
    if (file.kind === "console") return "/dev/console";
    if (file.kind === "pipe") return `pipe:[${file.ino}]`;
    if (file.proc !== undefined) return file.proc.path;
    const o = file.openedAs;
    if (o === undefined) return "?";
    const base = o.path.startsWith("/") ? "" : await this.fs.pathOf(o.start);
    const path = normalize(typeof base === "number" ? o.path : `${base}/${o.path}`);
    // As Linux shows a descriptor whose file has no name left.
    const st = await this.fs.statIno(file.ino);
    return typeof st !== "number" && st.nlink === 0 ? `${path} (deleted)` : path;
  }

  /** Open descriptors of a process, in order. */
  descriptors(pid: number): number[] {
    const t = this.procs.get(pid)?.fds;
    if (t === undefined) return [0, 1, 2];
    const out: number[] = [];
    for (let fd = 0; fd < MAX_FDS; fd++) if (t.get(fd)) out.push(fd);
    return out;
  }

  /** The process is gone: close everything it had open. */
  async exit(pid: number): Promise<void> {
    const p = this.procs.get(pid);
    if (p === undefined) return;
    this.procs.delete(pid);
    const files = p.fds.all();
    p.fds.clear();
    for (const f of new Set(files)) {
      // Its terminal is gone with it: children still holding the console reach their own.
      if (f.kind === "console" && f.terminal === pid) f.terminal = undefined;
      await this.release(f);
    }
  }
}

export function toLinuxStat(st: StatInfo): LinuxStat {
  return { ...st, dev: FS_DEV };
}
