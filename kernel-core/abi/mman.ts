/**
 * Linux x86-64 values for memory calls (<sys/mman.h>, <sys/resource.h>) and the encoding of a
 * remote iovec array (process_vm_readv/writev's addresses in another process).
 */
import { IOV_MAX } from "./iov.js";

export const PAGE_SIZE = 4096;

export const PROT = Object.freeze({ NONE: 0, READ: 1, WRITE: 2, EXEC: 4 });

export const MAP = Object.freeze({
  SHARED: 0x01,
  PRIVATE: 0x02,
  SHARED_VALIDATE: 0x03,
  TYPE: 0x0f,
  FIXED: 0x10,
  ANONYMOUS: 0x20,
  GROWSDOWN: 0x100,
  DENYWRITE: 0x800,
  EXECUTABLE: 0x1000,
  LOCKED: 0x2000,
  NORESERVE: 0x4000,
  POPULATE: 0x8000,
  NONBLOCK: 0x10000,
  STACK: 0x20000,
  HUGETLB: 0x40000,
  FIXED_NOREPLACE: 0x100000,
});

export const MREMAP = Object.freeze({ MAYMOVE: 1, FIXED: 2, DONTUNMAP: 4 });

export const MADV = Object.freeze({ NORMAL: 0, RANDOM: 1, SEQUENTIAL: 2, WILLNEED: 3, DONTNEED: 4, FREE: 8 });

export const RLIMIT = Object.freeze({
  CPU: 0, FSIZE: 1, DATA: 2, STACK: 3, CORE: 4, RSS: 5, NPROC: 6, NOFILE: 7, MEMLOCK: 8, AS: 9,
  LOCKS: 10, SIGPENDING: 11, MSGQUEUE: 12, NICE: 13, RTPRIO: 14, RTTIME: 15,
});
export const RLIM_NLIMITS = 16;
/** RLIM_INFINITY (~0 as a u64) is Infinity on the JS side. */
export const RLIM_INFINITY = Infinity;

/** struct rlimit: rlim_cur u64 | rlim_max u64. */
export function encodeRlimit(cur: number, max: number): Uint8Array {
  const bytes = new Uint8Array(16);
  const v = new DataView(bytes.buffer);
  const u64 = (n: number) => (Number.isFinite(n) ? BigInt(Math.max(0, Math.trunc(n))) : 0xffffffffffffffffn);
  v.setBigUint64(0, u64(cur), true);
  v.setBigUint64(8, u64(max), true);
  return bytes;
}

export function decodeRlimit(bytes: Uint8Array): { cur: number; max: number } {
  const v = new DataView(bytes.buffer, bytes.byteOffset, 16);
  const n = (b: bigint) => (b >= 1n << 63n ? Infinity : Number(b));
  return { cur: n(v.getBigUint64(0, true)), max: n(v.getBigUint64(8, true)) };
}

export interface RemoteIovec {
  base: number;
  len: number;
}

/** count u32 | (base u64, len u64) × count. */
export function encodeRemoteIov(list: readonly RemoteIovec[]): Uint8Array {
  const bytes = new Uint8Array(4 + list.length * 16);
  const v = new DataView(bytes.buffer);
  v.setUint32(0, list.length, true);
  list.forEach((r, i) => {
    v.setBigUint64(4 + i * 16, BigInt.asUintN(64, BigInt(Math.trunc(r.base))), true);
    v.setBigUint64(12 + i * 16, BigInt.asUintN(64, BigInt(Math.trunc(r.len))), true);
  });
  return bytes;
}

export function decodeRemoteIov(bytes: Uint8Array): RemoteIovec[] | undefined {
  if (bytes.length < 4) return undefined;
  const v = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const count = v.getUint32(0, true);
  if (count > IOV_MAX || bytes.length !== 4 + count * 16) return undefined;
  return Array.from({ length: count }, (_, i) => ({
    base: Number(v.getBigUint64(4 + i * 16, true)),
    len: Number(v.getBigUint64(12 + i * 16, true)),
  }));
}
