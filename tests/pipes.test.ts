/**
 * pipe(2) and pipe2(2) (Linux numbers 22 and 293) in micro, mono and embedded: bytes in order,
 * EOF once every writer has closed, a read that waits for a write, O_NONBLOCK's EAGAIN on an
 * empty and on a full pipe (64 KiB), EPIPE with no reader, ESPIPE for positioned calls, fstat's
 * S_IFIFO, /proc/<pid>/fd's pipe:[inode], close-on-exec, EMFILE, and strace's line. Within one
 * process (no process can start another yet): a pipe's two ends are both the caller's.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { bootMode, MODES, type TestSystem } from "./helpers/modes.js";
import { natix } from "./helpers/cli.js";
import { SIGPIPE, SIG_IGN, E, F_GETFD, F_GETFL, F_SETFL, FD_CLOEXEC, O_CLOEXEC, O_NONBLOCK, O_RDONLY, O_WRONLY, S_IFIFO, S_IFMT, SEEK_SET } from "../build/client-libc/mod.js";

const text = (b: Uint8Array, n: number) => Buffer.from(b.subarray(0, n)).toString();

for (const mode of MODES) {
  describe(`pipes (${mode})`, () => {
    let sys: TestSystem;
    beforeAll(async () => {
      sys = await bootMode(mode, { deadlineMs: 4000 });
    });
    afterAll(async () => sys?.stop());

    it("pipe gives the two lowest free descriptors, read end first; bytes come out in order; EOF once the writer closes", async () => {
      const { proc: p } = await sys.spawn();
      const fds = new Int32Array(2);
      expect(await p.pipe(fds)).toBe(0);
      expect([...fds]).toEqual([3, 4]);
      expect(await p.write(fds[1], "hello, ")).toBe(7);
      expect(await p.write(fds[1], "pipe")).toBe(4);
      const buf = new Uint8Array(64);
      expect(await p.read(fds[0], buf, 5)).toBe(5);
      expect(text(buf, 5)).toBe("hello");
      expect(await p.read(fds[0], buf, 64)).toBe(6);
      expect(text(buf, 6)).toBe(", pipe");
      expect(await p.close(fds[1])).toBe(0);
      expect(await p.read(fds[0], buf, 64)).toBe(0);
      expect(await p.close(fds[0])).toBe(0);
    });

    it("a read of an empty pipe waits for a write (and is restarted past its slice), a dup'd writer keeps it open", async () => {
      const { proc: p } = await sys.spawn();
      const fds = [0, 0];
      expect(await p.pipe(fds)).toBe(0);
      const extra = await p.dup(fds[1]);
      expect(extra).toBeGreaterThan(fds[1]);
      const buf = new Uint8Array(16);
      const reading = p.read(fds[0], buf, 16);
      // Longer than one slice (a quarter of the 4 s deadline: 1 s).
      await new Promise((r) => setTimeout(r, 1200));
      expect(await p.write(extra, "late")).toBe(4);
      expect(await reading).toBe(4);
      expect(text(buf, 4)).toBe("late");
      await p.close(fds[1]);
      const eof = p.read(fds[0], buf, 16);
      await new Promise((r) => setTimeout(r, 100));
      await p.close(extra); // the last writer: the waiting read sees end of file
      expect(await eof).toBe(0);
    });

    it("O_NONBLOCK: EAGAIN on an empty pipe and on a full one (64 KiB); a small write is all or nothing", async () => {
      const { proc: p } = await sys.spawn();
      const fds = [0, 0];
      expect(await p.pipe2(fds, O_NONBLOCK)).toBe(0);
      expect((await p.fcntl(fds[0], F_GETFL)) & (O_NONBLOCK | 3)).toBe(O_NONBLOCK | O_RDONLY);
      expect((await p.fcntl(fds[1], F_GETFL)) & (O_NONBLOCK | 3)).toBe(O_NONBLOCK | O_WRONLY);
      const buf = new Uint8Array(128 * 1024);
      expect(await p.read(fds[0], buf, 16)).toBe(-1);
      expect(p.errno).toBe(E.EAGAIN);
      expect(await p.write(fds[1], new Uint8Array(100 * 1024).fill(1), 100 * 1024)).toBe(64 * 1024);
      expect(await p.write(fds[1], "x")).toBe(-1);
      expect(p.errno).toBe(E.EAGAIN);
      expect(await p.read(fds[0], buf, 100)).toBe(100);
      expect(await p.write(fds[1], new Uint8Array(200), 200)).toBe(-1); // 100 free: PIPE_BUF writes are whole
      expect(p.errno).toBe(E.EAGAIN);
      expect(await p.write(fds[1], new Uint8Array(100), 100)).toBe(100);
      expect(await p.read(fds[0], buf, buf.length)).toBe(64 * 1024);
      // F_SETFL takes O_NONBLOCK away: the read end now waits (and gets EOF when the writer closes).
      expect(await p.fcntl(fds[0], F_SETFL, 0)).toBe(0);
      const waiting = p.read(fds[0], buf, 16);
      await p.close(fds[1]);
      expect(await waiting).toBe(0);
    });

    it("write with no reader is EPIPE (SIGPIPE ignored); lseek, pread64 and pwrite64 are ESPIPE; the wrong end is EBADF", async () => {
      const { proc: p } = await sys.spawn();
      // Else SIGPIPE would end the process before it saw EPIPE (tests/processes.test.ts covers that).
      expect(await p.signal(SIGPIPE, SIG_IGN)).toBe(0);
      const fds = [0, 0];
      expect(await p.pipe(fds)).toBe(0);
      const buf = new Uint8Array(8);
      expect(await p.read(fds[1], buf, 8)).toBe(-1);
      expect(p.errno).toBe(E.EBADF);
      expect(await p.write(fds[0], "x")).toBe(-1);
      expect(p.errno).toBe(E.EBADF);
      expect(await p.lseek(fds[0], 0, SEEK_SET)).toBe(-1);
      expect(p.errno).toBe(E.ESPIPE);
      expect(await p.pread(fds[0], buf, 8, 0)).toBe(-1);
      expect(p.errno).toBe(E.ESPIPE);
      expect(await p.pwrite(fds[1], "x", 1, 0)).toBe(-1);
      expect(p.errno).toBe(E.ESPIPE);
      expect(await p.close(fds[0])).toBe(0);
      expect(await p.write(fds[1], "x")).toBe(-1);
      expect(p.errno).toBe(E.EPIPE);
    });

    it("fstat says S_IFIFO; /proc/<pid>/fd says pipe:[inode], the same inode for both ends; O_CLOEXEC sets FD_CLOEXEC", async () => {
      const { proc: p } = await sys.spawn();
      const fds = [0, 0];
      expect(await p.pipe2(fds, O_CLOEXEC)).toBe(0);
      const st = await p.fstat(fds[0]);
      expect(st).not.toBe(-1);
      if (st === -1) return;
      expect(st.st_mode & S_IFMT).toBe(S_IFIFO);
      expect(st.st_mode & 0o7777).toBe(0o600);
      expect(await p.fcntl(fds[0], F_GETFD)).toBe(FD_CLOEXEC);
      expect(await p.fcntl(fds[1], F_GETFD)).toBe(FD_CLOEXEC);
      const link = new Uint8Array(64);
      const n = await p.readlink(`/proc/${p.pid}/fd/${fds[0]}`, link, 64);
      expect(text(link, n)).toBe(`pipe:[${st.st_ino}]`);
      const m = await p.readlink(`/proc/${p.pid}/fd/${fds[1]}`, link, 64);
      expect(text(link, m)).toBe(`pipe:[${st.st_ino}]`);
    });

    it("another process, even one with the same number in hand, reaches nothing of it (its own table: EBADF)", async () => {
      const { proc: owner } = await sys.spawn();
      const { proc: other } = await sys.spawn({ uid: 1000, gid: 1000 });
      const fds = [0, 0];
      expect(await owner.pipe(fds)).toBe(0);
      expect(await owner.write(fds[1], "secret")).toBe(6);
      const buf = new Uint8Array(16);
      expect(await other.read(fds[0], buf, 16)).toBe(-1);
      expect(other.errno).toBe(E.EBADF);
      expect(await other.write(fds[1], "forged")).toBe(-1);
      expect(other.errno).toBe(E.EBADF);
      expect(await owner.read(fds[0], buf, 16)).toBe(6);
      expect(text(buf, 6)).toBe("secret");
    });

    it("refuses what Linux refuses: unknown pipe2 flags (EINVAL), a bad address (EFAULT, no descriptors made), a full table (EMFILE)", async () => {
      const { proc: p } = await sys.spawn();
      const fds = [0, 0];
      expect(await p.pipe2(fds, 0x4000_0000)).toBe(-1);
      expect(p.errno).toBe(E.EINVAL);
      expect(await p.rawSyscall(22, null)).toBe(-E.EFAULT); // raw: the kernel's −errno
      expect(await p.pipe(fds)).toBe(0);
      expect([...fds]).toEqual([3, 4]); // the EFAULT made none
      for (let fd = 5; fd < 1024; fd++) expect(await p.dup2(0, fd)).toBe(fd);
      expect(await p.close(1023)).toBe(0);
      expect(await p.pipe(fds)).toBe(-1); // one free slot is not two
      expect(p.errno).toBe(E.EMFILE);
    });
  });
}

describe("strace shows pipe and pipe2 as strace does", () => {
  let work: string;
  beforeAll(() => {
    work = mkdtempSync(join(tmpdir(), "natix-pipe-strace-"));
  });
  afterAll(() => rmSync(work, { recursive: true, force: true }));

  it("pipe([3, 4]) = 0 and pipe2([5, 6], O_NONBLOCK|O_CLOEXEC) = 0", () => {
    const prog = join(work, "pipes.mjs");
    writeFileSync(prog, `import { pipe, pipe2, fstat, O_NONBLOCK, O_CLOEXEC } from "natix/libc";\nexport default async function main() { const a = [0, 0]; await pipe(a); await pipe2(a, O_NONBLOCK | O_CLOEXEC); await fstat(5); return 0; }\n`);
    const r = natix(["strace", "--embedded", prog]);
    const lines = r.stderr.split("\n");
    expect(lines).toContain("pipe([3, 4]) = 0");
    expect(lines).toContain("pipe2([5, 6], O_NONBLOCK|O_CLOEXEC) = 0");
    expect(lines).toContain("fstat(5, {st_mode=S_IFIFO|0600, st_size=0, ...}) = 0");
  });
});
