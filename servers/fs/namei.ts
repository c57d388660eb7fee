/**
 * Path resolution (namei): component by component from the root or a starting directory,
 * checking search permission on every directory passed, following symbolic links (at most 40
 * in one resolution, then ELOOP), with Linux's errors: ENOENT, ENOTDIR, EACCES,
 * ENAMETOOLONG, ELOOP.
 */
import { E } from "../../kernel-core/errno.js";
import { NAME_MAX, ROOT_INO } from "./layout.js";
import type { FsCore } from "./core.js";
import type { Inode } from "./inode.js";
import { lookup } from "./dir.js";
import { readData } from "./data.js";
import { MAY_EXEC, permits, type Cred } from "./perm.js";

const MAX_SYMLINKS = 40;
const decoder = new TextDecoder();

// UTF-8 needs at most 3 bytes per UTF-16 unit, so short names skip the byte count.
const tooLong = (name: string) => name.length > NAME_MAX / 3 && Buffer.byteLength(name) > NAME_MAX;

export async function readLinkTarget(fs: FsCore, link: Inode): Promise<string> {
  return decoder.decode(await readData(fs, link, 0, link.size));
}

interface Walk {
  links: number;
}

/** Resolves `path` from directory `start`; `follow` decides for a final symbolic link. */
export async function resolve(fs: FsCore, cred: Cred, start: number, path: string, follow: boolean, walk: Walk = { links: 0 }): Promise<Inode | number> {
  if (path.length === 0) return -E.ENOENT;
  let node = await fs.inode(path.startsWith("/") ? ROOT_INO : start);
  const trailing = path.endsWith("/");
  const parts = path.split("/").filter((p) => p.length > 0);
  for (let i = 0; i < parts.length; i++) {
    const name = parts[i];
    const last = i === parts.length - 1;
    if (tooLong(name)) return -E.ENAMETOOLONG;
    if (!node.isDir) return -E.ENOTDIR;
    if (!permits(cred, node, MAY_EXEC)) return -E.EACCES;
    const found = await lookup(fs, node, name);
    if (found === undefined) return -E.ENOENT;
    const child = await fs.inode(found.ino);
    if (child.isSymlink && (!last || follow || trailing)) {
      if (++walk.links > MAX_SYMLINKS) return -E.ELOOP;
      const target = await readLinkTarget(fs, child);
      if (target.length === 0) return -E.ENOENT;
      const rest = parts.slice(i + 1).join("/");
      const next = rest.length > 0 ? `${target}/${rest}${trailing ? "/" : ""}` : `${target}${trailing ? "/" : ""}`;
      return resolve(fs, cred, node.ino, next, follow, walk);
    }
    node = child;
  }
  if (trailing && !node.isDir) return -E.ENOTDIR;
  return node;
}

export interface ParentAndName {
  parent: Inode;
  /** The last component ("." for "/"). */
  name: string;
  /** The path ended in "/": the object must be (or become) a directory. */
  trailing: boolean;
}

/** Resolves everything but the last component, which it returns by name. */
export async function resolveParent(fs: FsCore, cred: Cred, start: number, path: string, walk: Walk = { links: 0 }): Promise<ParentAndName | number> {
  if (path.length === 0) return -E.ENOENT;
  const stripped = path.replace(/\/+$/, "");
  const trailing = stripped.length < path.length;
  if (stripped.length === 0) return { parent: await fs.inode(ROOT_INO), name: ".", trailing };
  const slash = stripped.lastIndexOf("/");
  const name = stripped.slice(slash + 1);
  if (tooLong(name)) return -E.ENAMETOOLONG;
  const dirPath = slash < 0 ? "." : slash === 0 ? "/" : stripped.slice(0, slash);
  const parent = await resolve(fs, cred, start, dirPath, true, walk);
  if (typeof parent === "number") return parent;
  if (!parent.isDir) return -E.ENOTDIR;
  return { parent, name, trailing };
}

/** Looks `name` up in `parent`, with the search-permission check. */
export async function lookupIn(fs: FsCore, cred: Cred, parent: Inode, name: string): Promise<Inode | number | undefined> {
  if (!permits(cred, parent, MAY_EXEC)) return -E.EACCES;
  const found = await lookup(fs, parent, name);
  return found === undefined ? undefined : fs.inode(found.ino);
}
