/**
 * The disk image: a real file of fixed-size blocks, sparse until written. Only the blk driver
 * opens it while the system runs. It is never created behind anyone's back: `createImage` makes
 * a new one (for `natix up` on a new data directory, a temporary system, or `natix mkfs`), and
 * `openImage` opens only one that exists. Writes go straight to the file (pwrite);
 * flush is fsync, so what a flush acknowledged survives a crash of any natix process and of
 * the machine.
 */
import { open, mkdir, type FileHandle } from "node:fs/promises";
import { join } from "node:path";
import type { BlockDevice } from "./device.js";
import { DeviceError } from "./device.js";

export const IMAGE_NAME = "natix.img";

export interface ImageOptions {
  /** Directory that holds the image. */
  dataDir: string;
  blockSize?: number;
  /**
   * Called right before every read, write and flush of the file; throws to refuse it (the
   * driver's fence: a driver that lost the image to a successor must not touch it).
   */
  beforeAccess?: () => void;
}

export class NoImageError extends Error {}

/** Creates a new, blank image of `sizeMiB` in `dataDir`; fails if one is there already. */
export async function createImage(dataDir: string, sizeMiB: number): Promise<void> {
  await mkdir(dataDir, { recursive: true });
  const fh = await open(join(dataDir, IMAGE_NAME), "wx");
  try {
    await fh.truncate(sizeMiB * 1024 * 1024);
    await fh.sync();
  } finally {
    await fh.close();
  }
}

export async function openImage(opts: ImageOptions): Promise<BlockDevice & { close(): Promise<void> }> {
  const blockSize = opts.blockSize ?? 4096;
  const path = join(opts.dataDir, IMAGE_NAME);
  let fh: FileHandle;
  try {
    fh = await open(path, "r+");
  } catch (err) {
    throw new NoImageError(`no disk image at ${path}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
  const guard = opts.beforeAccess ?? (() => {});
  const total = Math.floor((await fh.stat()).size / blockSize);
  const check = (block: number, count: number) => {
    if (!Number.isInteger(block) || !Number.isInteger(count) || block < 0 || count < 0 || block + count > total) {
      throw new DeviceError(`blocks ${block}+${count} outside the device (${total} blocks)`);
    }
  };
  return {
    blockSize,
    blocks: async () => total,
    async read(block, count) {
      check(block, count);
      const buf = new Uint8Array(count * blockSize);
      let done = 0;
      while (done < buf.length) {
        guard();
        const { bytesRead } = await fh.read(buf, done, buf.length - done, block * blockSize + done);
        if (bytesRead === 0) break; // past the end of a sparse file: zeros
        done += bytesRead;
      }
      return buf;
    },
    async write(block, data) {
      if (data.length % blockSize !== 0) throw new DeviceError("write of a partial block");
      check(block, data.length / blockSize);
      let done = 0;
      while (done < data.length) {
        guard();
        const { bytesWritten } = await fh.write(data, done, data.length - done, block * blockSize + done);
        done += bytesWritten;
      }
    },
    async flush() {
      guard();
      await fh.sync();
    },
    close: () => fh.close(),
  };
}
