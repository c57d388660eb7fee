/**
 * The bytes of the structs file syscalls fill, exactly as Linux x86-64 lays them out:
 * struct stat (144 bytes) and linux_dirent64 records.
 */
import { S_IF } from "./fcntl.js";

export const STAT_SIZE = 144;

export interface Timespec {
  sec: number;
  nsec: number;
}

export interface LinuxStat {
  dev: number;
  ino: number;
  nlink: number;
  mode: number;
  uid: number;
  gid: number;
  rdev: number;
  size: number;
  blksize: number;
  blocks: number;
  atime: Timespec;
  mtime: Timespec;
  ctime: Timespec;
}

const u64 = (v: DataView, at: number, n: number) => v.setBigUint64(at, BigInt(Math.max(0, Math.trunc(n))), true);
const i64 = (v: DataView, at: number, n: number) => v.setBigInt64(at, BigInt(Math.trunc(n)), true);

/** struct stat: dev, ino, nlink (u64); mode, uid, gid (u32); pad; rdev; size, blksize, blocks; 3 timespecs; 3 unused. */
export function encodeStat(s: LinuxStat): Uint8Array {
  const bytes = new Uint8Array(STAT_SIZE);
  const v = new DataView(bytes.buffer);
  u64(v, 0, s.dev);
  u64(v, 8, s.ino);
  u64(v, 16, s.nlink);
  v.setUint32(24, s.mode, true);
  v.setUint32(28, s.uid, true);
  v.setUint32(32, s.gid, true);
  u64(v, 40, s.rdev);
  i64(v, 48, s.size);
  i64(v, 56, s.blksize);
  i64(v, 64, s.blocks);
  i64(v, 72, s.atime.sec);
  i64(v, 80, s.atime.nsec);
  i64(v, 88, s.mtime.sec);
  i64(v, 96, s.mtime.nsec);
  i64(v, 104, s.ctime.sec);
  i64(v, 112, s.ctime.nsec);
  return bytes;
}

export function decodeStat(bytes: Uint8Array): LinuxStat {
  const v = new DataView(bytes.buffer, bytes.byteOffset, STAT_SIZE);
  const n = (at: number) => Number(v.getBigInt64(at, true));
  return {
    dev: Number(v.getBigUint64(0, true)),
    ino: Number(v.getBigUint64(8, true)),
    nlink: Number(v.getBigUint64(16, true)),
    mode: v.getUint32(24, true),
    uid: v.getUint32(28, true),
    gid: v.getUint32(32, true),
    rdev: Number(v.getBigUint64(40, true)),
    size: n(48),
    blksize: n(56),
    blocks: n(64),
    atime: { sec: n(72), nsec: n(80) },
    mtime: { sec: n(88), nsec: n(96) },
    ctime: { sec: n(104), nsec: n(112) },
  };
}

export interface Dirent64 {
  ino: number;
  /** Position of the next entry (for lseek / telldir). */
  off: number;
  type: number;
  name: string;
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** d_type values of linux_dirent64. */
export const DT = Object.freeze({ UNKNOWN: 0, FIFO: 1, CHR: 2, DIR: 4, BLK: 6, REG: 8, LNK: 10, SOCK: 12 });

/** The d_type of a file of this st_mode. */
export function dtypeOf(mode: number): number {
  switch (mode & S_IF.MT) {
    case S_IF.REG: return DT.REG;
    case S_IF.DIR: return DT.DIR;
    case S_IF.LNK: return DT.LNK;
    case S_IF.CHR: return DT.CHR;
    case S_IF.BLK: return DT.BLK;
    case S_IF.IFO: return DT.FIFO;
    case S_IF.SOCK: return DT.SOCK;
    default: return DT.UNKNOWN;
  }
}

/** One linux_dirent64: d_ino u64 | d_off i64 | d_reclen u16 | d_type u8 | d_name NUL-terminated, padded to 8. */
export function encodeDirent64(d: Dirent64): Uint8Array {
  const name = encoder.encode(d.name);
  const reclen = (19 + name.length + 1 + 7) & ~7;
  const bytes = new Uint8Array(reclen);
  const v = new DataView(bytes.buffer);
  v.setBigUint64(0, BigInt(d.ino), true);
  v.setBigInt64(8, BigInt(d.off), true);
  v.setUint16(16, reclen, true);
  v.setUint8(18, d.type);
  bytes.set(name, 19);
  return bytes;
}

/** Every record in a getdents64 buffer. */
export function decodeDirents64(bytes: Uint8Array): Dirent64[] {
  const out: Dirent64[] = [];
  const v = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  for (let at = 0; at + 19 <= bytes.length; ) {
    const reclen = v.getUint16(at + 16, true);
    if (reclen < 20 || at + reclen > bytes.length) break;
    const nameEnd = bytes.indexOf(0, at + 19);
    out.push({
      ino: Number(v.getBigUint64(at, true)),
      off: Number(v.getBigInt64(at + 8, true)),
      type: v.getUint8(at + 18),
      name: decoder.decode(bytes.subarray(at + 19, nameEnd < 0 || nameEnd > at + reclen ? at + reclen : nameEnd)),
    });
    at += reclen;
  }
  return out;
}
