/**
 * fsck: checks a natixfs image offline. It replays a committed log first (as e2fsck recovers
 * a journal), then walks the tree from the root and compares what it finds with what the
 * image records: every directory entry points at an allocated inode, "." and ".." are right,
 * no block is used twice or outside the data area, link counts and block counts match, and
 * both allocation bitmaps agree with what is in use. Inodes deleted while open when the system
 * went down (nlink 0, still allocated) are orphans: freed at the next mount, not damage.
 */
import type { Logger } from "pino";
import type { BlockDevice } from "../blk/device.js";
import { S_IF } from "../../kernel-core/abi/fcntl.js";
import { BLOCK_SIZE, NDIRECT, PTRS_PER_BLOCK, ROOT_INO, decodeSuperblock, type Superblock } from "./layout.js";
import { FsCore } from "./core.js";
import type { Inode } from "./inode.js";
import { CorruptDirectoryError, entries } from "./dir.js";

export interface FsckReport {
  clean: boolean;
  problems: string[];
  notes: string[];
  files: number;
  directories: number;
  usedBlocks: number;
  totalBlocks: number;
  replayedBlocks: number;
}

const bitSet = (map: Uint8Array, bit: number) => (map[bit >> 3] & (1 << (bit & 7))) !== 0;

export async function fsck(dev: BlockDevice, log: Logger): Promise<FsckReport> {
  const sbOrError = decodeSuperblock(await dev.read(0, 1, Infinity));
  const report: FsckReport = { clean: false, problems: [], notes: [], files: 0, directories: 0, usedBlocks: 0, totalBlocks: 0, replayedBlocks: 0 };
  if (typeof sbOrError === "string") {
    report.problems.push(sbOrError);
    return report;
  }
  const sb: Superblock = sbOrError;
  report.totalBlocks = sb.totalBlocks;
  const core = new FsCore(dev, sb, log, 1 << 20);
  report.replayedBlocks = await core.journal.recover();
  if (report.replayedBlocks > 0) report.notes.push(`replayed a committed transaction of ${report.replayedBlocks} blocks from the log`);
  core.cache.clear();
  const problem = (text: string) => report.problems.push(text);

  // Blocks in use: metadata, then every block an inode reaches.
  const owner = new Map<number, number>();
  for (let b = 0; b < sb.dataStart; b++) owner.set(b, 0);
  const claim = (b: number, ino: number, what: string): boolean => {
    if (b < sb.dataStart || b >= sb.totalBlocks) {
      problem(`inode ${ino}: ${what} block ${b} is outside the data area`);
      return false;
    }
    const prev = owner.get(b);
    if (prev !== undefined) {
      problem(`block ${b} is used twice (inodes ${prev} and ${ino})`);
      return false;
    }
    owner.set(b, ino);
    return true;
  };
  const ptrs = async (b: number) => {
    const block = await core.block(b);
    const v = new DataView(block.buffer, block.byteOffset, BLOCK_SIZE);
    return Array.from({ length: PTRS_PER_BLOCK }, (_, i) => v.getUint32(i * 4, true));
  };
  async function walkBlocks(node: Inode): Promise<number> {
    if (node.type === S_IF.CHR || node.type === S_IF.BLK) return 0; // the first pointer is the device number
    let count = 0;
    for (let i = 0; i < NDIRECT; i++) if (node.direct(i) && claim(node.direct(i), node.ino, "data")) count++;
    if (node.indirect && claim(node.indirect, node.ino, "indirect")) {
      count++;
      for (const p of await ptrs(node.indirect)) if (p && claim(p, node.ino, "data")) count++;
    }
    if (node.dindirect && claim(node.dindirect, node.ino, "double-indirect")) {
      count++;
      for (const mid of await ptrs(node.dindirect)) {
        if (!mid || !claim(mid, node.ino, "indirect")) continue;
        count++;
        for (const p of await ptrs(mid)) if (p && claim(p, node.ino, "data")) count++;
      }
    }
    return count;
  }

  const imapBlocks = await dev.read(sb.imapStart, sb.imapBlocks, Infinity);
  const allocated = (ino: number) => bitSet(imapBlocks, ino);
  const refs = new Map<number, number>();
  const seen = new Set<number>();
  const queue: { ino: number; parent: number }[] = [{ ino: ROOT_INO, parent: ROOT_INO }];
  while (queue.length > 0) {
    const { ino, parent } = queue.shift()!;
    if (seen.has(ino)) continue;
    seen.add(ino);
    const node = await core.inode(ino);
    const counted = await walkBlocks(node);
    if (counted !== node.blocks) problem(`inode ${ino}: records ${node.blocks} blocks, holds ${counted}`);
    if (!node.isDir) {
      report.files++;
      continue;
    }
    report.directories++;
    try {
      let dot = false;
      let dotdot = false;
      for await (const e of entries(core, node)) {
        refs.set(e.ino, (refs.get(e.ino) ?? 0) + 1);
        if (e.name === ".") {
          dot = true;
          if (e.ino !== ino) problem(`directory ${ino}: "." points at ${e.ino}`);
          continue;
        }
        if (e.name === "..") {
          dotdot = true;
          if (e.ino !== parent) problem(`directory ${ino}: ".." points at ${e.ino}, its parent is ${parent}`);
          continue;
        }
        if (e.ino < 1 || e.ino > sb.inodeCount || !allocated(e.ino)) {
          problem(`directory ${ino}: entry "${e.name}" points at free inode ${e.ino}`);
          continue;
        }
        const child = await core.inode(e.ino);
        if (child.mode === 0) {
          problem(`directory ${ino}: entry "${e.name}" points at inode ${e.ino}, which has no type`);
          continue;
        }
        if (child.isDir && seen.has(e.ino)) problem(`directory ${e.ino} has more than one name`);
        queue.push({ ino: e.ino, parent: ino });
      }
      if (!dot || !dotdot) problem(`directory ${ino}: missing "." or ".."`);
    } catch (err) {
      if (!(err instanceof CorruptDirectoryError)) throw err;
      problem(err.message);
    }
  }

  for (let ino = 1; ino <= sb.inodeCount; ino++) {
    const inUse = allocated(ino);
    const reached = seen.has(ino);
    if (!inUse) {
      if (reached) problem(`inode ${ino} is in use but free in the inode bitmap`);
      continue;
    }
    const node = await core.inode(ino);
    if (!reached) {
      if (node.nlink === 0 && node.mode !== 0) {
        report.notes.push(`orphan inode ${ino} (deleted while open): freed at the next mount`);
        await walkBlocks(node);
      } else problem(`inode ${ino} is allocated but not reachable from the root`);
      continue;
    }
    const n = refs.get(ino) ?? 0;
    if (n !== node.nlink) problem(`inode ${ino}: link count ${node.nlink}, found ${n} links`);
  }

  const bmap = await dev.read(sb.bmapStart, sb.bmapBlocks, Infinity);
  let leaked = 0;
  for (let b = 0; b < sb.totalBlocks; b++) {
    const marked = bitSet(bmap, b);
    const used = owner.has(b);
    if (used && !marked) problem(`block ${b} is in use but free in the block bitmap`);
    if (!used && marked) leaked++;
  }
  if (leaked > 0) problem(`${leaked} block(s) marked in use but not referenced by any inode`);
  report.usedBlocks = owner.size;
  report.clean = report.problems.length === 0;
  return report;
}
