/**
 * A program's memory does not grow with the number of syscalls it makes. libc once raced every
 * call against one promise that lives as long as the process (settled only if its credentials
 * are revoked): each race left a reaction there holding the call's reply, ~760 bytes kept per
 * syscall — 4 GB in the benchmark runner after a few million calls. Measured in this process
 * (the program is the test), after a full garbage collection each time, over real calls in micro
 * and mono; and a call in flight when the credentials go still ends at once with ESRCH.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import { bootMode, type ModeName, type TestSystem } from "./helpers/modes.js";
import { SYS } from "../build/client-libc/mod.js";
import { Departure } from "../build/client-libc/transport/departure.js";

setFlagsFromString("--expose-gc");
const gc = runInNewContext("gc") as () => void;
const heapAfterGc = () => {
  gc();
  gc();
  return process.memoryUsage().heapUsed;
};

const CALLS = 40_000;

for (const mode of ["micro", "mono"] as ModeName[]) {
  describe(`syscalls keep no memory (${mode})`, () => {
    let sys: TestSystem;
    beforeAll(async () => {
      sys = await bootMode(mode);
    }, 60_000);
    afterAll(async () => {
      await sys?.stop();
    });

    it(`${CALLS} hello_world and getpid calls leave the heap where it was`, async () => {
      const { proc } = await sys.spawn();
      const buf = new Uint8Array(64);
      // Warm up (code, caches, the connection's buffers) before the baseline.
      for (let i = 0; i < 2000; i++) await proc.syscall(SYS.hello_world, "Kam", 4, buf, 64);
      const before = heapAfterGc();
      for (let i = 0; i < CALLS / 2; i++) {
        expect(await proc.syscall(SYS.hello_world, "Kam", 4, buf, 64)).toBe(0);
        expect(await proc.getpid()).toBe(proc.pid);
      }
      expect(new TextDecoder().decode(buf.subarray(0, buf.indexOf(0)))).toMatch(/Kam/);
      const grown = heapAfterGc() - before;
      // The leak kept ~760 bytes per call: 30 MB here.
      expect(grown).toBeLessThan(6 * 1024 * 1024);
    }, 120_000);
  });
}

describe("Departure (libc's calls in flight when the process is gone)", () => {
  it("gives each call its own outcome, or the stand-in at once once the process is gone", async () => {
    const d = new Departure();
    expect(await d.race(Promise.resolve(7), -1)).toBe(7);
    await expect(d.race(Promise.reject(new Error("broken")), -1)).rejects.toThrow("broken");
    const pending = d.race(new Promise<number>(() => {}), -3); // never answered
    d.leave();
    expect(await pending).toBe(-3);
    expect(d.gone).toBe(true);
    expect(await d.race(Promise.resolve(7), -3)).toBe(-3);
  });

  it("keeps nothing of a settled call (a million races against one departure)", async () => {
    const d = new Departure();
    await d.race(Promise.resolve(new Uint8Array(16)), undefined);
    const before = heapAfterGc();
    for (let i = 0; i < 1_000_000; i++) await d.race(Promise.resolve(new Uint8Array(16)), undefined);
    expect(heapAfterGc() - before).toBeLessThan(8 * 1024 * 1024);
  });
});
