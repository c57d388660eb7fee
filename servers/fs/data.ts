/**
 * A file's bytes: mapping file block indexes to disk blocks through the direct, indirect and
 * double-indirect pointers (allocating on write), reading (holes read as zeros), writing, and
 * truncating (freeing what lies past the new end).
 */
import { replyBuffer } from "../../kernel-core/abi/frame.js";
import { BLOCK_SIZE, MAX_FILE_BLOCKS, NDIRECT, PTRS_PER_BLOCK } from "./layout.js";
import { NoSpaceError, type FsCore } from "./core.js";
import type { Inode } from "./inode.js";
import { now } from "./inode.js";

export const MAX_FILE_SIZE = MAX_FILE_BLOCKS * BLOCK_SIZE;

const ptr = (block: Uint8Array, i: number) => new DataView(block.buffer, block.byteOffset).getUint32(i * 4, true);
const setPtr = (block: Uint8Array, i: number, v: number) => new DataView(block.buffer, block.byteOffset).setUint32(i * 4, v, true);

/** The disk block holding file block `index`; 0 for a hole unless `alloc`. */
export async function bmap(fs: FsCore, node: Inode, index: number, alloc: boolean, zeroed = true): Promise<number> {
  // `zeroed` false: the caller puts a whole block there at once, so the data block needs no
  // zeroed contents in the cache first (pointer tables always start zeroed).
  const grab = async (leaf = false): Promise<number> => {
    const b = await fs.allocBlock(zeroed || !leaf);
    node.blocks = node.blocks + 1;
    return b;
  };
  if (index < NDIRECT) {
    let b = node.direct(index);
    if (b === 0 && alloc) node.setDirect(index, (b = await grab(true)));
    return b;
  }
  index -= NDIRECT;
  // Follows (or builds) one level of pointers.
  const step = async (table: number, i: number, leaf: boolean): Promise<number> => {
    const block = await fs.block(table);
    let b = ptr(block, i);
    if (b === 0 && alloc) {
      b = await grab(leaf);
      setPtr(block, i, b);
      fs.dirty(table, block);
    }
    return b;
  };
  if (index < PTRS_PER_BLOCK) {
    if (node.indirect === 0) {
      if (!alloc) return 0;
      node.indirect = await grab();
    }
    return step(node.indirect, index, true);
  }
  index -= PTRS_PER_BLOCK;
  if (index >= PTRS_PER_BLOCK * PTRS_PER_BLOCK) throw new RangeError("file block index past the double-indirect range");
  if (node.dindirect === 0) {
    if (!alloc) return 0;
    node.dindirect = await grab();
  }
  const middle = await step(node.dindirect, Math.floor(index / PTRS_PER_BLOCK), false);
  if (middle === 0) return 0;
  return step(middle, index % PTRS_PER_BLOCK, true);
}

/** Up to `length` bytes from `offset` (fewer at end of file). */
export async function readData(fs: FsCore, node: Inode, offset: number, length: number): Promise<Uint8Array> {
  const end = Math.min(node.size, offset + length);
  if (offset >= end) return new Uint8Array(0);
  // With room for the reply frame's header in front: the reply is sent without another copy.
  const out = replyBuffer(end - offset);
  const first = Math.floor(offset / BLOCK_SIZE);
  const last = Math.floor((end - 1) / BLOCK_SIZE);
  const map = await mapRange(fs, node, first, last + 1);
  await fs.cache.prefetch(map, fs.budget());
  const ahead = fs.readAhead.afterRead(node.ino, offset, end, node.size);
  if (ahead !== undefined) fs.cache.readAhead(await mapRange(fs, node, ahead[0], ahead[1]), fs.budget());
  for (let i = first; i <= last; i++) {
    const b = map[i - first];
    const from = Math.max(offset, i * BLOCK_SIZE);
    const to = Math.min(end, (i + 1) * BLOCK_SIZE);
    if (b === 0) continue; // a hole: zeros
    // Prefetched, so normally cached: no await per block.
    const block = fs.cache.hit(b) ?? (await fs.block(b));
    out.set(block.subarray(from - i * BLOCK_SIZE, to - i * BLOCK_SIZE), from - offset);
  }
  return out;
}

/** The disk blocks of file blocks [from, to) (0 for holes). */
async function mapRange(fs: FsCore, node: Inode, from: number, to: number): Promise<number[]> {
  const map: number[] = [];
  for (let i = from; i < to; i++) map.push(await bmap(fs, node, i, false));
  return map;
}

/** Writes `data` at `offset`, growing the file as needed. */
export async function writeData(fs: FsCore, node: Inode, offset: number, data: Uint8Array): Promise<number> {
  let end = offset + data.length;
  let pos = offset;
  try {
    await writeBlocks(fs, node, offset, data, end, (p) => (pos = p));
  } catch (err) {
    // Out of space part-way: a short write of what fit, as Linux does; nothing fit: ENOSPC.
    if (!(err instanceof NoSpaceError) || pos === offset) throw err;
    end = pos;
  }
  if (end > node.size) node.size = end;
  const t = now();
  node.mtime = t;
  node.ctime = t;
  return end - offset;
}

async function writeBlocks(fs: FsCore, node: Inode, offset: number, data: Uint8Array, end: number, progress: (pos: number) => void): Promise<void> {
  // One copy of the bytes for all the whole blocks, each block a view of it — never a view of
  // the caller's bytes, which may be a transport's message buffer.
  let own: Uint8Array | undefined;
  let ownFrom = 0;
  for (let pos = offset; pos < end; ) {
    const index = Math.floor(pos / BLOCK_SIZE);
    const within = pos - index * BLOCK_SIZE;
    const n = Math.min(BLOCK_SIZE - within, end - pos);
    const whole = n === BLOCK_SIZE;
    const existing = await bmap(fs, node, index, false);
    let b = existing;
    if (b === 0) b = await bmap(fs, node, index, true, !whole); // a partly written fresh block starts zeroed
    let block: Uint8Array;
    if (whole) {
      if (own === undefined) {
        ownFrom = pos - offset;
        own = data.slice(ownFrom, end - offset);
      }
      block = fs.replace(b, own.subarray(pos - offset - ownFrom, pos - offset - ownFrom + n));
    } else {
      block = await fs.block(b);
      block.set(data.subarray(pos - offset, pos - offset + n), within);
    }
    fs.dirty(b, block);
    pos += n;
    progress(pos);
  }
}

/** Frees a pointer table's entries from `from` on (and the table when it empties). */
async function freeTable(fs: FsCore, node: Inode, table: number, from: number, depth: number): Promise<boolean> {
  const block = await fs.block(table);
  let changed = false;
  for (let i = from; i < PTRS_PER_BLOCK; i++) {
    const b = ptr(block, i);
    if (b === 0) continue;
    if (depth > 1) await freeTable(fs, node, b, 0, depth - 1);
    else {
      await fs.freeBlock(b);
      node.blocks = node.blocks - 1;
    }
    setPtr(block, i, 0);
    changed = true;
  }
  if (changed) fs.dirty(table, block);
  for (let i = 0; i < PTRS_PER_BLOCK; i++) if (ptr(block, i) !== 0) return false;
  await fs.freeBlock(table);
  node.blocks = node.blocks - 1;
  return true;
}

/** Sets the size; frees blocks past the new end and zeroes the tail of the last one. */
export async function truncateData(fs: FsCore, node: Inode, size: number): Promise<void> {
  fs.readAhead.forget(node.ino);
  if (size < node.size) {
    const keep = Math.ceil(size / BLOCK_SIZE); // file blocks [0, keep) stay
    for (let i = keep; i < NDIRECT; i++) {
      const b = node.direct(i);
      if (b !== 0) {
        await fs.freeBlock(b);
        node.setDirect(i, 0);
        node.blocks = node.blocks - 1;
      }
    }
    if (node.indirect !== 0 && keep < NDIRECT + PTRS_PER_BLOCK) {
      if (await freeTable(fs, node, node.indirect, Math.max(0, keep - NDIRECT), 1)) node.indirect = 0;
    }
    if (node.dindirect !== 0) {
      const start = Math.max(0, keep - NDIRECT - PTRS_PER_BLOCK);
      const outer = await fs.block(node.dindirect);
      const firstMiddle = Math.floor(start / PTRS_PER_BLOCK);
      let changed = false;
      for (let m = firstMiddle; m < PTRS_PER_BLOCK; m++) {
        const middle = ptr(outer, m);
        if (middle === 0) continue;
        const from = m === firstMiddle ? start % PTRS_PER_BLOCK : 0;
        if (await freeTable(fs, node, middle, from, 1)) {
          setPtr(outer, m, 0);
          changed = true;
        }
      }
      if (changed) fs.dirty(node.dindirect, outer);
      if (firstMiddle === 0 && start === 0) {
        let empty = true;
        for (let i = 0; i < PTRS_PER_BLOCK; i++) if (ptr(outer, i) !== 0) empty = false;
        if (empty) {
          await fs.freeBlock(node.dindirect);
          node.dindirect = 0;
          node.blocks = node.blocks - 1;
        }
      }
    }
    // Zero the rest of the last kept block, so growing the file later reads zeros there.
    if (size % BLOCK_SIZE !== 0) {
      const b = await bmap(fs, node, Math.floor(size / BLOCK_SIZE), false);
      if (b !== 0) {
        const block = await fs.block(b);
        block.fill(0, size % BLOCK_SIZE);
        fs.dirty(b, block);
      }
    }
  }
  node.size = size;
  const t = now();
  node.mtime = t;
  node.ctime = t;
}
