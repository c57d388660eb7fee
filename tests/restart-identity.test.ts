/**
 * Programs outlive a monolith that the supervisor restarts. The new kernel does not know them:
 * their next syscall must not act as a process of the new kernel (its descriptors, its
 * credentials) — the chaos suite once lost acknowledged writes this way, one writer's records
 * appended to another writer's file. On an isolated bus the new kernel starts with fresh
 * credential generations, so an old program's credentials are refused and it gets ESRCH; on an
 * open bus (no credentials) a pid an old program still holds is passed over instead.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { E, O_CREAT, O_RDONLY, O_WRONLY } from "../build/client-libc/mod.js";
import { bootMode, type TestSystem } from "./helpers/modes.js";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

for (const bus of ["isolated", "open"] as const) {
  describe(`identity across a kernel restart (mono, ${bus} bus)`, () => {
    let t: TestSystem;
    beforeAll(async () => {
      t = await bootMode("mono", { openBus: bus === "open" });
    });
    afterAll(async () => t?.stop());

    it("a program from before the restart gets ESRCH; its writes reach no new process's descriptor", async () => {
      const old = (await t.spawn({ argv: ["old"] })).proc;
      const oldFd = await old.open("/tmp/old-writer", O_CREAT | O_WRONLY, 0o644);
      expect(oldFd).toBeGreaterThanOrEqual(0);
      const before = t.system!.supervisor.child("mono")!.pid;
      t.system!.supervisor.child("mono")!.kill("SIGKILL");

      // The supervisor brings the monolith back; a new process can be created once it is up.
      let fresh: Awaited<ReturnType<TestSystem["spawn"]>>["proc"] | undefined;
      for (let i = 0; i < 100 && fresh === undefined; i++) {
        await sleep(100);
        if (t.system!.supervisor.child("mono")?.pid === before) continue;
        fresh = await t.spawn({ argv: ["fresh"] }).then((p) => p.proc, () => undefined);
      }
      expect(fresh).toBeDefined();
      // On an open bus the old program still answers as its pid, so that pid is passed over.
      if (bus === "open") expect(fresh!.pid).not.toBe(old.pid);
      const freshFd = await fresh!.open("/tmp/fresh-writer", O_CREAT | O_WRONLY, 0o644);
      expect(freshFd).toBe(oldFd);

      // The old program's write reaches no one's descriptor: the new kernel does not know it.
      expect(await old.write(oldFd, "stale")).toBe(-1);
      expect(old.errno).toBe(E.ESRCH);
      expect(await fresh!.close(freshFd)).toBe(0);
      const check = await fresh!.open("/tmp/fresh-writer", O_RDONLY);
      expect(await fresh!.read(check, new Uint8Array(16), 16)).toBe(0);
    }, 60_000);
  });
}
