/**
 * The on-disk format of natixfs (docs/fs.md has the picture): 4 KiB blocks,
 *
 *   [ superblock | log header + log | inode table | inode bitmap | block bitmap | data ... ]
 *
 * Inodes are 128 bytes, 32 to a block, numbered from 1 (the root). Files map blocks through 12
 * direct pointers, one single and one double indirect block (4 GiB at most). Directories hold
 * ext2-style variable-length entries. Every multi-byte field is little-endian.
 */
export const BLOCK_SIZE = 4096;
export const FS_MAGIC = 0x5346584e; // "NXFS"
export const FS_VERSION = 1;
export const INODE_SIZE = 128;
export const INODES_PER_BLOCK = BLOCK_SIZE / INODE_SIZE;
export const ROOT_INO = 1;
export const NDIRECT = 12;
export const PTRS_PER_BLOCK = BLOCK_SIZE / 4;
export const MAX_FILE_BLOCKS = NDIRECT + PTRS_PER_BLOCK + PTRS_PER_BLOCK * PTRS_PER_BLOCK;
export const NAME_MAX = 255;
export const LINK_MAX = 65000;
/** Blocks one transaction may log: what the log header can list. */
export const LOG_CAPACITY = (BLOCK_SIZE - 16) / 4;

export interface Superblock {
  totalBlocks: number;
  inodeCount: number;
  logStart: number;
  logBlocks: number;
  inodeStart: number;
  inodeBlocks: number;
  imapStart: number;
  imapBlocks: number;
  bmapStart: number;
  bmapBlocks: number;
  dataStart: number;
  createdAt: number;
  mountCount: number;
}

const BITS_PER_BLOCK = BLOCK_SIZE * 8;

/** Where everything goes for an image of `totalBlocks` blocks holding `inodeCount` inodes. */
export function planLayout(totalBlocks: number, inodeCount: number): Superblock {
  const logStart = 1;
  const logBlocks = 1 + LOG_CAPACITY;
  const inodeStart = logStart + logBlocks;
  const inodeBlocks = Math.ceil((inodeCount + 1) / INODES_PER_BLOCK);
  const imapStart = inodeStart + inodeBlocks;
  const imapBlocks = Math.ceil((inodeCount + 1) / BITS_PER_BLOCK);
  const bmapStart = imapStart + imapBlocks;
  const bmapBlocks = Math.ceil(totalBlocks / BITS_PER_BLOCK);
  const dataStart = bmapStart + bmapBlocks;
  if (dataStart + 16 > totalBlocks) throw new Error(`an image of ${totalBlocks} blocks is too small`);
  return {
    totalBlocks,
    inodeCount,
    logStart,
    logBlocks,
    inodeStart,
    inodeBlocks,
    imapStart,
    imapBlocks,
    bmapStart,
    bmapBlocks,
    dataStart,
    createdAt: Math.floor(Date.now() / 1000),
    mountCount: 0,
  };
}

const SB_FIELDS = [
  "totalBlocks", "inodeCount", "logStart", "logBlocks", "inodeStart", "inodeBlocks",
  "imapStart", "imapBlocks", "bmapStart", "bmapBlocks", "dataStart", "createdAt", "mountCount",
] as const;

export function encodeSuperblock(sb: Superblock): Uint8Array {
  const bytes = new Uint8Array(BLOCK_SIZE);
  const v = new DataView(bytes.buffer);
  v.setUint32(0, FS_MAGIC, true);
  v.setUint32(4, FS_VERSION, true);
  v.setUint32(8, BLOCK_SIZE, true);
  SB_FIELDS.forEach((f, i) => v.setUint32(12 + i * 4, sb[f], true));
  return bytes;
}

/** The superblock, or a reason it is not one. */
export function decodeSuperblock(bytes: Uint8Array): Superblock | string {
  const v = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (v.getUint32(0, true) !== FS_MAGIC) return "no natixfs superblock (bad magic)";
  if (v.getUint32(4, true) !== FS_VERSION) return `unsupported natixfs version ${v.getUint32(4, true)}`;
  if (v.getUint32(8, true) !== BLOCK_SIZE) return `unsupported block size ${v.getUint32(8, true)}`;
  const sb = {} as Superblock;
  SB_FIELDS.forEach((f, i) => (sb[f] = v.getUint32(12 + i * 4, true)));
  const expect = planLayout(sb.totalBlocks, sb.inodeCount);
  for (const f of SB_FIELDS) {
    if (f !== "createdAt" && f !== "mountCount" && sb[f] !== expect[f]) return `superblock field ${f} is inconsistent`;
  }
  return sb;
}

/** Byte offsets of the inode fields within its 128 bytes. */
export const INO = Object.freeze({
  MODE: 0, // u16
  NLINK: 2, // u16
  UID: 4, // u32
  GID: 8, // u32
  FLAGS: 12, // u32 (reserved)
  SIZE: 16, // f64-safe u64
  ATIME: 24, // i64 seconds
  MTIME: 32,
  CTIME: 40,
  ATIME_NS: 48, // u32
  MTIME_NS: 52,
  CTIME_NS: 56,
  GENERATION: 60, // u32
  DIRECT: 64, // u32 × 12
  INDIRECT: 112, // u32
  DINDIRECT: 116, // u32
});
