/**
 * The disk image: a real file of fixed-size blocks, sparse until written. Only the blk driver
 * opens it; nothing else in natix knows its name. Writes go straight to the file (pwrite);
 * flush is fsync, so what a flush acknowledged survives a crash of any natix process and of
 * the machine.
 */
import { open, mkdir, type FileHandle } from "node:fs/promises";
import { join } from "node:path";
import type { BlockDevice } from "./device.js";
import { DeviceError } from "./device.js";

export const IMAGE_NAME = "natix.img";

export interface ImageOptions {
  /** Directory that holds the image (created if missing). */
  dataDir: string;
  /** Size of a new image in MiB (an existing image keeps its size). */
  sizeMiB?: number;
  blockSize?: number;
}

export async function openImage(opts: ImageOptions): Promise<BlockDevice & { close(): Promise<void> }> {
  const blockSize = opts.blockSize ?? 4096;
  await mkdir(opts.dataDir, { recursive: true });
  const path = join(opts.dataDir, IMAGE_NAME);
  let fh: FileHandle;
  try {
    fh = await open(path, "r+");
  } catch {
    fh = await open(path, "w+");
    await fh.truncate((opts.sizeMiB ?? 128) * 1024 * 1024);
    await fh.sync();
  }
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
        const { bytesWritten } = await fh.write(data, done, data.length - done, block * blockSize + done);
        done += bytesWritten;
      }
    },
    async flush() {
      await fh.sync();
    },
    close: () => fh.close(),
  };
}
