/**
 * Operations on names: create, mkdir, unlink, rmdir, rename, link, symlink, readlink, chmod,
 * chown, access, getcwd. Each checks in Linux's order (lookup errors, then permission, then
 * type) and returns 0 or a negative errno. They run inside a filesystem operation (fs lock
 * held, undo recording), so a failure part-way leaves nothing behind.
 */
import { E } from "../../kernel-core/errno.js";
import { S_IF, S_ISGID, S_ISUID } from "../../kernel-core/abi/fcntl.js";
import { DT, dtypeOf } from "../../kernel-core/abi/stat.js";
import { LINK_MAX, ROOT_INO } from "./layout.js";
import type { FsCore } from "./core.js";
import type { Inode } from "./inode.js";
import { now } from "./inode.js";
import { addEntry, entries, initDirectory, isEmpty, lookup, removeEntry, retarget } from "./dir.js";
import { writeData } from "./data.js";
import { lookupIn, resolve, resolveParent } from "./namei.js";
import { MAY_EXEC, MAY_READ, MAY_WRITE, mayDelete, owns, permits, type Cred } from "./perm.js";

const isDots = (name: string) => name === "." || name === "..";

/** What frees an inode once nothing refers to it (the filesystem knows about open files). */
export type Release = (node: Inode) => Promise<void>;

/** Makes a new inode and its entry `name` in `parent` (the caller checked name and rights). */
export async function createNode(fs: FsCore, cred: Cred, parent: Inode, name: string, mode: number, rdev = 0): Promise<Inode> {
  const sgidDir = (parent.mode & S_ISGID) !== 0;
  const type = mode & S_IF.MT;
  const node = await fs.allocInode(type === S_IF.DIR && sgidDir ? mode | S_ISGID : mode, cred.euid, sgidDir ? parent.gid : cred.egid);
  if (type === S_IF.DIR) {
    await initDirectory(fs, node, parent.ino, DT.DIR);
    node.nlink = 2;
    parent.nlink = parent.nlink + 1;
  } else node.nlink = 1;
  if (type === S_IF.CHR || type === S_IF.BLK) node.setDirect(0, rdev);
  await addEntry(fs, parent, name, node.ino, dtypeOf(mode));
  return node;
}

export async function mkdir(fs: FsCore, cred: Cred, start: number, path: string, mode: number, umask: number): Promise<number> {
  const r = await resolveParent(fs, cred, start, path);
  if (typeof r === "number") return r;
  if (isDots(r.name)) return -E.EEXIST;
  const existing = await lookupIn(fs, cred, r.parent, r.name);
  if (typeof existing === "number") return existing;
  if (existing !== undefined) return -E.EEXIST;
  if (!permits(cred, r.parent, MAY_WRITE | MAY_EXEC)) return -E.EACCES;
  if (r.parent.nlink >= LINK_MAX) return -E.EMLINK;
  await createNode(fs, cred, r.parent, r.name, S_IF.DIR | (mode & 0o1777 & ~umask));
  return 0;
}

/** mknod for the device files mkfs puts in /dev. */
export async function mknod(fs: FsCore, cred: Cred, start: number, path: string, mode: number, rdev: number): Promise<number> {
  const r = await resolveParent(fs, cred, start, path);
  if (typeof r === "number") return r;
  if ((await lookup(fs, r.parent, r.name)) !== undefined) return -E.EEXIST;
  await createNode(fs, cred, r.parent, r.name, mode, rdev);
  return 0;
}

/** Drops one link; frees the inode when no name and no open file refer to it. */
async function dropLink(node: Inode, release: Release): Promise<void> {
  node.nlink = Math.max(0, node.nlink - 1);
  node.ctime = now();
  if (node.nlink === 0) await release(node);
}

export async function unlink(fs: FsCore, cred: Cred, start: number, path: string, release: Release): Promise<number> {
  const r = await resolveParent(fs, cred, start, path);
  if (typeof r === "number") return r;
  if (isDots(r.name)) return -E.EISDIR;
  const victim = await lookupIn(fs, cred, r.parent, r.name);
  if (typeof victim === "number") return victim;
  if (victim === undefined) return -E.ENOENT;
  if (r.trailing) return victim.isDir ? -E.EISDIR : -E.ENOTDIR;
  if (!permits(cred, r.parent, MAY_WRITE | MAY_EXEC)) return -E.EACCES;
  if (!mayDelete(cred, r.parent, victim)) return -E.EPERM;
  if (victim.isDir) return -E.EISDIR;
  await removeEntry(fs, r.parent, r.name);
  await dropLink(victim, release);
  return 0;
}

export async function rmdir(fs: FsCore, cred: Cred, start: number, path: string, release: Release): Promise<number> {
  if (/^\/+$/.test(path)) return -E.EBUSY;
  const r = await resolveParent(fs, cred, start, path);
  if (typeof r === "number") return r;
  if (r.name === ".") return -E.EINVAL;
  if (r.name === "..") return -E.ENOTEMPTY;
  const victim = await lookupIn(fs, cred, r.parent, r.name);
  if (typeof victim === "number") return victim;
  if (victim === undefined) return -E.ENOENT;
  if (!permits(cred, r.parent, MAY_WRITE | MAY_EXEC)) return -E.EACCES;
  if (!mayDelete(cred, r.parent, victim)) return -E.EPERM;
  if (!victim.isDir) return -E.ENOTDIR;
  if (!(await isEmpty(fs, victim))) return -E.ENOTEMPTY;
  await removeEntry(fs, r.parent, r.name);
  r.parent.nlink = r.parent.nlink - 1;
  victim.nlink = 1; // "." goes with it; dropLink takes the last
  await dropLink(victim, release);
  return 0;
}

/** Is `dir` the directory `ancestor` or inside it? (Walks ".." up to the root.) */
async function within(fs: FsCore, dir: Inode, ancestor: number): Promise<boolean> {
  let cur = dir.ino;
  for (let guard = 0; guard < 4096; guard++) {
    if (cur === ancestor) return true;
    if (cur === ROOT_INO) return false;
    const up = await lookup(fs, await fs.inode(cur), "..");
    if (up === undefined || up.ino === cur) return false;
    cur = up.ino;
  }
  return false;
}

export const RENAME_NOREPLACE = 1;

export async function rename(
  fs: FsCore, cred: Cred, oldStart: number, oldPath: string, newStart: number, newPath: string, flags: number, release: Release,
): Promise<number> {
  if ((flags & ~RENAME_NOREPLACE) !== 0) return -E.EINVAL;
  const o = await resolveParent(fs, cred, oldStart, oldPath);
  if (typeof o === "number") return o;
  const n = await resolveParent(fs, cred, newStart, newPath);
  if (typeof n === "number") return n;
  if (isDots(o.name) || isDots(n.name)) return -E.EBUSY;
  const src = await lookupIn(fs, cred, o.parent, o.name);
  if (typeof src === "number") return src;
  if (src === undefined) return -E.ENOENT;
  if ((o.trailing || n.trailing) && !src.isDir) return -E.ENOTDIR;
  const dst = await lookupIn(fs, cred, n.parent, n.name);
  if (typeof dst === "number") return dst;
  if (dst !== undefined && (flags & RENAME_NOREPLACE) !== 0) return -E.EEXIST;
  if (dst !== undefined && dst.ino === src.ino) return 0;
  if (!permits(cred, o.parent, MAY_WRITE | MAY_EXEC) || !permits(cred, n.parent, MAY_WRITE | MAY_EXEC)) return -E.EACCES;
  if (!mayDelete(cred, o.parent, src) || (dst !== undefined && !mayDelete(cred, n.parent, dst))) return -E.EPERM;
  const moved = o.parent.ino !== n.parent.ino;
  if (src.isDir) {
    if (dst !== undefined && !dst.isDir) return -E.ENOTDIR;
    if (await within(fs, n.parent, src.ino)) return -E.EINVAL;
    if (dst !== undefined && !(await isEmpty(fs, dst))) return -E.ENOTEMPTY;
    if (moved && !permits(cred, src, MAY_WRITE)) return -E.EACCES;
    if (moved && dst === undefined && n.parent.nlink >= LINK_MAX) return -E.EMLINK;
  } else if (dst !== undefined && dst.isDir) return -E.EISDIR;

  const type = dtypeOf(src.mode);
  if (dst !== undefined) {
    await retarget(fs, n.parent, n.name, src.ino, type);
    if (dst.isDir) {
      n.parent.nlink = n.parent.nlink - 1;
      dst.nlink = 1;
    }
    await dropLink(dst, release);
  } else await addEntry(fs, n.parent, n.name, src.ino, type);
  await removeEntry(fs, o.parent, o.name);
  if (src.isDir && moved) {
    await retarget(fs, src, "..", n.parent.ino, DT.DIR);
    o.parent.nlink = o.parent.nlink - 1;
    n.parent.nlink = n.parent.nlink + 1;
  }
  src.ctime = now();
  return 0;
}

export async function link(fs: FsCore, cred: Cred, oldStart: number, oldPath: string, newStart: number, newPath: string, follow: boolean): Promise<number> {
  const src = await resolve(fs, cred, oldStart, oldPath, follow);
  if (typeof src === "number") return src;
  const n = await resolveParent(fs, cred, newStart, newPath);
  if (typeof n === "number") return n;
  if (isDots(n.name)) return -E.EEXIST;
  const existing = await lookupIn(fs, cred, n.parent, n.name);
  if (typeof existing === "number") return existing;
  if (existing !== undefined) return -E.EEXIST;
  if (n.trailing) return -E.ENOENT;
  if (!permits(cred, n.parent, MAY_WRITE | MAY_EXEC)) return -E.EACCES;
  if (src.isDir) return -E.EPERM;
  if (src.nlink >= LINK_MAX) return -E.EMLINK;
  await addEntry(fs, n.parent, n.name, src.ino, dtypeOf(src.mode));
  src.nlink = src.nlink + 1;
  src.ctime = now();
  return 0;
}

export async function symlink(fs: FsCore, cred: Cred, target: string, start: number, path: string): Promise<number> {
  if (target.length === 0) return -E.ENOENT;
  const n = await resolveParent(fs, cred, start, path);
  if (typeof n === "number") return n;
  if (isDots(n.name)) return -E.EEXIST;
  const existing = await lookupIn(fs, cred, n.parent, n.name);
  if (typeof existing === "number") return existing;
  if (existing !== undefined) return -E.EEXIST;
  if (n.trailing) return -E.ENOENT;
  if (!permits(cred, n.parent, MAY_WRITE | MAY_EXEC)) return -E.EACCES;
  const node = await createNode(fs, cred, n.parent, n.name, S_IF.LNK | 0o777);
  await writeData(fs, node, 0, new TextEncoder().encode(target));
  return 0;
}

export function chmod(cred: Cred, node: Inode, mode: number): number {
  if (!owns(cred, node)) return -E.EPERM;
  let bits = mode & 0o7777;
  // A non-root owner outside the file's group cannot make it set-group-ID.
  if (cred.euid !== 0 && node.gid !== cred.egid) bits &= ~S_ISGID;
  node.mode = (node.mode & S_IF.MT) | bits;
  node.ctime = now();
  return 0;
}

const UNCHANGED = 0xffffffff;

export function chown(cred: Cred, node: Inode, uid: number, gid: number): number {
  const newUid = uid === UNCHANGED || uid === -1 ? node.uid : uid >>> 0;
  const newGid = gid === UNCHANGED || gid === -1 ? node.gid : gid >>> 0;
  if (cred.euid !== 0) {
    if (newUid !== node.uid) return -E.EPERM;
    if (newGid !== node.gid && (cred.euid !== node.uid || newGid !== cred.egid)) return -E.EPERM;
  }
  if (newUid !== node.uid || newGid !== node.gid || uid !== UNCHANGED || gid !== UNCHANGED) {
    // A change of owner clears set-user-ID (and set-group-ID where it means something).
    if (!node.isDir && (node.mode & (S_ISUID | S_ISGID)) !== 0) {
      let mode = node.mode & ~S_ISUID;
      if (mode & 0o010) mode &= ~S_ISGID;
      node.mode = mode;
    }
  }
  node.uid = newUid;
  node.gid = newGid;
  node.ctime = now();
  return 0;
}

/** access(2): with the real ids unless `effective` (AT_EACCESS). */
export function access(cred: Cred, node: Inode, mode: number, effective: boolean): number {
  if ((mode & ~7) !== 0) return -E.EINVAL;
  if (mode === 0) return 0;
  const mask = (mode & 4 ? MAY_READ : 0) | (mode & 2 ? MAY_WRITE : 0) | (mode & 1 ? MAY_EXEC : 0);
  return permits(cred, node, mask, !effective) ? 0 : -E.EACCES;
}

/** The absolute path of directory `ino`, found by walking ".." to the root. */
export async function pathOf(fs: FsCore, ino: number): Promise<string | number> {
  const parts: string[] = [];
  let cur = await fs.inode(ino);
  if (cur.nlink === 0) return -E.ENOENT;
  for (let guard = 0; cur.ino !== ROOT_INO; guard++) {
    if (guard > 4096) return -E.ELOOP;
    const up = await lookup(fs, cur, "..");
    if (up === undefined) return -E.ENOENT;
    const parent = await fs.inode(up.ino);
    let name: string | undefined;
    for await (const e of entries(fs, parent)) {
      if (e.ino === cur.ino && e.name !== "." && e.name !== "..") {
        name = e.name;
        break;
      }
    }
    if (name === undefined) return -E.ENOENT;
    parts.unshift(name);
    cur = parent;
  }
  return "/" + parts.join("/");
}
