/**
 * An inode as a live view into its cached inode-table block: reading a field reads the block,
 * setting one writes it and marks the block dirty in the open transaction.
 */
import { S_IF } from "../../kernel-core/abi/fcntl.js";
import { INO, INODE_SIZE, NDIRECT } from "./layout.js";

export interface Timestamp {
  sec: number;
  nsec: number;
}

/** Marks a block modified (the journal's dirty()). */
export type MarkDirty = (block: number, data: Uint8Array) => void;

export class Inode {
  private readonly view: DataView;

  constructor(
    readonly ino: number,
    private readonly blockNo: number,
    private readonly block: Uint8Array,
    private readonly offset: number,
    private readonly markDirty: MarkDirty,
  ) {
    this.view = new DataView(block.buffer, block.byteOffset + offset, INODE_SIZE);
  }

  private touch(): void {
    this.markDirty(this.blockNo, this.block);
  }

  get mode(): number {
    return this.view.getUint16(INO.MODE, true);
  }
  set mode(v: number) {
    this.view.setUint16(INO.MODE, v, true);
    this.touch();
  }
  get type(): number {
    return this.mode & S_IF.MT;
  }
  get isDir(): boolean {
    return this.type === S_IF.DIR;
  }
  get isReg(): boolean {
    return this.type === S_IF.REG;
  }
  get isSymlink(): boolean {
    return this.type === S_IF.LNK;
  }
  get nlink(): number {
    return this.view.getUint16(INO.NLINK, true);
  }
  set nlink(v: number) {
    this.view.setUint16(INO.NLINK, v, true);
    this.touch();
  }
  get uid(): number {
    return this.view.getUint32(INO.UID, true);
  }
  set uid(v: number) {
    this.view.setUint32(INO.UID, v, true);
    this.touch();
  }
  get gid(): number {
    return this.view.getUint32(INO.GID, true);
  }
  set gid(v: number) {
    this.view.setUint32(INO.GID, v, true);
    this.touch();
  }
  /** 4 KiB blocks held, data and indirect (st_blocks is 8 times this). */
  get blocks(): number {
    return this.view.getUint32(12, true);
  }
  set blocks(v: number) {
    this.view.setUint32(12, v, true);
    this.touch();
  }
  get size(): number {
    return this.view.getUint32(INO.SIZE, true) + this.view.getUint32(INO.SIZE + 4, true) * 4294967296;
  }
  set size(v: number) {
    this.view.setUint32(INO.SIZE, v % 4294967296, true);
    this.view.setUint32(INO.SIZE + 4, Math.floor(v / 4294967296), true);
    this.touch();
  }
  get generation(): number {
    return this.view.getUint32(INO.GENERATION, true);
  }
  set generation(v: number) {
    this.view.setUint32(INO.GENERATION, v >>> 0, true);
    this.touch();
  }
  /** Device number of a character or block device (kept in the first pointer, as ext2 does). */
  get rdev(): number {
    return this.direct(0);
  }

  private time(at: number, nsAt: number): Timestamp {
    return { sec: Number(this.view.getBigInt64(at, true)), nsec: this.view.getUint32(nsAt, true) };
  }
  private setTime(at: number, nsAt: number, t: Timestamp): void {
    this.view.setBigInt64(at, BigInt(t.sec), true);
    this.view.setUint32(nsAt, t.nsec, true);
    this.touch();
  }
  get atime(): Timestamp {
    return this.time(INO.ATIME, INO.ATIME_NS);
  }
  set atime(t: Timestamp) {
    this.setTime(INO.ATIME, INO.ATIME_NS, t);
  }
  get mtime(): Timestamp {
    return this.time(INO.MTIME, INO.MTIME_NS);
  }
  set mtime(t: Timestamp) {
    this.setTime(INO.MTIME, INO.MTIME_NS, t);
  }
  get ctime(): Timestamp {
    return this.time(INO.CTIME, INO.CTIME_NS);
  }
  set ctime(t: Timestamp) {
    this.setTime(INO.CTIME, INO.CTIME_NS, t);
  }

  direct(i: number): number {
    return this.view.getUint32(INO.DIRECT + i * 4, true);
  }
  setDirect(i: number, block: number): void {
    this.view.setUint32(INO.DIRECT + i * 4, block, true);
    this.touch();
  }
  get indirect(): number {
    return this.view.getUint32(INO.INDIRECT, true);
  }
  set indirect(b: number) {
    this.view.setUint32(INO.INDIRECT, b, true);
    this.touch();
  }
  get dindirect(): number {
    return this.view.getUint32(INO.DINDIRECT, true);
  }
  set dindirect(b: number) {
    this.view.setUint32(INO.DINDIRECT, b, true);
    this.touch();
  }

  /** Zeroes the whole inode (allocation and freeing). */
  clear(): void {
    this.block.fill(0, this.offset, this.offset + INODE_SIZE);
    this.touch();
  }

  static readonly NDIRECT = NDIRECT;
}

/** The current time as an inode timestamp. */
export function now(): Timestamp {
  const ms = Date.now();
  return { sec: Math.floor(ms / 1000), nsec: (ms % 1000) * 1_000_000 };
}
