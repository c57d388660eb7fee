/**
 * Who may connect to the bus at all, and for how long: a connection without credentials, with
 * a JWT signed by a stranger, or with an expired one is refused; a process's credentials end
 * with it — its connection is dropped and a copy of them is refused; a module's end with rmmod.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { connect as natsConnect, credsAuthenticator, type NatsConnection } from "@nats-io/transport-node";
import { createAccount, createUser } from "@nats-io/nkeys";
import { encodeUser, fmtCreds } from "@nats-io/jwt";
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { connect, E, SYS, SIGKILL } from "../build/client-libc/mod.js";
import { encodeSpawn } from "../build/kernel-core/abi/spawn.js";
import { fromSeed } from "@nats-io/nkeys";
import { startSystem, type RunningSystem } from "../build/services/launcher.js";
import { startTestNats, type TestNats } from "./helpers/nats.js";
import { natixAsync } from "./helpers/cli.js";

/** How a connection attempt with these credentials ends: "connected", or nats-server's refusal. */
async function attempt(url: string, creds?: Uint8Array): Promise<string> {
  try {
    const nc = await natsConnect({ servers: url, reconnect: false, authenticator: creds ? credsAuthenticator(creds) : undefined });
    await nc.close();
    return "connected";
  } catch (err) {
    return (err as Error).message;
  }
}

/** Resolves with the first error status the connection reports, or "closed". */
function firstError(nc: NatsConnection): Promise<string> {
  return (async () => {
    for await (const s of nc.status()) if (s.type === "error") return String((s as { error?: Error }).error?.message);
    return "closed";
  })();
}

describe("who may connect (operator mode)", () => {
  let nats: TestNats;
  beforeAll(async () => {
    nats = await startTestNats();
  });
  afterAll(async () => nats?.stop());

  it("refuses a connection with no credentials", async () => {
    expect(await attempt(nats.url)).toMatch(/Authorization Violation/);
  });

  it("refuses a JWT signed by a key the operator does not trust", async () => {
    const stranger = createAccount();
    const user = createUser();
    const jwt = await encodeUser("forged", user, nats.keys.account, { pub: { allow: [">"] }, sub: { allow: [">"] } }, { signer: stranger });
    expect(await attempt(nats.url, fmtCreds(jwt, user))).toMatch(/Authorization Violation/);
  });

  it("refuses an expired JWT", async () => {
    const user = createUser();
    const jwt = await encodeUser("old", user, nats.keys.account, { pub: { allow: [">"] } }, { signer: nats.keys.accountSigning, exp: Math.floor(Date.now() / 1000) - 60 });
    expect(await attempt(nats.url, fmtCreds(jwt, user))).toMatch(/Authorization Violation/);
  });

  it("admits a JWT the account's signing key issued (the control case)", async () => {
    expect(await attempt(nats.url, await nats.credsOf("admin"))).toBe("connected");
  });
});

describe("credentials end with the process (micro)", () => {
  let nats: TestNats;
  let sys: RunningSystem;
  const tmp = mkdtempSync(join(tmpdir(), "natix-auth-"));
  beforeAll(async () => {
    // Components inherit TMPDIR: the kernel's private directory lands here, for the module test.
    process.env.TMPDIR = tmp;
    nats = await startTestNats();
    sys = await startSystem({ mode: "micro", nats: nats.url, keys: nats.keysDir });
  });
  afterAll(async () => {
    await sys?.stop();
    await nats?.stop();
    rmSync(tmp, { recursive: true, force: true });
  });

  it("a spawned child's credentials are its own (its pid only) and end with it: after it is killed and reaped, a copy is refused", async () => {
    const p = await connect({ nats: nats.url, argv: ["parent"] });
    // natix_spawn as libc makes it, but without starting the child's program: the parent keeps
    // the child's credentials (it made the key; the kernel minted the JWT for it).
    const key = p.port.childKey!()!;
    const spec = encodeSpawn({ argv: ["true"], envp: [], actions: [], flags: 0, pgroup: 0, sigmask: 0n, sigdefault: 0n, key: key.publicKey });
    const out = new Uint8Array(8192);
    const child = await p.rawSyscall(SYS.natix_spawn, "/bin/true", spec, spec.length, out, out.length);
    expect(child).toBeGreaterThan(p.pid);
    const jwt = Buffer.from(out.subarray(0, out.indexOf(0))).toString();
    const creds = fmtCreds(jwt, fromSeed(new TextEncoder().encode(key.seed)));
    // While the child lives its credentials connect — and reach nothing of the parent's.
    const nc = await natsConnect({ servers: nats.url, reconnect: false, authenticator: credsAuthenticator(creds), inboxPrefix: `_INBOX.p.${child}` });
    const refused = firstError(nc);
    nc.publish(`natix.sys.${p.pid}`, "");
    expect(await refused).toMatch(/Permissions Violation/);
    await nc.close().catch(() => {});
    expect(await p.kill(child, SIGKILL)).toBe(0);
    expect(await p.waitpid(child, null, 0)).toBe(child);
    expect(await attempt(nats.url, creds)).toMatch(/Authorization Violation/);
    await p.exit(0);
  });

  it("after exit, a connection made with a copy of the process's credentials is dropped (revoked), and the copy is refused", async () => {
    const p = await connect({ nats: nats.url, argv: ["leaver"] });
    const creds = p.busCredentials()!;
    expect(creds).not.toBeNull();
    // A connection that would outlive the process: made with a copy, while it still runs.
    const copy = await natsConnect({ servers: nats.url, reconnect: false, authenticator: credsAuthenticator(creds), inboxPrefix: `_INBOX.p.${p.pid}` });
    const copyError = firstError(copy);
    const own = p.busConnection()!;
    const pid = p.pid;
    expect(await p.getpid()).toBe(pid);

    await p.exit(0);
    // libc closes its own connection at exit; nats-server drops the copy: revoked.
    await own.closed();
    expect(own.isClosed()).toBe(true);
    expect(await copyError).toMatch(/Revoked/);
    expect(await attempt(nats.url, creds)).toMatch(/Authorization Violation/);
  });

  it("a process whose credentials were revoked gets ESRCH from libc, not a hang", async () => {
    const p = await connect({ nats: nats.url, argv: ["ended"] });
    const own = p.busConnection()!;
    // Listen before the kernel acts: nats-server's -ERR can reach `own` before the twin's reply.
    const revoked = firstError(own);
    // The kernel ends it (as the liveness check does for a vanished program): exit_group from
    // its own copy of the credentials, while libc still thinks it runs.
    const twin = await natsConnect({ servers: nats.url, reconnect: false, authenticator: credsAuthenticator(p.busCredentials()!), inboxPrefix: `_INBOX.p.${p.pid}` });
    const { encodeRequest } = await import("../build/kernel-core/abi/frame.js");
    await twin.request(`natix.sys.${p.pid}`, encodeRequest({ nr: 231, args: [0], input: [], outCap: [] }), { timeout: 5000 }).catch(() => undefined);
    await revoked;
    const started = performance.now();
    expect(await p.getpid()).toBe(-1);
    expect(p.errno).toBe(E.ESRCH);
    expect(performance.now() - started).toBeLessThan(2000);
    await twin.close().catch(() => {});
  });

  it("fault injection is inert outside chaos runs: not even the administrator's message kills a component", async () => {
    const { connectNats } = await import("../build/transport/nats-connect.js");
    const admin = await connectNats(nats.url, "test-admin");
    try {
      admin.publish("natix.fault.vfs", "");
      admin.publish("natix.fault.blk", "");
      await admin.flush();
      await new Promise((r) => setTimeout(r, 1500));
      for (const name of ["vfs", "blk"]) {
        const s = sys.supervisor.status().find((x) => x.name === name)!;
        expect(`${s.state} ${s.restarts}`, name).toBe("running 0");
      }
    } finally {
      await admin.close();
    }
  });

  it("spawning needs the administrator's credentials: a process's own are refused", async () => {
    const p = await connect({ nats: nats.url, argv: ["spawner"] });
    try {
      const r = await p
        .busConnection()!
        .request("natix.kernel.spawn", JSON.stringify({ argv: ["child"], uid: 0 }), { timeout: 2000 })
        .then(() => "answered", (e: Error) => `${e.message} ${(e.cause as Error | undefined)?.message ?? ""}`);
      expect(r).toMatch(/Permissions Violation/);
    } finally {
      await p.exit(0);
    }
  });

  it("the process manager's doors are kernel-side only: a process cannot have another ended or signalled by asking it or the kernel", async () => {
    const p = await connect({ nats: nats.url, argv: ["attacker"] });
    const victim = await connect({ nats: nats.url, argv: ["victim"] });
    try {
      const ask = (subject: string, op: string) =>
        p
          .busConnection()!
          .request(subject, JSON.stringify({ op, args: { pid: victim.pid, sig: SIGKILL } }), { timeout: 2000 })
          .then(() => "answered", (e: Error) => `${e.message} ${(e.cause as Error | undefined)?.message ?? ""}`);
      expect(await ask("natix.peer.pm", "pm.raise")).toMatch(/Permissions Violation/);
      expect(await ask("natix.kernel.peer", "proc.terminate")).toMatch(/Permissions Violation/);
      expect(await ask("natix.kernel.peer", "proc.pm")).toMatch(/Permissions Violation/);
      // The victim lives, and the way a process may signal another (kill(2), its uid's right) still works.
      expect(await victim.getpid()).toBe(victim.pid);
      expect(await p.kill(victim.pid, 0)).toBe(0);
    } finally {
      await victim.exit(0);
      await p.exit(0);
    }
  });

  it("a module's credentials end with rmmod: a copy of them is refused afterwards", async () => {
    expect((await natixAsync(["insmod", "hwkm"], { NATS_URL: nats.url })).status).toBe(0);
    // The kernel keeps a module's credentials in a private directory of its own (under this
    // suite's TMPDIR): take a copy, as a module that leaked them would.
    const dir = readdirSync(tmp).find((d) => d.startsWith("natix-kernel-"))!;
    const file = readdirSync(join(tmp, dir)).find((f) => /^hwkm-\d+\.creds$/.test(f))!;
    const creds = readFileSync(join(tmp, dir, file));
    expect(await attempt(nats.url, creds)).toBe("connected");
    expect((await natixAsync(["rmmod", "hwkm"], { NATS_URL: nats.url })).status).toBe(0);
    await expect.poll(() => attempt(nats.url, creds)).toMatch(/Authorization Violation/);
    expect(existsSync(join(tmp, dir, file))).toBe(false);
  });
});
