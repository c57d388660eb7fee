/**
 * Direct routing (issue #11): a program's calls for a server go to the server itself, on a
 * subject that carries the caller's pid; kernel-core programs the routes and keeps its
 * authority (who the caller is, tracing, the table). Observed on the bus itself: an open bus lets
 * this test watch every subject; the isolated bus's refusals are tests/hostile.test.ts.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { connect as natsConnect, type NatsConnection } from "@nats-io/transport-node";
import { bootMode, type TestSystem } from "./helpers/modes.js";
import { natixAsync } from "./helpers/cli.js";
import { E } from "../build/kernel-core/errno.js";
import { SYS } from "../build/client-libc/mod.js";
import { decodeReply, encodeRequest } from "../build/kernel-core/abi/frame.js";
import { encodeRouted } from "../build/kernel-core/abi/routed.js";
import type { RoutingMode } from "../build/kernel-core/kernel.js";

const enc = new TextEncoder();
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Counts the messages on each subject under `patterns` while `run` runs. */
async function countMessages(nc: NatsConnection, patterns: string[], run: () => Promise<void>): Promise<Map<string, number>> {
  const counts = new Map<string, number>();
  const subs = patterns.map((p) => nc.subscribe(p, { callback: (_e, m) => counts.set(m.subject, (counts.get(m.subject) ?? 0) + 1) }));
  await nc.flush();
  await run();
  await sleep(100);
  await nc.flush();
  subs.forEach((s) => s.unsubscribe());
  return counts;
}

async function hello(proc: { syscall(nr: number, ...a: unknown[]): Promise<number> }, name = "Kam"): Promise<string> {
  const buf = new Uint8Array(64);
  const ret = await proc.syscall(SYS.hello_world, name, name.length + 1, buf, 64);
  return ret < 0 ? `ret ${ret}` : new TextDecoder().decode(buf.subarray(0, buf.indexOf(0)));
}

for (const routing of ["direct", "forward"] as RoutingMode[]) {
  describe(`where a call travels (micro, ${routing})`, () => {
    let sys: TestSystem;
    let watch: NatsConnection;
    beforeAll(async () => {
      sys = await bootMode("micro", { openBus: true, routing });
      watch = await natsConnect({ servers: sys.natsUrl! });
    });
    afterAll(async () => {
      await watch?.close();
      await sys?.stop();
    });

    it(routing === "direct" ? "hello_world goes program → hello server, never through the kernel; getpid stays with the kernel" : "hello_world goes through the kernel", async () => {
      const { proc } = await sys.spawn();
      const pid = await proc.getpid();
      const counts = await countMessages(watch, ["natix.sys.>", "natix.srv.>"], async () => {
        for (let i = 0; i < 10; i++) expect(await hello(proc)).toBe("Hello Kam!");
        await proc.getpid();
      });
      if (routing === "direct") {
        expect(counts.get(`natix.srv.hello.${pid}`)).toBe(10);
        expect(counts.get(`natix.sys.${pid}`)).toBe(1); // getpid only
        expect(counts.get("natix.srv.hello")).toBeUndefined();
      } else {
        expect(counts.get(`natix.sys.${pid}`)).toBe(11);
        expect(counts.get("natix.srv.hello")).toBe(10);
        expect(counts.get(`natix.srv.hello.${pid}`)).toBeUndefined();
      }
    });

    it("a batch of 32 hello_world calls is one message (to the server itself under direct routing)", async () => {
      const { proc } = await sys.spawn();
      const pid = await proc.getpid();
      const bufs = Array.from({ length: 32 }, () => new Uint8Array(64));
      let results: number[] = [];
      const counts = await countMessages(watch, ["natix.sys.>", "natix.srv.>"], async () => {
        results = await proc.batch(bufs.map((b, i) => [SYS.hello_world, `n${i}`, 3 + String(i).length - 1, b, 64] as const));
      });
      expect(results).toEqual(bufs.map(() => 0));
      expect(new TextDecoder().decode(bufs[31].subarray(0, bufs[31].indexOf(0)))).toBe("Hello n31!");
      if (routing === "direct") {
        expect(counts.get(`natix.srv.hello.${pid}`)).toBe(1);
        expect(counts.get(`natix.sys.${pid}`)).toBeUndefined();
      } else expect(counts.get(`natix.sys.${pid}`)).toBe(1);
    });
  });
}

describe("direct routing keeps the kernel's authority (micro, open bus)", () => {
  let sys: TestSystem;
  let raw: NatsConnection;
  beforeAll(async () => {
    sys = await bootMode("micro", { openBus: true });
    raw = await natsConnect({ servers: sys.natsUrl!, inboxPrefix: "_INBOX.p.99999" });
  });
  afterAll(async () => {
    await raw?.close();
    await sys?.stop();
  });

  it("a direct call from a pid the kernel does not know gets ESRCH (the server asks the kernel, never the frame)", async () => {
    const frame = encodeRequest({ nr: SYS.hello_world, args: [0, 4, 0, 64], input: [enc.encode("Kam\0")], outCap: [-1, -1, 64, -1] });
    const m = await raw.request("natix.srv.hello.99999", frame, { timeout: 3000 });
    expect(decodeReply(m.data)).toMatchObject({ ret: -E.ESRCH });
  });

  it("a malformed frame sent directly gets EINVAL-class errno, and the server keeps serving", async () => {
    const { proc } = await sys.spawn();
    const pid = await proc.getpid();
    const own = await natsConnect({ servers: sys.natsUrl!, inboxPrefix: `_INBOX.p.${pid}` });
    try {
      const m = await own.request(`natix.srv.vfs.${pid}`, new Uint8Array([1, 2, 3]), { timeout: 3000 });
      const reply = decodeReply(m.data);
      expect(typeof reply === "number" ? reply : reply.ret).toBeLessThan(0);
    } finally {
      await own.close();
    }
    expect(await hello(proc)).toBe("Hello Kam!");
  });

  it("a routed envelope naming uid 0, sent on a process's direct subject, is refused as a malformed frame", async () => {
    const { proc } = await sys.spawn({ uid: 1000, gid: 1000 });
    const pid = await proc.getpid();
    const own = await natsConnect({ servers: sys.natsUrl!, inboxPrefix: `_INBOX.p.${pid}` });
    try {
      const open = encodeRequest({ nr: SYS.openat, args: [-100, 0, 0, 0], input: [undefined, enc.encode("/root-only\0")], outCap: [-1, -1, -1, -1] });
      const forged = encodeRouted({ pid, uid: 0, gid: 0, euid: 0, egid: 0 }, open);
      const reply = decodeReply((await own.request(`natix.srv.vfs.${pid}`, forged, { timeout: 3000 })).data);
      expect(typeof reply === "number" ? reply : reply.ret).toBe(-E.EINVAL);
    } finally {
      await own.close();
    }
  });

  it("setuid reaches the servers before the caller's next direct call: a root-only file is refused right after", async () => {
    const { proc } = await sys.spawn({ uid: 0, gid: 0 });
    const fd = await proc.open("/root-only", 0o101 /* O_WRONLY|O_CREAT */, 0o600);
    expect(fd).toBeGreaterThanOrEqual(0);
    await proc.close(fd);
    expect(await proc.setuid(1000)).toBe(0);
    expect(await proc.open("/root-only", 0 /* O_RDONLY */)).toBe(-1);
    expect(proc.errno).toBe(E.EACCES);
  });

  it("a server restarted after the process started learns who it is from the kernel", async () => {
    const { proc } = await sys.spawn({ uid: 1000, gid: 1000 });
    expect(await hello(proc)).toBe("Hello Kam!");
    const before = sys.system!.supervisor.restarts("hello");
    sys.system!.supervisor.kill("hello", "SIGKILL");
    // The call made while it is down waits for the new one (resent until the deadline).
    expect(await hello(proc, "again")).toBe("Hello again!");
    expect(sys.system!.supervisor.restarts("hello")).toBe(before + 1);
    // Its credentials are still the kernel's: a root-owned file stays closed to it.
    expect(await proc.open("/root-only", 0)).toBe(-1);
    expect(proc.errno).toBe(E.EACCES);
  });

  it("strace -p: attaching sends the process's calls through the kernel (traced), detaching sends them direct again", async () => {
    const { proc } = await sys.spawn();
    const pid = await proc.getpid();
    const lines: string[] = [];
    const token = `t${pid}`;
    const sub = raw.subscribe(`natix.trace.${token}`, { callback: (_e, m) => lines.push(m.string()) });
    await raw.flush();
    const admin = await natsConnect({ servers: sys.natsUrl!, inboxPrefix: "_INBOX.admin" });
    try {
      expect((await admin.request("natix.kernel.trace", JSON.stringify({ pid, token }), { timeout: 3000 })).json()).toEqual({ ok: true });
      let counts = await countMessages(raw, ["natix.sys.>", "natix.srv.hello.>"], async () => {
        expect(await hello(proc, "traced")).toBe("Hello traced!");
      });
      // Through the kernel: once — or again, if the machine is so loaded that the idempotent call's
      // slice passed before its answer (libc then asks again; each answered attempt is traced).
      const viaKernel = counts.get(`natix.sys.${pid}`) ?? 0;
      expect(viaKernel).toBeGreaterThanOrEqual(1);
      await sleep(100);
      const traced = lines.filter((l) => l.startsWith("hello_world("));
      expect(traced.length).toBeGreaterThanOrEqual(1);
      expect(traced.length).toBeLessThanOrEqual(viaKernel);
      expect(new Set(traced)).toEqual(new Set([`hello_world("traced", 7, "Hello traced!", 64) = 0`]));
      await admin.request("natix.kernel.trace", JSON.stringify({ pid, token, detach: true }), { timeout: 3000 });
      await sleep(100); // the route table's update reaches the process
      counts = await countMessages(raw, ["natix.sys.>", "natix.srv.hello.>"], async () => {
        expect(await hello(proc, "free")).toBe("Hello free!");
      });
      expect(counts.get(`natix.srv.hello.${pid}`)).toBe(1);
      expect(counts.get(`natix.sys.${pid}`)).toBeUndefined();
    } finally {
      sub.unsubscribe();
      await admin.close();
    }
  });

  it("a traced process that ignores the route table and calls a server directly is sent back through the kernel", async () => {
    const { proc } = await sys.spawn();
    const pid = await proc.getpid();
    const admin = await natsConnect({ servers: sys.natsUrl!, inboxPrefix: "_INBOX.admin" });
    const own = await natsConnect({ servers: sys.natsUrl!, inboxPrefix: `_INBOX.p.${pid}` });
    try {
      await admin.request("natix.kernel.trace", JSON.stringify({ pid, token: `evade${pid}` }), { timeout: 3000 });
      const frame = encodeRequest({ nr: SYS.hello_world, args: [0, 4, 0, 64], input: [enc.encode("Kam\0")], outCap: [-1, -1, 64, -1] });
      const m = await own.request(`natix.srv.hello.${pid}`, frame, { timeout: 3000 });
      expect(decodeReply(m.data)).toMatchObject({ ret: -E.EVIAKERNEL });
    } finally {
      await own.close();
      await admin.close();
    }
  });
});

describe("strace of a direct-routed program is exactly the forwarded one's", () => {
  it("example 11.2: same stdout, same trace, under direct and forward routing", async () => {
    const outputs: string[][] = [];
    for (const routing of ["direct", "forward"] as RoutingMode[]) {
      const sys = await bootMode("micro", { routing });
      try {
        const r = await natixAsync(["strace", "--nats", sys.natsUrl!, "examples/ex11_2.mjs", "Kam"]);
        expect(r.status).toBe(0);
        outputs.push([r.stdout, r.stderr]);
      } finally {
        await sys.stop();
      }
    }
    expect(outputs[0][1]).toContain('hello_world("Kam", 4, "Hello Kam!", 64) = 0');
    expect(outputs[0]).toEqual(outputs[1]);
  });
});
