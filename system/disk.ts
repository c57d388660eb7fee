/**
 * The disk image of a system, before anything runs on it: a new one is created and formatted
 * (mkfs) by whoever creates it — `natix up` on a new data directory, a temporary system, an
 * embedded kernel, `natix mkfs` — and an existing one is checked without being written: one
 * that holds no natixfs is refused, untouched, with a message that names `natix fsck`.
 */
import { existsSync } from "node:fs";
import { open } from "node:fs/promises";
import { join } from "node:path";
import type { Logger } from "pino";
import { IMAGE_NAME, createImage, openImage } from "../servers/blk/image.js";
import { mkfs } from "../servers/fs/mkfs.js";
import { BLOCK_SIZE, decodeSuperblock } from "../servers/fs/layout.js";
import { installBase } from "./install-bin.js";

export class DiskRefusedError extends Error {}

/** The message for an image that does not mount: nothing was changed; what to run. */
export function unmountableMessage(dataDir: string, why: string): string {
  return `natix: ${join(dataDir, IMAGE_NAME)} does not mount (${why}); it was left untouched. Check it with \`natix fsck ${dataDir}\`, or make a new filesystem with \`natix mkfs ${dataDir} --force\``;
}

/** Creates and formats a new image; fails if `dataDir` has one. */
export async function makeFilesystem(dataDir: string, sizeMiB: number, log: Logger): Promise<void> {
  await createImage(dataDir, sizeMiB);
  const image = await openImage({ dataDir });
  try {
    await mkfs(image, log);
    await installBase(image, log);
  } finally {
    await image.close();
  }
}

/** Reads the superblock of an existing image (never writes): undefined if sound, else why not. */
export async function superblockProblem(dataDir: string): Promise<string | undefined> {
  const fh = await open(join(dataDir, IMAGE_NAME), "r");
  try {
    const block = new Uint8Array(BLOCK_SIZE);
    await fh.read(block, 0, BLOCK_SIZE, 0);
    const sb = decodeSuperblock(block);
    return typeof sb === "string" ? sb : undefined;
  } finally {
    await fh.close();
  }
}

/** Makes `dataDir`'s image ready to mount: created and formatted if new, checked if not. */
export async function prepareDisk(dataDir: string, sizeMiB: number, log: Logger): Promise<"created" | "existing"> {
  if (!existsSync(join(dataDir, IMAGE_NAME))) {
    await makeFilesystem(dataDir, sizeMiB, log);
    return "created";
  }
  const problem = await superblockProblem(dataDir);
  if (problem) throw new DiskRefusedError(unmountableMessage(dataDir, `bad superblock: ${problem}`));
  return "existing";
}
