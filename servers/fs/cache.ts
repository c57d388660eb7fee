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

export class BlockCache {
  private readonly blocks = new Map<number, Uint8Array>();
  /** block → id of the last transaction that modified it. */
  private readonly pins = new Map<number, number>();
  private installed = 0;

  constructor(
    private readonly dev: BlockDevice,
    private readonly capacity: number,
  ) {}

  /** The block, reading it from the device if needed, within the budget (ms from now). */
  async get(block: number, budgetMs: number): Promise<Uint8Array> {
    const hit = this.blocks.get(block);
    if (hit !== undefined) {
      this.blocks.delete(block);
      this.blocks.set(block, hit);
      return hit;
    }
    if (budgetMs <= 0) throw new DeviceError("operation budget spent");
    const data = await this.dev.read(block, 1, budgetMs);
    // A concurrent reader may have filled it meanwhile; keep the first copy (it may be modified).
    const again = this.blocks.get(block);
    if (again !== undefined) return again;
    this.blocks.set(block, data);
    return data;
  }

  cached(block: number): Uint8Array | undefined {
    return this.blocks.get(block);
  }

  /** Reads every missing block of the list, contiguous runs in one device request each. */
  async prefetch(list: number[], budgetMs: number): Promise<void> {
    const missing = [...new Set(list.filter((b) => b !== 0 && !this.blocks.has(b)))].sort((a, b) => a - b);
    for (let i = 0; i < missing.length; ) {
      let j = i + 1;
      while (j < missing.length && missing[j] === missing[j - 1] + 1 && j - i < 128) j++;
      if (budgetMs <= 0) throw new DeviceError("operation budget spent");
      const data = await this.dev.read(missing[i], j - i, budgetMs);
      for (let k = i; k < j; k++) {
        if (!this.blocks.has(missing[k])) this.blocks.set(missing[k], new Uint8Array(data.subarray((k - i) * BLOCK_SIZE, (k - i + 1) * BLOCK_SIZE)));
      }
      i = j;
    }
  }

  /** A block whose old contents do not matter (fresh allocation, whole overwrite). */
  put(block: number, data: Uint8Array): Uint8Array {
    this.blocks.delete(block);
    this.blocks.set(block, data);
    return data;
  }

  /** Drops a block that an undone operation created. */
  forget(block: number): void {
    this.blocks.delete(block);
  }

  pin(block: number, tx: number): void {
    this.pins.set(block, tx);
  }

  /** Transactions up to `tx` are at home on the device: their blocks may be evicted. */
  installedUpTo(tx: number): void {
    this.installed = tx;
    for (const [block, t] of this.pins) if (t <= tx) this.pins.delete(block);
  }

  /** Evicts least recently used unpinned blocks beyond capacity. */
  trim(): void {
    if (this.blocks.size <= this.capacity) return;
    let excess = this.blocks.size - this.capacity;
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
  }

  get size(): number {
    return this.blocks.size;
  }
}
