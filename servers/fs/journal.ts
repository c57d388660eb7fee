/**
 * The write-ahead log. Every block an operation modifies joins the open transaction. Blocks that
 * a file had on disk go through the log (full data journaling of overwrites); blocks allocated in
 * the transaction from space free on disk are written in place instead (inPlace), as ext4's
 * data=ordered writes new blocks. A commit seals the transaction between operations and, with
 * the fs lock free again, writes its logged blocks to the log area and its in-place blocks home,
 * flushes, writes the header that lists the logged ones (with a CRC-32 over header and blocks),
 * flushes — the commit point — then copies the logged blocks home, flushes, and clears the
 * header. Recovery at mount replays a header whose CRC checks, so a crash of the fs server, the
 * blk driver or the whole system at any point leaves either all of a transaction or none of it,
 * and never one file's bytes in another's block.
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
import type { Mutex } from "./lock.js";

const LOG_MAGIC = 0x474c584e; // "NXLG"
const COMMIT_INTERVAL_MS = 1000;
/**
 * Blocks one transaction holds at most, logged and written in place together: every one stays
 * pinned in the cache until installed, so this keeps two transactions (one committing, one
 * open) within the cache's default 8192 blocks.
 */
const MAX_OPEN = 4096;
/**
 * A transaction this large is committed as soon as no other commit is under way, without waiting
 * for fsync or the timer: the device writes the first megabytes of a long write while the rest
 * is still arriving (write-behind), rather than all of it at the final fsync.
 */
const WRITE_BEHIND = 512;

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
  /**
   * Blocks of the open transaction written in place rather than logged: allocated in it from
   * space that is free in every state recovery can produce (see inPlace). They go to their home
   * before the commit record, so the record never points at bytes that are not on disk.
   */
  private direct = new Set<number>();
  /** Blocks freed by transactions not yet installed, each → the transaction that freed it. */
  private readonly freedBy = new Map<number, number>();
  /** The open transaction's id. */
  private nextId = 1;
  /** Transactions up to this id are committed (their commit point is on disk). */
  private durableUpTo = 0;
  private sequence = 1;
  private inFlight: Commit | undefined;
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;

  constructor(
    private readonly dev: BlockDevice,
    private readonly sb: Superblock,
    private readonly cache: BlockCache,
    private readonly log: Logger,
    /**
     * The filesystem lock: a transaction is sealed only between operations, never in the middle
     * of one (an operation waiting for the disk half-way must not have half its blocks sealed
     * into one commit and the rest into the next).
     */
    private readonly lock: Mutex,
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

  /**
   * `block` was just allocated in the open transaction: it may be written in place (ordered
   * data, as ext4's data=ordered writes new blocks) unless a transaction not yet installed
   * freed it. A block free now and freed by no such transaction is free at home and in the
   * last committed transaction, which are the states a crash can leave: writing it before the
   * commit shows its bytes in no file, while a block freed since could still be a file's.
   */
  inPlace(block: number): void {
    if (!this.freedBy.has(block)) this.direct.add(block);
  }

  /**
   * `block` was freed in the open transaction: not reused in place until that is installed — if
   * a file had it on disk. One allocated in this same transaction from free space had no owner
   * in any state a crash can leave, before or after it: it stays written in place, not logged.
   */
  freed(block: number): void {
    if (!this.direct.has(block)) this.freedBy.set(block, this.nextId);
  }

  /** Undo of an operation: the block is no longer part of the open transaction. */
  forget(block: number): void {
    this.open.delete(block);
    this.direct.delete(block);
  }

  /** Undo of an operation: the open transaction refers to the restored array, if it held the block. */
  restore(block: number, data: Uint8Array): void {
    if (this.open.has(block)) this.open.set(block, data);
  }

  /** Blocks of the open transaction that go through the log (what its commit record lists). */
  private logged(): number {
    let n = 0;
    for (const b of this.open.keys()) if (!this.direct.has(b)) n++;
    return n;
  }

  /** Makes room for an operation that may modify up to `blocks` blocks. */
  async reserve(blocks: number, budgetMs: number): Promise<void> {
    const until = performance.now() + budgetMs;
    while (this.logged() + blocks > LOG_CAPACITY || this.open.size + blocks > MAX_OPEN) {
      if (this.inFlight) await this.within(this.inFlight.done, until - performance.now());
      else this.commit();
    }
    // Called between operations (under the fs lock): a safe moment to seal.
    if (!this.inFlight && this.open.size >= WRITE_BEHIND) this.commit();
  }

  /** Commits everything modified so far and waits until it is durable (fsync). */
  async sync(budgetMs: number): Promise<void> {
    const until = performance.now() + budgetMs;
    // The last transaction holding anything modified so far: the open one, if it holds anything.
    const want = this.open.size > 0 ? this.nextId : this.nextId - 1;
    while (this.durableUpTo < want) {
      if (this.nextId === want) {
        // Still open: seal it (between operations) once the commit before it is done.
        if (this.inFlight) await this.within(this.inFlight.done, until - performance.now());
        else await this.sealBetweenOperations(until - performance.now());
      } else {
        const committing = this.inFlight;
        if (committing === undefined) throw new DeviceError("the journal stopped before the commit was durable");
        await this.within(committing.durable, until - performance.now());
      }
    }
  }

  /** Seals the open transaction (if it holds anything and no commit is under way) under the lock. */
  private sealBetweenOperations(budgetMs: number): Promise<void> {
    return this.within(
      this.lock.run(async () => {
        if (this.open.size > 0 && !this.inFlight) this.commit();
      }),
      budgetMs,
    );
  }

  /** Starts the background commit timer. */
  start(): void {
    this.timer = setInterval(() => {
      if (this.open.size > 0 && !this.inFlight) void this.sealBetweenOperations(Infinity);
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
    // buffer: the logged blocks first — the log's contents as they go to the device — then those
    // written in place. Each run of adjacent block numbers is one contiguous stretch of it, sent
    // home without another copy.
    const all = [...this.open.keys()].sort((a, b) => a - b);
    const loggedNumbers = all.filter((b) => !this.direct.has(b));
    const numbers = [...loggedNumbers, ...all.filter((b) => this.direct.has(b))];
    const loggedCount = loggedNumbers.length;
    // Every byte of it is written next: no need to zero it first.
    const snapshot: Uint8Array = Buffer.allocUnsafe(numbers.length * BLOCK_SIZE);
    const entries = numbers.map((b, i): [number, Uint8Array] => {
      snapshot.set(this.open.get(b)!, i * BLOCK_SIZE);
      return [b, snapshot.subarray(i * BLOCK_SIZE, (i + 1) * BLOCK_SIZE)];
    });
    const logged = snapshot.subarray(0, loggedCount * BLOCK_SIZE);
    const home = entries.slice(0, loggedCount);
    const inPlace = entries.slice(loggedCount);
    this.direct = new Set();
    this.open = new Map();
    let markDurable!: () => void;
    const durable = new Promise<void>((r) => (markDurable = r)).then(() => {
      this.durableUpTo = Math.max(this.durableUpTo, id);
    });
    const done = (async () => {
      for (let attempt = 0; !this.stopped; attempt++) {
        try {
          await this.write(home, logged, inPlace, markDurable);
          this.cache.installedUpTo(id);
          for (const [block, by] of this.freedBy) if (by <= id) this.freedBy.delete(block);
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
   * log blocks and blocks written in place → flush → commit record → flush (durable) →
   * home blocks → flush → clear the record.
   */
  private async write(entries: [number, Uint8Array][], logged: Uint8Array, inPlace: [number, Uint8Array][], markDurable: () => void): Promise<void> {
    const sb = this.sb;
    await Promise.all([logged.length > 0 ? this.dev.write(sb.logStart + 1, logged, Infinity) : undefined, writeRuns(this.dev, inPlace)]);
    await this.dev.flush(Infinity);
    if (entries.length === 0) return markDurable();
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
