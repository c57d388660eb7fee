/**
 * The write-ahead log. Every block an operation modifies joins the open transaction (data as
 * well as metadata: full data journaling). A commit seals the transaction and, with the fs
 * lock free again, writes its blocks to the log area, flushes, writes the header that lists
 * them (with a CRC-32 over header and blocks), flushes — the commit point — then copies them
 * home, flushes, and clears the header. Recovery at mount replays a header whose CRC checks,
 * so a crash of the fs server, the blk driver or the whole system at any point leaves either
 * all of a transaction or none of it.
 *
 * Commits happen on fsync/fdatasync/sync, when the open transaction nears the log's capacity,
 * and every second otherwise (so un-synced writes may lose at most about a second).
 *
 * log header block: magic u32 "NXLG" | sequence u32 | count u32 | crc32 u32 | block numbers u32×count
 */
import { crc32 } from "node:zlib";
import type { Logger } from "pino";
import type { BlockDevice } from "../blk/device.js";
import { DeviceError } from "../blk/device.js";
import { inFlight } from "../blk/protocol.js";
import { BLOCK_SIZE, LOG_CAPACITY, type Superblock } from "./layout.js";
import type { BlockCache } from "./cache.js";

const LOG_MAGIC = 0x474c584e; // "NXLG"
const COMMIT_INTERVAL_MS = 1000;

interface Commit {
  id: number;
  durable: Promise<void>;
  done: Promise<void>;
}

interface LogHeader {
  sequence: number;
  blocks: number[];
}

function decodeHeader(bytes: Uint8Array): (LogHeader & { crc: number }) | undefined {
  const v = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (v.getUint32(0, true) !== LOG_MAGIC) return undefined;
  const count = v.getUint32(8, true);
  if (count === 0 || count > LOG_CAPACITY) return undefined;
  const blocks: number[] = [];
  for (let i = 0; i < count; i++) blocks.push(v.getUint32(16 + i * 4, true));
  return { sequence: v.getUint32(4, true), blocks, crc: v.getUint32(12, true) };
}

function encodeHeader(sequence: number, blocks: number[], crc: number): Uint8Array {
  const bytes = new Uint8Array(BLOCK_SIZE);
  const v = new DataView(bytes.buffer);
  v.setUint32(0, LOG_MAGIC, true);
  v.setUint32(4, sequence, true);
  v.setUint32(8, blocks.length, true);
  v.setUint32(12, crc, true);
  blocks.forEach((b, i) => v.setUint32(16 + i * 4, b, true));
  return bytes;
}

function checksum(header: Uint8Array, data: Uint8Array): number {
  // The CRC covers the block list (bytes 16..) and the logged contents.
  return crc32(data, crc32(header.subarray(16)));
}

/**
 * Writes blocks (sorted by number) to the device, one request per contiguous run, several at
 * once: nothing orders writes before the flush that follows them. A run that is one contiguous stretch
 * of a buffer already (a commit's snapshot) is sent as it is; others are gathered into one.
 */
async function writeRuns(dev: BlockDevice, entries: [number, Uint8Array][]): Promise<void> {
  const runs: (() => Promise<void>)[] = [];
  for (let i = 0; i < entries.length; ) {
    let j = i + 1;
    while (j < entries.length && entries[j][0] === entries[j - 1][0] + 1) j++;
    const [first, parts] = [entries[i][0], entries.slice(i, j).map(([, data]) => data)];
    runs.push(() => dev.write(first, gather(parts), Infinity));
    i = j;
  }
  await inFlight(runs);
}

/** Adjacent views of one buffer as one view (no copy); anything else copied into one array. */
function gather(parts: Uint8Array[]): Uint8Array {
  const first = parts[0];
  const adjacent = parts.every((p, k) => p.buffer === first.buffer && p.byteOffset === first.byteOffset + k * BLOCK_SIZE && p.length === BLOCK_SIZE);
  if (adjacent) return new Uint8Array(first.buffer, first.byteOffset, parts.length * BLOCK_SIZE);
  const out = new Uint8Array(parts.length * BLOCK_SIZE);
  parts.forEach((p, k) => out.set(p, k * BLOCK_SIZE));
  return out;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export class Journal {
  private open = new Map<number, Uint8Array>();
  private nextId = 1;
  private sequence = 1;
  private inFlight: Commit | undefined;
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;

  constructor(
    private readonly dev: BlockDevice,
    private readonly sb: Superblock,
    private readonly cache: BlockCache,
    private readonly log: Logger,
  ) {}

  /** Blocks the open transaction holds. */
  get pending(): number {
    return this.open.size;
  }

  /** Records that `block` (whose cached bytes are `data`) changed in the open transaction. */
  dirty(block: number, data: Uint8Array): void {
    this.open.set(block, data);
    this.cache.pin(block, this.nextId);
  }

  /** Undo of an operation: the block is no longer part of the open transaction. */
  forget(block: number): void {
    this.open.delete(block);
  }

  /** Undo of an operation: the open transaction refers to the restored array, if it held the block. */
  restore(block: number, data: Uint8Array): void {
    if (this.open.has(block)) this.open.set(block, data);
  }

  /** Makes room for an operation that may modify up to `blocks` blocks. */
  async reserve(blocks: number, budgetMs: number): Promise<void> {
    const until = performance.now() + budgetMs;
    while (this.open.size + blocks > LOG_CAPACITY) {
      if (this.inFlight) await this.within(this.inFlight.done, until - performance.now());
      else this.commit();
    }
  }

  /** Commits everything modified so far and waits until it is durable (fsync). */
  async sync(budgetMs: number): Promise<void> {
    const until = performance.now() + budgetMs;
    if (this.open.size > 0) {
      if (this.inFlight) await this.within(this.inFlight.done, until - performance.now());
      // Another caller may have committed the open transaction while we waited.
      if (this.open.size > 0 && !this.inFlight) this.commit();
    }
    if (this.inFlight) await this.within(this.inFlight.durable, until - performance.now());
  }

  /** Starts the background commit timer. */
  start(): void {
    this.timer = setInterval(() => {
      if (this.open.size > 0 && !this.inFlight) this.commit();
    }, COMMIT_INTERVAL_MS);
    this.timer.unref();
  }

  /** Stops the timer and commits what is left (clean unmount). */
  async stop(budgetMs = 10_000): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    await this.sync(budgetMs).catch(() => {});
    if (this.inFlight) await this.within(this.inFlight.done, budgetMs).catch(() => {});
    this.stopped = true;
  }

  /** Replays a committed transaction left in the log by a crash. Returns how many blocks. */
  async recover(): Promise<number> {
    const headerBlock = await this.dev.read(this.sb.logStart, 1, Infinity);
    const header = decodeHeader(headerBlock);
    if (header === undefined) return 0;
    const data = await this.dev.read(this.sb.logStart + 1, header.blocks.length, Infinity);
    if (checksum(headerBlock, data) !== header.crc) {
      this.log.warn("log: a torn commit record (CRC mismatch) was discarded");
      await this.dev.write(this.sb.logStart, new Uint8Array(BLOCK_SIZE), Infinity);
      await this.dev.flush(Infinity);
      return 0;
    }
    // A sound record names blocks of the filesystem outside the log. One that does not cannot be
    // replayed: refuse it before writing anything, so the image stays exactly as it was.
    const logEnd = this.sb.logStart + this.sb.logBlocks;
    const stray = header.blocks.find((b) => b >= this.sb.totalBlocks || (b >= this.sb.logStart && b < logEnd));
    if (stray !== undefined) throw new Error(`commit record ${header.sequence} names block ${stray}, outside the filesystem's blocks`);
    const entries = header.blocks.map((b, i): [number, Uint8Array] => [b, data.subarray(i * BLOCK_SIZE, (i + 1) * BLOCK_SIZE)]);
    entries.sort((a, b) => a[0] - b[0]);
    await writeRuns(this.dev, entries);
    await this.dev.flush(Infinity);
    await this.dev.write(this.sb.logStart, new Uint8Array(BLOCK_SIZE), Infinity);
    await this.dev.flush(Infinity);
    this.sequence = header.sequence + 1;
    this.log.info(`log: replayed ${entries.length} blocks of transaction ${header.sequence}`);
    return entries.length;
  }

  private async within(p: Promise<void>, budgetMs: number): Promise<void> {
    if (budgetMs <= 0) throw new DeviceError("disk did not answer within the operation's budget");
    if (!Number.isFinite(budgetMs)) return p;
    let timer: NodeJS.Timeout | undefined;
    const expired = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new DeviceError("disk did not answer within the operation's budget")), budgetMs);
    });
    try {
      await Promise.race([p, expired]);
    } finally {
      clearTimeout(timer);
    }
  }

  /** Seals the open transaction and commits it in the background. */
  private commit(): Commit {
    const id = this.nextId++;
    // Snapshot (later operations keep modifying the cached blocks), in block order into one
    // buffer: it is the log's contents as they go to the device, and each run of adjacent block
    // numbers is one contiguous stretch of it, sent home without another copy.
    const numbers = [...this.open.keys()].sort((a, b) => a - b);
    const logged = new Uint8Array(numbers.length * BLOCK_SIZE);
    const entries = numbers.map((b, i): [number, Uint8Array] => {
      logged.set(this.open.get(b)!, i * BLOCK_SIZE);
      return [b, logged.subarray(i * BLOCK_SIZE, (i + 1) * BLOCK_SIZE)];
    });
    this.open = new Map();
    let markDurable!: () => void;
    const durable = new Promise<void>((r) => (markDurable = r));
    const done = (async () => {
      for (let attempt = 0; !this.stopped; attempt++) {
        try {
          await this.write(entries, logged, markDurable);
          this.cache.installedUpTo(id);
          return;
        } catch (err) {
          if (attempt % 10 === 0) this.log.warn({ err: String(err) }, `log: commit of transaction ${id} failed; retrying`);
          await sleep(Math.min(500, 20 * 2 ** attempt));
        }
      }
    })();
    const commit = { id, durable, done };
    this.inFlight = commit;
    void done.finally(() => {
      if (this.inFlight === commit) this.inFlight = undefined;
    });
    return commit;
  }

  /**
   * One commit, in the order recovery relies on; each step's writes are all in flight together
   * and acknowledged before the flush that ends the step:
   * log blocks → flush → commit record → flush (durable) → home blocks → flush → clear the record.
   */
  private async write(entries: [number, Uint8Array][], logged: Uint8Array, markDurable: () => void): Promise<void> {
    const sb = this.sb;
    await this.dev.write(sb.logStart + 1, logged, Infinity);
    await this.dev.flush(Infinity);
    const sequence = this.sequence++;
    const header = encodeHeader(sequence, entries.map(([b]) => b), 0);
    new DataView(header.buffer).setUint32(12, checksum(header, logged), true);
    await this.dev.write(sb.logStart, header, Infinity);
    await this.dev.flush(Infinity);
    markDurable();
    await writeRuns(this.dev, entries);
    await this.dev.flush(Infinity);
    await this.dev.write(sb.logStart, new Uint8Array(BLOCK_SIZE), Infinity);
  }
}
