/**
 * natixfs as the vfs server uses it. Mounting replays the log and frees orphans (inodes with
 * no name left, from files deleted while open when the system went down). Every operation
 * runs alone under the fs lock with a device budget counted from the call's arrival; a device
 * that cannot answer in time, or a full disk, undoes the operation and returns EIO or ENOSPC.
 */
import type { Logger } from "pino";
import type { BlockDevice } from "../blk/device.js";
import { DeviceError } from "../blk/device.js";
import { E } from "../../kernel-core/errno.js";
import { O, S_IF } from "../../kernel-core/abi/fcntl.js";
import { BLOCK_SIZE, decodeSuperblock, encodeSuperblock, type Superblock } from "./layout.js";
import { FsCore, NoSpaceError } from "./core.js";
import type { Inode } from "./inode.js";
import { statOf, type StatInfo } from "./stat.js";
import { readData, truncateData, writeData, MAX_FILE_SIZE } from "./data.js";
import { CorruptDirectoryError, entries, type DirEntry } from "./dir.js";
import { lookupIn, resolve, resolveParent, readLinkTarget } from "./namei.js";
import { MAY_READ, MAY_WRITE, permits, type Cred } from "./perm.js";
import * as ns from "./namespace.js";
import { KeyedMutex } from "./lock.js";
import { readInParts, writeInParts } from "./parts.js";

export interface Opened {
  ino: number;
  mode: number;
  rdev: number;
}

export interface MountOptions {
  log: Logger;
  /** How long an operation may wait for the device (from the call's arrival) before EIO. */
  budgetMs: number;
  /** Blocks the cache keeps (default 8192, 32 MiB). */
  cacheBlocks?: number;
}

/** Blocks one operation may modify at most (a 512 KiB write and its metadata fit: parts.ts). */
const OP_BLOCKS = 200;

/**
 * The image holds no natixfs that can be mounted (bad superblock, unreplayable journal). A
 * component that meets it exits with status 78 (EX_CONFIG): restarting will not help.
 */
export class UnmountableError extends Error {
  readonly exitStatus = UNMOUNTABLE_STATUS;
}
export const UNMOUNTABLE_STATUS = 78;

export class FileSystem {
  private readonly openCount = new Map<number, number>();
  /** Each file's writers take turns, so a write split into operations is one write to them. */
  private readonly writers = new KeyedMutex();

  private constructor(
    readonly core: FsCore,
    private readonly budgetMs: number,
  ) {}

  static async mount(dev: BlockDevice, opts: MountOptions): Promise<FileSystem> {
    // An image that does not mount is left exactly as it is: mkfs runs only on an image natix
    // has just created (or on `natix mkfs`), never to "repair" one — that would erase the disk.
    const sb = decodeSuperblock(await dev.read(0, 1, Infinity));
    if (typeof sb === "string") throw new UnmountableError(`not a natixfs image: ${sb}`);
    const core = new FsCore(dev, sb, opts.log, opts.cacheBlocks);
    try {
      await core.journal.recover();
    } catch (err) {
      throw new UnmountableError(`its journal cannot be replayed: ${(err as Error).message}`);
    }
    core.cache.clear();
    const fs = new FileSystem(core, opts.budgetMs);
    await fs.freeOrphans();
    sb.mountCount++;
    await fs.op(async () => {
      core.replace(0, encodeSuperblock(sb as Superblock));
      return 0;
    });
    core.journal.start();
    return fs;
  }

  get superblock(): Superblock {
    return this.core.sb;
  }

  /** Runs one operation alone, with its device budget, undoing it if it fails part-way. */
  private op<T>(fn: () => Promise<T>, modifies = true): Promise<T | number> {
    const arrived = performance.now();
    const core = this.core;
    return core.lock.run(async () => {
      core.deadline = arrived + this.budgetMs;
      try {
        if (modifies) {
          await core.journal.reserve(OP_BLOCKS, core.budget());
          core.beginUndo();
        }
        const result = await fn();
        core.commitUndo();
        return result;
      } catch (err) {
        core.rollback();
        if (err instanceof DeviceError) return -E.EIO;
        if (err instanceof NoSpaceError) return -E.ENOSPC;
        if (err instanceof CorruptDirectoryError) {
          core.log.error({ err: err.message }, "fs: corrupt directory");
          return -E.EUCLEAN;
        }
        throw err;
      } finally {
        core.deadline = Infinity;
        core.cache.trim();
      }
    });
  }

  /** Frees an inode nothing refers to any more, unless a file description still has it open. */
  private readonly release: ns.Release = async (node: Inode) => {
    if ((this.openCount.get(node.ino) ?? 0) > 0) return;
    await truncateData(this.core, node, 0);
    await this.core.freeInode(node);
  };

  private async freeOrphans(): Promise<void> {
    const { core } = this;
    const sb = core.sb;
    const blocks = Array.from({ length: sb.inodeBlocks }, (_, i) => sb.inodeStart + i);
    core.deadline = Infinity;
    await core.cache.prefetch(blocks, Infinity);
    const orphans: number[] = [];
    const imap = await core.block(sb.imapStart);
    for (let ino = 2; ino <= sb.inodeCount; ino++) {
      const mapBlock = ino < BLOCK_SIZE * 8 ? imap : await core.block(sb.imapStart + Math.floor(ino / (BLOCK_SIZE * 8)));
      const bit = ino % (BLOCK_SIZE * 8);
      if ((mapBlock[bit >> 3] & (1 << (bit & 7))) === 0) continue;
      const node = await core.inode(ino);
      if (node.nlink === 0) orphans.push(ino);
    }
    for (const ino of orphans) await this.op(async () => this.release(await core.inode(ino)));
    if (orphans.length > 0) core.log.info(`fs: freed ${orphans.length} orphan inode(s)`);
  }

  statIno(ino: number): Promise<StatInfo | number> {
    return this.op(async () => statOf(await this.core.inode(ino)), false);
  }

  statPath(cred: Cred, start: number, path: string, follow: boolean): Promise<StatInfo | number> {
    return this.op(async () => {
      const node = await resolve(this.core, cred, start, path, follow);
      return typeof node === "number" ? node : statOf(node);
    }, false);
  }

  /** open(2)'s part in the filesystem: lookup or create, type and permission checks, O_TRUNC. */
  open(cred: Cred, start: number, path: string, flags: number, mode: number, umask: number): Promise<Opened | number> {
    return this.op(() => this.openIn(cred, start, path, flags, mode, umask, 0));
  }

  private async openIn(cred: Cred, start: number, path: string, flags: number, mode: number, umask: number, depth: number): Promise<Opened | number> {
    const fs = this.core;
    let node: Inode;
    if (flags & O.CREAT) {
      const r = await resolveParent(fs, cred, start, path);
      if (typeof r === "number") return r;
      if (r.trailing || r.name === "." || r.name === "..") return -E.EISDIR;
      const existing = await lookupIn(fs, cred, r.parent, r.name);
      if (typeof existing === "number") return existing;
      if (existing === undefined) {
        if (!permits(cred, r.parent, MAY_WRITE | 1)) return -E.EACCES;
        const created = await ns.createNode(fs, cred, r.parent, r.name, S_IF.REG | (mode & 0o7777 & ~umask));
        return { ino: created.ino, mode: created.mode, rdev: 0 };
      }
      if (flags & O.EXCL) return -E.EEXIST;
      if (existing.isSymlink) {
        if (flags & O.NOFOLLOW) return -E.ELOOP;
        if (depth >= 40) return -E.ELOOP;
        // Creating through a symbolic link creates its target.
        return this.openIn(cred, r.parent.ino, await readLinkTarget(fs, existing), flags, mode, umask, depth + 1);
      }
      node = existing;
    } else {
      const found = await resolve(fs, cred, start, path, (flags & O.NOFOLLOW) === 0);
      if (typeof found === "number") return found;
      if (found.isSymlink) return -E.ELOOP;
      node = found;
    }
    const acc = flags & O.ACCMODE;
    if ((flags & O.DIRECTORY) && !node.isDir) return -E.ENOTDIR;
    if (node.isDir && acc !== 0) return -E.EISDIR;
    const want = (acc === 0 ? MAY_READ : acc === 1 ? MAY_WRITE : MAY_READ | MAY_WRITE) | (flags & O.TRUNC ? MAY_WRITE : 0);
    if (!permits(cred, node, want)) return -E.EACCES;
    if (flags & O.TRUNC && node.isReg && node.size > 0) await truncateData(fs, node, 0);
    return { ino: node.ino, mode: node.mode, rdev: node.type === S_IF.CHR ? node.rdev : 0 };
  }

  /** Up to `length` bytes from `offset`; a large read is several operations (parts.ts). */
  read(ino: number, offset: number, length: number): Promise<Uint8Array | number> {
    return readInParts(length, (skip, want) => this.op(async () => readData(this.core, await this.core.inode(ino), offset + skip, want), false));
  }

  /**
   * Writes at `offset`, or at the end when `append`; the count and where the write ended. A large
   * write is several operations (parts.ts) back to back under the file's writer lock: other
   * writers (an O_APPEND one in another process) see it whole.
   */
  write(ino: number, offset: number, data: Uint8Array, append: boolean): Promise<{ count: number; end: number } | number> {
    return this.writers.run(ino, () =>
      writeInParts(data, (part, at) =>
        this.op(async () => {
          const node = await this.core.inode(ino);
          const from = at ?? (append ? node.size : offset);
          if (from + part.length > MAX_FILE_SIZE) {
            if (from >= MAX_FILE_SIZE) return -E.EFBIG;
            part = part.subarray(0, MAX_FILE_SIZE - from);
          }
          return { from, count: await writeData(this.core, node, from, part) };
        }),
      ),
    );
  }

  size(ino: number): Promise<number> {
    return this.op(async () => (await this.core.inode(ino)).size, false);
  }

  truncate(ino: number, size: number): Promise<number> {
    return this.writers.run(ino, () =>
      this.op(async () => {
        if (size > MAX_FILE_SIZE) return -E.EFBIG;
        await truncateData(this.core, await this.core.inode(ino), size);
        return 0;
      }),
    );
  }

  truncatePath(cred: Cred, start: number, path: string, size: number): Promise<number> {
    return this.op(async () => {
      const node = await resolve(this.core, cred, start, path, true);
      if (typeof node === "number") return node;
      if (node.isDir) return -E.EISDIR;
      if (!node.isReg) return -E.EINVAL;
      if (!permits(cred, node, MAY_WRITE)) return -E.EACCES;
      if (size > MAX_FILE_SIZE) return -E.EFBIG;
      await truncateData(this.core, node, size);
      return 0;
    });
  }

  mkdir(cred: Cred, start: number, path: string, mode: number, umask: number): Promise<number> {
    return this.op(() => ns.mkdir(this.core, cred, start, path, mode, umask));
  }

  unlink(cred: Cred, start: number, path: string): Promise<number> {
    return this.op(() => ns.unlink(this.core, cred, start, path, this.release));
  }

  rmdir(cred: Cred, start: number, path: string): Promise<number> {
    return this.op(() => ns.rmdir(this.core, cred, start, path, this.release));
  }

  rename(cred: Cred, oldStart: number, oldPath: string, newStart: number, newPath: string, flags: number): Promise<number> {
    return this.op(() => ns.rename(this.core, cred, oldStart, oldPath, newStart, newPath, flags, this.release));
  }

  link(cred: Cred, oldStart: number, oldPath: string, newStart: number, newPath: string, follow: boolean): Promise<number> {
    return this.op(() => ns.link(this.core, cred, oldStart, oldPath, newStart, newPath, follow));
  }

  symlink(cred: Cred, target: string, start: number, path: string): Promise<number> {
    return this.op(() => ns.symlink(this.core, cred, target, start, path));
  }

  readlink(cred: Cred, start: number, path: string): Promise<string | number> {
    return this.op(async () => {
      const node = await resolve(this.core, cred, start, path, false);
      if (typeof node === "number") return node;
      if (!node.isSymlink) return -E.EINVAL;
      return readLinkTarget(this.core, node);
    }, false);
  }

  /** Applies `change` to the inode at `path` (or `ino` when path is null). */
  private attr(cred: Cred, start: number, path: string | null, follow: boolean, change: (node: Inode) => number): Promise<number> {
    return this.op(async () => {
      const node = path === null ? await this.core.inode(start) : await resolve(this.core, cred, start, path, follow);
      return typeof node === "number" ? node : change(node);
    });
  }

  chmod(cred: Cred, start: number, path: string | null, mode: number, follow = true): Promise<number> {
    return this.attr(cred, start, path, follow, (n) => ns.chmod(cred, n, mode));
  }

  chown(cred: Cred, start: number, path: string | null, uid: number, gid: number, follow = true): Promise<number> {
    return this.attr(cred, start, path, follow, (n) => ns.chown(cred, n, uid, gid));
  }

  access(cred: Cred, start: number, path: string, mode: number, follow: boolean, effective: boolean): Promise<number> {
    return this.op(async () => {
      const node = await resolve(this.core, cred, start, path, follow);
      return typeof node === "number" ? node : ns.access(cred, node, mode, effective);
    }, false);
  }

  /** chdir's lookup: a directory the caller may search. */
  directory(cred: Cred, start: number, path: string): Promise<number> {
    return this.op(async () => {
      const node = await resolve(this.core, cred, start, path, true);
      if (typeof node === "number") return node;
      if (!node.isDir) return -E.ENOTDIR;
      return permits(cred, node, 1) ? node.ino : -E.EACCES;
    }, false);
  }

  /** A directory inode's mode (for fchdir and *at checks). */
  mode(ino: number): Promise<number> {
    return this.op(async () => (await this.core.inode(ino)).mode, false);
  }

  pathOf(ino: number): Promise<string | number> {
    return this.op(() => ns.pathOf(this.core, ino), false);
  }

  /** Directory entries from byte position `pos` while `take` accepts them; the position reached. */
  readdir(ino: number, pos: number, take: (e: DirEntry) => boolean): Promise<number> {
    return this.op(async () => {
      const dir = await this.core.inode(ino);
      if (!dir.isDir) return -E.ENOTDIR;
      let reached = pos;
      for await (const e of entries(this.core, dir, pos)) {
        if (!take(e)) return reached;
        reached = e.next;
      }
      return Math.max(reached, dir.size);
    }, false);
  }

  /** Commits everything written so far and waits until it is on disk (fsync, fdatasync, sync). */
  async sync(): Promise<number> {
    const arrived = performance.now();
    try {
      // Queue behind the operations that arrived earlier, then wait for the disk without the lock.
      await this.core.lock.run(async () => {});
      await this.core.journal.sync(Math.max(1, arrived + this.budgetMs - performance.now()));
      return 0;
    } catch (err) {
      if (err instanceof DeviceError) return -E.EIO;
      throw err;
    }
  }

  /** A file description now refers to `ino`. */
  opened(ino: number): void {
    this.openCount.set(ino, (this.openCount.get(ino) ?? 0) + 1);
  }

  /** A file description of `ino` closed: an unlinked inode goes with its last one. */
  async closed(ino: number): Promise<void> {
    const left = (this.openCount.get(ino) ?? 1) - 1;
    if (left > 0) {
      this.openCount.set(ino, left);
      return;
    }
    this.openCount.delete(ino);
    await this.op(async () => {
      const node = await this.core.inode(ino);
      if (node.nlink === 0 && node.mode !== 0) await this.release(node);
      return 0;
    });
  }

  async unmount(): Promise<void> {
    await this.core.journal.stop(this.budgetMs);
  }
}
