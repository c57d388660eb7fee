/**
 * From the host: the chapter's examples stored in natix's own /bin and run from there — by natix
 * run natix:/bin/NAME and by natix's shell through PATH — print exactly what they print from the
 * host path, in embedded mode and through a running micro system; natix ps --forest shows a
 * shell's children under it; Ctrl-C (the host's SIGINT) reaches the emulated process as SIGINT.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { chmodSync, copyFileSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { spawn } from "node:child_process";
import { CLI, natix, natixAsync, natixUp } from "./helpers/cli.js";

const EXAMPLES = [
  { name: "ex11_1", args: [] as string[] },
  { name: "ex11_2", args: ["Kam"] },
  { name: "ex11_2", args: ["A".repeat(70)] },
];

describe("the chapter's examples from /bin inside natixfs", () => {
  let work: string;
  beforeAll(() => {
    work = mkdtempSync(join(tmpdir(), "natix-chapter-bin-"));
    for (const { name } of EXAMPLES) {
      copyFileSync(`examples/${name}.mjs`, join(work, name));
      chmodSync(join(work, name), 0o755);
    }
  });
  afterAll(() => rmSync(work, { recursive: true, force: true }));

  it("embedded: natix run natix:/bin/NAME and natix sh -c NAME match natix run examples/NAME.mjs", () => {
    const data = join(work, "disk");
    const target = ["--embedded", "--data", data];
    for (const { name } of EXAMPLES) expect(natix(["cp", ...target, join(work, name), `natix:/bin/${name}`]).status).toBe(0);
    for (const { name, args } of EXAMPLES) {
      const host = natix(["run", ...target, `examples/${name}.mjs`, ...args]);
      expect(host.stdout.length).toBeGreaterThan(0);
      const stored = natix(["run", ...target, `natix:/bin/${name}`, ...args]);
      expect({ out: stored.stdout, status: stored.status }).toEqual({ out: host.stdout, status: host.status });
      const shell = natix(["sh", ...target, "-c", `${name} "$@"`, "sh", ...args]);
      expect({ out: shell.stdout, status: shell.status }).toEqual({ out: host.stdout, status: host.status });
    }
  }, 120_000);

  it("micro: the same through a running system", async () => {
    const up = await natixUp(["--mode", "micro"]);
    try {
      const target = ["--nats", up.url];
      // One example here (the embedded case covers the three): each line is a CLI start or three.
      const [{ name }] = EXAMPLES.slice(1);
      expect((await natixAsync(["cp", ...target, join(work, name), `natix:/bin/${name}`])).status).toBe(0);
      for (const { args } of EXAMPLES.slice(1, 2)) {
        const host = await natixAsync(["run", ...target, `examples/${name}.mjs`, ...args]);
        const stored = await natixAsync(["run", ...target, `natix:/bin/${name}`, ...args]);
        expect({ out: stored.stdout, status: stored.status }).toEqual({ out: host.stdout, status: host.status });
        const shell = await natixAsync(["sh", ...target, "-c", `${name} "$@"`, "sh", ...args]);
        expect({ out: shell.stdout, status: shell.status }).toEqual({ out: host.stdout, status: host.status });
      }
      // A shell waiting on a pipeline of its children: ps --forest shows them under it.
      const sh = spawn(process.execPath, [CLI, "sh", ...target, "-c", "sleep 30 | cat"], { stdio: "ignore" });
      try {
        let tree = "";
        await expect
          .poll(async () => (tree = (await natixAsync(["ps", ...target, "--forest"])).stdout).includes(" \\_ cat"), { timeout: 20_000, interval: 500 })
          .toBe(true);
        const rows = tree.split("\n");
        const shRow = rows.findIndex((l) => / sh -c sleep 30 \| cat$/.test(l));
        expect(shRow).toBeGreaterThan(0);
        const shPid = rows[shRow].split(/\s+/)[1];
        expect(rows[shRow + 1]).toMatch(new RegExp(`^root\\s+\\d+\\s+${shPid} .* \\\\_ sleep 30$`));
        expect(rows[shRow + 2]).toMatch(new RegExp(`^root\\s+\\d+\\s+${shPid} .* \\\\_ cat$`));
      } finally {
        sh.kill("SIGKILL");
      }
      // Ctrl-C: the host's SIGINT goes to the emulated process through the kernel, whose default
      // ends it with 130 — and the kernel knows at once (it is not left for liveness to find).
      const sleeper = spawn(process.execPath, [CLI, "run", ...target, "natix:/bin/sleep", "30"], { stdio: "ignore" });
      const ended = new Promise<number | null>((resolve) => sleeper.once("exit", (code) => resolve(code)));
      await expect.poll(async () => (await natixAsync(["ps", ...target])).stdout.includes(" /bin/sleep 30"), { timeout: 20_000, interval: 300 }).toBe(true);
      sleeper.kill("SIGINT");
      expect(await ended).toBe(130);
      expect((await natixAsync(["ps", ...target])).stdout).not.toContain(" /bin/sleep 30");
    } finally {
      await up.stop();
    }
  }, 120_000);
});
