/**
 * The chaos suite at CI size: the blk driver killed 12 times under load in micro mode (the
 * supervisor brings it back; nothing else notices), and the same fault in mono mode, where it
 * takes the whole kernel down (the contrast, measured). An injected crash inside the driver's
 * code does the same as SIGKILL.
 */
import { describe, expect, it } from "vitest";
import { spawnSync } from "node:child_process";
import { runChaos } from "../build/services/chaos/run.js";
import { markdown } from "../build/services/chaos/report.js";

const SEED = Number(process.env.NATIX_CHAOS_SEED ?? 424242);

describe("npm run chaos: its command line", () => {
  const chaos = (...args: string[]) => spawnSync(process.execPath, ["build/services/chaos/main.js", ...args], { encoding: "utf8", timeout: 20_000 });
  it("refuses an unknown option or a missing value with the usage and exit 2, not a stack trace; --help prints the usage", () => {
    for (const [args, said] of [[["--bogus"], "Unknown option '--bogus'"], [["--kills"], "argument missing"], [["--kills", "0"], "--kills is a positive integer"], [["--mode", "nano"], "--mode is micro or mono"]] as const) {
      const r = chaos(...args);
      expect(r.status, args.join(" ")).toBe(2);
      expect(r.stderr).toContain(said);
      expect(r.stderr).toContain("usage: npm run chaos");
      expect(r.stderr).not.toContain("    at ");
    }
    const help = chaos("--help");
    expect(help.status).toBe(0);
    expect(help.stdout).toMatch(/^usage: npm run chaos -- \[--mode micro\|mono\]/);
  });
});

describe("chaos (CI size)", () => {
  it(`micro: 12 kills of the blk driver lose nothing and fail no syscall (seed ${SEED})`, async () => {
    const r = await runChaos({ mode: "micro", target: "blk", kills: 12, durationS: 240, fault: "kill", seed: SEED });
    console.log(markdown(r));
    expect(r.kills).toBe(12);
    expect(r.target_restarts).toBeGreaterThanOrEqual(12);
    expect(r.acked_records).toBeGreaterThan(100);
    expect(r.acked_lost).toBe(0);
    expect(r.misplaced_records).toBe(0);
    expect(r.fsck_clean).toBe(true);
    expect(r.kernel_restarts).toBe(0);
    expect(r.failed_by_server).toEqual({ kernel: 0, vfs: 0, hello: 0, mem: 0, pm: 0 });
    expect(r.recovery_ms.max).toBeGreaterThan(0);
    expect(r.state_lost).toEqual({ fds: 0, processes: 0 });
  }, 300_000);

  it(`mono: the same fault restarts the whole kernel; the outage is measured, no acknowledged write is lost (seed ${SEED})`, async () => {
    const r = await runChaos({ mode: "mono", target: "blk", kills: 6, durationS: 180, fault: "kill", seed: SEED });
    console.log(markdown(r));
    expect(r.kills).toBe(6);
    expect(r.kernel_restarts).toBe(6);
    expect(r.outage_ms).toBeGreaterThan(0);
    expect(r.failed).toBeGreaterThan(0);
    expect(r.state_lost.processes).toBeGreaterThan(0);
    expect(r.acked_lost).toBe(0);
    expect(r.misplaced_records).toBe(0);
    expect(r.fsck_clean).toBe(true);
  }, 300_000);

  it("an injected crash (uncaught exception) in the blk driver's code: micro loses the driver, mono the kernel", async () => {
    const micro = await runChaos({ mode: "micro", target: "blk", kills: 3, durationS: 120, fault: "crash", seed: SEED + 1 });
    expect(micro.target_restarts).toBe(3);
    expect(micro.kernel_restarts).toBe(0);
    expect(micro.failed).toBe(0);
    expect(micro.acked_lost).toBe(0);
    expect(micro.misplaced_records).toBe(0);
    const mono = await runChaos({ mode: "mono", target: "blk", kills: 3, durationS: 120, fault: "crash", seed: SEED + 1 });
    expect(mono.kernel_restarts).toBe(3);
    expect(mono.acked_lost).toBe(0);
    expect(mono.misplaced_records).toBe(0);
    expect(mono.fsck_clean).toBe(true);
  }, 300_000);
});
