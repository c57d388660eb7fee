/**
 * Faults that should cost callers nothing: one replica of a replicated server killed under load,
 * and the NATS node the whole system is connected to killed (a 3-node cluster on loopback) —
 * clients and servers reconnect, and no acknowledged write is lost.
 */
import { describe, expect, it } from "vitest";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startSystem } from "../build/services/launcher.js";
import { Recorder } from "../build/services/chaos/record.js";
import { helloCaller, writer, type LoadState } from "../build/services/chaos/load.js";
import { startTestCluster, startTestNats } from "./helpers/nats.js";
import { ackedMissing } from "./helpers/acked.js";
import { bootMode } from "./helpers/modes.js";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe("replicas", () => {
  it("killing one replica of hello and of the blk driver fails no syscall", async () => {
    const nats = await startTestNats();
    const dataDir = mkdtempSync(join(tmpdir(), "natix-replicas-"));
    const sys = await startSystem({ mode: "micro", nats: nats.url, keys: nats.keysDir, dataDir, replicas: { hello: 2, blk: 2 } });
    const rec = new Recorder();
    const state: LoadState = { running: true, acked: new Map(), lost: { fds: 0, processes: 0 } };
    const load = Promise.all([helloCaller(sys.natsUrl, rec, state), writer(sys.natsUrl, rec, state, "/tmp/replicated.log")]);
    try {
      await sleep(1000);
      for (let round = 0; round < 3; round++) {
        sys.supervisor.child("hello", 1)!.kill("SIGKILL");
        await sleep(700);
        sys.supervisor.child("blk", 1)!.kill("SIGKILL");
        await sleep(1300);
      }
    } finally {
      state.running = false;
      await load;
    }
    expect(sys.supervisor.restarts("hello")).toBe(3);
    expect(sys.supervisor.restarts("blk")).toBe(3);
    await sys.stop();
    await nats.stop();
    expect(rec.calls.filter((c) => c.server === "hello").length).toBeGreaterThan(50);
    expect(rec.calls.filter((c) => !c.ok)).toEqual([]);
    expect(await ackedMissing(dataDir, state.acked)).toBe(0);
    rmSync(dataDir, { recursive: true, force: true });
  }, 60_000);
});

describe("a server that restarts under a call", () => {
  it("a call that may not run twice, made while its server restarts, waits for the new one (direct routing; mem's mprotect)", async () => {
    const sys = await bootMode("micro", { deadlineMs: 4000 });
    try {
      const p = (await sys.spawn()).proc;
      expect(await p.syscall(10, 0, 0, 0)).toBe(0); // mprotect(NULL, 0, PROT_NONE): mem's, not idempotent
      const sup = sys.system!.supervisor;
      const restarts = sup.restarts("mem");
      sup.child("mem")!.kill("SIGKILL");
      await expect.poll(() => sup.restarts("mem"), { timeout: 10_000, interval: 5 }).toBe(restarts + 1);
      // The new mem is still starting: libc's direct send reaches no one, the kernel takes the
      // call and sends it again until the new server answers — no ETIMEDOUT.
      expect([await p.syscall(10, 0, 0, 0), p.errno]).toEqual([0, 0]);
    } finally {
      await sys.stop();
    }
  }, 30_000);
});

describe("a 3-node NATS cluster", () => {
  it("losing the node everything is connected to: reconnect, keep serving, lose no acknowledged write", async () => {
    const cluster = await startTestCluster(3);
    const dataDir = mkdtempSync(join(tmpdir(), "natix-cluster-"));
    const sys = await startSystem({ mode: "micro", nats: cluster.urls, keys: cluster.keysDir, dataDir });
    const rec = new Recorder();
    const state: LoadState = { running: true, acked: new Map(), lost: { fds: 0, processes: 0 } };
    const load = Promise.all([helloCaller(sys.natsUrl, rec, state), writer(sys.natsUrl, rec, state, "/tmp/cluster.log")]);
    let killedAt = 0;
    try {
      await sleep(1500);
      killedAt = performance.now();
      cluster.nodes[0].process.kill("SIGKILL");
      await sleep(6000);
    } finally {
      state.running = false;
      await load;
    }
    const after = rec.calls.filter((c) => c.t0 > killedAt + 3000);
    expect(after.filter((c) => c.ok && c.server === "hello").length).toBeGreaterThan(20);
    expect(after.filter((c) => c.ok && c.needs.includes("blk")).length).toBeGreaterThan(5);
    await sys.stop();
    await cluster.stop();
    expect(await ackedMissing(dataDir, state.acked)).toBe(0);
    rmSync(dataDir, { recursive: true, force: true });
  }, 60_000);
});
