/**
 * Differential tests against Linux: each case's file operations run on natix (micro, mono,
 * embedded) and on the host's real filesystem (node:fs in a temporary directory, as root or as
 * the case's user); every result and errno must match.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { spawnSync } from "node:child_process";
import { chmodSync, mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { DIFF_CASES, expand } from "./diff/cases.js";
import { natixOps, runNatixSteps } from "./diff/natix-ops.js";
import { bootMode, MODES, type TestSystem } from "./helpers/modes.js";

const runner = fileURLToPath(new URL("./diff/host-runner.mjs", import.meta.url));
const dirOf = (i: number) => `c${i}`;

function runOnHost(base: string, uid: number, cases: { dir: string; steps: unknown[] }[]): unknown[][] {
  const r = spawnSync(process.execPath, [runner], {
    input: JSON.stringify({ base, cases }),
    encoding: "utf8",
    uid,
    gid: uid,
    maxBuffer: 64 * 1024 * 1024,
  });
  if (r.status !== 0) throw new Error(`host runner failed: ${r.stderr}`);
  return JSON.parse(r.stdout);
}

/** What Linux answers, case by case. */
let expected: unknown[][] = [];
let hostBase: string;
const isRoot = process.getuid?.() === 0;

beforeAll(() => {
  hostBase = mkdtempSync(join(tmpdir(), "natix-diff-"));
  chmodSync(hostBase, 0o755);
  DIFF_CASES.forEach((_, i) => {
    mkdirSync(join(hostBase, dirOf(i)));
    chmodSync(join(hostBase, dirOf(i)), 0o777);
  });
  runOnHost(hostBase, 0, DIFF_CASES.map((c, i) => ({ dir: dirOf(i), steps: expand(c.setup ?? []) })));
  expected = new Array(DIFF_CASES.length);
  const uids = [...new Set(DIFF_CASES.map((c) => c.uid ?? 0))];
  for (const uid of uids) {
    const mine = DIFF_CASES.map((c, i) => ({ c, i })).filter(({ c }) => (c.uid ?? 0) === uid);
    const out = runOnHost(hostBase, uid, mine.map(({ c, i }) => ({ dir: dirOf(i), steps: expand(c.steps) })));
    mine.forEach(({ i }, k) => (expected[i] = out[k]));
  }
});

afterAll(() => {
  if (hostBase) rmSync(hostBase, { recursive: true, force: true });
});

it("the table has at least 60 cases, and the host runs as root (to act as other users)", () => {
  expect(DIFF_CASES.length).toBeGreaterThanOrEqual(60);
  expect(isRoot).toBe(true);
});

for (const mode of MODES) {
  describe(`differential against Linux (${mode})`, () => {
    let sys: TestSystem;
    beforeAll(async () => {
      sys = await bootMode(mode);
      const root = (await sys.spawn({ uid: 0, gid: 0 })).proc;
      await root.umask(0o022);
      expect(await root.mkdir("/tmp/diff", 0o755)).toBe(0);
      for (let i = 0; i < DIFF_CASES.length; i++) {
        const dir = `/tmp/diff/${dirOf(i)}`;
        expect(await root.mkdir(dir, 0o777)).toBe(0);
        expect(await root.chmod(dir, 0o777)).toBe(0);
        expect(await root.chdir(dir)).toBe(0);
        const setup = await runNatixSteps(natixOps(root), expand(DIFF_CASES[i].setup ?? []));
        expect(setup.filter((r) => (r as { err?: string }).err)).toEqual([]);
      }
    });
    afterAll(async () => {
      await sys?.stop();
    });

    DIFF_CASES.forEach((c, i) => {
      it(c.name, async () => {
        const uid = c.uid ?? 0;
        const { proc } = await sys.spawn({ uid, gid: uid });
        await proc.umask(0o022);
        expect(await proc.chdir(`/tmp/diff/${dirOf(i)}`)).toBe(0);
        const got = await runNatixSteps(natixOps(proc), expand(c.steps));
        await proc.exit(0);
        expect(got).toEqual(expected[i]);
      });
    });
  });
}
