/**
 * kernel-core over a real nats-server: identity from the subject, hostile frames answered with
 * errno (and the kernel unharmed), NATS micro discovery, and what callers see when a server
 * dies, leaves, or never came.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { spawn } from "node:child_process";
import type { NatsConnection } from "@nats-io/transport-node";
import { Svcm } from "@nats-io/services";
import { writeFileSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { connectNats } from "../build/transport/nats-connect.js";
import { pidOfSubject } from "../build/kernel-core/abi/subjects.js";
import { decodeReply, encodeRequest } from "../build/kernel-core/abi/frame.js";
import { E, connect, SYS } from "../build/client-libc/mod.js";
import { bootMode, type TestSystem } from "./helpers/modes.js";
import { startTestNats } from "./helpers/nats.js";

/**
 * A frame sent straight to a syscall subject, its reply asked for in that pid's inbox (as the
 * kernel requires): from a test user allowed everything, to test the kernel's own defences
 * whatever the bus allows.
 */
async function rawCall(nc: NatsConnection, subject: string, frame: Uint8Array): Promise<number> {
  const pid = pidOfSubject(subject);
  const m = await nc.request(subject, frame, { timeout: 5000, noMux: true, reply: `_INBOX.p.${pid || "x"}.${Math.random().toString(36).slice(2)}` });
  const r = decodeReply(m.data);
  return typeof r === "number" ? r : r.ret;
}

const getpidFrame = () => encodeRequest({ nr: SYS.getpid, args: [], input: [], outCap: [] });

for (const mode of ["micro", "mono"] as const) {
  describe(`kernel over NATS (${mode})`, () => {
    let sys: TestSystem;
    let nc: NatsConnection;
    beforeAll(async () => {
      sys = await bootMode(mode);
      nc = await sys.nats!.connect("raw");
    });
    afterAll(async () => {
      await nc?.close();
      await sys?.stop();
    });

    it("takes the caller's identity from the subject: natix.sys.<pid> answers as <pid>", async () => {
      const a = await sys.spawn();
      const b = await sys.spawn();
      expect(await rawCall(nc, `natix.sys.${a.proc.pid}`, getpidFrame())).toBe(a.proc.pid);
      expect(await rawCall(nc, `natix.sys.${b.proc.pid}`, getpidFrame())).toBe(b.proc.pid);
    });

    it("answers subjects of no live process with ESRCH", async () => {
      for (const s of ["natix.sys.99999", "natix.sys.0", "natix.sys.abc", "natix.sys.-4"]) {
        expect(await rawCall(nc, s, getpidFrame())).toBe(-E.ESRCH);
      }
      const t = await sys.spawn();
      const pid = t.proc.pid;
      await t.proc.exit(0);
      expect(await rawCall(nc, `natix.sys.${pid}`, getpidFrame())).toBe(-E.ESRCH);
    });

    it("answers hostile frames with errno and keeps serving", async () => {
      const t = await sys.spawn();
      const subject = `natix.sys.${t.proc.pid}`;
      const good = encodeRequest({ nr: 999, args: [0, 4, 0, 64], input: [Buffer.from("Kam\0")], outCap: [-1, -1, 64, -1] });
      expect(await rawCall(nc, subject, new Uint8Array(0))).toBe(-E.EFAULT);
      expect(await rawCall(nc, subject, Buffer.from("GET / HTTP/1.1\r\n\r\n"))).toBe(-E.EINVAL);
      expect(await rawCall(nc, subject, good.subarray(0, good.length - 2))).toBe(-E.EFAULT);
      const huge = Uint8Array.from(good);
      new DataView(huge.buffer).setUint32(12 + 32 + 4, 0x7fffffff, true);
      expect(await rawCall(nc, subject, huge)).toBe(-E.E2BIG);
      nc.publish(subject, Buffer.from("no reply subject, garbage"));
      expect(await rawCall(nc, subject, good)).toBe(0);
      expect(await t.proc.write(1, "still fine\n")).toBe(11);
      expect(t.stdout.text).toBe("still fine\n");
    });

    it("answers a malformed batch with one errno reply and keeps serving", async () => {
      const t = await sys.spawn();
      const subject = `natix.sys.${t.proc.pid}`;
      const { encodeBatch } = await import("../build/kernel-core/abi/batch.js");
      const batch = encodeBatch([getpidFrame(), getpidFrame()]);
      expect(await rawCall(nc, subject, batch.subarray(0, batch.length - 3))).toBe(-E.EFAULT);
      expect(await t.proc.batch([[SYS.getpid], [SYS.getpid]])).toEqual([t.proc.pid, t.proc.pid]);
    });

    it("refuses malformed spawn requests with an error, not a process", async () => {
      // With the administrator's credentials (found by URL, as the CLI finds them).
      const admin = await connectNats(sys.natsUrl!, "test-admin");
      try {
        for (const body of ["{", "[]", JSON.stringify({ argv: "sh" }), JSON.stringify({ argv: [], uid: -1 }), JSON.stringify({ argv: ["x"] }), JSON.stringify({ argv: ["x"], key: "Unot-a-key" })]) {
          const m = await admin.request("natix.kernel.spawn", body, { timeout: 5000 });
          expect(m.json<{ error?: string }>().error).toBeTruthy();
        }
      } finally {
        await admin.close();
      }
    });

    it("every component answers the NATS micro protocol ($SRV.PING)", async () => {
      const names = new Set<string>();
      const pings = await new Svcm(nc).client().ping();
      for await (const p of pings) names.add(p.name);
      const expected = mode === "micro" ? ["natix-kernel", "natix-hello", "natix-vfs", "natix-tty"] : ["natix-kernel"];
      for (const n of expected) expect(names).toContain(n);
    });
  });
}

describe("when a server dies, leaves, or never came (micro, no supervisor)", () => {
  it("kill -9 of the hello server: its calls fail with ETIMEDOUT within the deadline; other servers keep answering", async () => {
    const deadlineMs = 1500;
    const sys = await bootMode("micro", { deadlineMs, supervise: false });
    try {
      const t = await sys.spawn();
      const message = new Uint8Array(64);
      expect(await t.proc.syscall(999, "Kam", 4, message, 64)).toBe(0);
      const hello = sys.system!.children.get("hello")!;
      hello.kill("SIGKILL");
      await new Promise((r) => hello.once("exit", r));
      const started = performance.now();
      const pending = t.proc.syscall(999, "Kam", 4, message, 64);
      // Meanwhile the vfs server, the tty driver and the kernel answer as before.
      expect(await t.proc.write(1, "alive\n")).toBe(6);
      expect(await t.proc.getpid()).toBe(t.proc.pid);
      expect(await pending).toBe(-1);
      const elapsed = performance.now() - started;
      expect(t.proc.errno).toBe(E.ETIMEDOUT);
      expect(elapsed).toBeGreaterThanOrEqual(deadlineMs - 50);
      expect(elapsed).toBeLessThan(deadlineMs + 1500);
      expect(t.stdout.text).toBe("alive\n");
    } finally {
      await sys.stop();
    }
  });

  it("a server that stops cleanly unregisters: its calls become ENOSYS", async () => {
    const sys = await bootMode("micro", { supervise: false });
    try {
      const t = await sys.spawn();
      const hello = sys.system!.children.get("hello")!;
      hello.kill("SIGTERM");
      await new Promise((r) => hello.once("exit", r));
      // The kernel has taken the unregistration when its status no longer lists hello.
      const admin = await connectNats(sys.natsUrl!, "test-admin");
      try {
        const hello = async () => (await admin.request("natix.kernel.status", "", { timeout: 5000 })).json<{ servers: { name: string; instances: number }[] }>().servers.find((s) => s.name === "hello");
        try {
          await expect.poll(hello, { timeout: 10_000 }).toBeUndefined();
        } catch (err) {
          // What the kernel saw, for whoever reads this failure.
          const log = (await admin.request("natix.kernel.dmesg", "", { timeout: 5000 })).json<{ component: string; msg: string }[]>();
          throw new Error(`hello still registered (${JSON.stringify(await hello())}); kernel log:\n${log.map((r) => `${r.component}: ${r.msg}`).join("\n")}`, { cause: err });
        }
      } finally {
        await admin.close();
      }
      expect(await t.proc.syscall(999, "Kam", 4, new Uint8Array(64), 64)).toBe(-1);
      expect(t.proc.errno).toBe(E.ENOSYS);
      expect(await t.proc.write(1, "x")).toBe(1);
    } finally {
      await sys.stop();
    }
  });

  it("a kernel with no servers registered answers their syscalls with ENOSYS", async () => {
    const nats = await startTestNats();
    const dir = mkdtempSync(join(tmpdir(), "natix-creds-"));
    writeFileSync(join(dir, "kernel.creds"), await nats.credsOf("kernel"), { mode: 0o600 });
    writeFileSync(join(dir, "admin.creds"), await nats.credsOf("admin"), { mode: 0o600 });
    const kernel = spawn(process.execPath, ["build/services/kernel-main.js"], {
      env: { ...process.env, NATS_URL: nats.url, NATIX_CREDS: join(dir, "kernel.creds"), NATIX_KEYS: nats.keysDir },
      stdio: "ignore",
    });
    try {
      let proc;
      for (let i = 0; i < 100 && !proc; i++) {
        proc = await connect({ nats: nats.url, creds: join(dir, "admin.creds"), stdout: process.stdout }).catch(() => undefined);
        if (!proc) await new Promise((r) => setTimeout(r, 50));
      }
      expect(proc).toBeDefined();
      expect(await proc!.syscall(999, "Kam", 4, new Uint8Array(64), 64)).toBe(-1);
      expect(proc!.errno).toBe(E.ENOSYS);
      expect(await proc!.write(1, "x")).toBe(-1);
      expect(proc!.errno).toBe(E.ENOSYS);
      expect(await proc!.getpid()).toBe(proc!.pid);
      await proc!.exit(0);
    } finally {
      kernel.kill("SIGTERM");
      await new Promise((r) => kernel.once("exit", r));
      await nats.stop();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
