/**
 * Crash tests: kill -9 the blk driver, the fs (vfs) server, or the whole system at random
 * moments while a writer appends fsync'd records; then, with nothing shut down cleanly, fsck
 * must find the image consistent and every acknowledged record must be there, intact.
 * Seeded, so a failure can be replayed (the seed is in the test name).
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import pino from "pino";
import { connect, O_RDONLY } from "../build/client-libc/mod.js";
import { startSystem, type RunningSystem } from "../build/services/launcher.js";
import { createEmbeddedSystem } from "../build/system/embedded.js";
import { openImage } from "../build/servers/blk/image.js";
import { fsck } from "../build/servers/fs/fsck.js";
import { startTestNats, type TestNats } from "./helpers/nats.js";
import { AckedWriter } from "./crash/acked-writer.js";
import { parseRecords } from "./crash/record.mjs";
import { CLI } from "./helpers/cli.js";
import { seededRandom as rng } from "../build/services/chaos/random.js";

const SEED = Number(process.env.NATIX_CRASH_SEED ?? 20261127);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

let work: string;
beforeAll(() => {
  work = mkdtempSync(join(tmpdir(), "natix-crash-"));
});
afterAll(() => rmSync(work, { recursive: true, force: true }));

/** fsck of the image as the crash left it; then every acknowledged record, read through natix. */
async function verify(dataDir: string, acked: Set<number>) {
  const image = await openImage({ dataDir });
  const report = await fsck(image, pino({ level: "silent" }));
  await image.close();
  expect(report.problems).toEqual([]);
  expect(report.clean).toBe(true);

  const sys = await createEmbeddedSystem({ dataDir });
  try {
    const p = await connect({ embedded: sys });
    const fd = await p.open("/data.log", O_RDONLY);
    expect(fd).toBeGreaterThan(2);
    const size = ((await p.fstat(fd)) as { st_size: number }).st_size;
    const bytes = new Uint8Array(size);
    for (let at = 0; at < size; ) {
      const n = await p.pread(fd, bytes.subarray(at), Math.min(512 * 1024, size - at), at);
      expect(n).toBeGreaterThan(0);
      at += n;
    }
    const { seqs, bad } = parseRecords(bytes);
    expect(bad).toBe(0);
    const present = new Set(seqs);
    const lost = [...acked].filter((s) => !present.has(s));
    expect(lost).toEqual([]);
    await p.exit(0);
  } finally {
    await sys.stop();
  }
}

/** Kills every process of a system at once: the machine lost power. */
async function crashAll(sys: RunningSystem) {
  for (const child of sys.children.values()) child.kill("SIGKILL");
  await sleep(100);
  await sys.stop();
}

describe("crash consistency (micro): kill -9 of the blk driver and of the fs server during fsync'd writes", () => {
  let nats: TestNats;
  beforeAll(async () => {
    nats = await startTestNats();
  });
  afterAll(async () => nats?.stop());

  it(`loses no acknowledged record and leaves a clean filesystem (seed ${SEED})`, async () => {
    const random = rng(SEED);
    const dataDir = join(work, "micro");
    const sys = await startSystem({ mode: "micro", nats: nats.url, keys: nats.keysDir, dataDir, deadlineMs: 1500 });
    const writer = new AckedWriter(sys.natsUrl, "/data.log");
    let running = true;
    const load = (async () => {
      while (running) await writer.step();
    })();
    try {
      for (let k = 0; k < 6; k++) {
        await sleep(150 + random() * 450);
        const target = k % 2 === 0 ? "blk" : "vfs";
        sys.children.get(target)!.kill("SIGKILL");
        await sleep(random() * 300);
        await sys.restart(target);
      }
      await sleep(300);
    } finally {
      running = false;
      await load;
      await writer.close();
      await crashAll(sys);
    }
    if (process.env.NATIX_CRASH_VERBOSE) console.log(`micro: ${writer.acked.size} acked of ${writer.attempts}, ${writer.failures} failed`);
    expect(writer.acked.size).toBeGreaterThan(10);
    expect(writer.failures).toBeGreaterThan(0);
    await verify(dataDir, writer.acked);
  });
});

describe("crash consistency (mono): kill -9 of the whole kernel process during fsync'd writes", () => {
  let nats: TestNats;
  beforeAll(async () => {
    nats = await startTestNats();
  });
  afterAll(async () => nats?.stop());

  it(`loses no acknowledged record and leaves a clean filesystem (seed ${SEED})`, async () => {
    const random = rng(SEED + 1);
    const dataDir = join(work, "mono");
    const sys = await startSystem({ mode: "mono", nats: nats.url, keys: nats.keysDir, dataDir, deadlineMs: 1500 });
    const writer = new AckedWriter(sys.natsUrl, "/data.log");
    let running = true;
    const load = (async () => {
      while (running) await writer.step();
    })();
    try {
      for (let k = 0; k < 4; k++) {
        await sleep(200 + random() * 500);
        sys.children.get("mono")!.kill("SIGKILL");
        await sleep(random() * 200);
        await sys.restart("mono");
      }
      await sleep(300);
    } finally {
      running = false;
      await load;
      await writer.close();
      await crashAll(sys);
    }
    expect(writer.acked.size).toBeGreaterThan(10);
    await verify(dataDir, writer.acked);
  });
});

describe("crash consistency (embedded): kill -9 of the program that holds the kernel", () => {
  it(`loses no acknowledged record and leaves a clean filesystem (seed ${SEED})`, async () => {
    const random = rng(SEED + 2);
    const dataDir = join(work, "embedded");
    const writer = fileURLToPath(new URL("./crash/writer.mjs", import.meta.url));
    const acked = new Set<number>();
    for (let run = 0; run < 4; run++) {
      const child = spawn(process.execPath, [CLI, "run", "--embedded", "--data", dataDir, writer, String(run * 1_000_000)], {
        stdio: ["ignore", "pipe", "inherit"],
      });
      let out = "";
      // Killed at a random moment once it writes (not a fixed time from its start: how long a
      // node process takes to start and mount is the machine's business, not the journal's).
      const writing = new Promise<void>((resolve) => {
        child.stdout!.on("data", (d: Buffer) => {
          out += d.toString();
          if (/^ack \d+$/m.test(out)) resolve();
        });
        child.once("exit", () => resolve());
      });
      await Promise.race([writing, sleep(20_000)]);
      await sleep(random() * 600);
      child.kill("SIGKILL");
      await new Promise((r) => child.once("exit", r));
      for (const m of out.matchAll(/^ack (\d+)$/gm)) acked.add(Number(m[1]));
    }
    expect(acked.size).toBeGreaterThan(10);
    await verify(dataDir, acked);
  });
});
