/**
 * The blk driver's warm standby (natix up --standby blk): it takes over at once when the active
 * driver is killed or hangs, a new one is started behind it, and the image's epoch fences a
 * stalled driver that wakes up after its successor took over — none of its writes land.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { spawn, type ChildProcess } from "node:child_process";
import { openSync, readFileSync, readSync, closeSync, statSync } from "node:fs";
import { join } from "node:path";
import { bootMode, type TestSystem } from "./helpers/modes.js";
import { natixAsync as natix } from "./helpers/cli.js";
import { O_CREAT, O_RDONLY, O_WRONLY } from "../build/client-libc/mod.js";
import { IMAGE_NAME } from "../build/servers/blk/image.js";
import { epochFileName } from "../build/servers/blk/fence.js";
import { connectNats } from "../build/transport/nats-connect.js";
import { INBOX } from "../build/kernel-core/abi/subjects.js";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const BLOCK = 4096;

async function until<T>(what: string, probe: () => Promise<T | undefined> | T | undefined, ms = 15_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await probe();
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(50);
  }
}

const blkStatus = (sys: TestSystem) => sys.system!.supervisor.status().find((s) => s.name === "blk")!;
const dmesg = async (sys: TestSystem) => (await natix(["dmesg", "--nats", sys.natsUrl!])).stdout;

/** Writes `bytes` to a new natix file and fsyncs it; returns what reads back. */
async function roundTrip(sys: TestSystem, path: string, bytes: Uint8Array): Promise<Uint8Array> {
  const { proc } = await sys.spawn();
  const fd = await proc.open(path, O_CREAT | O_WRONLY, 0o644);
  expect(fd).toBeGreaterThan(2);
  expect(await proc.write(fd, bytes, bytes.length)).toBe(bytes.length);
  expect(await proc.fsync(fd)).toBe(0);
  await proc.close(fd);
  const rfd = await proc.open(path, O_RDONLY);
  const back = new Uint8Array(bytes.length);
  expect(await proc.read(rfd, back, back.length)).toBe(bytes.length);
  await proc.close(rfd);
  await proc.exit(0);
  return back;
}

describe("warm standby of the blk driver (micro)", () => {
  let sys: TestSystem;
  beforeAll(async () => {
    sys = await bootMode("micro", { standby: ["blk"] });
  });
  afterAll(async () => sys?.stop());

  it("natix ps shows the standby; SIGKILL of the active: the standby takes over, another starts behind it", async () => {
    const ready = await until("a ready standby", () => blkStatus(sys).standbyPid ?? undefined);
    const row = (await natix(["ps", "--nats", sys.natsUrl!])).stdout.split("\n").find((l) => l.startsWith("blk "))!;
    expect(row).toMatch(new RegExp(`^blk\\s+running\\s+\\d+\\s+0\\s+\\S+\\s+${ready}$`));
    const data = new Uint8Array(3 * BLOCK + 17).map((_, i) => (i * 7) & 255);
    expect(await roundTrip(sys, "/tmp/before-takeover", data)).toEqual(data);

    const active = blkStatus(sys).pid!;
    process.kill(active, "SIGKILL");
    await until("the standby serving", () => (blkStatus(sys).pid === ready ? true : undefined));
    expect(blkStatus(sys)).toMatchObject({ state: "running", restarts: 1 });
    const next = await until("a new standby", () => blkStatus(sys).standbyPid ?? undefined);
    expect(next).not.toBe(ready);
    const log = await dmesg(sys);
    expect(log).toContain(`rs: blk (pid ${active}) died (SIGKILL); standby pid ${ready} takes over (restart 1)`);
    expect(log).toMatch(new RegExp(`blk: serving the image as epoch \\d+ \\(pid ${ready}\\)`));

    const more = new Uint8Array(2 * BLOCK).fill(0x5a);
    expect(await roundTrip(sys, "/tmp/after-takeover", more)).toEqual(more);
    const { proc } = await sys.spawn();
    const fd = await proc.open("/tmp/before-takeover", O_RDONLY);
    const back = new Uint8Array(data.length);
    expect(await proc.read(fd, back, back.length)).toBe(data.length);
    expect(back).toEqual(data);
  });

  it("a hung active driver (SIGSTOP): the standby takes over after three missed heartbeats and the hung one is killed", async () => {
    const ready = await until("a ready standby", () => blkStatus(sys).standbyPid ?? undefined);
    const hung = blkStatus(sys).pid!;
    const child = sys.system!.supervisor.child("blk")!;
    const gone = new Promise<string | null>((r) => child.once("exit", (_code, signal) => r(signal)));
    process.kill(hung, "SIGSTOP");
    await until("the standby serving", () => (blkStatus(sys).pid === ready ? true : undefined), 20_000);
    expect(await gone).toBe("SIGKILL");
    const log = await dmesg(sys);
    expect(log).toContain(`rs: blk (pid ${hung}) missed 3 heartbeats; standby pid ${ready} takes over`);
    expect(log).toContain(`rs: killing blk (pid ${hung})`);
    const data = new Uint8Array(BLOCK).fill(0x33);
    expect(await roundTrip(sys, "/tmp/after-hang", data)).toEqual(data);
  }, 30_000);
});

/** A blk request (servers/blk/protocol.ts): op, block, count, then the blocks. */
function blkRequest(op: number, block: number, data?: Uint8Array): Uint8Array {
  const bytes = new Uint8Array(12 + (data?.length ?? 0));
  const v = new DataView(bytes.buffer);
  v.setUint8(0, op);
  v.setUint32(4, block, true);
  v.setUint32(8, data ? data.length / BLOCK : 0, true);
  if (data) bytes.set(data, 12);
  return bytes;
}

function imageBlock(dataDir: string, block: number): Uint8Array {
  const fd = openSync(join(dataDir, IMAGE_NAME), "r");
  try {
    const buf = new Uint8Array(BLOCK);
    readSync(fd, buf, 0, BLOCK, block * BLOCK);
    return buf;
  } finally {
    closeSync(fd);
  }
}

describe("fencing: a stalled blk driver resumed after its successor took over", () => {
  let sys: TestSystem;
  let successor: ChildProcess | undefined;
  beforeAll(async () => {
    // Unsupervised, without the supervisor's own standby: the test plays the supervisor, so that
    // the stalled driver is not killed for its missed heartbeats but lives to wake up.
    sys = await bootMode("micro", { standby: [], supervise: false });
  });
  afterAll(async () => {
    successor?.kill("SIGTERM");
    await sys?.stop();
  });

  it("none of the stale driver's writes land, it answers nothing and exits; the successor serves on", async () => {
    const dataDir = sys.system!.dataDir;
    const stale = sys.system!.supervisor.child("blk")!;
    // The successor: the same program with the same credentials, started as a standby.
    const env = Object.fromEntries(
      readFileSync(`/proc/${stale.pid}/environ`, "latin1")
        .split("\0")
        .filter(Boolean)
        .map((kv) => [kv.slice(0, kv.indexOf("=")), kv.slice(kv.indexOf("=") + 1)]),
    );
    successor = spawn(process.execPath, [stale.spawnargs[1], "blk"], { env: { ...env, NATIX_STANDBY: "1" }, stdio: ["ignore", "inherit", "inherit", "ipc"] });
    const said = (type: string) => new Promise<void>((r) => successor!.on("message", (m: { type?: string }) => m?.type === type && r()));
    await said("standby-ready");
    const epochBefore = Number(readFileSync(join(dataDir, epochFileName(0)), "latin1").trim());

    const last = statSync(join(dataDir, IMAGE_NAME)).size / BLOCK - 1;
    // The filesystem's own credentials and inbox: only kernel-side components may ask the driver.
    const nc = await connectNats(sys.natsUrl!, "test-fence", { creds: await sys.nats!.credsOf("vfs"), inboxPrefix: INBOX.component("vfs") });
    const exited = new Promise<number | null>((r) => stale.once("exit", (code) => r(code)));
    process.kill(stale.pid!, "SIGSTOP");
    // A write the stalled driver is sent and holds, unread, in its socket.
    let staleAnswered = false;
    const staleWrite = nc.request("natix.drv.blk", blkRequest(2, last, new Uint8Array(BLOCK).fill(0x4f)), { timeout: 6000 }).then(
      () => (staleAnswered = true),
      () => undefined,
    );
    await nc.flush();

    successor.send({ type: "promote" });
    await said("serving");
    expect(Number(readFileSync(join(dataDir, epochFileName(0)), "latin1").trim())).toBe(epochBefore + 1);
    // The newer contents, through the successor (a request that reaches the stalled one is lost
    // with it, and sent again).
    const ok = async (req: Uint8Array) => {
      for (let i = 0; i < 100; i++) {
        const r = await nc.request("natix.drv.blk", req, { timeout: 300 }).catch(() => undefined);
        if (r) return new DataView(r.data.buffer, r.data.byteOffset).getInt32(0, true);
      }
      throw new Error("the successor never answered");
    };
    expect(await ok(blkRequest(2, last, new Uint8Array(BLOCK).fill(0x4e)))).toBe(0);
    expect(await ok(blkRequest(3, 0))).toBe(0);
    expect(imageBlock(dataDir, last)).toEqual(new Uint8Array(BLOCK).fill(0x4e));

    process.kill(stale.pid!, "SIGCONT");
    // Status 75 (EX_TEMPFAIL): fenced; still running after 5 s would be a driver that went on.
    expect(await Promise.race([exited, sleep(5000).then(() => "still running")])).toBe(75);
    await staleWrite;
    expect(staleAnswered).toBe(false);
    expect(imageBlock(dataDir, last)).toEqual(new Uint8Array(BLOCK).fill(0x4e));

    // The filesystem goes on through the successor.
    const data = new Uint8Array(5 * BLOCK).map((_, i) => (i * 13) & 255);
    expect(await roundTrip(sys, "/tmp/after-fence", data)).toEqual(data);
    await nc.close();
  }, 30_000);
});

describe("natix up --standby", () => {
  it("takes components of micro mode or none; refuses others, and any in mono mode, before starting anything", async () => {
    const kernel = await natix(["up", "--standby", "kernel"]);
    expect(kernel.status).toBe(2);
    expect(kernel.stderr).toContain("--standby takes components of micro mode (tty, blk, hello, vfs, mem, pm) or none, not kernel");
    const mono = await natix(["up", "--mode", "mono", "--standby", "blk"]);
    expect(mono.status).toBe(2);
    expect(mono.stderr).toContain("--standby is for micro mode");
  });
});
