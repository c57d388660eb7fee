/**
 * Directories: ext2-style variable-length entries in 4 KiB blocks.
 *
 *   entry: inode u32 | rec_len u16 | name_len u8 | file type u8 | name (padded to 4 bytes)
 *
 * rec_len chains the entries of a block and sums to 4096. Removing an entry gives its space to
 * the entry before it (or zeroes the inode of a block's first entry); adding one takes the
 * slack behind an entry, or a new block at the end.
 */
import { BLOCK_SIZE } from "./layout.js";
import type { FsCore } from "./core.js";
import type { Inode } from "./inode.js";
import { bmap } from "./data.js";
import { now } from "./inode.js";

const HEADER = 8;
const encoder = new TextEncoder();
const decoder = new TextDecoder();

export class CorruptDirectoryError extends Error {}

export interface DirEntry {
  ino: number;
  name: string;
  type: number;
  /** Byte position of the entry in the directory, and of the one after it (getdents' d_off). */
  pos: number;
  next: number;
}

const recSize = (nameLen: number) => (HEADER + nameLen + 3) & ~3;

interface Raw {
  view: DataView;
  block: Uint8Array;
  blockNo: number;
  off: number;
  /** Byte position in the directory: block index × 4096 + offset. */
  pos: number;
  ino: number;
  recLen: number;
  nameLen: number;
}

/**
 * The records of each block, a block at a time, in order (including free ones, ino 0). A block
 * is one await, its records a plain loop: a lookup in a directory of a thousand names was a
 * thousand turns of an async generator.
 */
async function* recordBlocks(fs: FsCore, dir: Inode, fromPos = 0): AsyncGenerator<Raw[]> {
  const nblocks = Math.ceil(dir.size / BLOCK_SIZE);
  for (let i = Math.floor(fromPos / BLOCK_SIZE); i < nblocks; i++) {
    const blockNo = await bmap(fs, dir, i, false);
    if (blockNo === 0) throw new CorruptDirectoryError(`directory ${dir.ino} has a hole`);
    const block = await fs.block(blockNo);
    const view = new DataView(block.buffer, block.byteOffset, BLOCK_SIZE);
    const list: Raw[] = [];
    for (let off = 0; off < BLOCK_SIZE; ) {
      const recLen = view.getUint16(off + 4, true);
      const nameLen = view.getUint8(off + 6);
      if (recLen < HEADER || recLen % 4 !== 0 || off + recLen > BLOCK_SIZE || recSize(nameLen) > recLen) {
        throw new CorruptDirectoryError(`directory ${dir.ino}: bad entry at block ${i} offset ${off}`);
      }
      const pos = i * BLOCK_SIZE + off;
      if (pos >= fromPos) list.push({ view, block, blockNo, off, pos, ino: view.getUint32(off, true), recLen, nameLen });
      off += recLen;
    }
    yield list;
  }
}

/** Every record of every block, in order (including free ones, ino 0). */
async function* records(fs: FsCore, dir: Inode, fromPos = 0): AsyncGenerator<Raw> {
  for await (const list of recordBlocks(fs, dir, fromPos)) yield* list;
}

function nameOf(r: Raw): string {
  return decoder.decode(r.block.subarray(r.off + HEADER, r.off + HEADER + r.nameLen));
}

/** Entries in use from byte position `fromPos` on. */
export async function* entries(fs: FsCore, dir: Inode, fromPos = 0): AsyncGenerator<DirEntry> {
  for await (const r of records(fs, dir, fromPos)) {
    if (r.ino === 0) continue;
    yield { ino: r.ino, name: nameOf(r), type: r.view.getUint8(r.off + 7), pos: r.pos, next: r.pos + r.recLen };
  }
}

function sameName(r: Raw, want: Uint8Array): boolean {
  if (r.ino === 0 || r.nameLen !== want.length) return false;
  for (let k = 0; k < want.length; k++) if (r.block[r.off + HEADER + k] !== want[k]) return false;
  return true;
}

export async function lookup(fs: FsCore, dir: Inode, name: string): Promise<{ ino: number; type: number } | undefined> {
  const want = encoder.encode(name);
  for await (const list of recordBlocks(fs, dir)) for (const r of list) if (sameName(r, want)) return { ino: r.ino, type: r.view.getUint8(r.off + 7) };
  return undefined;
}

function writeRecord(view: DataView, block: Uint8Array, off: number, ino: number, recLen: number, name: Uint8Array, type: number): void {
  view.setUint32(off, ino, true);
  view.setUint16(off + 4, recLen, true);
  view.setUint8(off + 6, name.length);
  view.setUint8(off + 7, type);
  block.set(name, off + HEADER);
  block.fill(0, off + HEADER + name.length, off + recSize(name.length));
}

/** Adds name → ino (the caller checked it is not there). */
export async function addEntry(fs: FsCore, dir: Inode, name: string, ino: number, type: number): Promise<void> {
  const bytes = encoder.encode(name);
  const need = recSize(bytes.length);
  for await (const list of recordBlocks(fs, dir)) {
    for (const r of list) {
      const used = r.ino === 0 ? 0 : recSize(r.nameLen);
      if (r.recLen - used < need) continue;
      if (used === 0) writeRecord(r.view, r.block, r.off, ino, r.recLen, bytes, type);
      else {
        r.view.setUint16(r.off + 4, used, true);
        writeRecord(r.view, r.block, r.off + used, ino, r.recLen - used, bytes, type);
      }
      fs.dirty(r.blockNo, r.block);
      touch(dir);
      return;
    }
  }
  const index = Math.ceil(dir.size / BLOCK_SIZE);
  const blockNo = await bmap(fs, dir, index, true);
  const block = await fs.block(blockNo);
  block.fill(0);
  writeRecord(new DataView(block.buffer, block.byteOffset, BLOCK_SIZE), block, 0, ino, BLOCK_SIZE, bytes, type);
  fs.dirty(blockNo, block);
  dir.size = (index + 1) * BLOCK_SIZE;
  touch(dir);
}

/** Removes `name`; false when it is not there. */
export async function removeEntry(fs: FsCore, dir: Inode, name: string): Promise<boolean> {
  const want = encoder.encode(name);
  for await (const list of recordBlocks(fs, dir)) {
    let prev: Raw | undefined;
    for (const r of list) {
      if (sameName(r, want)) {
        if (prev === undefined) r.view.setUint32(r.off, 0, true);
        else prev.view.setUint16(prev.off + 4, prev.recLen + r.recLen, true);
        fs.dirty(r.blockNo, r.block);
        touch(dir);
        return true;
      }
      prev = r;
    }
  }
  return false;
}

/** Points an existing entry at another inode (rename over a target, a moved directory's ".."). */
export async function retarget(fs: FsCore, dir: Inode, name: string, ino: number, type: number): Promise<boolean> {
  const want = encoder.encode(name);
  for await (const list of recordBlocks(fs, dir)) {
    for (const r of list) {
      if (sameName(r, want)) {
        r.view.setUint32(r.off, ino, true);
        r.view.setUint8(r.off + 7, type);
        fs.dirty(r.blockNo, r.block);
        touch(dir);
        return true;
      }
    }
  }
  return false;
}

/** True when the directory holds only "." and "..". */
export async function isEmpty(fs: FsCore, dir: Inode): Promise<boolean> {
  for await (const e of entries(fs, dir)) if (e.name !== "." && e.name !== "..") return false;
  return true;
}

/** Writes a new directory's first block: "." and "..". */
export async function initDirectory(fs: FsCore, dir: Inode, parent: number, dtDir: number): Promise<void> {
  const blockNo = await bmap(fs, dir, 0, true);
  const block = await fs.block(blockNo);
  const view = new DataView(block.buffer, block.byteOffset, BLOCK_SIZE);
  const dot = encoder.encode(".");
  const dotdot = encoder.encode("..");
  writeRecord(view, block, 0, dir.ino, recSize(1), dot, dtDir);
  writeRecord(view, block, recSize(1), parent, BLOCK_SIZE - recSize(1), dotdot, dtDir);
  fs.dirty(blockNo, block);
  dir.size = BLOCK_SIZE;
}

function touch(dir: Inode): void {
  const t = now();
  dir.mtime = t;
  dir.ctime = t;
}
