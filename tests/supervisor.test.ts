/**
 * The reincarnation supervisor: natix kill / restart, what natix ps shows of the services, the
 * kernel log of every event, a hung service found by missed heartbeats, and the crash-loop rule.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pino from "pino";
import { Supervisor } from "../build/services/supervisor.js";
import { bootMode, type TestSystem } from "./helpers/modes.js";
import { natixAsync as natix } from "./helpers/cli.js";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe("supervised micro system", () => {
  let sys: TestSystem;
  beforeAll(async () => {
    // Without a warm standby: this suite is about plain restarts (tests/standby.test.ts has the other).
    sys = await bootMode("micro", { standby: [] });
  });
  afterAll(async () => sys?.stop());
  const nats = () => ["--nats", sys.natsUrl!];
  const services = async () => (await natix(["ps", ...nats()])).stdout.split("\n").filter((l) => /^(kernel|tty|blk|hello|vfs|mem|pm)\b/.test(l));

  it("natix ps lists every service: running, a pid, restarts, uptime", async () => {
    const rows = await services();
    expect(rows.map((r) => r.split(/\s+/)[0]).sort()).toEqual(["blk", "hello", "kernel", "mem", "pm", "tty", "vfs"]);
    for (const r of rows) expect(r).toMatch(/^\w+\s+running\s+\d+\s+0\s+\d\d:\d\d:\d\d\s+(\d+|-)$/);
  });

  it("natix kill --signal KILL: the service comes back with a new pid; dmesg tells the story", async () => {
    const before = (await services()).find((r) => r.startsWith("blk"))!.split(/\s+/)[2];
    expect((await natix(["kill", "blk", "--signal", "KILL", ...nats()])).status).toBe(0);
    let row = "";
    for (let i = 0; i < 40; i++) {
      await sleep(100);
      row = (await services()).find((r) => r.startsWith("blk")) ?? "";
      if (/running/.test(row) && row.split(/\s+/)[2] !== before) break;
    }
    expect(row).toMatch(/^blk\s+running\s+\d+\s+1\s/);
    const log = (await natix(["dmesg", ...nats()])).stdout;
    expect(log).toMatch(new RegExp(`rs: blk \\(pid ${before}\\) died \\(SIGKILL\\); restarting in 0 ms`));
    expect(log).toMatch(/rs: blk restarted as pid \d+ \(restart 1\)/);
    const { proc } = await sys.spawn();
    expect(await proc.open("/tmp/after-kill", 0o101, 0o644)).toBeGreaterThan(2);
    expect(await proc.fsync(3)).toBe(0);
  });

  it("natix restart: a fresh process at once; unknown names and signals are refused", async () => {
    const before = (await services()).find((r) => r.startsWith("vfs"))!.split(/\s+/)[2];
    expect((await natix(["restart", "vfs", ...nats()])).status).toBe(0);
    const row = (await services()).find((r) => r.startsWith("vfs"))!;
    expect(row.split(/\s+/)[2]).not.toBe(before);
    const bad = await natix(["kill", "nosuch", ...nats()]);
    expect(bad.status).toBe(1);
    expect(bad.stderr).toContain("no service nosuch");
    expect((await natix(["kill", "hello", "--signal", "BOGUS", ...nats()])).stderr).toContain("unknown signal");
  });

  it("a hung service (SIGSTOP) misses its heartbeats and is killed and restarted", async () => {
    const pid = (await services()).find((r) => r.startsWith("hello"))!.split(/\s+/)[2];
    expect((await natix(["kill", "hello", "--signal", "STOP", ...nats()])).status).toBe(0);
    let restarted = false;
    for (let i = 0; i < 100 && !restarted; i++) {
      await sleep(100);
      restarted = /rs: hello restarted as pid/.test((await natix(["dmesg", ...nats()])).stdout);
    }
    expect(restarted).toBe(true);
    expect((await natix(["dmesg", ...nats()])).stdout).toMatch(new RegExp(`rs: hello \\(pid ${pid}\\) missed 3 heartbeats; killing it`));
    const { proc } = await sys.spawn();
    expect(await proc.syscall(999, "Kam", 4, new Uint8Array(64), 64)).toBe(0);
  }, 20_000);
});

it("a component that keeps dying at start is given up after the crash-loop limit", async () => {
  const dir = mkdtempSync(join(tmpdir(), "natix-rs-"));
  const script = join(dir, "dies.mjs");
  writeFileSync(script, "process.exit(3);\n");
  const lines: string[] = [];
  const log = pino({ level: "info" }, { write: (l: string) => void lines.push(JSON.parse(l).msg) });
  const rs = new Supervisor([{ name: "dies", script, args: [], replicas: 1, rank: 0, service: "dies" }], process.env, log, undefined, {
    backoffMs: 5,
    maxBackoffMs: 20,
    crashLoop: 4,
    // A node process on a loaded CI machine can take over a second to start and exit: the
    // window is wide so each of these deaths counts as quick however slow the machine is.
    quickMs: 60_000,
  });
  rs.start();
  for (let i = 0; i < 100 && rs.status()[0].state !== "failed"; i++) await sleep(50);
  expect(rs.status()[0]).toMatchObject({ state: "failed", restarts: 3, lastExit: "status 3" });
  expect(lines.filter((l) => l.includes("restarting in"))).toEqual([
    "rs: dies (pid " + lines[0].split("pid ")[1].split(")")[0] + ") died (status 3); restarting in 10 ms",
    expect.stringMatching(/restarting in 20 ms$/),
    expect.stringMatching(/restarting in 20 ms$/),
  ]);
  expect(lines.at(-1)).toMatch(/died 4 times within 60000 ms of starting; not restarting it/);
  await rs.stop();
  rmSync(dir, { recursive: true, force: true });
});
