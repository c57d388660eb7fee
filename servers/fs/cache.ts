/**
 * The block cache: blocks read from the device stay in memory (least recently used go first),
 * so most reads never cross to the blk driver. A block modified by a transaction is pinned
 * until that transaction is installed at home on the device: evicting it earlier would let a
 * later read see the device's stale copy. Eviction happens only between operations (trim), so
 * an operation's views of its blocks stay valid while it runs.
 */
import type { BlockDevice } from "../blk/device.js";
import { DeviceError } from "../blk/device.js";
import { BLOCK_SIZE } from "./layout.js";

/** Blocks one read request of the cache asks for at most; the device cuts it into messages. */
const MAX_RUN = 256;

/** A cached block, and whether it was used since eviction last passed it (CLOCK's reference bit). */
interface Slot {
  data: Uint8Array;
  used: boolean;
}

export class BlockCache {
  /**
   * Oldest first. A hit only sets its slot's `used` bit: moving the entry to the back on every
   * hit (a delete and an insert) would cost two map updates per block read; eviction gives a
   * used block a second chance instead (CLOCK, an approximation of least recently used).
   */
  private readonly blocks = new Map<number, Slot>();
  /** block → id of the last transaction that modified it. */
  private readonly pins = new Map<number, number>();
  /**
   * Blocks a read-ahead is fetching, each → that read-ahead. A block changed in the cache while
   * its read-ahead is out is taken off this list: the device's copy that comes back may be
   * older than what was written meanwhile, so it must not fill the cache.
   */
  private readonly reading = new Map<number, Promise<void>>();
  private installed = 0;

  constructor(
    private readonly dev: BlockDevice,
    private readonly capacity: number,
  ) {}

  /** The block, reading it from the device if needed, within the budget (ms from now). */
  async get(block: number, budgetMs: number): Promise<Uint8Array> {
    const hit = this.hit(block);
    if (hit !== undefined) return hit;
    const ahead = this.reading.get(block);
    if (ahead !== undefined) {
      await ahead;
      const filled = this.hit(block);
      if (filled !== undefined) return filled;
    }
    if (budgetMs <= 0) throw new DeviceError("operation budget spent");
    const data = await this.dev.read(block, 1, budgetMs);
    // A concurrent reader may have filled it meanwhile; keep the first copy (it may be modified).
    const again = this.blocks.get(block);
    if (again !== undefined) return again.data;
    this.blocks.set(block, { data, used: true });
    return data;
  }

  /** The block if it is cached (now the most recently used), without waiting. */
  hit(block: number): Uint8Array | undefined {
    const slot = this.blocks.get(block);
    if (slot === undefined) return undefined;
    slot.used = true;
    return slot.data;
  }

  cached(block: number): Uint8Array | undefined {
    return this.blocks.get(block)?.data;
  }

  /** Reads every missing block of the list, contiguous runs in one device request each, all at once. */
  async prefetch(list: number[], budgetMs: number): Promise<void> {
    const wanted = list.filter((b) => b !== 0 && !this.blocks.has(b));
    if (wanted.length === 0) return;
    // Blocks a read-ahead is already bringing are awaited, not asked for twice.
    const ahead = new Set(wanted.map((b) => this.reading.get(b)).filter((p) => p !== undefined));
    if (ahead.size > 0) await Promise.all(ahead);
    const missing = [...new Set(wanted.filter((b) => !this.blocks.has(b)))].sort((a, b) => a - b);
    const reads: Promise<void>[] = [];
    for (const [first, count] of runsOf(missing)) {
      if (budgetMs <= 0) throw new DeviceError("operation budget spent");
      reads.push(this.dev.read(first, count, budgetMs).then((data) => this.fill(first, count, data)));
    }
    const failed = (await Promise.allSettled(reads)).find((r) => r.status === "rejected");
    if (failed) throw (failed as PromiseRejectedResult).reason;
  }

  /**
   * Starts reading the missing blocks of the list in the background (a sequential reader's next
   * blocks) and returns at once. It never fails: blocks it could not read are simply not cached.
   */
  readAhead(list: number[], budgetMs: number): void {
    const missing = [...new Set(list.filter((b) => b !== 0 && !this.blocks.has(b) && !this.reading.has(b)))].sort((a, b) => a - b);
    for (const [first, count] of runsOf(missing)) {
      let settle!: () => void;
      const ahead = new Promise<void>((r) => (settle = r));
      for (let b = first; b < first + count; b++) this.reading.set(b, ahead);
      void this.dev
        .read(first, count, budgetMs)
        .then((data) => this.fill(first, count, data, ahead), () => {})
        .finally(() => {
          for (let b = first; b < first + count; b++) if (this.reading.get(b) === ahead) this.reading.delete(b);
          settle(); // after fill: whoever waited finds the blocks cached
        });
    }
  }

  /** Caches the blocks of a device read that are still missing (of a read-ahead: still its own). */
  private fill(first: number, count: number, data: Uint8Array, ahead?: Promise<void>): void {
    for (let k = 0; k < count; k++) {
      const b = first + k;
      if (this.blocks.has(b) || (ahead !== undefined && this.reading.get(b) !== ahead)) continue;
      // A copy per block: a view would keep the whole request's buffer alive for one block.
      this.blocks.set(b, { data: data.slice(k * BLOCK_SIZE, (k + 1) * BLOCK_SIZE), used: ahead === undefined });
    }
  }

  /** A block whose old contents do not matter (fresh allocation, whole overwrite). */
  put(block: number, data: Uint8Array): Uint8Array {
    this.reading.delete(block);
    this.blocks.delete(block);
    this.blocks.set(block, { data, used: true });
    return data;
  }

  /** Drops a block that an undone operation created. */
  forget(block: number): void {
    this.reading.delete(block);
    this.blocks.delete(block);
  }

  pin(block: number, tx: number): void {
    this.reading.delete(block);
    this.pins.set(block, tx);
  }

  /** Transactions up to `tx` are at home on the device: their blocks may be evicted. */
  installedUpTo(tx: number): void {
    this.installed = tx;
    for (const [block, t] of this.pins) if (t <= tx) this.pins.delete(block);
  }

  /** Evicts unpinned blocks beyond capacity, oldest first, passing over (once) those used since. */
  trim(): void {
    let excess = this.blocks.size - this.capacity;
    if (excess <= 0) return;
    const spared: [number, Slot][] = [];
    for (const [block, slot] of this.blocks) {
      if (excess <= 0) break;
      if (this.pins.has(block)) continue;
      if (slot.used) {
        slot.used = false;
        spared.push([block, slot]);
        continue;
      }
      this.blocks.delete(block);
      excess--;
    }
    // The spared go to the back, behind everything not used since they were.
    for (const [block, slot] of spared) {
      this.blocks.delete(block);
      this.blocks.set(block, slot);
    }
    for (const block of this.blocks.keys()) {
      if (excess <= 0) break;
      if (this.pins.has(block)) continue;
      this.blocks.delete(block);
      excess--;
    }
  }

  /** Forgets everything (used after recovery rewrote blocks underneath). */
  clear(): void {
    this.blocks.clear();
    this.pins.clear();
    this.reading.clear();
  }

  get size(): number {
    return this.blocks.size;
  }
}

/** Sorted block numbers as [first, count] runs of consecutive numbers, each at most MAX_RUN. */
function runsOf(sorted: number[]): [number, number][] {
  const runs: [number, number][] = [];
  for (let i = 0; i < sorted.length; ) {
    let j = i + 1;
    while (j < sorted.length && sorted[j] === sorted[j - 1] + 1 && j - i < MAX_RUN) j++;
    runs.push([sorted[i], j - i]);
    i = j;
  }
  return runs;
}
