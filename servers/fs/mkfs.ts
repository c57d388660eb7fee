/**
 * mkfs: lays natixfs out on a blank device — zeroed metadata, root directory, /dev with the
 * usual character devices, /tmp (sticky, world-writable) and /proc (a mount point) — and
 * writes the superblock last, so a crash part-way leaves a device that is still blank.
 */
import type { Logger } from "pino";
import type { BlockDevice } from "../blk/device.js";
import { S_IF } from "../../kernel-core/abi/fcntl.js";
import { DT } from "../../kernel-core/abi/stat.js";
import { BLOCK_SIZE, ROOT_INO, encodeSuperblock, planLayout, type Superblock } from "./layout.js";
import { FsCore } from "./core.js";
import { createNode, mknod } from "./namespace.js";
import { initDirectory } from "./dir.js";

/** Linux device numbers (makedev(major, minor) in the old 16-bit form). */
export const DEVICES = [
  { name: "null", major: 1, minor: 3 },
  { name: "zero", major: 1, minor: 5 },
  { name: "urandom", major: 1, minor: 9 },
  { name: "tty", major: 5, minor: 0 },
] as const;

export const makedev = (major: number, minor: number) => ((major & 0xfff) << 8) | (minor & 0xff) | ((minor & ~0xff) << 12);

const ROOT = { uid: 0, gid: 0, euid: 0, egid: 0 };

export async function mkfs(dev: BlockDevice, log: Logger, inodeCount?: number): Promise<Superblock> {
  const total = await dev.blocks(Infinity);
  const sb = planLayout(total, inodeCount ?? Math.min(65536, Math.max(1024, Math.floor(total / 4))));
  // Zero every metadata block (an image may be reused), in 128-block writes.
  const zeros = new Uint8Array(128 * BLOCK_SIZE);
  for (let b = 0; b < sb.dataStart; b += 128) await dev.write(b, zeros.subarray(0, Math.min(128, sb.dataStart - b) * BLOCK_SIZE), Infinity);
  await dev.flush(Infinity);

  const fs = new FsCore(dev, sb, log);
  // Metadata blocks and inode 0 are never free.
  for (let b = 0; b < sb.dataStart; b++) {
    const map = await fs.block(sb.bmapStart + Math.floor(b / (BLOCK_SIZE * 8)));
    const bit = b % (BLOCK_SIZE * 8);
    map[bit >> 3] |= 1 << (bit & 7);
    fs.dirty(sb.bmapStart + Math.floor(b / (BLOCK_SIZE * 8)), map);
  }
  const imap = await fs.block(sb.imapStart);
  imap[0] |= 1;
  fs.dirty(sb.imapStart, imap);

  const root = await fs.allocInode(S_IF.DIR | 0o755, 0, 0);
  if (root.ino !== ROOT_INO) throw new Error(`mkfs: root got inode ${root.ino}`);
  await initDirectory(fs, root, ROOT_INO, DT.DIR);
  root.nlink = 2;
  const devDir = await createNode(fs, ROOT, root, "dev", S_IF.DIR | 0o755);
  await createNode(fs, ROOT, root, "tmp", S_IF.DIR | 0o1777);
  await createNode(fs, ROOT, root, "proc", S_IF.DIR | 0o555);
  for (const d of DEVICES) await mknod(fs, ROOT, devDir.ino, d.name, S_IF.CHR | 0o666, makedev(d.major, d.minor));

  await fs.journal.sync(Infinity);
  await fs.journal.stop(Infinity);
  await dev.write(0, encodeSuperblock(sb), Infinity);
  await dev.flush(Infinity);
  log.info(`mkfs: natixfs with ${total} blocks, ${sb.inodeCount} inodes, data from block ${sb.dataStart}`);
  return sb;
}
