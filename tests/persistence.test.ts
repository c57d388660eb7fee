/**
 * The disk lasts: `natix up --data DIR` keeps the filesystem in DIR across restarts (micro and
 * mono, and embedded with `natix run --embedded --data`); without --data the image is
 * temporary and removed at exit; `natix fsck` passes a clean image and reports damage; an
 * image that does not mount is refused and left byte for byte, never reformatted.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { mkdirSync, mkdtempSync, readdirSync, rmSync, openSync, readSync, writeSync, closeSync, writeFileSync, readFileSync, statSync, existsSync } from "node:fs";
import { createHash } from "node:crypto";
import { crc32 as zlibCrc32 } from "node:zlib";
import { startSystem } from "../build/services/launcher.js";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { connect, O_CREAT, O_WRONLY, O_RDONLY } from "../build/client-libc/mod.js";
import { decodeSuperblock } from "../build/servers/fs/layout.js";
import { natix, natixAsync, natixUp } from "./helpers/cli.js";

let work: string;
beforeAll(() => {
  work = mkdtempSync(join(tmpdir(), "natix-persist-"));
});
afterAll(() => rmSync(work, { recursive: true, force: true }));

async function writeFile(url: string, path: string, text: string) {
  const p = await connect({ nats: url });
  const fd = await p.open(path, O_CREAT | O_WRONLY, 0o644);
  expect(await p.write(fd, text)).toBe(text.length);
  expect(await p.close(fd)).toBe(0);
  await p.exit(0);
}

/** A program that writes argv[2] to the file argv[1] (exit 0 once it is closed). */
const WRITER = `import { open, write, close, O_WRONLY, O_CREAT, O_TRUNC } from "natix/libc";
export default async function main(argv) {
  const fd = await open(argv[1], O_WRONLY | O_CREAT | O_TRUNC, 0o644);
  if (fd < 0 || (await write(fd, argv[2])) !== argv[2].length) return 1;
  return (await close(fd)) === 0 ? 0 : 1;
}
`;

/**
 * A data directory whose image holds `path` with `text`: made by an embedded kernel (one
 * process, the same filesystem code), as the suites below only need such an image to damage.
 */
function imageHolding(dir: string, path: string, text: string) {
  const prog = join(work, "writer.mjs");
  writeFileSync(prog, WRITER);
  const r = natix(["run", "--embedded", "--data", dir, prog, path, text]);
  expect(r.status, r.stderr).toBe(0);
}

async function readFile(url: string, path: string): Promise<string | number> {
  const p = await connect({ nats: url });
  const fd = await p.open(path, O_RDONLY);
  if (fd < 0) {
    await p.exit(0);
    return -p.errno;
  }
  const buf = new Uint8Array(4096);
  const n = await p.read(fd, buf, 4096);
  await p.exit(0);
  return Buffer.from(buf.subarray(0, n)).toString();
}

for (const mode of ["micro", "mono"]) {
  it(`natix up --mode ${mode} --data DIR: files survive a stop and a start, and fsck finds the image clean`, async () => {
    const dir = join(work, mode);
    const first = await natixUp(["--mode", mode, "--data", dir]);
    await writeFile(first.url, "/tmp/kept.txt", `kept by ${mode}\n`);
    expect(await first.stop()).toBe(0);
    const check = natix(["fsck", dir]);
    expect(check.stdout).toContain("clean");
    expect(check.status).toBe(0);
    const second = await natixUp(["--mode", mode, "--data", dir]);
    expect(await readFile(second.url, "/tmp/kept.txt")).toBe(`kept by ${mode}\n`);
    expect(await second.stop()).toBe(0);
  });
}

it("natix run --embedded --data DIR keeps files between runs", () => {
  const dir = join(work, "embedded");
  const prog = join(work, "append.mjs");
  writeFileSync(
    prog,
    `import { open, write, close, read, O_CREAT, O_WRONLY, O_APPEND, O_RDONLY } from "natix/libc";
     export default async function main(argv) {
       if (argv[1] === "cat") { const fd = await open("/log", O_RDONLY); const b = new Uint8Array(100); const n = await read(fd, b, 100); await write(1, b, n); return 0; }
       const fd = await open("/log", O_CREAT | O_WRONLY | O_APPEND, 0o644); await write(fd, argv[1] + "\\n"); return await close(fd);
     }`,
  );
  expect(natix(["run", "--embedded", "--data", dir, prog, "one"]).status).toBe(0);
  expect(natix(["run", "--embedded", "--data", dir, prog, "two"]).status).toBe(0);
  expect(natix(["run", "--embedded", "--data", dir, prog, "cat"]).stdout).toBe("one\ntwo\n");
  expect(natix(["fsck", "--data", dir]).status).toBe(0);
});

describe("without --data", () => {
  it("the image is temporary: created under the temp directory, removed when natix up stops", async () => {
    // A temp directory of its own (TMPDIR), so suites running beside it do not count.
    const tmp = join(work, "tmp");
    mkdirSync(tmp);
    const up = await natixUp([], { TMPDIR: tmp });
    await writeFile(up.url, "/tmp/scratch", "x");
    const during = readdirSync(tmp).filter((d) => d.startsWith("natix-data-"));
    expect(during.length).toBe(1);
    // The image, and the epoch its blk driver took (the fence of docs/faults.md).
    expect(readdirSync(join(tmp, during[0])).sort()).toEqual(["natix.img", "natix.img.epoch"]);
    expect(await up.stop()).toBe(0);
    expect(readdirSync(tmp).filter((d) => d.startsWith("natix-data-"))).toEqual([]);
  });
});

describe("natix fsck", () => {
  let dir: string;
  beforeAll(async () => {
    dir = join(work, "fsck");
    imageHolding(dir, "/tmp/a", "alpha");
  });

  const patchImage = (edit: (fd: number, sb: ReturnType<typeof decodeSuperblock> & object) => void) => {
    const fd = openSync(join(dir, "natix.img"), "r+");
    const block = Buffer.alloc(4096);
    readSync(fd, block, 0, 4096, 0);
    const sb = decodeSuperblock(block);
    if (typeof sb === "string") throw new Error(sb);
    edit(fd, sb);
    closeSync(fd);
  };

  it("reports a wrong link count and exits 1", () => {
    expect(natix(["fsck", dir]).status).toBe(0);
    // /tmp is inode 3 (mkfs makes root, dev, tmp, proc in that order): give it a bogus nlink.
    patchImage((fd, sb) => {
      const nlink = Buffer.alloc(2);
      nlink.writeUInt16LE(99);
      writeSync(fd, nlink, 0, 2, sb.inodeStart * 4096 + 3 * 128 + 2);
    });
    const r = natix(["fsck", dir]);
    expect(r.status).toBe(1);
    expect(r.stdout).toMatch(/inode 3: link count 99, found \d+ links/);
  });

  it("reports blocks marked in use that nothing references", () => {
    patchImage((fd, sb) => {
      writeSync(fd, Buffer.from([0xff]), 0, 1, sb.bmapStart * 4096 + Math.floor((sb.totalBlocks - 64) / 8));
    });
    const r = natix(["fsck", dir]);
    expect(r.status).toBe(1);
    expect(r.stdout).toMatch(/8 block\(s\) marked in use but not referenced/);
  });

  it("says clearly when there is no image", () => {
    const r = natix(["fsck", join(work, "nothing-here")]);
    expect(r.status).toBe(8);
    expect(r.stderr).toContain("No such file or directory");
  });
});

const hash = (path: string) => createHash("sha256").update(readFileSync(path)).digest("hex");

/** Block 0 of the image overwritten with zeros: the superblock is gone. */
function zeroSuperblock(image: string) {
  const fd = openSync(image, "r+");
  writeSync(fd, Buffer.alloc(4096), 0, 4096, 0);
  closeSync(fd);
}

describe("an image that does not mount is never reformatted", () => {
  let dir: string;
  let image: string;
  beforeAll(async () => {
    dir = join(work, "corrupt");
    imageHolding(dir, "/tmp/precious", "do not lose me");
    image = join(dir, "natix.img");
  });

  it("natix up --data DIR refuses a zeroed superblock, names natix fsck, and leaves the image byte for byte", () => {
    zeroSuperblock(image);
    const before = hash(image);
    const r = natix(["up", "--data", dir]);
    expect(r.status).toBe(1);
    expect(r.stderr).toContain(`natix fsck ${dir}`);
    expect(r.stderr).toContain("left untouched");
    expect(r.stdout).not.toContain("NATS_URL=");
    expect(hash(image)).toBe(before);
  });

  it("a journal whose commit record cannot be replayed is refused too, before anything is written", async () => {
    const jdir = join(work, "bad-journal");
    imageHolding(jdir, "/tmp/precious", "do not lose me");
    const jimage = join(jdir, "natix.img");
    // A commit record with a sound CRC that names a block past the end of the filesystem, after
    // one inside it: replaying the first and failing on the second would change the image.
    const fd = openSync(jimage, "r+");
    const block0 = Buffer.alloc(4096);
    readSync(fd, block0, 0, 4096, 0);
    const sb = decodeSuperblock(block0);
    if (typeof sb === "string") throw new Error(sb);
    const header = Buffer.alloc(4096);
    const data = Buffer.alloc(2 * 4096, 0xab);
    header.writeUInt32LE(0x474c584e, 0);
    header.writeUInt32LE(99, 4);
    header.writeUInt32LE(2, 8);
    header.writeUInt32LE(sb.dataStart + 1, 16);
    header.writeUInt32LE(sb.totalBlocks + 5, 20);
    header.writeUInt32LE(zlibCrc32(data, zlibCrc32(header.subarray(16))), 12);
    writeSync(fd, header, 0, 4096, sb.logStart * 4096);
    writeSync(fd, data, 0, data.length, (sb.logStart + 1) * 4096);
    closeSync(fd);
    const before = hash(jimage);
    const r = natix(["up", "--data", jdir]);
    expect(r.status).toBe(1);
    expect(r.stderr).toContain(`natix fsck ${jdir}`);
    expect(r.stderr).toMatch(/journal cannot be replayed: commit record 99 names block \d+/);
    expect(hash(jimage)).toBe(before);
  }, 60_000);

  it("so does an embedded kernel (natix run --embedded --data DIR)", () => {
    const before = hash(image);
    const prog = join(work, "noop.mjs");
    writeFileSync(prog, "export default async function main() { return 0; }\n");
    const r = natix(["run", "--embedded", "--data", dir, prog]);
    expect(r.status).not.toBe(0);
    expect(r.stderr).toContain(`natix fsck ${dir}`);
    expect(hash(image)).toBe(before);
  });

  it("natix mkfs refuses an existing image without --force; with it, makes a clean new filesystem", () => {
    const refused = natix(["mkfs", dir]);
    expect(refused.status).toBe(1);
    expect(refused.stderr).toContain("--force");
    const made = natix(["mkfs", dir, "--force", "--size", "16"]);
    expect(made.status).toBe(0);
    expect(natix(["fsck", dir]).status).toBe(0);
    const fresh = join(work, "fresh");
    expect(natix(["mkfs", fresh, "--size", "16"]).status).toBe(0);
    expect(natix(["fsck", fresh]).status).toBe(0);
  });
});

describe("disk sizes (issue #12)", () => {
  it("natix mkfs --size takes MiB or a unit (16M, 1G) and refuses what is not a size", () => {
    const a = join(work, "size-16m");
    expect(natix(["mkfs", a, "--size", "16M"]).status).toBe(0);
    expect(statSync(join(a, "natix.img")).size).toBe(16 * 1024 * 1024);
    expect(natix(["fsck", a]).status).toBe(0);
    const b = join(work, "size-1g");
    expect(natix(["mkfs", b, "--size", "1G"]).status).toBe(0);
    expect(statSync(join(b, "natix.img")).size).toBe(1024 * 1024 * 1024);
    for (const bad of ["5M", "12K", "0", "lots", "2P"]) {
      const r = natix(["mkfs", join(work, `size-bad-${bad}`), "--size", bad]);
      expect(r.status, bad).toBe(2);
      expect(r.stderr).toContain("--size takes a size");
      expect(existsSync(join(work, `size-bad-${bad}`, "natix.img"))).toBe(false);
    }
  });

  it("natix up --disk-size SIZE makes a new image of that size; an existing image keeps its own", async () => {
    const dir = join(work, "up-size");
    const up = await natixUp(["--data", dir, "--disk-size", "24M"]);
    expect(await up.stop()).toBe(0);
    expect(statSync(join(dir, "natix.img")).size).toBe(24 * 1024 * 1024);
    const again = await natixUp(["--data", dir, "--disk-size", "64M"]);
    expect(await again.stop()).toBe(0);
    expect(statSync(join(dir, "natix.img")).size).toBe(24 * 1024 * 1024);
    const bad = natix(["up", "--disk-size", "3M"]);
    expect(bad.status).toBe(2);
    expect(bad.stderr).toContain("--disk-size takes a size");
  }, 60_000);
});

describe("a running system whose disk loses its superblock (micro)", () => {
  it("the restarted vfs refuses to mount it (exit 78) instead of running mkfs; the image is left as it was", async () => {
    const dir = join(work, "live-corrupt");
    const sys = await startSystem({ mode: "micro", dataDir: dir });
    try {
      await writeFile(sys.natsUrl, "/tmp/precious", "do not lose me");
      // The disk is damaged underneath the system (what a raw write to the driver did before
      // the bus was isolated), then the vfs server restarts. The running vfs is frozen first
      // (its journal would write the superblock back) and what it already sent blk is let land.
      const image = join(dir, "natix.img");
      const vfs = sys.supervisor.child("vfs")!;
      vfs.kill("SIGSTOP");
      await new Promise((r) => setTimeout(r, 500));
      zeroSuperblock(image);
      const before = hash(image);
      vfs.kill("SIGKILL");
      await expect.poll(() => sys.supervisor.status().find((s) => s.name === "vfs")?.lastExit, { timeout: 10_000 }).toBe("status 78");
      expect(hash(image)).toBe(before);
      const log = (await natixAsync(["dmesg"], { NATS_URL: sys.natsUrl })).stdout;
      // One mkfs only: when natix up created the image, never since.
      expect(log.match(/mkfs: natixfs/g)?.length).toBe(1);
    } finally {
      await sys.stop();
    }
  }, 60_000);
});
