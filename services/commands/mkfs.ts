/**
 * natix mkfs DIR [--size SIZE] [--force] — makes a new natixfs in DIR/natix.img (stop the system
 * first). Like mkfs.xfs, it refuses to overwrite an image that holds a filesystem unless told
 * to with --force: natix never formats a disk behind the user's back.
 */
import { existsSync } from "node:fs";
import { rm } from "node:fs/promises";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { createLogger } from "../../system/logger.js";
import { IMAGE_NAME } from "../../servers/blk/image.js";
import { makeFilesystem, superblockProblem, unmountableMessage } from "../../system/disk.js";
import { DISK_MIB, diskSizeMiB, parseSizeMiB } from "../../system/server-catalog.js";
import { UsageError } from "./usage-error.js";

export const usage = "natix mkfs DIR [--size SIZE] [--force | --if-missing]   (SIZE: MiB, or 64M, 2G, ...)";

export async function mkfsCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({ args: argv, options: { size: { type: "string" }, force: { type: "boolean", default: false }, "if-missing": { type: "boolean", default: false } }, allowPositionals: true });
  if (positionals.length !== 1) throw new UsageError("give the data directory");
  const dir = positionals[0];
  const size = values.size === undefined ? diskSizeMiB() : parseSizeMiB(values.size);
  if (size === undefined) throw new UsageError(`--size takes a size from ${DISK_MIB.min} MiB to 1 TiB (128, 128M, 2G), not ${JSON.stringify(values.size)}`);
  const path = join(dir, IMAGE_NAME);
  if (existsSync(path)) {
    const problem = await superblockProblem(dir);
    // --if-missing (a deployment's first start): an image that holds a filesystem is kept; one
    // that does not is refused as natix up refuses it, so nothing mounts a damaged disk.
    if (values["if-missing"] && !values.force) {
      if (problem === undefined) return 0;
      process.stderr.write(`${unmountableMessage(dir, `bad superblock: ${problem}`)}\n`);
      return 1;
    }
    if (!values.force) {
      process.stderr.write(`natix mkfs: ${path} exists${problem ? "" : " and holds a natixfs"}; use --force to overwrite it\n`);
      return 1;
    }
    await rm(path);
  }
  await makeFilesystem(dir, size, createLogger({ name: "mkfs", level: "info" }));
  process.stdout.write(`natix mkfs: ${path}: new natixfs, ${size} MiB\n`);
  return 0;
}
