/**
 * <dirent.h>: opendir/readdir/closedir over getdents64, reading a 32 KiB batch of
 * linux_dirent64 records at a time, as glibc does.
 */
import type { Process } from "./process.js";
import { SYS } from "../kernel-core/syscalls/table.js";
import { O } from "../kernel-core/abi/fcntl.js";
import { decodeDirents64, type Dirent64 } from "../kernel-core/abi/stat.js";

export interface Dirent {
  d_ino: number;
  d_off: number;
  d_type: number;
  d_name: string;
}

export interface DIR {
  fd: number;
  pending: Dirent64[];
  done: boolean;
}

const BATCH = 32 * 1024;

export function dirent(p: Process) {
  return {
    opendir: async (path: string | Uint8Array): Promise<DIR | null> => {
      const fd = await p.syscall(SYS.openat, -100, path, O.RDONLY | O.DIRECTORY | O.CLOEXEC, 0);
      return fd < 0 ? null : { fd, pending: [], done: false };
    },
    fdopendir: (fd: number): DIR => ({ fd, pending: [], done: false }),
    /** The next entry, or null at the end (errno unchanged) or on error (errno set). */
    readdir: async (dir: DIR): Promise<Dirent | null> => {
      if (dir.pending.length === 0 && !dir.done) {
        const buf = new Uint8Array(BATCH);
        const n = await p.syscall(SYS.getdents64, dir.fd, buf, BATCH);
        if (n < 0) return null;
        if (n === 0) dir.done = true;
        else dir.pending = decodeDirents64(buf.subarray(0, n));
      }
      const e = dir.pending.shift();
      return e === undefined ? null : { d_ino: e.ino, d_off: e.off, d_type: e.type, d_name: e.name };
    },
    closedir: (dir: DIR) => p.syscall(SYS.close, dir.fd),
    dirfd: (dir: DIR) => dir.fd,
  };
}
