/**
 * When to read ahead: a file read from its start, or from where the previous read of it ended,
 * is being read sequentially, and its next blocks are fetched in the background while the
 * reader handles what it got — so the next read finds them cached (or already on their way)
 * instead of waiting a whole round trip to the blk driver for each.
 */
import { BLOCK_SIZE } from "./layout.js";

/**
 * Blocks kept ahead of a sequential reader: twice its read (the next read and the one after),
 * within bounds. The window is topped up only once the reader is past its first half, so the
 * device sees a few large requests rather than one small one per read.
 */
const MIN_WINDOW = 64;
const MAX_WINDOW = 512;
/** Files whose reader is remembered (the most recent ones). */
const TRACKED = 64;

interface Reader {
  /** The offset the last read ended at. */
  next: number;
  /** File block index up to which blocks were asked for ahead. */
  ahead: number;
}

export class ReadAheadPolicy {
  private readonly readers = new Map<number, Reader>();

  /**
   * Records a read of [offset, end) of a file of `size` bytes; the file block indexes to fetch
   * ahead, [from, to), or undefined when the read does not look sequential, enough is already
   * on its way, or the file ends here.
   */
  afterRead(ino: number, offset: number, end: number, size: number): [number, number] | undefined {
    const known = this.readers.get(ino);
    const sequential = offset === 0 || known?.next === offset;
    const reader = { next: end, ahead: sequential && known !== undefined ? known.ahead : 0 };
    this.readers.delete(ino);
    this.readers.set(ino, reader);
    if (this.readers.size > TRACKED) this.readers.delete(this.readers.keys().next().value as number);
    if (!sequential || end >= size) return undefined;
    const from = Math.ceil(end / BLOCK_SIZE);
    const window = Math.min(MAX_WINDOW, Math.max(MIN_WINDOW, 2 * Math.ceil((end - offset) / BLOCK_SIZE)));
    if (reader.ahead - from >= window / 2) return undefined;
    const to = Math.min(Math.ceil(size / BLOCK_SIZE), from + window);
    const start = Math.max(from, reader.ahead);
    reader.ahead = to;
    return start < to ? [start, to] : undefined;
  }

  /** The file is gone or truncated: forget its reader. */
  forget(ino: number): void {
    this.readers.delete(ino);
  }
}
