/**
 * <sys/mman.h>, <sys/resource.h> and <sys/uio.h>'s process_vm_*: memory calls on the
 * process's address space, which lives in the memory server. Addresses are plain numbers;
 * the bytes at them are reached with process_vm_readv/writev, or the peek/poke helpers.
 */
import type { Process } from "./process.js";
import { SYS } from "../kernel-core/syscalls/table.js";
import { E } from "../kernel-core/errno.js";
import { decodeRlimit, encodeRlimit } from "../kernel-core/abi/mman.js";

/** mmap's failure value, as in C. */
export const MAP_FAILED = -1;

export interface RemoteIov {
  iov_base: number | bigint;
  iov_len: number;
}

export interface Rlimit {
  rlim_cur: number;
  rlim_max: number;
}

export function mman(p: Process) {
  const readv = (pid: number, local: Uint8Array[], remote: RemoteIov[], flags = 0) =>
    p.syscall(SYS.process_vm_readv, pid, local, local.length, remote, remote.length, flags);
  const writev = (pid: number, local: Uint8Array[], remote: RemoteIov[], flags = 0) =>
    p.syscall(SYS.process_vm_writev, pid, local, local.length, remote, remote.length, flags);
  return {
    mmap: (addr: number, length: number, prot: number, flags: number, fd = -1, offset = 0) =>
      p.syscall(SYS.mmap, addr, length, prot, flags, fd, offset),
    munmap: (addr: number, length: number) => p.syscall(SYS.munmap, addr, length),
    mprotect: (addr: number, length: number, prot: number) => p.syscall(SYS.mprotect, addr, length, prot),
    mremap: (oldAddress: number, oldSize: number, newSize: number, flags: number, newAddress = 0) =>
      p.syscall(SYS.mremap, oldAddress, oldSize, newSize, flags, newAddress),
    madvise: (addr: number, length: number, advice: number) => p.syscall(SYS.madvise, addr, length, advice),
    /** brk(2) as glibc: 0, or −1 with ENOMEM. */
    brk: async (addr: number): Promise<number> => {
      const got = await p.rawSyscall(SYS.brk, addr);
      if (got === addr) return 0;
      p.errno = E.ENOMEM;
      return -1;
    },
    /** sbrk(3): the old break, or −1 with ENOMEM. */
    sbrk: async (increment: number): Promise<number> => {
      const cur = await p.rawSyscall(SYS.brk, 0);
      if (increment === 0) return cur;
      if ((await p.rawSyscall(SYS.brk, cur + increment)) !== cur + increment) {
        p.errno = E.ENOMEM;
        return -1;
      }
      return cur;
    },
    getrlimit: async (resource: number): Promise<Rlimit | -1> => {
      const buf = new Uint8Array(16);
      if ((await p.syscall(SYS.getrlimit, resource, buf)) < 0) return -1;
      const r = decodeRlimit(buf);
      return { rlim_cur: r.cur, rlim_max: r.max };
    },
    setrlimit: (resource: number, limit: Rlimit) => p.syscall(SYS.setrlimit, resource, encodeRlimit(limit.rlim_cur, limit.rlim_max)),
    /** prlimit(2): sets `limit` (unless null) on `pid` (0: this process); returns the old limit. */
    prlimit: async (pid: number, resource: number, limit: Rlimit | null): Promise<Rlimit | -1> => {
      const old = new Uint8Array(16);
      const next = limit === null ? null : encodeRlimit(limit.rlim_cur, limit.rlim_max);
      if ((await p.syscall(SYS.prlimit64, pid, resource, next, old)) < 0) return -1;
      const r = decodeRlimit(old);
      return { rlim_cur: r.cur, rlim_max: r.max };
    },
    process_vm_readv: readv,
    process_vm_writev: writev,
    /** `length` bytes of this process's memory at `addr`, or null with errno (EFAULT). */
    peek: async (addr: number, length: number): Promise<Uint8Array | null> => {
      const buf = new Uint8Array(length);
      const n = await readv(p.pid, [buf], [{ iov_base: addr, iov_len: length }]);
      return n < 0 ? null : buf.subarray(0, n);
    },
    /** Writes `bytes` into this process's memory at `addr`: the count, or −1 with errno. */
    poke: (addr: number, bytes: Uint8Array | string) => {
      const data = typeof bytes === "string" ? new TextEncoder().encode(bytes) : bytes;
      return writev(p.pid, [data], [{ iov_base: addr, iov_len: data.length }]);
    },
  };
}
