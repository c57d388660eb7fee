/**
 * The blk driver down (micro): disk syscalls wait and retry for a bounded time — 80% of the
 * syscall deadline — and then fail with EIO; when the driver returns they continue. Calls that
 * need no disk (hello_world, the console, reads the block cache can answer) keep working.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { E, O_CREAT, O_RDONLY, O_RDWR, O_WRONLY } from "../build/client-libc/mod.js";
import { bootMode, type TestSystem, type TestProc } from "./helpers/modes.js";

// Long enough that a driver started anew on a busy machine (CI runs test files side by side) is
// serving before a call that waits for it gives up: the last test needs that.
const DEADLINE = 4000;
const BUDGET = DEADLINE * 0.8;

describe("blk driver outage (micro)", () => {
  let sys: TestSystem;
  let t: TestProc;
  let hot: number;
  let cold: number;
  beforeAll(async () => {
    // No supervisor: the driver stays down until the test brings it back.
    sys = await bootMode("micro", { deadlineMs: DEADLINE, supervise: false });
    const setup = (await sys.spawn()).proc;
    const fd = await setup.open("/tmp/cold", O_CREAT | O_WRONLY, 0o644);
    expect(await setup.write(fd, "cold data")).toBe(9);
    expect(await setup.fsync(fd)).toBe(0);
    await setup.exit(0);
    // A fresh fs server: its block cache is empty.
    await sys.system!.restart("vfs");
    t = await sys.spawn();
    hot = await t.proc.open("/tmp/hot", O_CREAT | O_RDWR, 0o644);
    expect(await t.proc.write(hot, "hot data")).toBe(8);
    expect(await t.proc.fsync(hot)).toBe(0);
    cold = await t.proc.open("/tmp/cold", O_RDONLY);
    expect(cold).toBeGreaterThan(2);
    const blk = sys.system!.children.get("blk")!;
    blk.kill("SIGKILL");
    await new Promise((r) => blk.once("exit", r));
  });
  afterAll(async () => sys?.stop());

  it("hello_world, the console and getpid keep answering at once", async () => {
    const started = performance.now();
    const msg = new Uint8Array(64);
    expect(await t.proc.syscall(999, "Kam", 4, msg, 64)).toBe(0);
    expect(await t.proc.write(1, "still here\n")).toBe(11);
    expect(await t.proc.getpid()).toBe(t.proc.pid);
    expect(performance.now() - started).toBeLessThan(BUDGET);
  });

  it("a read the block cache holds is answered", async () => {
    const buf = new Uint8Array(16);
    expect(await t.proc.pread(hot, buf, 16, 0)).toBe(8);
    expect(Buffer.from(buf.subarray(0, 8)).toString()).toBe("hot data");
  });

  it("a read that needs the disk waits for the bound, then fails with EIO", async () => {
    const started = performance.now();
    expect(await t.proc.pread(cold, new Uint8Array(16), 16, 0)).toBe(-1);
    expect(t.proc.errno).toBe(E.EIO);
    const waited = performance.now() - started;
    expect(waited).toBeGreaterThanOrEqual(BUDGET - 100);
    expect(waited).toBeLessThan(DEADLINE);
  });

  it("a write lands in memory, but its fsync fails with EIO", async () => {
    expect(await t.proc.write(hot, " more")).toBe(5);
    expect(await t.proc.fsync(hot)).toBe(-1);
    expect(t.proc.errno).toBe(E.EIO);
  });

  it("a disk call that is waiting continues when the driver returns", async () => {
    const pending = t.proc.fsync(hot);
    await sys.system!.restart("blk");
    expect(await pending).toBe(0);
    const buf = new Uint8Array(16);
    expect(await t.proc.pread(cold, buf, 16, 0)).toBe(9);
    expect(Buffer.from(buf.subarray(0, 9)).toString()).toBe("cold data");
    expect(t.stdout.text).toBe("still here\n");
  });
});
