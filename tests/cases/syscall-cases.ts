/**
 * One table of syscall cases — the chapter's examples, every hello_world error code, EBADF,
 * ENOSYS, hostile lengths — run unchanged against micro, mono and embedded. Each case drives a
 * fresh process and asserts what a program can observe: return values, errno, output bytes.
 */
import { expect } from "vitest";
import { E, SYS } from "../../build/client-libc/mod.js";
import type { TestProc } from "../helpers/modes.js";
import { stdinOf } from "../helpers/capture.js";
import type { ConnectOptions } from "../../build/client-libc/mod.js";

export interface SyscallCase {
  name: string;
  /** Options for the process the case runs in (made fresh for every mode). */
  spawn?: () => Partial<ConnectOptions>;
  run(t: TestProc): Promise<void>;
}

const cstr = (buf: Uint8Array) => Buffer.from(buf.subarray(0, buf.indexOf(0))).toString();
const LONG = "A very very long message! It is really hard to produce a big string!";

/** Expects glibc's failure convention: −1 and errno. */
async function fails(t: TestProc, ret: Promise<number>, errno: number) {
  expect(await ret).toBe(-1);
  expect(t.proc.errno).toBe(errno);
}

export const SYSCALL_CASES: SyscallCase[] = [
  {
    name: "example 11.1: write(1, \"Hello World!\\n\", 13) prints it and returns 13",
    async run(t) {
      expect(await t.proc.syscall(1, 1, "Hello World!\n", 13)).toBe(13);
      expect(t.stdout.text).toBe("Hello World!\n");
    },
  },
  {
    name: "example 11.2: hello_world(\"Kam\", 4, message, 64) returns 0 and fills \"Hello Kam!\"",
    async run(t) {
      const message = new Uint8Array(64);
      expect(await t.proc.syscall(999, "Kam", 4, message, 64)).toBe(0);
      expect(cstr(message)).toBe("Hello Kam!");
      expect(message[10]).toBe(0);
    },
  },
  {
    name: "long name (84-byte array): -1 with errno 1",
    async run(t) {
      const name = new Uint8Array(84);
      name.set(Buffer.from(LONG));
      const message = new Uint8Array(64);
      await fails(t, t.proc.syscall(999, name, 84, message, 64), 1);
      expect(message.every((b) => b === 0)).toBe(true);
    },
  },
  {
    name: "hello_world str_len 63 is allowed, 64 is not",
    async run(t) {
      const name = new Uint8Array(63);
      name.fill(0x61, 0, 5);
      const message = new Uint8Array(64);
      expect(await t.proc.syscall(999, name, 63, message, 64)).toBe(0);
      expect(cstr(message)).toBe("Hello aaaaa!");
      await fails(t, t.proc.syscall(999, new Uint8Array(64), 64, message, 64), 1);
    },
  },
  {
    name: "hello_world str_len past the buffer (bad pointer): errno 2",
    async run(t) {
      await fails(t, t.proc.syscall(999, "Kam", 5, new Uint8Array(64), 64), 2);
      await fails(t, t.proc.syscall(999, null, 4, new Uint8Array(64), 64), 2);
    },
  },
  {
    name: "hello_world output too small for buf_len - 1: errno 3",
    async run(t) {
      // "Hello Kam!" is 10 bytes: needs buf_len - 1 > 10.
      await fails(t, t.proc.syscall(999, "Kam", 4, new Uint8Array(64), 11), 3);
      expect(await t.proc.syscall(999, "Kam", 4, new Uint8Array(12), 12)).toBe(0);
    },
  },
  {
    name: "hello_world buf_len larger than the real buffer: errno 4",
    async run(t) {
      await fails(t, t.proc.syscall(999, "Kam", 4, new Uint8Array(8), 64), 4);
      await fails(t, t.proc.syscall(999, "Kam", 4, null, 64), 4);
    },
  },
  {
    name: "hello_world buf_len 0 wraps (unsigned): copies into a big enough buffer, fails on a small one",
    async run(t) {
      const big = new Uint8Array(32);
      expect(await t.proc.syscall(999, "Kam", 4, big, 0)).toBe(0);
      expect(cstr(big)).toBe("Hello Kam!");
      await fails(t, t.proc.syscall(999, "Kam", 4, new Uint8Array(4), 0), 4);
    },
  },
  {
    name: "hello_world name ends at its first NUL within str_len, or at str_len",
    async run(t) {
      const message = new Uint8Array(64);
      expect(await t.proc.syscall(999, Buffer.from("Ka\0m\0"), 5, message, 64)).toBe(0);
      expect(cstr(message)).toBe("Hello Ka!");
      expect(await t.proc.syscall(999, Buffer.from("Kamran"), 3, message, 64)).toBe(0);
      expect(cstr(message)).toBe("Hello Kam!");
    },
  },
  {
    name: "hello_world str_len is an unsigned int: -1 is 4294967295 (errno 1), 2^32 + 4 is 4",
    async run(t) {
      const message = new Uint8Array(64);
      await fails(t, t.proc.syscall(999, "Kam", -1, message, 64), 1);
      expect(await t.proc.syscall(999, "Kam", 2 ** 32 + 4, message, 64)).toBe(0);
    },
  },
  {
    name: "rawSyscall gives the kernel's negative result and leaves errno alone",
    async run(t) {
      t.proc.errno = 0;
      expect(await t.proc.rawSyscall(999, "Kam", 4, new Uint8Array(64), 11)).toBe(-3);
      expect(await t.proc.rawSyscall(4242)).toBe(-E.ENOSYS);
      expect(t.proc.errno).toBe(0);
    },
  },
  {
    name: "write to a closed, unknown or read-only descriptor: EBADF",
    async run(t) {
      await fails(t, t.proc.write(99, "x"), E.EBADF);
      await fails(t, t.proc.write(-1, "x"), E.EBADF);
      await fails(t, t.proc.write(0, "x"), E.EBADF);
      expect(await t.proc.close(1)).toBe(0);
      await fails(t, t.proc.write(1, "lost"), E.EBADF);
      await fails(t, t.proc.close(1), E.EBADF);
      expect(t.stdout.text).toBe("");
    },
  },
  {
    name: "unknown syscall numbers: ENOSYS",
    async run(t) {
      for (const nr of [12345, 998, 1000, -1, 2 ** 31 - 1]) await fails(t, t.proc.syscall(nr, 1, 2, 3), E.ENOSYS);
    },
  },
  {
    name: "hostile lengths: count past the buffer, huge or negative, NULL buffers",
    async run(t) {
      const buf = Buffer.from("12345");
      await fails(t, t.proc.syscall(SYS.write, 1, buf, 6), E.EFAULT);
      await fails(t, t.proc.syscall(SYS.write, 1, buf, 2 ** 40), E.EFAULT);
      await fails(t, t.proc.syscall(SYS.write, 1, buf, -1), E.EFAULT);
      await fails(t, t.proc.syscall(SYS.write, 1, null, 5), E.EFAULT);
      expect(await t.proc.syscall(SYS.write, 1, null, 0)).toBe(0);
      await fails(t, t.proc.syscall(SYS.read, 0, new Uint8Array(4), 5), E.EFAULT);
      await fails(t, t.proc.syscall(SYS.uname, new Uint8Array(10)), E.EFAULT);
      expect(t.stdout.text).toBe("");
    },
  },
  {
    name: "a buffer where the call takes an integer: EINVAL",
    async run(t) {
      await fails(t, t.proc.syscall(SYS.close, new Uint8Array(4)), E.EINVAL);
    },
  },
  {
    name: "write(2) goes to stderr, dup2'd descriptors reach the same stream, in order",
    async run(t) {
      expect(await t.proc.write(2, "to stderr\n")).toBe(10);
      expect(await t.proc.dup2(1, 7)).toBe(7);
      expect(await t.proc.write(1, "a")).toBe(1);
      expect(await t.proc.write(7, "b")).toBe(1);
      expect(await t.proc.dup(7)).toBe(3);
      expect(await t.proc.write(3, "c\n")).toBe(2);
      expect(t.stdout.text).toBe("abc\n");
      expect(t.stderr.text).toBe("to stderr\n");
    },
  },
  {
    name: "read(0) reads the program's stdin, then 0 at end of file",
    spawn: () => ({ stdin: stdinOf("typed line\n") }),
    async run(t) {
      const buf = new Uint8Array(64);
      expect(await t.proc.read(0, buf, 64)).toBe(11);
      expect(Buffer.from(buf.subarray(0, 11)).toString()).toBe("typed line\n");
      expect(await t.proc.read(0, buf, 64)).toBe(0);
    },
  },
  {
    name: "identity calls: getpid is the kernel's pid, credentials as created, setuid rules",
    spawn: () => ({ uid: 1000, gid: 1000 }),
    async run(t) {
      expect(await t.proc.getpid()).toBe(t.proc.pid);
      expect(await t.proc.getppid()).toBe(1);
      expect(await t.proc.getuid()).toBe(1000);
      expect(await t.proc.geteuid()).toBe(1000);
      expect(await t.proc.getgid()).toBe(1000);
      await fails(t, t.proc.setuid(0), E.EPERM);
      expect(await t.proc.setuid(1000)).toBe(0);
    },
  },
  {
    name: "root may setuid to a user, and then cannot get root back",
    spawn: () => ({ uid: 0, gid: 0 }),
    async run(t) {
      expect(await t.proc.setuid(1000)).toBe(0);
      expect(await t.proc.getuid()).toBe(1000);
      expect(await t.proc.geteuid()).toBe(1000);
      await fails(t, t.proc.setuid(0), E.EPERM);
    },
  },
  {
    name: "uname fills struct utsname",
    async run(t) {
      const u = await t.proc.uname();
      expect(u).not.toBe(-1);
      if (u !== -1) {
        expect(u.sysname).toBe("natix");
        expect(u.machine).toBe("x86_64");
      }
    },
  },
];
