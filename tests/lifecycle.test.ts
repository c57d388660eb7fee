/**
 * Process lifecycle: a program killed without exit() is noticed by the kernel within seconds,
 * and every server releases what it held — descriptors (an unlinked file's blocks), memory —
 * and `natix ps` stops listing it.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { O_RDONLY, type Proc } from "../build/client-libc/mod.js";
import { bootMode, type TestSystem } from "./helpers/modes.js";
import { CLI, natix, natixAsync } from "./helpers/cli.js";

async function readText(p: Proc, path: string): Promise<string | number> {
  const fd = await p.open(path, O_RDONLY);
  if (fd < 0) return -p.errno;
  const buf = new Uint8Array(64 * 1024);
  const n = await p.read(fd, buf, buf.length);
  await p.close(fd);
  return Buffer.from(buf.subarray(0, n)).toString();
}

const committed = (meminfo: string) => Number(/^Committed_AS:\s+(\d+) kB$/m.exec(meminfo)![1]);

describe("a program killed with SIGKILL (micro)", () => {
  let sys: TestSystem;
  let work: string;
  beforeAll(async () => {
    sys = await bootMode("micro");
    work = mkdtempSync(join(tmpdir(), "natix-life-"));
  });
  afterAll(async () => {
    await sys?.stop();
    rmSync(work, { recursive: true, force: true });
  });

  it("is reaped within seconds: its /proc entry, descriptors and memory are released", async () => {
    const prog = join(work, "hold.mjs");
    writeFileSync(
      prog,
      `import { open, write, unlink, mmap, poke, getpid, O_CREAT, O_RDWR, PROT_READ, PROT_WRITE, MAP_PRIVATE, MAP_ANONYMOUS } from "natix/libc";
       export default async function main() {
         const fd = await open("/tmp/held", O_CREAT | O_RDWR, 0o644);
         await write(fd, new Uint8Array(1 << 20), 1 << 20);
         await unlink("/tmp/held");
         const a = await mmap(0, 64 << 20, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS);
         await poke(a, new Uint8Array(1 << 16).fill(7));
         await write(1, "ready " + (await getpid()) + "\\n");
         await new Promise(() => {});
       }`,
    );
    const watcher = (await sys.spawn({ argv: ["watcher"] })).proc;
    const baseline = committed((await readText(watcher, "/proc/meminfo")) as string);
    const child = spawn(process.execPath, [CLI, "run", "--nats", sys.natsUrl!, prog], { stdio: ["ignore", "pipe", "inherit"] });
    const pid = await new Promise<number>((resolve) => {
      let out = "";
      child.stdout!.on("data", (d: Buffer) => {
        out += d.toString();
        const m = /ready (\d+)/.exec(out);
        if (m) resolve(Number(m[1]));
      });
    });
    expect(committed((await readText(watcher, "/proc/meminfo")) as string) - baseline).toBeGreaterThanOrEqual(64 * 1024);
    const link = new Uint8Array(256);
    const n = await watcher.readlink(`/proc/${pid}/fd/3`, link);
    expect(Buffer.from(link.subarray(0, n)).toString()).toBe("/tmp/held (deleted)");
    expect((await natixAsync(["ps", "--nats", sys.natsUrl!])).stdout).toContain(prog);

    child.kill("SIGKILL");
    const started = Date.now();
    let gone = false;
    while (!gone && Date.now() - started < 8000) {
      await new Promise((r) => setTimeout(r, 250));
      gone = (await readText(watcher, `/proc/${pid}/status`)) === -2;
    }
    expect(gone).toBe(true);
    expect(Date.now() - started).toBeLessThan(6000);
    expect(committed((await readText(watcher, "/proc/meminfo")) as string)).toBe(baseline);
    expect((await natixAsync(["ps", "--nats", sys.natsUrl!])).stdout).not.toContain(prog);
    expect(natix(["dmesg", "--nats", sys.natsUrl!]).stdout).toMatch(new RegExp(`process ${pid} \\(hold\\.mjs\\) vanished without exit`));
  });
});
