/**
 * natix fsck DIR | --data DIR — checks the disk image in DIR offline (stop the system first).
 * Exit status 0 when clean, 1 when problems were found, 8 when the image cannot be read.
 */
import { existsSync } from "node:fs";
import { join } from "node:path";
import pino from "pino";
import { openImage, IMAGE_NAME } from "../../servers/blk/image.js";
import { fsck as check } from "../../servers/fs/fsck.js";
import { UsageError } from "./usage-error.js";

export const usage = "natix fsck DIR | --data DIR";

export async function fsck(argv: string[]): Promise<number> {
  const dir = argv[0] === "--data" ? argv[1] : argv[0];
  if (!dir || argv.length > (argv[0] === "--data" ? 2 : 1)) throw new UsageError("give the data directory");
  const path = join(dir, IMAGE_NAME);
  if (!existsSync(path)) {
    process.stderr.write(`natix fsck: ${path}: No such file or directory\n`);
    return 8;
  }
  const image = await openImage({ dataDir: dir });
  try {
    const report = await check(image, pino({ level: "silent" }));
    for (const n of report.notes) process.stdout.write(`natix fsck: note: ${n}\n`);
    for (const p of report.problems) process.stdout.write(`natix fsck: problem: ${p}\n`);
    process.stdout.write(
      report.clean
        ? `natix fsck: ${path}: clean, ${report.files} files, ${report.directories} directories, ${report.usedBlocks}/${report.totalBlocks} blocks\n`
        : `natix fsck: ${path}: ${report.problems.length} problem(s) found\n`,
    );
    return report.clean ? 0 : 1;
  } finally {
    await image.close();
  }
}
