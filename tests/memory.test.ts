/**
 * The memory server: /proc/<pid>/maps after mmap/munmap/mprotect/mremap compared with what
 * Linux prints for the same sequence (a C program built here), the heap, Linux's errno rules,
 * file mappings, EFAULT on bad access, limits, and the accounting in /proc.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { execFileSync, spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  E, MAP_ANONYMOUS, MAP_FIXED, MAP_FIXED_NOREPLACE, MAP_PRIVATE, MAP_SHARED, MADV_DONTNEED, MREMAP_MAYMOVE, O_CREAT, O_RDONLY,
  O_RDWR, O_WRONLY, PROT_NONE, PROT_READ, PROT_WRITE, PROT_EXEC, RLIMIT_AS, RLIMIT_NOFILE, RLIMIT_STACK, type Proc,
} from "../build/client-libc/mod.js";
import { bootMode, MODES, type TestSystem } from "./helpers/modes.js";

const P = 4096;
const A = 0x7e0000000000;
const RW = PROT_READ | PROT_WRITE;
const ANON = MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED;

/** One sequence of memory calls, for natix (Proc) and for C (its source). */
const SEQUENCE: { c: string; run(p: Proc): Promise<number> }[] = [
  { c: `mmap((void*)${A}UL, 16*P, PROT_READ|PROT_WRITE, ANON, -1, 0)`, run: (p) => p.mmap(A, 16 * P, RW, ANON) },
  { c: `mprotect((void*)(${A}UL+4*P), 2*P, PROT_READ)`, run: (p) => p.mprotect(A + 4 * P, 2 * P, PROT_READ) },
  { c: `munmap((void*)(${A}UL+10*P), 2*P)`, run: (p) => p.munmap(A + 10 * P, 2 * P) },
  { c: `mmap((void*)(${A}UL+20*P), 4*P, PROT_READ, ANON, -1, 0)`, run: (p) => p.mmap(A + 20 * P, 4 * P, PROT_READ, ANON) },
  { c: `mmap((void*)(${A}UL+24*P), 4*P, PROT_READ, ANON, -1, 0)`, run: (p) => p.mmap(A + 24 * P, 4 * P, PROT_READ, ANON) },
  { c: `mremap((void*)(${A}UL+20*P), 8*P, 12*P, 0)`, run: (p) => p.mremap(A + 20 * P, 8 * P, 12 * P, 0) },
  { c: `mmap((void*)(${A}UL+40*P), 2*P, PROT_NONE, ANON, -1, 0)`, run: (p) => p.mmap(A + 40 * P, 2 * P, PROT_NONE, ANON) },
  { c: `mmap((void*)(${A}UL+50*P), 6*P, PROT_READ|PROT_WRITE, ANON, -1, 0)`, run: (p) => p.mmap(A + 50 * P, 6 * P, RW, ANON) },
  { c: `mprotect((void*)(${A}UL+52*P), 1*P, PROT_READ|PROT_EXEC)`, run: (p) => p.mprotect(A + 52 * P, P, PROT_READ | PROT_EXEC) },
  { c: `mprotect((void*)(${A}UL+4*P), 2*P, PROT_READ|PROT_WRITE)`, run: (p) => p.mprotect(A + 4 * P, 2 * P, RW) },
  { c: `munmap((void*)(${A}UL+54*P), 2*P)`, run: (p) => p.munmap(A + 54 * P, 2 * P) },
];

/** The maps lines of [A, A + 1 MiB) that Linux prints after SEQUENCE, or undefined without cc. */
function linuxMaps(): string[] | undefined {
  if (spawnSync("cc", ["--version"]).status !== 0) return undefined;
  const dir = mkdtempSync(join(tmpdir(), "natix-maps-"));
  try {
    const calls = SEQUENCE.map((s) => `  if ((long)${s.c} == -1L) { perror("${s.c.split("(")[0]}"); return 1; }`).join("\n");
    writeFileSync(
      join(dir, "m.c"),
      `#define _GNU_SOURCE
#include <stdio.h>
#include <string.h>
#include <stdlib.h>
#include <sys/mman.h>
#define P 4096UL
#define ANON (MAP_PRIVATE|MAP_ANONYMOUS|MAP_FIXED)
int main(void) {
${calls}
  FILE *f = fopen("/proc/self/maps", "r");
  char line[512];
  while (fgets(line, sizeof line, f)) {
    unsigned long start = strtoul(line, NULL, 16);
    if (start >= ${A}UL && start < ${A}UL + 0x100000UL) fputs(line, stdout);
  }
  return 0;
}
`,
    );
    execFileSync("cc", ["-o", join(dir, "m"), join(dir, "m.c")]);
    return execFileSync(join(dir, "m"), { encoding: "utf8" }).split("\n").filter(Boolean);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

async function readText(p: Proc, path: string): Promise<string> {
  const fd = await p.open(path, O_RDONLY);
  expect(fd, `open ${path}`).toBeGreaterThan(2);
  const buf = new Uint8Array(64 * 1024);
  const n = await p.read(fd, buf, buf.length);
  await p.close(fd);
  return Buffer.from(buf.subarray(0, n)).toString();
}

const statusField = (text: string, key: string) => Number(new RegExp(`^${key}:\\s+(\\d+) kB$`, "m").exec(text)![1]);

const linux = linuxMaps();

it("a C compiler is here to show what Linux prints", () => {
  expect(linux, "cc is needed for the comparison with Linux").toBeDefined();
  expect(linux!.length).toBeGreaterThan(3);
});

for (const mode of MODES) {
  describe(`memory server (${mode})`, () => {
    let sys: TestSystem;
    beforeAll(async () => {
      sys = await bootMode(mode);
    });
    afterAll(async () => sys?.stop());

    it("/proc/self/maps after mmap/mprotect/munmap/mremap is what Linux prints for the same calls", async () => {
      const { proc } = await sys.spawn();
      for (const s of SEQUENCE) expect(await s.run(proc), s.c).not.toBe(-1);
      const lines = (await readText(proc, "/proc/self/maps")).split("\n").filter((l) => {
        const start = parseInt(l, 16);
        return start >= A && start < A + 0x100000;
      });
      expect(lines).toEqual(linux);
    });

    it("madvise and munmap of the whole address space cost what the process touched, not the range (found by fuzzing: a 4 TiB munmap stalled the server)", async () => {
      const { proc } = await sys.spawn();
      const other = (await sys.spawn()).proc;
      expect(await proc.mmap(A, 2 * P, RW, ANON)).toBe(A);
      expect(await proc.poke(A + 1, "kept")).toBe(4);
      // 2^35 pages: walking them one by one would take minutes (and this test's timeout).
      expect(await proc.madvise(A, 0x7ffffffff000 - A, MADV_DONTNEED)).toBe(-1);
      expect(proc.errno).toBe(E.ENOMEM); // the range is not all mapped, as Linux says
      expect(await proc.madvise(A, 2 * P, MADV_DONTNEED)).toBe(0);
      expect(await proc.peek(A + 1, 4)).toEqual(new Uint8Array(4));
      expect(await proc.poke(A + P, "gone soon")).toBe(9);
      expect(await proc.munmap(0, 0x7ffffffff000)).toBe(0);
      expect(await proc.peek(A + P, 1)).toBe(null);
      // The server kept serving everyone meanwhile.
      expect(await other.mmap(A, P, RW, ANON)).toBe(A);
    });

    it("brk grows and shrinks the [heap] mapping; sbrk returns the old break", async () => {
      const { proc } = await sys.spawn();
      const base = await proc.sbrk(0);
      expect(base).toBe(0x555555559000);
      expect(await proc.sbrk(10000)).toBe(base);
      expect(await proc.sbrk(0)).toBe(base + 10000);
      let maps = await readText(proc, "/proc/self/maps");
      expect(maps).toContain("555555559000-55555555c000 rw-p 00000000 00:00 0                          [heap]\n");
      expect(await proc.brk(base + 100)).toBe(0);
      maps = await readText(proc, "/proc/self/maps");
      expect(maps).toContain("555555559000-55555555a000 rw-p 00000000 00:00 0                          [heap]\n");
      expect(maps.split("\n").at(-2)).toBe("7ffffffde000-7ffffffff000 rw-p 00000000 00:00 0                          [stack]");
    });

    it("Linux's errno rules: EINVAL for bad arguments, ENOMEM for unmapped ranges and limits, EEXIST for FIXED_NOREPLACE", async () => {
      const t = await sys.spawn();
      const p = t.proc;
      const fails = async (r: Promise<number>, errno: number) => {
        expect(await r).toBe(-1);
        expect(p.errno).toBe(errno);
      };
      await fails(p.mmap(0, 0, RW, MAP_PRIVATE | MAP_ANONYMOUS), E.EINVAL);
      await fails(p.mmap(A + 1, P, RW, ANON), E.EINVAL);
      await fails(p.mmap(0, P, RW, MAP_ANONYMOUS), E.EINVAL);
      await fails(p.mmap(0, P, RW, MAP_PRIVATE | MAP_ANONYMOUS, -1, 100), E.EINVAL);
      await fails(p.munmap(A + 1, P), E.EINVAL);
      await fails(p.munmap(A, 0), E.EINVAL);
      await fails(p.mprotect(A, P, PROT_READ), E.ENOMEM);
      await fails(p.mprotect(A + 1, P, PROT_READ), E.EINVAL);
      await fails(p.madvise(A, P, MADV_DONTNEED), E.ENOMEM);
      await fails(p.madvise(A, P, 999), E.EINVAL);
      expect(await p.mmap(A, 2 * P, RW, ANON)).toBe(A);
      await fails(p.mmap(A + P, P, RW, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE), E.EEXIST);
      // Its next page belongs to the same mapping, so the first page cannot grow in place.
      await fails(p.mremap(A, P, 4 * P, 0), E.ENOMEM);
    });

    it("mremap grows in place when it can, moves with MREMAP_MAYMOVE when it cannot, and keeps the bytes", async () => {
      const { proc: p } = await sys.spawn();
      expect(await p.mmap(A, 2 * P, RW, ANON)).toBe(A);
      expect(await p.mmap(A + 2 * P, P, RW, ANON)).toBe(A + 2 * P);
      expect(await p.mprotect(A + 2 * P, P, PROT_READ)).toBe(0);
      expect(await p.poke(A + 10, "moved bytes")).toBe(11);
      expect(await p.mremap(A, 2 * P, 4 * P, 0)).toBe(-1);
      expect(p.errno).toBe(E.ENOMEM);
      const moved = await p.mremap(A, 2 * P, 4 * P, MREMAP_MAYMOVE);
      expect(moved).not.toBe(A);
      expect(Buffer.from((await p.peek(moved + 10, 11))!).toString()).toBe("moved bytes");
      expect(await p.peek(A + 10, 1)).toBe(null);
      expect(p.errno).toBe(E.EFAULT);
      expect(await p.mremap(moved, 4 * P, P, 0)).toBe(moved);
    });

    it("EFAULT on unmapped, PROT_NONE and read-only access; a read that runs into a hole is partial", async () => {
      const { proc: p } = await sys.spawn();
      expect(await p.peek(0x1000, 8)).toBe(null);
      expect(p.errno).toBe(E.EFAULT);
      expect(await p.mmap(A, P, PROT_NONE, ANON)).toBe(A);
      expect(await p.peek(A, 8)).toBe(null);
      expect(p.errno).toBe(E.EFAULT);
      expect(await p.mmap(A + 4 * P, P, PROT_READ, ANON)).toBe(A + 4 * P);
      expect(await p.poke(A + 4 * P, "x")).toBe(-1);
      expect(p.errno).toBe(E.EFAULT);
      expect(await p.mmap(A + 8 * P, P, RW, ANON)).toBe(A + 8 * P);
      const got = await p.peek(A + 9 * P - 4, 100);
      expect(got?.length).toBe(4);
      expect(await p.poke(A + 9 * P - 4, "abcdefgh")).toBe(4);
    });

    it("pages are demand-zero; MADV_DONTNEED gives them back as zeros", async () => {
      const { proc: p } = await sys.spawn();
      const a = await p.mmap(0, 2 * P, RW, MAP_PRIVATE | MAP_ANONYMOUS);
      expect(Array.from((await p.peek(a, 4))!)).toEqual([0, 0, 0, 0]);
      expect(await p.poke(a + P, "data")).toBe(4);
      expect(Buffer.from((await p.peek(a + P, 4))!).toString()).toBe("data");
      expect(await p.madvise(a, 2 * P, MADV_DONTNEED)).toBe(0);
      expect(Array.from((await p.peek(a + P, 4))!)).toEqual([0, 0, 0, 0]);
    });

    it("file mappings: read-only and private, with the file's path in maps; writable shared ones are refused", async () => {
      const { proc: p } = await sys.spawn();
      const path = `/tmp/mapped-${mode}-${p.pid}`;
      const fd = await p.open(path, O_CREAT | O_RDWR, 0o644);
      expect(await p.write(fd, "file bytes here")).toBe(15);
      const a = await p.mmap(0, P, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
      expect(a).toBeGreaterThan(0);
      expect(Buffer.from((await p.peek(a, 15))!).toString()).toBe("file bytes here");
      expect(await p.poke(a, "FILE")).toBe(4);
      const buf = new Uint8Array(4);
      expect(await p.pread(fd, buf, 4, 0)).toBe(4);
      expect(Buffer.from(buf).toString()).toBe("file");
      expect(await readText(p, "/proc/self/maps")).toMatch(new RegExp(`^${a.toString(16)}-[0-9a-f]+ rw-p 00000000 08:01 \\d+ +${path}$`, "m"));
      expect(await p.mmap(0, P, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0)).toBe(-1);
      expect(p.errno).toBe(E.ENODEV);
      const wo = await p.open(path, O_WRONLY);
      expect(await p.mmap(0, P, PROT_READ, MAP_PRIVATE, wo, 0)).toBe(-1);
      expect(p.errno).toBe(E.EACCES);
      expect(await p.mmap(0, P, PROT_READ, MAP_PRIVATE, 99, 0)).toBe(-1);
      expect(p.errno).toBe(E.EBADF);
    });

    it("RLIMIT_AS and the system's memory cap mmap with ENOMEM; limits follow setrlimit's rules", async () => {
      const { proc: p } = await sys.spawn({ uid: 1000, gid: 1000 });
      expect(await p.getrlimit(RLIMIT_STACK)).toEqual({ rlim_cur: 8 * 1024 * 1024, rlim_max: Infinity });
      expect(await p.getrlimit(RLIMIT_NOFILE)).toEqual({ rlim_cur: 1024, rlim_max: 4096 });
      expect(await p.mmap(0, 2 * 1024 * 1024 * 1024, RW, MAP_PRIVATE | MAP_ANONYMOUS)).toBe(-1);
      expect(p.errno).toBe(E.ENOMEM);
      expect(await p.setrlimit(RLIMIT_AS, { rlim_cur: 4 * 1024 * 1024, rlim_max: 64 * 1024 * 1024 })).toBe(0);
      expect(await p.mmap(0, 8 * 1024 * 1024, RW, MAP_PRIVATE | MAP_ANONYMOUS)).toBe(-1);
      expect(p.errno).toBe(E.ENOMEM);
      expect(await p.mmap(0, 1024 * 1024, RW, MAP_PRIVATE | MAP_ANONYMOUS)).toBeGreaterThan(0);
      expect(await p.setrlimit(RLIMIT_AS, { rlim_cur: 1, rlim_max: 128 * 1024 * 1024 })).toBe(-1);
      expect(p.errno).toBe(E.EPERM);
      expect(await p.setrlimit(RLIMIT_AS, { rlim_cur: 100, rlim_max: 50 })).toBe(-1);
      expect(p.errno).toBe(E.EINVAL);
      expect(await p.getrlimit(99)).toBe(-1);
      expect(p.errno).toBe(E.EINVAL);
    });

    it("/proc/<pid>/status and /proc/meminfo account for what is mapped and touched", async () => {
      const { proc: p } = await sys.spawn();
      const before = await readText(p, "/proc/self/status");
      expect(before).toMatch(/^Name:\ttest$/m);
      expect(before).toMatch(new RegExp(`^Pid:\\t${p.pid}$`, "m"));
      const meminfo = await readText(p, "/proc/meminfo");
      expect(meminfo).toMatch(/^MemTotal:\s+1048576 kB$/m);
      const a = await p.mmap(0, 1024 * 1024, RW, MAP_PRIVATE | MAP_ANONYMOUS);
      expect(await p.poke(a, new Uint8Array(10 * P).fill(1))).toBe(10 * P);
      const after = await readText(p, "/proc/self/status");
      expect(statusField(after, "VmSize") - statusField(before, "VmSize")).toBe(1024);
      expect(statusField(after, "VmRSS") - statusField(before, "VmRSS")).toBe(40);
      expect(statusField(after, "VmStk")).toBe(132);
    });

    it("process_vm_readv on another process: the same user may, another may not (EPERM); a missing pid is ESRCH", async () => {
      const owner = (await sys.spawn({ uid: 1000, gid: 1000 })).proc;
      const a = await owner.mmap(0, P, RW, MAP_PRIVATE | MAP_ANONYMOUS);
      expect(await owner.poke(a, "shared secret")).toBe(13);
      const same = (await sys.spawn({ uid: 1000, gid: 1000 })).proc;
      const buf = new Uint8Array(13);
      expect(await same.process_vm_readv(owner.pid, [buf], [{ iov_base: a, iov_len: 13 }])).toBe(13);
      expect(Buffer.from(buf).toString()).toBe("shared secret");
      const other = (await sys.spawn({ uid: 1001, gid: 1001 })).proc;
      expect(await other.process_vm_readv(owner.pid, [buf], [{ iov_base: a, iov_len: 13 }])).toBe(-1);
      expect(other.errno).toBe(E.EPERM);
      expect(await other.process_vm_writev(owner.pid, [buf], [{ iov_base: a, iov_len: 13 }])).toBe(-1);
      expect(other.errno).toBe(E.EPERM);
      expect(await same.process_vm_readv(99999, [buf], [{ iov_base: a, iov_len: 13 }])).toBe(-1);
      expect(same.errno).toBe(E.ESRCH);
      const root = (await sys.spawn({ uid: 0, gid: 0 })).proc;
      expect(await root.prlimit(owner.pid, RLIMIT_AS, null)).toEqual({ rlim_cur: Infinity, rlim_max: Infinity });
    });
  });
}
