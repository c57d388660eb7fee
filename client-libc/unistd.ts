/**
 * <unistd.h>-style wrappers: each a thin call of `syscall()` with the table's number, plus the
 * conveniences JS needs (a string or a buffer's own length where C passes a count).
 */
import type { Process } from "./process.js";
import { SYS } from "../kernel-core/syscalls/table.js";
import { STRUCT_SIZES } from "../kernel-core/syscalls/table.js";
import { decodeUtf8, untilNul, utf8 } from "../kernel-core/abi/strings.js";
import { strerror } from "../kernel-core/errno.js";

export interface Utsname {
  sysname: string;
  nodename: string;
  release: string;
  version: string;
  machine: string;
  domainname: string;
}

type Bytes = Uint8Array | string;

const lengthOf = (buf: Bytes | null) => (buf === null ? 0 : typeof buf === "string" ? Buffer.byteLength(buf) : buf.length);
// write(fd, "text") sends the text's bytes without a NUL, as C's write(fd, s, strlen(s)).
const bytesOf = (buf: Bytes | null) => (typeof buf === "string" ? utf8(buf) : buf);

/** Fills the caller's int[2] from the kernel's, as C's pipe() does; untouched on failure. */
async function pipeCall(p: Process, nr: number, pipefd: Int32Array | number[], ...flags: number[]): Promise<number> {
  const buf = new Uint8Array(STRUCT_SIZES.fds);
  const r = await p.syscall(nr, buf, ...flags);
  if (r < 0) return r;
  const view = new DataView(buf.buffer);
  pipefd[0] = view.getInt32(0, true);
  pipefd[1] = view.getInt32(4, true);
  return r;
}

export function unistd(p: Process) {
  return {
    write: (fd: number, buf: Bytes | null, count?: number) => p.syscall(SYS.write, fd, bytesOf(buf), count ?? lengthOf(buf)),
    read: (fd: number, buf: Uint8Array | null, count?: number) => p.syscall(SYS.read, fd, buf, count ?? lengthOf(buf)),
    close: (fd: number) => p.syscall(SYS.close, fd),
    dup: (fd: number) => p.syscall(SYS.dup, fd),
    dup2: (oldfd: number, newfd: number) => p.syscall(SYS.dup2, oldfd, newfd),
    /** pipe(2): 0 with pipefd[0] the read end and pipefd[1] the write end, or −1 with errno. */
    pipe: (pipefd: Int32Array | number[]) => pipeCall(p, SYS.pipe, pipefd),
    /** pipe2(2): as pipe, with O_CLOEXEC and/or O_NONBLOCK on both ends. */
    pipe2: (pipefd: Int32Array | number[], flags: number) => pipeCall(p, SYS.pipe2, pipefd, flags),
    getpid: () => p.syscall(SYS.getpid),
    getppid: () => p.syscall(SYS.getppid),
    getuid: () => p.syscall(SYS.getuid),
    geteuid: () => p.syscall(SYS.geteuid),
    getgid: () => p.syscall(SYS.getgid),
    getegid: () => p.syscall(SYS.getegid),
    setuid: (uid: number) => p.syscall(SYS.setuid, uid),
    setgid: (gid: number) => p.syscall(SYS.setgid, gid),
    /** The chapter's syscall 999: 0, or −1 with errno 1..4. */
    hello_world: (str: Bytes | null, strLen: number, buf: Uint8Array | null, bufLen: number) =>
      p.syscall(SYS.hello_world, str, strLen, buf, bufLen),
    /** uname(2), decoded: the struct's fields, or −1 with errno. */
    uname: async (): Promise<Utsname | -1> => {
      const buf = new Uint8Array(STRUCT_SIZES.utsname);
      if ((await p.syscall(SYS.uname, buf)) < 0) return -1;
      const field = (i: number) => decodeUtf8(untilNul(buf.subarray(i * 65, (i + 1) * 65)));
      return { sysname: field(0), nodename: field(1), release: field(2), version: field(3), machine: field(4), domainname: field(5) };
    },
    /** perror(3): "<s>: <message for errno>" on stderr. */
    perror: async (s?: string) => {
      const text = `${s ? `${s}: ` : ""}${strerror(p.errno)}\n`;
      await p.syscall(SYS.write, 2, utf8(text), Buffer.byteLength(text));
    },
  };
}
