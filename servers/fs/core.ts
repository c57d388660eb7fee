/**
 * The filesystem's core: superblock, block cache, journal, the allocators, inode access and
 * the per-operation budget. Everything above (data, directories, paths, operations) is built
 * on these few calls. Operations run one at a time (the fs lock); each gets a deadline for the
 * device, and a device that cannot answer within it turns into EIO.
 */
import type { Logger } from "pino";
import type { BlockDevice } from "../blk/device.js";
import { BLOCK_SIZE, INODES_PER_BLOCK, INODE_SIZE, type Superblock } from "./layout.js";
import { BlockCache } from "./cache.js";
import { Journal } from "./journal.js";
import { Inode, now } from "./inode.js";
import { Mutex } from "./lock.js";
import { ReadAheadPolicy } from "./readahead.js";

export class NoSpaceError extends Error {
  constructor(what: string) {
    super(`no free ${what}`);
    this.name = "NoSpaceError";
  }
}

export class FsCore {
  readonly cache: BlockCache;
  readonly journal: Journal;
  readonly lock = new Mutex();
  readonly readAhead = new ReadAheadPolicy();
  /** performance.now() by which the running operation must be done with the device. */
  deadline = Infinity;
  /**
   * While a modifying operation runs: every block it touched, as it was before. If the
   * operation fails half-way (the disk went away, no space), rollback() puts them back, so
   * the transaction never holds half an operation.
   */
  private undo: Map<number, { array: Uint8Array | undefined; content: Uint8Array | undefined }> | undefined;
  private blockHint: number;
  private inodeHint = 1;

  constructor(
    readonly dev: BlockDevice,
    readonly sb: Superblock,
    readonly log: Logger,
    cacheBlocks = 8192,
  ) {
    this.cache = new BlockCache(dev, cacheBlocks);
    this.journal = new Journal(dev, sb, this.cache, log, this.lock);
    this.blockHint = sb.dataStart;
  }

  budget(): number {
    return this.deadline - performance.now();
  }

  async block(b: number): Promise<Uint8Array> {
    const data = this.cache.hit(b) ?? (await this.cache.get(b, this.budget()));
    if (this.undo !== undefined && !this.undo.has(b)) this.undo.set(b, { array: data, content: new Uint8Array(data) });
    return data;
  }

  dirty(b: number, data: Uint8Array): void {
    this.journal.dirty(b, data);
  }

  /** Puts new contents for a whole block (its old contents are not read). */
  replace(b: number, data: Uint8Array): Uint8Array {
    if (this.undo !== undefined && !this.undo.has(b)) {
      const old = this.cache.cached(b);
      this.undo.set(b, { array: old, content: old && new Uint8Array(old) });
    }
    this.cache.put(b, data);
    this.dirty(b, data);
    return data;
  }

  /** A fresh zeroed block in the cache, already part of the transaction. */
  fresh(b: number): Uint8Array {
    return this.replace(b, new Uint8Array(BLOCK_SIZE));
  }

  /** Starts recording what a modifying operation changes. */
  beginUndo(): void {
    this.undo = new Map();
  }

  /** The operation finished: keep its changes. */
  commitUndo(): void {
    this.undo = undefined;
  }

  /** The operation failed: put every block it touched back as it was. */
  rollback(): void {
    const undo = this.undo;
    this.undo = undefined;
    if (undo === undefined) return;
    for (const [b, { array, content }] of undo) {
      if (array === undefined) {
        this.cache.forget(b);
        this.journal.forget(b);
        continue;
      }
      array.set(content!);
      if (this.cache.cached(b) !== array) this.cache.put(b, array);
      this.journal.restore(b, array);
    }
  }

  async inode(ino: number): Promise<Inode> {
    if (ino < 1 || ino > this.sb.inodeCount) throw new RangeError(`inode ${ino} out of range`);
    const blockNo = this.sb.inodeStart + Math.floor(ino / INODES_PER_BLOCK);
    const block = await this.block(blockNo);
    return new Inode(ino, blockNo, block, (ino % INODES_PER_BLOCK) * INODE_SIZE, (b, d) => this.dirty(b, d));
  }

  /** Finds a clear bit in [0, limit) of a bitmap region, from `hint` on and then from 0. */
  private async allocBit(start: number, limit: number, hint: number): Promise<number> {
    const bpb = BLOCK_SIZE * 8;
    for (const [from, to] of [[hint, limit], [0, Math.min(hint, limit)]]) {
      for (let blk = Math.floor(from / bpb); blk * bpb < to; blk++) {
        const map = await this.block(start + blk);
        const first = Math.max(from, blk * bpb) - blk * bpb;
        const last = Math.min(to, (blk + 1) * bpb) - blk * bpb;
        for (let i = first; i < last; i++) {
          if ((i & 7) === 0 && map[i >> 3] === 0xff && i + 8 <= last) {
            i += 7; // a full byte: skip it
            continue;
          }
          if ((map[i >> 3] & (1 << (i & 7))) === 0) {
            map[i >> 3] |= 1 << (i & 7);
            this.dirty(start + blk, map);
            return blk * bpb + i;
          }
        }
      }
    }
    return -1;
  }

  private async freeBit(start: number, bit: number): Promise<void> {
    const bitsPerBlock = BLOCK_SIZE * 8;
    const blockNo = start + Math.floor(bit / bitsPerBlock);
    const map = await this.block(blockNo);
    const i = bit % bitsPerBlock;
    map[i >> 3] &= ~(1 << (i & 7));
    this.dirty(blockNo, map);
  }

  /** Allocates a data block; its cached contents start zeroed, unless the caller puts a whole block next. */
  async allocBlock(zeroed = true): Promise<number> {
    const b = await this.allocBit(this.sb.bmapStart, this.sb.totalBlocks, this.blockHint);
    if (b < 0) throw new NoSpaceError("blocks");
    this.blockHint = b + 1;
    if (zeroed) this.fresh(b);
    this.journal.inPlace(b);
    return b;
  }

  async freeBlock(b: number): Promise<void> {
    if (b < this.sb.dataStart || b >= this.sb.totalBlocks) throw new RangeError(`freeing block ${b} outside the data area`);
    await this.freeBit(this.sb.bmapStart, b);
    this.journal.freed(b);
  }

  /** Allocates an inode with the given mode and owner; nlink starts at 0. */
  async allocInode(mode: number, uid: number, gid: number): Promise<Inode> {
    const ino = await this.allocBit(this.sb.imapStart, this.sb.inodeCount + 1, this.inodeHint);
    if (ino < 1) throw new NoSpaceError("inodes");
    this.inodeHint = ino + 1;
    const node = await this.inode(ino);
    const generation = node.generation + 1;
    node.clear();
    node.mode = mode;
    node.uid = uid;
    node.gid = gid;
    node.generation = generation;
    const t = now();
    node.atime = t;
    node.mtime = t;
    node.ctime = t;
    return node;
  }

  async freeInode(node: Inode): Promise<void> {
    const generation = node.generation;
    node.clear();
    node.generation = generation;
    await this.freeBit(this.sb.imapStart, node.ino);
  }
}
