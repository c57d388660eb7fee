/**
 * The image's writer generation (epoch): the fence that keeps a disk image to one writer.
 *
 * A blk driver that starts serving (a fresh one, or a warm standby taking over) takes the next
 * epoch: it writes it to a small file beside the image (`natix.img.epoch`, one per replica slot)
 * and makes that durable before it answers anything. Before every read, write and flush of the
 * image a driver checks that the file still holds its own epoch. A driver that was stalled
 * (SIGSTOP, a long GC pause, a partition) and wakes up after a successor took over finds a newer
 * epoch and must stop at once: whatever requests were queued in its socket were sent to it before
 * the takeover and are answered by the successor, so it neither performs nor answers them.
 *
 * Why an epoch the driver reads rather than one the filesystem sends: the requests waiting in a
 * stalled driver's socket carry whatever the filesystem sent at the time, so an epoch inside them
 * cannot tell the driver that it has been replaced; only state that the successor changes can.
 * The check and the write are two system calls: a driver stopped exactly between them could still
 * land one write after a takeover. The supervisor closes that window for its own children by
 * SIGKILLing a hung driver as its standby takes over (a stopped process dies without running
 * again); the epoch is what protects against a driver it cannot kill.
 */
import { closeSync, constants, fsyncSync, openSync, readSync, writeSync } from "node:fs";
import { join } from "node:path";
import { IMAGE_NAME } from "./image.js";

/** Width of the epoch field: fixed, so it is rewritten in place and read with one pread. */
const FIELD = 20;

export class FencedError extends Error {
  constructor(readonly mine: number, readonly current: number) {
    super(`fenced: the image belongs to epoch ${current}, this driver serves epoch ${mine}`);
    this.name = "FencedError";
  }
}

export function epochFileName(slot: number): string {
  return slot === 0 ? `${IMAGE_NAME}.epoch` : `${IMAGE_NAME}.epoch.${slot}`;
}

export class ImageFence {
  private readonly buf = Buffer.alloc(FIELD + 1);

  private constructor(private readonly fd: number, readonly epoch: number) {}

  /**
   * Takes the next epoch of `slot` in `dataDir`: from this moment a driver holding an older one
   * refuses every request. Durable (fsync) before it returns.
   */
  static take(dataDir: string, slot = 0): ImageFence {
    const fd = openSync(join(dataDir, epochFileName(slot)), constants.O_RDWR | constants.O_CREAT, 0o644);
    try {
      const next = Math.max(0, new ImageFence(fd, 0).current()) + 1;
      writeSync(fd, Buffer.from(`${String(next).padStart(FIELD)}\n`), 0, FIELD + 1, 0);
      fsyncSync(fd);
      return new ImageFence(fd, next);
    } catch (err) {
      closeSync(fd);
      throw err;
    }
  }

  /** The epoch the file holds now (0 for a new file; unreadable text is not ours either: -1). */
  current(): number {
    const n = readSync(this.fd, this.buf, 0, this.buf.length, 0);
    if (n === 0) return 0;
    const v = Number(this.buf.subarray(0, n).toString("latin1").trim());
    return Number.isSafeInteger(v) && v >= 0 ? v : -1;
  }

  /** Throws FencedError unless this driver still holds the image. */
  check(): void {
    const now = this.current();
    if (now !== this.epoch) throw new FencedError(this.epoch, now);
  }

  close(): void {
    closeSync(this.fd);
  }
}
