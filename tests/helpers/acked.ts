/**
 * After a fault run: the image is sound (fsck) and every record natix acknowledged (write and
 * fsync succeeded) is in its file. Returns how many acknowledged records are missing.
 */
import { expect } from "vitest";
import pino from "pino";
import { createEmbeddedSystem } from "../../build/system/embedded.js";
import { openImage } from "../../build/servers/blk/image.js";
import { fsck } from "../../build/servers/fs/fsck.js";
import { parseRecords } from "../../build/services/chaos/records.js";
import { connect, O_RDONLY } from "../../build/client-libc/mod.js";

export async function ackedMissing(dataDir: string, acked: Map<string, Set<number>>): Promise<number> {
  const image = await openImage({ dataDir });
  const report = await fsck(image, pino({ level: "silent" }));
  await image.close();
  expect(report.problems).toEqual([]);
  const sys = await createEmbeddedSystem({ dataDir });
  let lost = 0;
  try {
    const p = await connect({ embedded: sys });
    for (const [path, seqs] of acked) {
      const fd = await p.open(path, O_RDONLY);
      const size = ((await p.fstat(fd)) as { st_size: number }).st_size;
      const bytes = new Uint8Array(size);
      for (let at = 0; at < size; at += await p.pread(fd, bytes.subarray(at), Math.min(512 * 1024, size - at), at));
      const present = new Set(parseRecords(bytes).seqs);
      for (const s of seqs) if (!present.has(s)) lost++;
    }
    await p.exit(0);
  } finally {
    await sys.stop();
  }
  return lost;
}
