/**
 * One read or write moves all its bytes, as on Linux (issue 12, "whole writes"): a frame larger
 * than one NATS message travels as pieces (transport/pieces.ts) and every handler, the kernel's
 * routing and strace see one call. Run in micro (direct and forward routing), mono and
 * embedded; the refusals of hostile pieces are tests/pieces.test.ts.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { bootMode, type ModeName, type TestSystem } from "./helpers/modes.js";
import { natix } from "./helpers/cli.js";
import { O_APPEND, O_CREAT, O_RDONLY, O_RDWR, O_TRUNC, O_WRONLY, SEEK_SET } from "../build/client-libc/mod.js";
import { LIMITS } from "../build/kernel-core/abi/limits.js";
import type { RoutingMode } from "../build/kernel-core/kernel.js";

const MiB = 1024 * 1024;
const CAP = LIMITS.MAX_XFER;

/** Bytes that differ at every offset within 64 MiB, so a misplaced piece shows. */
function pattern(n: number, seed = 0): Uint8Array {
  const b = new Uint8Array(n);
  for (let i = 0; i < n; i++) b[i] = (i + seed + (i >>> 8) * 31 + (i >>> 16) * 7) & 0xff;
  return b;
}

const same = (a: Uint8Array, b: Uint8Array) => Buffer.compare(Buffer.from(a.buffer, a.byteOffset, a.byteLength), Buffer.from(b.buffer, b.byteOffset, b.byteLength)) === 0;

/** `largest`: the 64 MiB + 1 call too (the cap is libc's and the kernel's, the same in every mode: two modes show it, for the suite's time). */
const VARIANTS: { label: string; mode: ModeName; routing?: RoutingMode; largest?: boolean }[] = [
  { label: "micro, direct", mode: "micro", routing: "direct", largest: true },
  { label: "micro, forward", mode: "micro", routing: "forward" },
  { label: "mono", mode: "mono" },
  { label: "embedded", mode: "embedded", largest: true },
];

for (const v of VARIANTS) {
  describe(`whole transfers (${v.label})`, () => {
    let sys: TestSystem;
    beforeAll(async () => {
      // What is asserted is byte counts and bytes, never speed: a deadline of 15 s (a 64 MiB call
      // gets 17 of them) keeps a 2-core machine busy with other suites from failing a call.
      sys = await bootMode(v.mode, { routing: v.routing, deadlineMs: 15_000 });
    });
    afterAll(async () => {
      await sys?.stop();
    });

    for (const size of v.largest ? [1 * MiB, 5 * MiB, CAP + 1] : [1 * MiB, 5 * MiB]) {
      it(`write(fd, ${size} bytes) returns ${Math.min(size, CAP)}; one read() gives them back byte for byte`, async () => {
        const { proc } = await sys.spawn();
        const path = `/tmp/whole-${size}`;
        const fd = await proc.open(path, O_CREAT | O_RDWR | O_TRUNC, 0o644);
        const data = pattern(size);
        expect(await proc.write(fd, data, size), `errno ${proc.errno}`).toBe(Math.min(size, CAP));
        expect(await proc.lseek(fd, 0, SEEK_SET)).toBe(0);
        const back = new Uint8Array(size);
        expect(await proc.read(fd, back, size), `errno ${proc.errno}`).toBe(Math.min(size, CAP));
        expect(same(back.subarray(0, Math.min(size, CAP)), data.subarray(0, Math.min(size, CAP)))).toBe(true);
        expect(await proc.close(fd)).toBe(0);
        expect(await proc.unlink(path)).toBe(0);
      }, 300_000);
    }

    it("pwrite64 and pread64 of 3 MiB at an offset; a read past the end is short", async () => {
      const { proc } = await sys.spawn();
      const fd = await proc.open("/tmp/whole-p", O_CREAT | O_RDWR | O_TRUNC, 0o644);
      const data = pattern(3 * MiB, 5);
      expect(await proc.pwrite(fd, data, data.length, MiB)).toBe(3 * MiB);
      const back = new Uint8Array(3 * MiB);
      expect(await proc.pread(fd, back, back.length, MiB)).toBe(3 * MiB);
      expect(same(back, data)).toBe(true);
      // The file is 4 MiB: 5 MiB asked from 2 MiB on gives the 2 MiB there are, then end of file.
      const tail = new Uint8Array(5 * MiB);
      expect(await proc.pread(fd, tail, tail.length, 2 * MiB)).toBe(2 * MiB);
      expect(same(tail.subarray(0, 2 * MiB), data.subarray(MiB))).toBe(true);
      expect(await proc.lseek(fd, 3 * MiB, SEEK_SET)).toBe(3 * MiB);
      expect(await proc.read(fd, tail, tail.length)).toBe(MiB);
      expect(await proc.read(fd, tail, tail.length)).toBe(0);
      expect(await proc.close(fd)).toBe(0);
      expect(await proc.unlink("/tmp/whole-p")).toBe(0);
    }, 120_000);

    it("writev and readv of iovecs totalling 6 MiB move everything in one call", async () => {
      const { proc } = await sys.spawn();
      const fd = await proc.open("/tmp/whole-v", O_CREAT | O_RDWR | O_TRUNC, 0o644);
      const parts = [pattern(2 * MiB, 1), pattern(17, 2), pattern(4 * MiB - 17, 3)];
      expect(await proc.writev(fd, parts)).toBe(6 * MiB);
      expect(await proc.lseek(fd, 0, SEEK_SET)).toBe(0);
      const into = [new Uint8Array(MiB + 3), new Uint8Array(3 * MiB), new Uint8Array(2 * MiB - 3)];
      expect(await proc.readv(fd, into)).toBe(6 * MiB);
      expect(same(Buffer.concat(into), Buffer.concat(parts))).toBe(true);
      expect(await proc.close(fd)).toBe(0);
      expect(await proc.unlink("/tmp/whole-v")).toBe(0);
    }, 120_000);

    it("two processes appending 3 MiB records at once: whole records, back to back, never interleaved", async () => {
      const path = "/tmp/whole-append";
      const writers = await Promise.all([sys.spawn(), sys.spawn()]);
      const records = [new Uint8Array(3 * MiB).fill(0x41), new Uint8Array(3 * MiB).fill(0x42)];
      const fds = await Promise.all(writers.map(({ proc }) => proc.open(path, O_CREAT | O_WRONLY | O_APPEND, 0o644)));
      // Each appends twice, both at once: four records in some order.
      const counts = await Promise.all(
        writers.map(async ({ proc }, i) => [await proc.write(fds[i], records[i], 3 * MiB), await proc.write(fds[i], records[i], 3 * MiB)]),
      );
      expect(counts.flat()).toEqual([3 * MiB, 3 * MiB, 3 * MiB, 3 * MiB]);
      const { proc: reader } = await sys.spawn();
      const fd = await reader.open(path, O_RDONLY);
      const all = new Uint8Array(12 * MiB + 1);
      expect(await reader.read(fd, all, all.length)).toBe(12 * MiB);
      const order: string[] = [];
      for (let r = 0; r < 4; r++) {
        const record = all.subarray(r * 3 * MiB, (r + 1) * 3 * MiB);
        const letter = record[0];
        expect(record.every((b) => b === letter)).toBe(true);
        order.push(String.fromCharCode(letter));
      }
      expect(order.sort()).toEqual(["A", "A", "B", "B"]);
      await reader.close(fd);
      await reader.unlink(path);
    }, 120_000);

    it("strace shows a 2 MiB write as one line with its whole count", () => {
      const target = v.mode === "embedded" ? ["--embedded"] : ["--nats", sys.natsUrl!];
      const r = natix(["strace", ...target, "tests/xfer/write-2m.mjs", "/tmp/strace-2m"]);
      expect(r.status).toBe(0);
      const writes = r.stderr.split("\n").filter((l) => l.startsWith("write("));
      expect(writes).toHaveLength(1);
      expect(writes[0]).toMatch(/^write\(\d+, "aaaa.*"\.\.\., 2097152\) = 2097152$/);
    }, 120_000);
  });
}
