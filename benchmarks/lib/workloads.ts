/**
 * The workloads every path runs: a null syscall (getpid), hello_world, a 64-byte write to
 * /dev/null, 4 KiB pread/pwrite on a file, mmap+munmap, open+close — each as natix calls, as
 * the native C program's operation, and as node:fs calls where node:fs has them; and the
 * request/reply frame sizes of its syscalls, so the transport floors move the same bytes.
 */
import { closeSync, openSync, readSync, writeSync } from "node:fs";
import { SYS, O_CREAT, O_RDONLY, O_RDWR, O_WRONLY, MAP_ANONYMOUS, MAP_PRIVATE, PROT_READ, PROT_WRITE, type Proc } from "../../client-libc/mod.js";
import { marshal, type SyscallArg } from "../../client-libc/marshal.js";
import { encodeReply, encodeRequest } from "../../kernel-core/abi/frame.js";
import { syscallByNr } from "../../kernel-core/syscalls/table.js";
import type { Op } from "./measure.js";

/** The file natix's file workloads use, inside natix's filesystem. */
export const NATIX_FILE = "/tmp/natix-bench.dat";

export type Call = readonly [number, ...SyscallArg[]];

export interface Workload {
  name: string;
  about: string;
  /** The C program's name for it, if it has one. */
  native?: string;
  /** A workload of one syscall: that call, ready to issue (and to batch). */
  call?(p: Proc): Promise<Call>;
  /** A workload of several syscalls, as one operation. */
  prepare?(p: Proc): Promise<Op>;
  /** The same operation with node:fs on the host file (a second native reference). */
  nodeFs?(hostFile: string): Op;
  /** Request and reply bytes of each syscall it makes. */
  frames: [number, number][];
}

const frameSizes = (nr: number, args: SyscallArg[], replyBytes: number): [number, number] => [
  encodeRequest(marshal(nr, syscallByNr(nr), args).request).length,
  encodeReply({ ret: 0, output: replyBytes > 0 ? [new Uint8Array(replyBytes)] : undefined }).length,
];

const page = () => new Uint8Array(4096).fill(7);
const openFile = (p: Proc) => p.open(NATIX_FILE, O_CREAT | O_RDWR, 0o644);

export const WORKLOADS: Workload[] = [
  {
    name: "getpid",
    about: "the null syscall: answered by kernel-core itself",
    native: "getpid",
    call: async () => [SYS.getpid],
    frames: [frameSizes(SYS.getpid, [], 0)],
  },
  {
    name: "hello_world",
    about: "syscall 999: a 4-byte name in, a 12-byte greeting out, from the hello server",
    call: async () => [999, "Kam", 4, new Uint8Array(64), 64],
    frames: [frameSizes(999, ["Kam", 4, new Uint8Array(64), 64], 12)],
  },
  {
    name: "write64",
    about: "write(2) of 64 bytes to /dev/null",
    native: "write64",
    call: async (p) => [SYS.write, await p.open("/dev/null", O_WRONLY), new Uint8Array(64), 64],
    nodeFs: () => {
      const fd = openSync("/dev/null", "w");
      const buf = Buffer.alloc(64);
      return async () => writeSync(fd, buf);
    },
    frames: [frameSizes(SYS.write, [1, new Uint8Array(64), 64], 0)],
  },
  {
    name: "pread4k",
    about: "pread(2) of 4 KiB at offset 0 of a file (from the block cache)",
    native: "pread4k",
    call: async (p) => {
      const fd = await openFile(p);
      await p.pwrite(fd, page(), 4096, 0);
      return [SYS.pread64, fd, new Uint8Array(4096), 4096, 0];
    },
    nodeFs: (file) => {
      const fd = openSync(file, "r");
      const buf = Buffer.alloc(4096);
      return async () => readSync(fd, buf, 0, 4096, 0);
    },
    frames: [frameSizes(SYS.pread64, [3, new Uint8Array(4096), 4096, 0], 4096)],
  },
  {
    name: "pwrite4k",
    about: "pwrite(2) of 4 KiB at offset 0 of a file (no fsync)",
    native: "pwrite4k",
    call: async (p) => [SYS.pwrite64, await openFile(p), page(), 4096, 0],
    nodeFs: (file) => {
      const fd = openSync(file, "r+");
      const buf = Buffer.from(page());
      return async () => writeSync(fd, buf, 0, 4096, 0);
    },
    frames: [frameSizes(SYS.pwrite64, [3, page(), 4096, 0], 0)],
  },
  {
    name: "mmap_munmap",
    about: "mmap(2) of one anonymous private page, then munmap(2) of it",
    native: "mmap",
    prepare: async (p) => async () => {
      const addr = await p.rawSyscall(SYS.mmap, 0, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
      return p.rawSyscall(SYS.munmap, addr, 4096);
    },
    frames: [frameSizes(SYS.mmap, [0, 4096, 3, 0x22, -1, 0], 0), frameSizes(SYS.munmap, [0, 4096], 0)],
  },
  {
    name: "open_close",
    about: "openat(2) of a file by absolute path, then close(2)",
    native: "open",
    prepare: async (p) => {
      await p.close(await openFile(p));
      return async () => p.rawSyscall(SYS.close, await p.rawSyscall(SYS.openat, -100, NATIX_FILE, O_RDONLY, 0));
    },
    nodeFs: (file) => async () => closeSync(openSync(file, "r")),
    frames: [frameSizes(SYS.openat, [-100, NATIX_FILE, 0, 0], 0), frameSizes(SYS.close, [3], 0)],
  },
];

export const workloadNames = WORKLOADS.map((w) => w.name);

export function workload(name: string): Workload {
  const w = WORKLOADS.find((x) => x.name === name);
  if (w === undefined) throw new Error(`unknown workload ${name} (known: ${workloadNames.join(", ")})`);
  return w;
}

/** The workload as one operation on a natix process. */
export async function natixOp(w: Workload, p: Proc): Promise<Op> {
  if (w.prepare) return w.prepare(p);
  const [nr, ...args] = await w.call!(p);
  return () => p.rawSyscall(nr, ...args);
}
