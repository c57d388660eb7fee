/**
 * What a file mapping needs from the vfs server, asked as the process itself would: the
 * descriptor's access mode (fcntl F_GETFL), the file's identity and size (fstat), its bytes
 * (pread64), and its path (for /proc/<pid>/maps). The memory server sends these as syscalls on
 * the caller's behalf — the same requests, the same permission checks.
 */
import type { SyscallRequest } from "../../kernel-core/abi/frame.js";
import type { Caller } from "../../kernel-core/abi/routed.js";
import type { PeerCall, ServerCall } from "../../kernel-core/server-runtime.js";
import { SYS } from "../../kernel-core/syscalls/table.js";
import { STAT_SIZE, decodeStat } from "../../kernel-core/abi/stat.js";


export interface MappedFile {
  accmode: number;
  dev: number;
  ino: number;
  size: number;
  path: string;
}

/** Bytes of a file one pread asks for: one message each way, within a server link's budget. */
const READ_CHUNK = 512 * 1024;

const request = (nr: number, args: number[], outCap: number[] = []): SyscallRequest => ({
  nr,
  args,
  input: [],
  outCap: args.map((_, i) => outCap[i] ?? -1),
});

export function fileSource(call: ServerCall, peer: PeerCall) {
  return {
    async describe(caller: Caller, fd: number): Promise<MappedFile | number> {
      const fl = await call("vfs", caller, request(SYS.fcntl, [fd, 3, 0]));
      if (fl.ret < 0) return fl.ret;
      const st = await call("vfs", caller, request(SYS.fstat, [fd, 0], [-1, STAT_SIZE]));
      if (st.ret < 0) return st.ret;
      const s = decodeStat(st.output![1]!);
      const where = (await peer("vfs", "fdpath", { pid: caller.pid, fd })) as { path?: string };
      return { accmode: fl.ret & 3, dev: s.dev, ino: s.ino, size: s.size, path: where.path ?? "" };
    },
    async read(caller: Caller, fd: number, offset: number, length: number): Promise<Uint8Array | number> {
      const out = new Uint8Array(length);
      for (let done = 0; done < length; ) {
        const n = Math.min(READ_CHUNK, length - done);
        const r = await call("vfs", caller, request(SYS.pread64, [fd, 0, n, offset + done], [-1, n]));
        if (r.ret < 0) return r.ret;
        if (r.ret === 0) break;
        out.set(r.output![1]!.subarray(0, r.ret), done);
        done += r.ret;
      }
      return out;
    },
  };
}
