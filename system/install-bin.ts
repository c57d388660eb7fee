/**
 * /bin on a new natixfs, with the shipped utilities: the ES modules in programs/bin, each
 * installed as /bin/NAME, mode 0755, owned by root (mkfs itself makes /dev, /tmp 1777 and /proc).
 * Done once, on the image mkfs has just made; an existing disk is never changed.
 */
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import type { Logger } from "pino";
import type { BlockDevice } from "../servers/blk/device.js";
import { FileSystem } from "../servers/fs/filesystem.js";
import { ROOT_INO } from "../servers/fs/layout.js";
import { O } from "../kernel-core/abi/fcntl.js";

const PROGRAMS = new URL("../../programs/bin/", import.meta.url);
const ROOT = { pid: 0, uid: 0, gid: 0, euid: 0, egid: 0 };

/** The shipped utilities: name → module source. */
export function shippedPrograms(): Map<string, Uint8Array> {
  const out = new Map<string, Uint8Array>();
  if (!existsSync(PROGRAMS)) throw new Error(`mkfs: the utilities to install in /bin are missing (${fileURLToPath(PROGRAMS)}): natix is not installed whole`);
  for (const file of readdirSync(PROGRAMS).sort()) {
    if (file.endsWith(".mjs")) out.set(file.slice(0, -4), readFileSync(new URL(file, PROGRAMS)));
  }
  return out;
}

async function check(what: string, r: number | object): Promise<void> {
  if (typeof r === "number" && r < 0) throw new Error(`mkfs: could not make ${what} (errno ${-r})`);
}

export async function installBase(dev: BlockDevice, log: Logger): Promise<void> {
  const fs = await FileSystem.mount(dev, { log, budgetMs: Infinity });
  try {
    await check("/bin", await fs.mkdir(ROOT, ROOT_INO, "bin", 0o755, 0));
    for (const [name, source] of shippedPrograms()) {
      const opened = await fs.open(ROOT, ROOT_INO, `bin/${name}`, O.WRONLY | O.CREAT | O.EXCL, 0o755, 0);
      await check(`/bin/${name}`, opened);
      if (typeof opened === "number") continue;
      fs.opened(opened.ino);
      await check(`/bin/${name}`, await fs.write(opened.ino, 0, source, false));
      await fs.closed(opened.ino);
    }
    await fs.sync();
  } finally {
    await fs.unmount();
  }
}
