/**
 * File semantics node:fs cannot express on the host side (lseek, dup/fcntl, *at calls, raw
 * struct bytes, devices, limits), checked against what Linux does; run in every mode.
 */
import { expect } from "vitest";
import {
  AT_FDCWD, AT_REMOVEDIR, E, F_DUPFD, F_GETFD, F_GETFL, F_SETFD, F_SETFL, FD_CLOEXEC, O_APPEND, O_CLOEXEC, O_CREAT,
  O_DIRECTORY, O_RDONLY, O_RDWR, O_WRONLY, O_LARGEFILE, SEEK_CUR, SEEK_END, SEEK_SET, SYS, RENAME_NOREPLACE,
} from "../../build/client-libc/mod.js";
import { decodeDirents64, decodeStat, STAT_SIZE } from "../../build/kernel-core/abi/stat.js";
import type { SyscallCase } from "./syscall-cases.js";
import type { TestProc } from "../helpers/modes.js";

async function fails(t: TestProc, ret: Promise<number | unknown>, errno: number) {
  const r = await ret;
  expect(r === -1 || r === null).toBe(true);
  expect(t.proc.errno).toBe(errno);
}

let seq = 0;
/** A fresh directory per case, so cases do not see each other. */
async function scratch(t: TestProc): Promise<string> {
  const dir = `/tmp/case-${process.pid}-${++seq}-${t.proc.pid}`;
  expect(await t.proc.mkdir(dir, 0o777)).toBe(0);
  expect(await t.proc.chmod(dir, 0o777)).toBe(0);
  expect(await t.proc.chdir(dir)).toBe(0);
  return dir;
}

const text = (b: Uint8Array, n: number) => Buffer.from(b.subarray(0, n)).toString();

export const FILE_CASES: SyscallCase[] = [
  {
    name: "lseek: SEEK_SET, SEEK_CUR, SEEK_END, past the end, negative (EINVAL), on the console (ESPIPE)",
    async run(t) {
      await scratch(t);
      const fd = await t.proc.open("f", O_CREAT | O_RDWR, 0o644);
      expect(await t.proc.write(fd, "0123456789")).toBe(10);
      expect(await t.proc.lseek(fd, 2, SEEK_SET)).toBe(2);
      expect(await t.proc.lseek(fd, 3, SEEK_CUR)).toBe(5);
      const b = new Uint8Array(3);
      expect(await t.proc.read(fd, b, 3)).toBe(3);
      expect(text(b, 3)).toBe("567");
      expect(await t.proc.lseek(fd, -1, SEEK_END)).toBe(9);
      expect(await t.proc.lseek(fd, 100, SEEK_SET)).toBe(100);
      expect(await t.proc.write(fd, "!")).toBe(1);
      expect((await t.proc.fstat(fd)) as { st_size: number }).toMatchObject({ st_size: 101 });
      await fails(t, t.proc.lseek(fd, -200, SEEK_CUR), E.EINVAL);
      await fails(t, t.proc.lseek(fd, 0, 42), E.EINVAL);
      await fails(t, t.proc.lseek(1, 0, SEEK_SET), E.ESPIPE);
      await fails(t, t.proc.pwrite(fd, "x", 1, -1), E.EINVAL);
      await fails(t, t.proc.pread(1, new Uint8Array(1), 1, 0), E.ESPIPE);
    },
  },
  {
    name: "dup'd descriptors share the offset; close-on-exec is per descriptor",
    async run(t) {
      await scratch(t);
      const fd = await t.proc.open("f", O_CREAT | O_RDWR | O_CLOEXEC, 0o644);
      expect(await t.proc.fcntl(fd, F_GETFD)).toBe(FD_CLOEXEC);
      const copy = await t.proc.dup(fd);
      expect(copy).toBe(fd + 1);
      expect(await t.proc.fcntl(copy, F_GETFD)).toBe(0);
      expect(await t.proc.write(fd, "abc")).toBe(3);
      expect(await t.proc.lseek(copy, 0, SEEK_CUR)).toBe(3);
      expect(await t.proc.dup2(fd, 20)).toBe(20);
      expect(await t.proc.write(20, "d")).toBe(1);
      expect(await t.proc.lseek(fd, 0, SEEK_CUR)).toBe(4);
      expect(await t.proc.dup3(fd, 21, O_CLOEXEC)).toBe(21);
      expect(await t.proc.fcntl(21, F_GETFD)).toBe(FD_CLOEXEC);
      await fails(t, t.proc.dup3(fd, fd, 0), E.EINVAL);
      await fails(t, t.proc.dup3(fd, 22, O_APPEND), E.EINVAL);
      expect(await t.proc.dup2(fd, fd)).toBe(fd);
      await fails(t, t.proc.dup2(99, 5), E.EBADF);
      expect(await t.proc.fcntl(fd, F_DUPFD, 30)).toBe(30);
      await fails(t, t.proc.fcntl(fd, F_DUPFD, 5000), E.EINVAL);
      expect(await t.proc.fcntl(fd, F_SETFD, 0)).toBe(0);
      expect(await t.proc.fcntl(fd, F_GETFD)).toBe(0);
      await fails(t, t.proc.fcntl(fd, 9999), E.EINVAL);
    },
  },
  {
    name: "F_GETFL/F_SETFL: access mode and O_LARGEFILE; O_APPEND can be switched on",
    async run(t) {
      await scratch(t);
      const fd = await t.proc.open("f", O_CREAT | O_WRONLY, 0o644);
      expect(await t.proc.fcntl(fd, F_GETFL)).toBe(O_WRONLY | O_LARGEFILE);
      expect(await t.proc.write(fd, "12345")).toBe(5);
      expect(await t.proc.lseek(fd, 0, SEEK_SET)).toBe(0);
      expect(await t.proc.fcntl(fd, F_SETFL, O_APPEND | O_RDWR)).toBe(0);
      expect(await t.proc.fcntl(fd, F_GETFL)).toBe(O_WRONLY | O_APPEND | O_LARGEFILE);
      expect(await t.proc.write(fd, "6")).toBe(1);
      expect(((await t.proc.stat("f")) as { st_size: number }).st_size).toBe(6);
    },
  },
  {
    name: "EMFILE once 1024 descriptors are open; closing one frees its number",
    async run(t) {
      await scratch(t);
      const fd = await t.proc.open("f", O_CREAT | O_RDWR, 0o644);
      let last = fd;
      for (let i = fd + 1; i < 1024; i++) last = await t.proc.dup(fd);
      expect(last).toBe(1023);
      await fails(t, t.proc.dup(fd), E.EMFILE);
      await fails(t, t.proc.open("f", O_RDONLY), E.EMFILE);
      expect(await t.proc.close(500)).toBe(0);
      expect(await t.proc.open("f", O_RDONLY)).toBe(500);
    },
  },
  {
    name: "openat, mkdirat, unlinkat(AT_REMOVEDIR), renameat2(RENAME_NOREPLACE) relative to a directory descriptor",
    async run(t) {
      const dir = await scratch(t);
      expect(await t.proc.mkdir("sub", 0o755)).toBe(0);
      const dfd = await t.proc.open("sub", O_RDONLY | O_DIRECTORY);
      const fd = await t.proc.openat(dfd, "inner", O_CREAT | O_WRONLY, 0o600);
      expect(fd).toBeGreaterThan(dfd);
      expect(await t.proc.stat(`${dir}/sub/inner`)).not.toBe(-1);
      expect(await t.proc.mkdirat(dfd, "deeper", 0o755)).toBe(0);
      expect(await t.proc.unlinkat(dfd, "deeper", AT_REMOVEDIR)).toBe(0);
      await fails(t, t.proc.unlinkat(dfd, "inner", AT_REMOVEDIR), E.ENOTDIR);
      await fails(t, t.proc.openat(fd, "x", O_RDONLY), E.ENOTDIR);
      await fails(t, t.proc.openat(77, "x", O_RDONLY), E.EBADF);
      expect(await t.proc.openat(77, `${dir}/sub/inner`, O_RDONLY)).toBeGreaterThan(0);
      expect(await t.proc.open("other", O_CREAT | O_WRONLY, 0o644)).toBeGreaterThan(0);
      await fails(t, t.proc.renameat2(AT_FDCWD, "other", dfd, "inner", RENAME_NOREPLACE), E.EEXIST);
      expect(await t.proc.renameat2(AT_FDCWD, "other", dfd, "moved", RENAME_NOREPLACE)).toBe(0);
      expect(await t.proc.unlinkat(dfd, "moved", 0)).toBe(0);
    },
  },
  {
    name: "chdir, getcwd, fchdir, and getcwd's ERANGE",
    async run(t) {
      const dir = await scratch(t);
      expect(await t.proc.getcwd()).toBe(dir);
      expect(await t.proc.mkdir("a", 0o755)).toBe(0);
      expect(await t.proc.chdir("a")).toBe(0);
      expect(await t.proc.getcwd()).toBe(`${dir}/a`);
      expect(await t.proc.chdir("..")).toBe(0);
      const fd = await t.proc.open("a", O_RDONLY | O_DIRECTORY);
      expect(await t.proc.fchdir(fd)).toBe(0);
      expect(await t.proc.getcwd()).toBe(`${dir}/a`);
      expect(await t.proc.getcwd(4)).toBe(null);
      expect(t.proc.errno).toBe(E.ERANGE);
      await fails(t, t.proc.chdir("/nope"), E.ENOENT);
      expect(await t.proc.chdir("/")).toBe(0);
      expect(await t.proc.getcwd()).toBe("/");
      const buf = new Uint8Array(64);
      expect(await t.proc.syscall(SYS.getcwd, buf, 64)).toBe(2);
      expect(buf.subarray(0, 2)).toEqual(Uint8Array.of(0x2f, 0));
    },
  },
  {
    name: "umask returns the old mask and shapes new modes",
    async run(t) {
      await scratch(t);
      expect(await t.proc.umask(0o077)).toBe(0o022);
      expect(await t.proc.umask(0o027)).toBe(0o077);
      await t.proc.open("f", O_CREAT | O_WRONLY, 0o666);
      expect(((await t.proc.stat("f")) as { st_mode: number }).st_mode & 0o777).toBe(0o640);
    },
  },
  {
    name: "stat fills the 144-byte x86-64 struct stat",
    async run(t) {
      const dir = await scratch(t);
      const fd = await t.proc.open("f", O_CREAT | O_WRONLY, 0o640);
      expect(await t.proc.write(fd, "12345")).toBe(5);
      const buf = new Uint8Array(STAT_SIZE);
      expect(await t.proc.syscall(SYS.stat, `${dir}/f`, buf)).toBe(0);
      const view = new DataView(buf.buffer);
      expect(view.getUint32(24, true)).toBe(0o100640); // st_mode
      expect(Number(view.getBigUint64(16, true))).toBe(1); // st_nlink
      expect(Number(view.getBigInt64(48, true))).toBe(5); // st_size
      expect(Number(view.getBigInt64(56, true))).toBe(4096); // st_blksize
      expect(Number(view.getBigInt64(64, true))).toBe(8); // st_blocks, 512-byte units
      expect(decodeStat(buf).ino).toBeGreaterThan(1);
      await fails(t, t.proc.syscall(SYS.stat, `${dir}/f`, new Uint8Array(100)), E.EFAULT);
      await fails(t, t.proc.syscall(SYS.stat, `${dir}/missing`, new Uint8Array(100)), E.ENOENT);
    },
  },
  {
    name: "getdents64 fills linux_dirent64 records and ends with 0; a tiny buffer is EINVAL",
    async run(t) {
      await scratch(t);
      for (const n of ["alpha", "beta"]) await t.proc.close(await t.proc.open(n, O_CREAT | O_WRONLY, 0o644));
      expect(await t.proc.mkdir("gamma", 0o755)).toBe(0);
      const fd = await t.proc.open(".", O_RDONLY | O_DIRECTORY);
      await fails(t, t.proc.getdents64(fd, new Uint8Array(16), 16), E.EINVAL);
      const buf = new Uint8Array(4096);
      const n = await t.proc.getdents64(fd, buf, 4096);
      const recs = decodeDirents64(buf.subarray(0, n));
      expect(recs.map((r) => r.name).sort()).toEqual([".", "..", "alpha", "beta", "gamma"]);
      expect(recs.find((r) => r.name === "gamma")!.type).toBe(4); // DT_DIR
      expect(recs.find((r) => r.name === "alpha")!.type).toBe(8); // DT_REG
      const view = new DataView(buf.buffer);
      for (let at = 0; at < n; at += view.getUint16(at + 16, true)) expect(view.getUint16(at + 16, true) % 8).toBe(0);
      expect(await t.proc.getdents64(fd, buf, 4096)).toBe(0);
      const file = await t.proc.open("alpha", O_RDONLY);
      await fails(t, t.proc.getdents64(file, buf, 4096), E.ENOTDIR);
    },
  },
  {
    name: "root drops to a user with setuid, and the filesystem then says EACCES",
    spawn: () => ({ uid: 0, gid: 0 }),
    async run(t) {
      await scratch(t);
      expect(await t.proc.close(await t.proc.open("secret", O_CREAT | O_WRONLY, 0o600))).toBe(0);
      expect(await t.proc.open("secret", O_RDONLY)).toBeGreaterThan(2);
      expect(await t.proc.setgid(1000)).toBe(0);
      expect(await t.proc.setuid(1000)).toBe(0);
      await fails(t, t.proc.open("secret", O_RDONLY), E.EACCES);
      await fails(t, t.proc.chmod("secret", 0o644), E.EPERM);
      expect(await t.proc.open("mine", O_CREAT | O_WRONLY, 0o644)).toBeGreaterThan(2);
      expect(((await t.proc.stat("mine")) as { st_uid: number; st_gid: number })).toMatchObject({ st_uid: 1000, st_gid: 1000 });
    },
  },
  {
    name: "a batch: independent calls in one message, results in order, out-buffers filled, errors per call",
    async run(t) {
      const message = new Uint8Array(64);
      const devnull = await t.proc.open("/dev/null", O_RDWR);
      const results = await t.proc.batch([
        [SYS.getpid],
        [999, "Kam", 4, message, 64],
        [SYS.write, devnull, "0123456789", 10],
        [SYS.openat, AT_FDCWD, "/no/such/file", O_RDONLY, 0],
        [SYS.write, 1, "batched\n", 8],
        [12345],
        [999, "A".repeat(70), 71, new Uint8Array(64), 64],
      ]);
      expect(results).toEqual([t.proc.pid, 0, 10, -E.ENOENT, 8, -E.ENOSYS, -1]);
      expect(Buffer.from(message.subarray(0, 10)).toString()).toBe("Hello Kam!");
      expect(t.stdout.text).toBe("batched\n");
      expect(await t.proc.batch([])).toEqual([]);
      await expect(t.proc.batch(Array.from({ length: 257 }, () => [SYS.getpid] as [number]))).rejects.toThrow(RangeError);
    },
  },
  {
    name: "readlink truncates to bufsiz without a NUL; bufsiz 0 is EINVAL",
    async run(t) {
      await scratch(t);
      expect(await t.proc.symlink("/some/long/target", "l")).toBe(0);
      const buf = new Uint8Array(8).fill(0x2a);
      expect(await t.proc.readlink("l", buf, 5)).toBe(5);
      expect(Buffer.from(buf).toString()).toBe("/some***");
      await fails(t, t.proc.readlink("l", buf, 0), E.EINVAL);
    },
  },
  {
    name: "/dev/null, /dev/zero, /dev/urandom and /dev/tty behave as on Linux",
    async run(t) {
      const buf = new Uint8Array(16).fill(7);
      const devnull = await t.proc.open("/dev/null", O_RDWR);
      expect(await t.proc.write(devnull, "gone")).toBe(4);
      expect(await t.proc.read(devnull, buf, 16)).toBe(0);
      const zero = await t.proc.open("/dev/zero", O_RDONLY);
      expect(await t.proc.read(zero, buf, 16)).toBe(16);
      expect(buf.every((b) => b === 0)).toBe(true);
      const urandom = await t.proc.open("/dev/urandom", O_RDONLY);
      const r1 = new Uint8Array(32);
      const r2 = new Uint8Array(32);
      expect(await t.proc.read(urandom, r1, 32)).toBe(32);
      expect(await t.proc.read(urandom, r2, 32)).toBe(32);
      expect(Buffer.compare(r1, r2)).not.toBe(0);
      const st = (await t.proc.stat("/dev/null")) as { st_mode: number; st_rdev: number };
      expect(st.st_mode).toBe(0o20666);
      expect(st.st_rdev).toBe(0x103);
      const tty = await t.proc.open("/dev/tty", O_WRONLY);
      expect(await t.proc.write(tty, "via /dev/tty\n")).toBe(13);
      expect(t.stdout.text).toBe("via /dev/tty\n");
      await fails(t, t.proc.lseek(tty, 0, SEEK_SET), E.ESPIPE);
      expect(await t.proc.lseek(devnull, 5, SEEK_SET)).toBe(0);
    },
  },
  {
    name: "isatty: 0 with ENOTTY for files and non-terminal streams",
    async run(t) {
      await scratch(t);
      const fd = await t.proc.open("f", O_CREAT | O_RDWR, 0o644);
      expect(await t.proc.isatty(fd)).toBe(0);
      expect(t.proc.errno).toBe(E.ENOTTY);
      expect(await t.proc.isatty(1)).toBe(0);
      expect(await t.proc.isatty(99)).toBe(0);
      expect(t.proc.errno).toBe(E.EBADF);
    },
  },
  {
    name: "write and read across many blocks and the indirect range (5 MiB)",
    async run(t) {
      await scratch(t);
      const fd = await t.proc.open("big", O_CREAT | O_RDWR, 0o644);
      const chunk = new Uint8Array(512 * 1024);
      for (let i = 0; i < 10; i++) {
        chunk.fill(i + 1);
        expect(await t.proc.write(fd, chunk, chunk.length)).toBe(chunk.length);
      }
      expect(((await t.proc.fstat(fd)) as { st_size: number }).st_size).toBe(5 * 1024 * 1024);
      const back = new Uint8Array(8);
      for (let i = 0; i < 10; i++) {
        expect(await t.proc.pread(fd, back, 8, i * 512 * 1024 + 1000)).toBe(8);
        expect(back.every((b) => b === i + 1)).toBe(true);
      }
      expect(await t.proc.ftruncate(fd, 100)).toBe(0);
      expect(await t.proc.fsync(fd)).toBe(0);
    },
  },
];
