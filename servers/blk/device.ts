/**
 * A block device: fixed-size blocks read, written and flushed. The filesystem sees only this;
 * behind it is the blk driver process (micro) or the image file itself (mono, embedded).
 * Every call may be given a budget: a device that cannot be reached within it fails with
 * DeviceError, which the filesystem turns into EIO.
 */
export interface BlockDevice {
  readonly blockSize: number;
  /** Size of the device in blocks. */
  blocks(budgetMs?: number): Promise<number>;
  /** `count` blocks from `block`, as one buffer. */
  read(block: number, count: number, budgetMs?: number): Promise<Uint8Array>;
  /** Writes whole blocks starting at `block`. */
  write(block: number, data: Uint8Array, budgetMs?: number): Promise<void>;
  /** Makes every acknowledged write durable (fsync of the image). */
  flush(budgetMs?: number): Promise<void>;
}

export class DeviceError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "DeviceError";
  }
}
