/**
 * The docker compose stack, brought up for real with the local images (npm run compose:local:
 * the host's own node and nats-server, host networking): healthy, example 11.2 in a container
 * (`docker compose run --rm natix run ...`), blk killed under load with no failed call and no
 * acknowledged write lost, the cluster profile losing a NATS node under load, and down.
 * Runs where a Docker engine answers; CI requires one (NATIX_REQUIRE_DOCKER=1). It takes over
 * the compose project "natix" on this machine.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { spawn, spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Recorder } from "../build/services/chaos/record.js";
import { helloCaller, writer, type LoadState } from "../build/services/chaos/load.js";
import { ackedMissing } from "./helpers/acked.js";

const REQUIRED = process.env.NATIX_REQUIRE_DOCKER === "1";
const DOCKER = spawnSync("docker", ["info"], { stdio: "ignore" }).status === 0;
const NATS = "nats://127.0.0.1:14222,nats://127.0.0.1:14223,nats://127.0.0.1:14224";
const HTTP = "http://127.0.0.1:8080";
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** npm run compose:local -- ARGS (without npm: the build is already there). */
function compose(args: string[], timeoutMs = 300_000): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ["build/services/compose/local.js", ...args], { stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout!.on("data", (d: Buffer) => (stdout += d.toString()));
    child.stderr!.on("data", (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => child.kill("SIGKILL"), timeoutMs);
    child.once("close", (status) => {
      clearTimeout(timer);
      resolve({ status, stdout, stderr });
    });
  });
}

/** A file from a running service's container (the image has node, not cat). */
async function fileOf(service: string, path: string): Promise<string> {
  const r = await compose(["exec", "-T", service, "/usr/local/bin/node", "-e", `process.stdout.write(require("fs").readFileSync(${JSON.stringify(path)}, "utf8"))`]);
  if (r.status !== 0) throw new Error(`reading ${path} in ${service}: ${r.stderr}`);
  return r.stdout;
}

describe.skipIf(!DOCKER && !REQUIRED)("docker compose, local images, host networking", () => {
  const work = mkdtempSync(join(tmpdir(), "natix-compose-"));
  let token: string;

  beforeAll(async () => {
    // A deadline of 20 s, not the compose file's 10: on a 2-core machine running other suites,
    // Docker's restart of a killed container can take longer than the 8 s a disk request waits
    // for its driver (80% of the deadline), and the kill test would see EIO for the machine's load.
    process.env.NATIX_DEADLINE_MS = "20000";
    await compose(["--profile", "cluster", "down", "-v"]);
    const up = await compose(["up", "-d", "--build"], 600_000);
    expect(up.status, up.stderr).toBe(0);
    // up -d returns once the gateway's container has started, not once its process has written
    // the token it makes on first start: wait for it to be healthy (it has then written it).
    // (A plain loop: expect.poll belongs to tests, not to hooks.)
    for (const until = Date.now() + 120_000; !/gateway[-_]1 .*\(healthy\)/.test((await compose(["ps"])).stdout); ) {
      if (Date.now() > until) throw new Error(`the gateway did not become healthy:\n${(await compose(["ps"])).stdout}`);
      await sleep(1000);
    }
    token = (await fileOf("gateway", "/creds/token")).trim();
    // The load below acts as the administrator, whose credentials the keys service left for the tools.
    const creds = join(work, "admin.creds");
    writeFileSync(creds, await fileOf("gateway", "/creds/admin.creds"), { mode: 0o600 });
    process.env.NATIX_CREDS = creds;
  }, 660_000);

  afterAll(async () => {
    await compose(["--profile", "cluster", "down", "-v"]);
    rmSync(work, { recursive: true, force: true });
  }, 120_000);

  it("every component is a healthy container of its own; the gateway answers /healthz", async () => {
    const ps = await compose(["ps"]);
    for (const name of ["nats", "kernel", "vfs", "blk", "mem", "hello", "pm", "tty", "gateway"]) expect(ps.stdout).toMatch(new RegExp(`${name}[-_]1 .*\\(healthy\\)`));
    const health = await fetch(`${HTTP}/healthz`);
    expect(health.status).toBe(200);
    expect(await health.json()).toEqual({ status: "ok" });
  }, 120_000);

  it("docker compose run --rm natix run examples/ex11_2.mjs Kam prints the chapter's line", async () => {
    const r = await compose(["run", "--rm", "natix", "run", "examples/ex11_2.mjs", "Kam"]);
    expect(r.stdout).toContain("Message: Hello Kam!\n");
    expect(r.status).toBe(0);
  }, 120_000);

  it("kill blk under load (its process, by the gateway's kill button): Docker restarts it, no call fails, nothing acknowledged is lost", async () => {
    const rec = new Recorder();
    const state: LoadState = { running: true, acked: new Map(), lost: { fds: 0, processes: 0 } };
    const load = Promise.all([helloCaller(NATS, rec, state), writer(NATS, rec, state, "/tmp/compose-0.log"), writer(NATS, rec, state, "/tmp/compose-1.log", 1_000_000_000)]);
    let killedAt = 0;
    try {
      await sleep(2000);
      killedAt = performance.now();
      const kill = await fetch(`${HTTP}/v1/services/blk/kill`, { method: "POST", headers: { authorization: `Bearer ${token}` } });
      expect(kill.status).toBe(202);
      // Docker brings the container back (its process died by SIGKILL: not a manual stop).
      await expect.poll(async () => (await compose(["ps"])).stdout.match(/blk[-_]1 .*Up .*\(healthy\)/) !== null, { timeout: 60_000, interval: 1000 }).toBe(true);
      await sleep(3000);
    } finally {
      state.running = false;
      await load;
    }
    const after = rec.calls.filter((c) => c.t0 > killedAt);
    expect(after.filter((c) => c.ok && c.needs.includes("blk")).length).toBeGreaterThan(5);
    expect(rec.calls.filter((c) => !c.ok).map((c) => `${c.server} errno ${c.errno}`)).toEqual([]);
    // The disk, read where the named volume keeps it, once the system has stopped.
    expect((await compose(["stop"])).status).toBe(0);
    const mount = spawnSync("docker", ["volume", "inspect", "natix_disk", "--format", "{{.Mountpoint}}"]).stdout.toString().trim();
    expect(await ackedMissing(mount, state.acked)).toBe(0);
    expect((await compose(["up", "-d"])).status).toBe(0);
  }, 240_000);

  it("the cluster profile: three NATS nodes and two replicas of hello and mem; killing nats-2 under load fails no call", async () => {
    const up = await compose(["--profile", "cluster", "up", "-d"]);
    expect(up.status, up.stderr).toBe(0);
    const ps = (await compose(["--profile", "cluster", "ps"])).stdout;
    for (const name of ["nats-2", "nats-3", "hello-2", "mem-2"]) expect(ps).toMatch(new RegExp(`${name}[-_]1 .*Up`));
    const rec = new Recorder();
    const state: LoadState = { running: true, acked: new Map(), lost: { fds: 0, processes: 0 } };
    const load = helloCaller(NATS, rec, state);
    try {
      await sleep(2000);
      expect((await compose(["--profile", "cluster", "kill", "nats-2"])).status).toBe(0);
      await sleep(4000);
    } finally {
      state.running = false;
      await load;
    }
    expect(rec.calls.length).toBeGreaterThan(20);
    expect(rec.calls.filter((c) => !c.ok)).toEqual([]);
  }, 180_000);

  it("down stops and removes it all", async () => {
    const r = await compose(["--profile", "cluster", "down", "-v"]);
    expect(r.status).toBe(0);
    expect((await compose(["ps", "-q"])).stdout.trim()).toBe("");
  }, 120_000);
});
