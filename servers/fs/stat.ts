/** What stat(2) reports of a natixfs inode, before the vfs adds the device number. */
import { S_IF } from "../../kernel-core/abi/fcntl.js";
import { BLOCK_SIZE } from "./layout.js";
import type { Inode, Timestamp } from "./inode.js";

export interface StatInfo {
  ino: number;
  mode: number;
  nlink: number;
  uid: number;
  gid: number;
  rdev: number;
  size: number;
  /** 512-byte units allocated. */
  blocks: number;
  blksize: number;
  atime: Timestamp;
  mtime: Timestamp;
  ctime: Timestamp;
}

export function statOf(node: Inode): StatInfo {
  return {
    ino: node.ino,
    mode: node.mode,
    nlink: node.nlink,
    uid: node.uid,
    gid: node.gid,
    rdev: node.type === S_IF.CHR || node.type === S_IF.BLK ? node.rdev : 0,
    size: node.size,
    blocks: node.blocks * (BLOCK_SIZE / 512),
    blksize: BLOCK_SIZE,
    atime: node.atime,
    mtime: node.mtime,
    ctime: node.ctime,
  };
}
