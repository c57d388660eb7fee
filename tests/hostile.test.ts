/**
 * A hostile program on an isolated bus, in micro and mono: with only its own bus connection it
 * tries more than forty forbidden things (tests/hostile/attacker.mjs) — other processes'
 * subjects, every server and driver, fault injection, every kernel control subject, the log,
 * wildcard subscriptions, answers redirected to another process's terminal, root — and each is
 * refused. Afterwards nothing is harmed: every component still runs with no restart, the
 * victim's data and terminal are intact, the chapter's examples still run, fsck is clean.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startSystem, type RunningSystem } from "../build/services/launcher.js";
import { connect, E, O_CREAT, O_RDONLY, O_WRONLY, type Proc } from "../build/client-libc/mod.js";
import { startTestNats, type TestNats } from "./helpers/nats.js";
import { natix, natixAsync } from "./helpers/cli.js";
import { Capture } from "./helpers/capture.js";

interface Attempt {
  name: string;
  kind: "publish" | "subscribe" | "reply" | "syscall";
  subject: string;
  outcome: string;
}

const PRECIOUS = "acknowledged before the attack\n";

for (const mode of ["micro", "mono"] as const) {
  describe(`a hostile program on an isolated bus (${mode})`, () => {
    let nats: TestNats;
    let sys: RunningSystem | undefined;
    let dataDir: string;
    let victim: Proc;
    const victimOut = new Capture();
    let attacker: { pid: number; report: Attempt[] };
    let attackStatus: number | null;

    beforeAll(async () => {
      nats = await startTestNats();
      dataDir = mkdtempSync(join(tmpdir(), "natix-hostile-"));
      sys = await startSystem({ mode, nats: nats.url, keys: nats.keysDir, dataDir });
      victim = await connect({ nats: nats.url, argv: ["victim"], uid: 1000, gid: 1000, stdout: victimOut, stderr: victimOut });
      const fd = await victim.open("/tmp/precious", O_CREAT | O_WRONLY, 0o600);
      expect(await victim.write(fd, PRECIOUS)).toBe(PRECIOUS.length);
      expect(await victim.fsync(fd)).toBe(0);
      expect(await victim.close(fd)).toBe(0);
      // The attacker is an ordinary user's program started the ordinary way.
      const r = await natixAsync(["run", "--uid", "1000", "--gid", "1000", "tests/hostile/attacker.mjs", String(victim.pid)], { NATS_URL: nats.url });
      attackStatus = r.status;
      attacker = JSON.parse(r.stdout.trim().split("\n").pop() ?? "{}");
    }, 120_000);

    afterAll(async () => {
      await victim?.exit(0).catch(() => {});
      await sys?.stop();
      await nats?.stop();
      rmSync(dataDir, { recursive: true, force: true });
    });

    it("tries more than forty forbidden things, and the bus refuses every publish and subscription", () => {
      expect(attackStatus).toBe(0);
      const refusedByBus = attacker.report.filter((a) => a.kind === "publish" || a.kind === "subscribe");
      expect(attacker.report.length).toBeGreaterThanOrEqual(40);
      // Each with its subject, so a failure names the hole.
      expect(refusedByBus.filter((a) => a.outcome !== "permission").map((a) => `${a.name} (${a.subject}): ${a.outcome}`)).toEqual([]);
    });

    it("cannot raise its own uid: setuid(0) is EPERM", () => {
      expect(attacker.report.find((a) => a.kind === "syscall")?.outcome).toBe(`errno ${E.EPERM}`);
    });

    it("answers asked for under another process's terminal or inbox are not sent; the kernel logs the pid and the subject", async () => {
      expect(attacker.report.filter((a) => a.kind === "reply").map((a) => a.outcome)).toEqual(["sent", "sent", "sent"]);
      // The victim's terminal received nothing, and it still works.
      expect(victimOut.text).toBe("");
      expect(await victim.write(1, "still mine\n")).toBe(11);
      expect(victimOut.text).toBe("still mine\n");
      const log = (await natixAsync(["dmesg"], { NATS_URL: nats.url })).stdout;
      expect(log).toContain(`pid ${attacker.pid}: reply subject "natix.tty.${victim.pid}" on natix.sys.${attacker.pid} is not its own inbox; refused`);
      expect(log).toContain(`pid ${attacker.pid}: reply subject "_INBOX.p.${victim.pid}.x" on natix.sys.${attacker.pid} is not its own inbox; refused`);
      // Direct routing (micro): the server checks the reply subject as the kernel does.
      if (mode === "micro") expect(log).toContain(`pid ${attacker.pid}: reply subject "natix.tty.${victim.pid}" on natix.srv.hello.${attacker.pid} is not its own inbox; refused`);
      expect(log).not.toContain("forged");
    });

    it("harms nothing: every component runs with no restart, the victim's file is intact, the examples run", async () => {
      for (const s of sys!.supervisor.status()) {
        expect(s.state, s.name).toBe("running");
        expect(s.restarts, s.name).toBe(0);
      }
      const fd = await victim.open("/tmp/precious", O_RDONLY);
      const buf = new Uint8Array(100);
      const n = await victim.read(fd, buf, 100);
      expect(Buffer.from(buf.subarray(0, n)).toString()).toBe(PRECIOUS);
      await victim.close(fd);
      const ex = await natixAsync(["run", "examples/ex11_2.mjs", "Kam"], { NATS_URL: nats.url });
      expect(ex.stdout).toBe("Message: Hello Kam!\n");
      expect(ex.status).toBe(0);
    });

    it("leaves a clean filesystem (natix fsck after the system stops)", async () => {
      await victim.exit(0);
      await sys!.stop();
      sys = undefined;
      const r = natix(["fsck", dataDir]);
      expect(r.stdout).toMatch(/clean/);
      expect(r.status).toBe(0);
    });
  });
}
