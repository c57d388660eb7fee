/**
 * Shared segments in a running system (docs/abi.md, "Segments"): a large call's bytes go through
 * memory shared by the program and the server on one host, and the bus carries only the call —
 * measured on nats-server itself (the bytes it read from its sockets, /proc/<pid>/io). Bytes and
 * counts are the same as with every byte on the bus; a process without the right to a segment
 * is refused; a killed vfs costs no call. The two halves alone: tests/segment-door.test.ts.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { readFileSync } from "node:fs";
import { bootMode, type TestSystem } from "./helpers/modes.js";
import { E, O_CREAT, O_RDONLY, O_RDWR, O_TRUNC, type Proc } from "../build/client-libc/mod.js";
import { SEG_CALL_HEADER, SEG_HEAD, SEG_HEADER, SEG_OPEN_HEADER } from "../build/transport/segment-door.js";
import { oneHeader } from "../build/transport/headers.js";
import { ERROR_HEADER } from "../build/transport/pieces.js";

const MiB = 1024 * 1024;
const pattern = (n: number, seed: number) => Uint8Array.from({ length: n }, (_, i) => (i * 13 + (i >>> 10) + seed) & 255);
const same = (a: Uint8Array, b: Uint8Array) => Buffer.compare(Buffer.from(a), Buffer.from(b)) === 0;

/** Bytes nats-server has read from its sockets so far. */
function busBytes(sys: TestSystem): number {
  const io = readFileSync(`/proc/${sys.nats!.server!.pid}/io`, "utf8");
  return Number(/^rchar: (\d+)$/m.exec(io)![1]);
}

/** Writes `mib` MiB in 1 MiB calls, fsyncs, reads them back in 1 MiB calls; returns what the bus read meanwhile. */
async function roundTrip(sys: TestSystem, p: Proc, path: string, mib: number): Promise<{ write: number; read: number }> {
  const data = pattern(MiB, mib);
  const before = busBytes(sys);
  const fd = await p.open(path, O_CREAT | O_RDWR | O_TRUNC, 0o644);
  for (let i = 0; i < mib; i++) expect(await p.write(fd, data, MiB), `errno ${p.errno}`).toBe(MiB);
  expect(await p.fsync(fd)).toBe(0);
  expect(await p.close(fd)).toBe(0);
  const written = busBytes(sys);
  const rfd = await p.open(path, O_RDONLY);
  const back = new Uint8Array(MiB);
  for (let i = 0; i < mib; i++) {
    expect(await p.read(rfd, back, MiB)).toBe(MiB);
    expect(same(back, data)).toBe(true);
  }
  expect(await p.read(rfd, back, MiB)).toBe(0);
  expect(await p.close(rfd)).toBe(0);
  return { write: written - before, read: busBytes(sys) - written };
}

for (const mode of ["micro", "mono"] as const) {
  describe(`shared segments (${mode})`, () => {
    let sys: TestSystem;
    beforeAll(async () => {
      sys = await bootMode(mode, { deadlineMs: 15_000 });
    }, 60_000);
    afterAll(async () => {
      await sys?.stop();
    });

    it("8 MiB written and read back in 1 MiB calls: the same bytes, and the bus carries a small part of what it carries without", async () => {
      const { proc: shared } = await sys.spawn();
      const { proc: bus } = await sys.spawn({ segmentBytes: 0 });
      const viaBus = await roundTrip(sys, bus, "/tmp/seg-bus", 8);
      const viaSegment = await roundTrip(sys, shared, "/tmp/seg-shared", 8);
      // Without a segment every byte crosses nats-server (once to vfs, once more to blk in micro).
      expect(viaBus.write).toBeGreaterThan(8 * MiB);
      expect(viaBus.read).toBeGreaterThan(8 * MiB);
      // With one, the calls' headers, the log lines and the journal's small messages remain.
      expect(viaSegment.write).toBeLessThan(MiB);
      expect(viaSegment.read).toBeLessThan(MiB / 4);
    }, 120_000);

    it("a large read lands in the program's buffer and nowhere else: bytes past the count, and around a view, untouched", async () => {
      const { proc } = await sys.spawn();
      const size = MiB + MiB / 2;
      const data = pattern(size, 7);
      const fd = await proc.open("/tmp/seg-into", O_CREAT | O_RDWR | O_TRUNC, 0o644);
      expect(await proc.write(fd, data, size)).toBe(size);
      // Twice: the first large reply comes in messages, the next through the segment.
      for (let round = 0; round < 2; round++) {
        const buf = new Uint8Array(2 * MiB).fill(0xee);
        expect(await proc.pread(fd, buf, 2 * MiB, 0), `errno ${proc.errno}`).toBe(size);
        expect(same(buf.subarray(0, size), data)).toBe(true);
        expect(buf.subarray(size).every((b) => b === 0xee)).toBe(true);
      }
      const big = new Uint8Array(MiB + 200).fill(0x11);
      const view = big.subarray(100, 100 + MiB);
      const before = busBytes(sys);
      expect(await proc.pread(fd, view, MiB, MiB / 2)).toBe(MiB);
      expect(busBytes(sys) - before).toBeLessThan(MiB / 4);
      expect(same(view, data.subarray(MiB / 2, MiB / 2 + MiB))).toBe(true);
      expect(big.subarray(0, 100).every((b) => b === 0x11) && big.subarray(100 + MiB).every((b) => b === 0x11)).toBe(true);
      // At the end of the file: 0 bytes, the buffer as it was.
      const end = new Uint8Array(MiB).fill(0x22);
      expect(await proc.pread(fd, end, MiB, size)).toBe(0);
      expect(end.every((b) => b === 0x22)).toBe(true);
      expect(await proc.close(fd)).toBe(0);
    }, 120_000);

    it("a process cannot use a segment that is not its own, nor point the door outside its own", async () => {
      const { proc: victim } = await sys.spawn();
      const { proc: attacker } = await sys.spawn();
      // The victim has a segment with vfs (or the monolith).
      await roundTrip(sys, victim, "/tmp/seg-victim", 1);
      const nc = attacker.busConnection()!;
      const own = mode === "micro" ? `natix.srv.vfs.${attacker.pid}` : `natix.sys.${attacker.pid}`;
      const ask = (subject: string, header: string, value: string, body = new Uint8Array(0)) =>
        nc.request(subject, body, { headers: oneHeader(header, value), timeout: 2000 }).then(
          (m) => (m.headers?.get(SEG_HEADER) ? `granted` : `errno ${m.headers?.get(ERROR_HEADER)}`),
          (err: Error) => `refused: ${err.message}`,
        );
      // No segment of its own yet, or an id it made up: stale.
      expect(await ask(own, SEG_CALL_HEADER, `abcdef ${SEG_HEAD} 64`, new Uint8Array(40))).toBe(`errno ${E.ESTALE}`);
      // Its own segment, and numbers outside it.
      const grant = await nc.request(own, new Uint8Array(0), { headers: oneHeader(SEG_OPEN_HEADER, String(MiB)), timeout: 2000 });
      const id = grant.headers!.get(SEG_HEADER).split(" ")[0];
      expect(await ask(own, SEG_CALL_HEADER, `${id} 0 64`, new Uint8Array(40))).toBe(`errno ${E.EFAULT}`);
      expect(await ask(own, SEG_CALL_HEADER, `${id} ${SEG_HEAD} 64 ${MiB} 4096`)).toBe(`errno ${E.EFAULT}`);
      expect(await ask(own, SEG_CALL_HEADER, `${id} ${SEG_HEAD} 64 ${SEG_HEAD} ${2 ** 40}`)).toBe(`errno ${E.E2BIG}`);
      // Another process's door, and the disk driver's, are not its to speak to at all.
      const theirs = mode === "micro" ? `natix.srv.vfs.${victim.pid}` : `natix.sys.${victim.pid}`;
      expect(await ask(theirs, SEG_OPEN_HEADER, String(MiB))).toMatch(/^refused: .*(Permissions Violation|permission)/i);
      expect(await ask("natix.drv.blk", SEG_OPEN_HEADER, String(MiB))).toMatch(/^refused: .*(Permissions Violation|permission)/i);
      // Nothing was harmed: the victim's segment and data are intact.
      const again = await roundTrip(sys, victim, "/tmp/seg-victim", 2);
      expect(again.read).toBeLessThan(MiB / 4);
      await attacker.exit(0);
    }, 120_000);

    if (mode === "micro") {
      it("vfs killed between two large reads: the next read is whole (its segment was the dead server's; a new one is made)", async () => {
        const { proc } = await sys.spawn();
        await roundTrip(sys, proc, "/tmp/seg-kill", 2);
        sys.system!.children.get("vfs")!.kill("SIGKILL");
        await sys.system!.restart("vfs");
        const fd = await proc.open("/tmp/seg-kill", O_RDONLY);
        expect(fd, `errno ${proc.errno}`).toBeGreaterThanOrEqual(0);
        const back = new Uint8Array(MiB);
        expect(await proc.read(fd, back, MiB)).toBe(MiB);
        expect(same(back, pattern(MiB, 2))).toBe(true);
        const before = busBytes(sys);
        expect(await proc.read(fd, back, MiB)).toBe(MiB);
        expect(busBytes(sys) - before).toBeLessThan(MiB / 4); // through a new segment again
        expect(await proc.close(fd)).toBe(0);
      }, 120_000);
    }
  });
}
