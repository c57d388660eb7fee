/**
 * The disk path's pipelining keeps the journal's order: the filesystem runs on a real disk image
 * behind the real blk endpoint over a real nats-server, with the driver side recording when each
 * request began and ended. Several requests are in flight at once (log blocks, home blocks, a
 * sequential reader's read-ahead), yet no commit record is written before a flush that ended
 * after every log block it names was written, and no home block before a flush that ended after
 * the commit record was written. Blocks written in place (fresh blocks, not logged) are on disk
 * before the record; a block a file had on disk and gave up in a transaction not yet installed is
 * never written in place; a transaction is sealed between operations only. Read-ahead and write
 * coalescing are checked by their bytes.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pino from "pino";
import type { NatsConnection, Subscription } from "@nats-io/transport-node";
import { startTestNats, type TestNats } from "./helpers/nats.js";
import { makeFilesystem } from "../build/system/disk.js";
import { openImage } from "../build/servers/blk/image.js";
import type { BlockDevice } from "../build/servers/blk/device.js";
import { blkEndpoint, blkOverLink } from "../build/servers/blk/protocol.js";
import { natsBlkLink } from "../build/services/nats/blk-link.js";
import { FileSystem } from "../build/servers/fs/filesystem.js";
import { BlockCache } from "../build/servers/fs/cache.js";
import { fsck } from "../build/servers/fs/fsck.js";
import { ROOT_INO } from "../build/servers/fs/layout.js";
import { O } from "../build/kernel-core/abi/fcntl.js";

const log = pino({ level: "silent" });
const root = { uid: 0, gid: 0, euid: 0, egid: 0 };
const SUBJECT = "natix.drv.blk";
const LOG_START = 1;
const LOG_MAGIC = 0x474c584e;

interface Event {
  at: "begin" | "end";
  op: "read" | "write" | "flush";
  block: number;
  count: number;
  /** For a write of the log header: the blocks its commit record names (empty when it clears it). */
  names?: number[];
}

/** The real image, recording each request as the driver starts and finishes it. */
function recording(image: BlockDevice, events: Event[]): BlockDevice {
  const header = (data: Uint8Array) => {
    const v = new DataView(data.buffer, data.byteOffset, data.byteLength);
    if (v.getUint32(0, true) !== LOG_MAGIC) return [];
    return Array.from({ length: v.getUint32(8, true) }, (_, i) => v.getUint32(16 + i * 4, true));
  };
  const around = async <T>(e: Omit<Event, "at">, run: () => Promise<T>): Promise<T> => {
    events.push({ at: "begin", ...e });
    const r = await run();
    events.push({ at: "end", ...e });
    return r;
  };
  return {
    blockSize: image.blockSize,
    blocks: () => image.blocks(),
    read: (block, count) => around({ op: "read", block, count }, () => image.read(block, count)),
    write: (block, data) => {
      const count = data.length / image.blockSize;
      const names = block === LOG_START ? header(data.subarray(0, image.blockSize)) : undefined;
      return around({ op: "write", block, count, names }, () => image.write(block, data));
    },
    flush: () => around({ op: "flush", block: 0, count: 0 }, () => image.flush()),
  };
}

/** Index of the first event at or after `from` matching `pred`, or -1. */
const find = (events: Event[], from: number, pred: (e: Event) => boolean) => {
  for (let i = from; i < events.length; i++) if (pred(events[i])) return i;
  return -1;
};

/**
 * Checks the journal's order on a recorded trace; returns how many commits it saw, and how many
 * writes of blocks written in place (fresh blocks, not logged) came before their commit record.
 */
function checkCommitOrder(events: Event[]): { commits: number; inPlace: number } {
  let commits = 0;
  let inPlace = 0;
  let lastCleared = -1;
  events.forEach((e, i) => {
    if (e.at === "begin" && e.op === "write" && e.block === LOG_START && e.names?.length === 0) lastCleared = i;
    if (!(e.at === "begin" && e.op === "write" && e.block === LOG_START && e.names && e.names.length > 0)) return;
    commits++;
    const logged = e.names.length;
    // The last flush that ended before the commit record was begun...
    let flushEnd = -1;
    for (let k = i - 1; k >= 0; k--) if (events[k].at === "end" && events[k].op === "flush") { flushEnd = k; break; }
    expect(flushEnd, "a flush ends before the commit record is written").toBeGreaterThanOrEqual(0);
    const flushBegin = events.slice(0, flushEnd).map((x, k) => [x, k] as const).filter(([x]) => x.at === "begin" && x.op === "flush").pop()![1];
    // ...began after every log block the record names had been written (the write ended).
    for (let b = LOG_START + 1; b <= LOG_START + logged; b++) {
      let written = -1;
      for (let k = flushBegin; k >= 0; k--) {
        const x = events[k];
        if (x.at === "end" && x.op === "write" && x.block <= b && b < x.block + x.count) { written = k; break; }
      }
      expect(written, `log block ${b} is written before the flush that precedes commit record`).toBeGreaterThanOrEqual(0);
      const rewritten = find(events, flushBegin, (x) => x.op === "write" && x.block <= b && b < x.block + x.count && x.block !== LOG_START);
      expect(rewritten === -1 || rewritten > i, `log block ${b} is not written again before its commit record`).toBe(true);
    }
    // Blocks written in place (outside the log, since the previous record was cleared) are on
    // disk before the record that makes a file point at them: written before that same flush.
    for (let k = lastCleared + 1; k < i; k++) {
      const x = events[k];
      if (!(x.at === "begin" && x.op === "write" && x.block > LOG_START + 1020)) continue;
      inPlace++;
      expect(e.names.some((b) => x.block <= b && b < x.block + x.count), `in-place block ${x.block} is not also logged`).toBe(false);
      const ended = find(events, k, (y) => y.at === "end" && y.op === "write" && y.block === x.block && y.count === x.count);
      expect(ended >= 0 && ended < flushBegin, `in-place block ${x.block} is written before the flush that precedes its commit record`).toBe(true);
    }
    // Home blocks of this transaction wait for a flush that began after the record was written.
    const recordEnd = find(events, i, (x) => x.at === "end" && x.op === "write" && x.block === LOG_START);
    const durable = find(events, find(events, recordEnd, (x) => x.at === "begin" && x.op === "flush"), (x) => x.at === "end" && x.op === "flush");
    const home = new Set(e.names);
    const touchesHome = (x: Event) => x.op === "write" && x.block > LOG_START + 1020 && [...home].some((b) => x.block <= b && b < x.block + x.count);
    // The record is cleared only once the home blocks are durable: a flush began after the last of them ended.
    const cleared = find(events, i + 1, (x) => x.at === "begin" && x.op === "write" && x.block === LOG_START);
    expect(cleared, "the commit record is cleared").toBeGreaterThan(i);
    let lastHome = -1;
    for (let k = i + 1; k < cleared; k++) {
      const x = events[k];
      if (x.at === "begin" && touchesHome(x)) expect(k, `home block ${x.block} after the commit is durable`).toBeGreaterThan(durable);
      // Between the record and its clearing, only this transaction's logged blocks go home.
      if (x.at === "begin" && x.op === "write" && x.block > LOG_START + 1020) expect(touchesHome(x), `block ${x.block} written after its commit record is one it names`).toBe(true);
      if (x.at === "end" && touchesHome(x)) lastHome = k;
    }
    expect(lastHome, "home blocks are written").toBeGreaterThan(durable);
    const homeFlush = find(events, lastHome, (x) => x.at === "begin" && x.op === "flush");
    expect(homeFlush >= 0 && find(events, homeFlush, (x) => x.at === "end" && x.op === "flush") < cleared, "a flush of the home blocks ends before the record is cleared").toBe(true);
  });
  return { commits, inPlace };
}

/** A new filesystem image of `mib` MiB in a temporary directory, open for `use`, removed after. */
async function withImage(mib: number, use: (image: Awaited<ReturnType<typeof openImage>>) => Promise<void>): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), "natix-image-"));
  try {
    await makeFilesystem(dir, mib, log);
    const image = await openImage({ dataDir: dir });
    try {
      await use(image);
    } finally {
      await image.close();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Pseudo-random bytes: a misplaced or stale block shows. */
function pattern(length: number, seed: number): Uint8Array {
  const out = new Uint8Array(length);
  let x = seed >>> 0 || 1;
  for (let i = 0; i < length; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    out[i] = x & 255;
  }
  return out;
}

describe("blk requests in flight over NATS keep the journal's order", () => {
  let nats: TestNats;
  let driverNc: NatsConnection;
  let fsNc: NatsConnection;
  let sub: Subscription;
  let dir: string;
  let image: BlockDevice & { close(): Promise<void> };
  const events: Event[] = [];

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "natix-pipeline-"));
    await makeFilesystem(dir, 64, log);
    image = await openImage({ dataDir: dir });
    nats = await startTestNats({ open: true });
    driverNc = await nats.connect("blk");
    fsNc = await nats.connect("vfs");
    const serve = blkEndpoint(recording(image, events));
    sub = driverNc.subscribe(SUBJECT, { callback: (err, msg) => { if (err === null) void serve(msg.data).then((r) => msg.respond(r)); } });
    await driverNc.flush();
  });
  afterAll(async () => {
    sub?.unsubscribe();
    await fsNc?.close();
    await driverNc?.close();
    await nats?.stop();
    await image?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const mount = (cacheBlocks?: number) => FileSystem.mount(blkOverLink(natsBlkLink(fsNc, 5000)), { log, budgetMs: 5000, cacheBlocks });

  it("commits multi-message transactions in order, and what was fsync'd reads back byte for byte after a remount", async () => {
    const fs = await mount();
    const files = [
      { path: "/tmp/big", data: pattern(5 * 1024 * 1024 + 1234, 7) }, // > 1020 blocks: two commits, each spanning several messages
      { path: "/tmp/small", data: pattern(5000, 9) },
    ];
    for (const f of files) {
      const opened = await fs.open(root, ROOT_INO, f.path, O.CREAT | O.WRONLY, 0o644, 0o022);
      if (typeof opened === "number") throw new Error(`open: ${opened}`);
      for (let at = 0; at < f.data.length; at += 512 * 1024) {
        const r = await fs.write(opened.ino, at, f.data.subarray(at, at + 512 * 1024), false);
        expect(typeof r === "number" ? r : r.count).toBe(Math.min(512 * 1024, f.data.length - at));
      }
    }
    expect(await fs.sync()).toBe(0);
    // The big file's blocks were fresh: written in place, not logged. Overwritten now, its
    // blocks are a file's on disk, so they go through the log: more than one commit's worth.
    const big = files[0];
    big.data = pattern(big.data.length, 11);
    const opened = await fs.open(root, ROOT_INO, big.path, O.WRONLY, 0, 0o022);
    if (typeof opened === "number") throw new Error(`open: ${opened}`);
    for (let at = 0; at < big.data.length; at += 512 * 1024) await fs.write(opened.ino, at, big.data.subarray(at, at + 512 * 1024), false);
    expect(await fs.sync()).toBe(0);
    await fs.unmount();
    const order = checkCommitOrder(events);
    expect(order.commits).toBeGreaterThanOrEqual(3);
    expect(order.inPlace).toBeGreaterThan(0);
    // Some log writes really were in flight together (one began before another ended).
    const overlapping = events.some((e, i) => e.at === "begin" && e.op === "write" && events[i + 1]?.at === "begin" && events[i + 1]?.op === "write");
    expect(overlapping).toBe(true);

    expect((await fsck(image, log)).problems).toEqual([]);
    events.length = 0;
    const again = await mount(256); // a small cache: the reads come from the disk, ahead of the reader
    for (const f of files) {
      const opened = await again.open(root, ROOT_INO, f.path, O.RDONLY, 0, 0);
      if (typeof opened === "number") throw new Error(`open: ${opened}`);
      const back = new Uint8Array(f.data.length);
      for (let at = 0; at < back.length; ) {
        const got = await again.read(opened.ino, at, 48 * 1024);
        if (typeof got === "number") throw new Error(`read: ${got}`);
        back.set(got, at);
        at += got.length;
      }
      expect(Buffer.compare(back, f.data)).toBe(0);
    }
    // Read-ahead: the device was asked for more than each 12-block read needed, in fewer requests.
    const reads = events.filter((e) => e.at === "begin" && e.op === "read");
    expect(reads.some((e) => e.count > 12)).toBe(true);
    expect(reads.length).toBeLessThan(files[0].data.length / (48 * 1024));
    await again.unmount();
  });
});

describe("a block freed by a transaction not yet installed is never written in place", () => {
  it("a file's freed blocks, reused at once by another file, go through the log, not over the first file's bytes", async () => {
    await withImage(16, async (image) => {
      const events: Event[] = [];
      const fs = await FileSystem.mount(recording(image, events), { log, budgetMs: 5000 });
      const create = async (path: string) => {
        const opened = await fs.open(root, ROOT_INO, path, O.CREAT | O.WRONLY, 0o644, 0o022);
        if (typeof opened === "number") throw new Error(`open ${path}: ${opened}`);
        return opened.ino;
      };
      // A: fresh blocks, written in place (their block numbers read off the trace).
      const a = await create("/a");
      expect(await fs.write(a, 0, pattern(2 * 1024 * 1024, 3), false)).toMatchObject({ count: 2 * 1024 * 1024 });
      expect(await fs.sync()).toBe(0);
      const aBlocks = new Set<number>();
      for (const e of events) if (e.at === "begin" && e.op === "write" && e.block > LOG_START + 1020) for (let b = e.block; b < e.block + e.count; b++) aBlocks.add(b);
      expect(aBlocks.size).toBeGreaterThanOrEqual(512);
      // The rest of the disk filled, so the only free blocks are the ones A gives up next.
      const c = await create("/c");
      for (let at = 0; ; at += 512 * 1024) {
        const r = await fs.write(c, at, pattern(512 * 1024, at), false);
        if (typeof r === "number" || r.count < 512 * 1024) break;
      }
      expect(await fs.sync()).toBe(0);
      // A is truncated and B written in the same open transaction: B gets A's blocks.
      events.length = 0;
      expect(await fs.truncate(a, 0)).toBe(0);
      const b = await create("/b");
      const bData = pattern(1024 * 1024, 5);
      expect(await fs.write(b, 0, bData, false)).toMatchObject({ count: 1024 * 1024 });
      expect(await fs.sync()).toBe(0);
      const record = events.findIndex((e) => e.at === "begin" && e.op === "write" && e.block === LOG_START && (e.names?.length ?? 0) > 0);
      expect(record).toBeGreaterThan(0);
      const named = new Set(events[record].names);
      // Before the record: nothing of A's is overwritten (a crash there leaves A whole).
      for (const e of events.slice(0, record)) {
        if (!(e.at === "begin" && e.op === "write" && e.block > LOG_START + 1020)) continue;
        for (let k = e.block; k < e.block + e.count; k++) expect(aBlocks.has(k), `A's block ${k} written before the commit record`).toBe(false);
      }
      // B really reused A's blocks, through the log.
      expect([...named].filter((k) => aBlocks.has(k)).length).toBeGreaterThanOrEqual(256);
      await fs.unmount();
      expect((await fsck(image, log)).problems).toEqual([]);
    });
  });
});

describe("a transaction is sealed between operations, never in the middle of one", () => {
  it("an fsync that waited for a commit under way seals after the write that waits for the disk half-way, not in its middle", async () => {
    await withImage(32, async (image) => {
      const events: Event[] = [];
      const recorded = recording(image, events);
      // Reads of chosen blocks, and flushes, wait for their gates (a driver slow to answer them).
      const gates = new Map<number, Promise<void>>();
      let flushGate: Promise<void> | undefined;
      const device: BlockDevice = {
        ...recorded,
        read: async (b, n) => {
          for (let k = b; k < b + n; k++) await gates.get(k);
          return recorded.read(b, n);
        },
        flush: async () => {
          await flushGate;
          return recorded.flush();
        },
      };
      // Two files reaching their indirect block (file block 12 on), synced, then a fresh mount:
      // nothing cached, so a write across blocks 11 and 12 dirties block 11 and then reads the
      // indirect block from the device.
      let fs = await FileSystem.mount(device, { log, budgetMs: 5000 });
      const inos: number[] = [];
      for (const path of ["/f", "/g"]) {
        const opened = await fs.open(root, ROOT_INO, path, O.CREAT | O.WRONLY, 0o644, 0o022);
        if (typeof opened === "number") throw new Error(`open: ${opened}`);
        expect(await fs.write(opened.ino, 0, pattern(16 * 4096, opened.ino), false)).toMatchObject({ count: 16 * 4096 });
        inos.push(opened.ino);
      }
      expect(await fs.sync()).toBe(0);
      await fs.unmount();
      fs = await FileSystem.mount(device, { log, budgetMs: 5000 });
      for (const path of ["/f", "/g"]) expect(typeof (await fs.open(root, ROOT_INO, path, O.WRONLY, 0, 0o022))).not.toBe("number");
      const [f, g] = inos;
      const gInd = (await fs.core.inode(g)).indirect;
      const across = (ino: number) => fs.write(ino, 11 * 4096, pattern(2 * 4096, 99), false);
      // A commit under way (its first flush held back)...
      let openFlush!: () => void;
      flushGate = new Promise<void>((r) => (openFlush = r));
      expect(await fs.write(f, 0, pattern(4096, 5), false)).toMatchObject({ count: 4096 });
      const first = fs.sync();
      await new Promise((r) => setTimeout(r, 20));
      // ...an fsync that must wait for it, with f's write in the open transaction...
      expect(await fs.write(f, 4096, pattern(4096, 6), false)).toMatchObject({ count: 4096 });
      const second = fs.sync();
      await new Promise((r) => setTimeout(r, 20));
      // ...and g's write, which dirties g's block 11 and waits for g's indirect block.
      let openG!: () => void;
      gates.set(gInd, new Promise<void>((r) => (openG = r)));
      events.length = 0;
      const w2 = across(g);
      await new Promise((r) => setTimeout(r, 50));
      flushGate = undefined;
      openFlush(); // the first commit ends; the second fsync may seal now — but not inside w2
      await new Promise((r) => setTimeout(r, 100));
      openG();
      expect(await w2).toMatchObject({ count: 2 * 4096 });
      expect(await first).toBe(0);
      expect(await second).toBe(0);
      expect(await fs.sync()).toBe(0);
      // Every commit record holds all of w2 (g's blocks 11 and 12) or none of it.
      const table = await fs.core.block(gInd);
      const gBlocks = [(await fs.core.inode(g)).direct(11), new DataView(table.buffer, table.byteOffset).getUint32(0, true)];
      const records = events.filter((e) => e.at === "begin" && e.op === "write" && e.block === LOG_START && (e.names?.length ?? 0) > 0);
      expect(records.length).toBeGreaterThan(0);
      for (const r of records) expect(gBlocks.filter((b) => r.names!.includes(b)).length, `a record holding half of a write: ${r.names}`).not.toBe(1);
      await fs.unmount();
      expect((await fsck(image, log)).problems).toEqual([]);
    });
  });
});

describe("read-ahead never puts an older copy over a newer block", () => {
  it("a block written (and installed, and evicted) while its read-ahead was out reads back as written", async () => {
    await withImage(16, async (image) => {
      const X = 3000;
      await image.write(X, pattern(8192, 1));
      let release!: () => void;
      const gate = new Promise<void>((r) => (release = r));
      // The real image, whose reads wait for the gate (the driver is slow to answer).
      const slow: BlockDevice = { ...image, read: async (b, n) => { const data = await image.read(b, n); await gate; return data; } };
      const cache = new BlockCache(slow, 0);
      cache.readAhead([X, X + 1], 5000);
      const newer = pattern(4096, 2);
      cache.put(X, newer);
      cache.pin(X, 1);
      await image.write(X, newer); // installed at home
      cache.installedUpTo(1);
      cache.trim(); // capacity 0: evicted
      expect(cache.cached(X)).toBeUndefined();
      release();
      expect(Buffer.compare(await cache.get(X + 1, 5000), pattern(8192, 1).subarray(4096))).toBe(0); // waited for the read-ahead
      expect(Buffer.compare(await cache.get(X, 5000), newer)).toBe(0);
    });
  });
});
