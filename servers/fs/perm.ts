/**
 * Permission checks with the credentials the kernel gave the caller: owner, group or other
 * bits of the mode; root passes read and write checks always, and execute/search checks when
 * anyone may execute (or it is a directory), as Linux's generic_permission does.
 */
import { S_ISVTX } from "../../kernel-core/abi/fcntl.js";
import type { Inode } from "./inode.js";

export const MAY_EXEC = 1;
export const MAY_WRITE = 2;
export const MAY_READ = 4;

export interface Cred {
  uid: number;
  gid: number;
  euid: number;
  egid: number;
}

/** `real`: check with the real ids (access(2)), not the effective ones. */
export function permits(cred: Cred, node: Inode, mask: number, real = false): boolean {
  const uid = real ? cred.uid : cred.euid;
  const gid = real ? cred.gid : cred.egid;
  const mode = node.mode;
  if (uid === 0) return (mask & MAY_EXEC) === 0 || node.isDir || (mode & 0o111) !== 0;
  const bits = uid === node.uid ? (mode >> 6) & 7 : gid === node.gid ? (mode >> 3) & 7 : mode & 7;
  return (bits & mask) === mask;
}

/** May `cred` change the attributes of `node` (chmod, utimes): its owner or root. */
export function owns(cred: Cred, node: Inode): boolean {
  return cred.euid === 0 || cred.euid === node.uid;
}

/** The sticky-directory rule: in a +t directory only the file's or directory's owner (or root) may remove or rename it. */
export function mayDelete(cred: Cred, dir: Inode, victim: Inode): boolean {
  if ((dir.mode & S_ISVTX) === 0 || cred.euid === 0) return true;
  return cred.euid === victim.uid || cred.euid === dir.uid;
}
