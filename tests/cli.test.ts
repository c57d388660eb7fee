/**
 * The natix command as users run it: `natix run` in each mode with exit statuses and exact
 * output, TypeScript programs, failures with clear messages, `natix up` lifecycle, and the
 * `npm start` demo leaving no process behind.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { mkdtemp, writeFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { bootMode, type TestSystem } from "./helpers/modes.js";
import { MICRO_COMPONENTS } from "../build/system/server-catalog.js";
import { DEFAULT_STANDBY } from "../build/services/launcher.js";

const CLI = "bin/natix.js";

function natix(args: string[], env: NodeJS.ProcessEnv = {}, input?: string) {
  const r = spawnSync(process.execPath, [CLI, ...args], { env: { ...process.env, ...env }, input, encoding: "utf8", timeout: 60_000 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** Processes whose command line mentions `marker` (to prove nothing was left running). */
function processesMatching(marker: string): string[] {
  const r = spawnSync("ps", ["-eo", "pid,args"], { encoding: "utf8" });
  return r.stdout.split("\n").filter((l) => l.includes(marker) && !l.includes("ps -eo"));
}

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "natix-cli-"));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe("natix run", () => {
  let sys: TestSystem;
  beforeAll(async () => {
    sys = await bootMode("micro");
  });
  afterAll(async () => {
    await sys?.stop();
  });

  const targets = () => [
    { label: "--nats URL", flags: ["--nats", sys.natsUrl!], env: {} },
    { label: "NATS_URL from the environment", flags: [], env: { NATS_URL: sys.natsUrl! } },
    { label: "--embedded", flags: ["--embedded"], env: {} },
  ];

  it("runs the chapter's examples with their exact output and exit status, in every target", () => {
    for (const t of targets()) {
      const a = natix(["run", ...t.flags, "examples/ex11_1.mjs"], t.env);
      expect({ target: t.label, ...a }).toMatchObject({ status: 0, stdout: "Hello World!\n" });
      const b = natix(["run", ...t.flags, "examples/ex11_2.mjs"], t.env);
      expect({ target: t.label, ...b }).toMatchObject({ status: 0, stdout: "Message: Hello Kam!\n" });
      const c = natix(["run", ...t.flags, "examples/ex11_2_long.mjs"], t.env);
      expect({ target: t.label, ...c }).toMatchObject({ status: 1, stdout: "[ERR] Ret val: -1\n" });
    }
  });

  it("passes argv (argv[0] is the program) and returns main's status", async () => {
    const prog = join(dir, "args.mjs");
    await writeFile(
      prog,
      `import { write } from "natix/libc";
       export default async function main(argv) { await write(1, JSON.stringify(argv) + "\\n"); return argv.length + 40; }`,
    );
    const r = natix(["run", "--nats", sys.natsUrl!, prog, "one", "two words"]);
    expect(r.stdout).toBe(JSON.stringify([prog, "one", "two words"]) + "\n");
    expect(r.status).toBe(43);
  });

  it("runs a TypeScript program, errno as a live binding", async () => {
    const prog = join(dir, "errno.ts");
    await writeFile(
      prog,
      `import { write, errno, strerror } from "natix/libc";
       export default async function main(argv: string[]): Promise<number> {
         const r: number = await write(42, "x");
         await write(1, \`\${r} \${errno} \${strerror(errno)}\\n\`);
         return 0;
       }`,
    );
    const r = natix(["run", "--embedded", prog]);
    expect(r.stderr).toBe("");
    expect(r.stdout).toBe("-1 9 Bad file descriptor\n");
    expect(r.status).toBe(0);
  });

  it("runs a plain .js program written as an ES module, outside any package", async () => {
    const prog = join(dir, "plain.js");
    await writeFile(prog, `import { getpid, write } from "natix/libc";\nexport default async function main() { await write(1, (await getpid()) > 1 ? "pid ok\\n" : "bad\\n"); return 5; }\n`);
    const r = natix(["run", "--embedded", prog]);
    expect(r.stdout).toBe("pid ok\n");
    expect(r.status).toBe(5);
  });

  it("pipes stdin through read(0) to a program", async () => {
    const prog = join(dir, "cat.mjs");
    await writeFile(
      prog,
      `import { read, write } from "natix/libc";
       export default async function main() {
         const buf = new Uint8Array(7);
         for (;;) { const n = await read(0, buf, 7); if (n <= 0) return n; await write(1, buf, n); }
       }`,
    );
    const input = "line one\nline two, a bit longer\n";
    const r = natix(["run", "--nats", sys.natsUrl!, prog], {}, input);
    expect(r.stdout).toBe(input);
    expect(r.status).toBe(0);
  });

  it("reports an exception escaping main on stderr and exits 1", async () => {
    const prog = join(dir, "throws.mjs");
    await writeFile(prog, `export default function main() { throw new Error("boom"); }`);
    const r = natix(["run", "--embedded", prog]);
    expect(r.status).toBe(1);
    expect(r.stderr).toContain("boom");
  });

  it("fails clearly: missing program (127), no default export, bad flags (2), no kernel", async () => {
    const missing = natix(["run", "--embedded", join(dir, "nope.mjs")]);
    expect(missing.status).toBe(127);
    expect(missing.stderr).toContain("No such file or directory");
    const noMain = join(dir, "nomain.mjs");
    await writeFile(noMain, "export const x = 1;\n");
    expect(natix(["run", "--embedded", noMain]).stderr).toContain("no default export");
    expect(natix(["run", "--bogus", "x.mjs"]).status).toBe(2);
    expect(natix(["run"]).status).toBe(2);
    const nobody = natix(["run", "--nats", "nats://127.0.0.1:1", "examples/ex11_1.mjs"]);
    expect(nobody.status).toBe(1);
    expect(nobody.stderr).toContain("cannot connect to NATS");
  });
});

describe("natix up", () => {
  const waitForLine = (child: ChildProcess, pattern: RegExp) =>
    new Promise<string>((resolve, reject) => {
      let out = "";
      child.stdout!.on("data", (d: Buffer) => {
        out += d.toString();
        const m = out.match(pattern);
        if (m) resolve(m[0]);
      });
      child.once("exit", (code) => reject(new Error(`exited ${code} before printing: ${out}`)));
    });

  for (const mode of ["micro", "mono"]) {
    it(`--mode ${mode}: prints NATS_URL once ready, serves programs, SIGTERM stops everything and exits 0`, async () => {
      const up = spawn(process.execPath, [CLI, "up", "--mode", mode], { stdio: ["ignore", "pipe", "inherit"] });
      const line = await waitForLine(up, /^NATS_URL=nats:\/\/127\.0\.0\.1:\d+\n/m);
      const url = line.trim().slice("NATS_URL=".length);
      const r = natix(["run", "--nats", url, "examples/ex11_2.mjs"]);
      expect(r.stdout).toBe("Message: Hello Kam!\n");
      const port = new URL(url).port;
      // + the kernel, + blk's warm standby in micro (started just after the system)
      await expect.poll(() => processesMatching(url).length, { timeout: 5000 }).toBe(mode === "micro" ? MICRO_COMPONENTS.length + 1 + DEFAULT_STANDBY.length : 1);
      up.kill("SIGTERM");
      const code = await new Promise((res) => up.once("exit", res));
      expect(code).toBe(0);
      expect(processesMatching(url)).toEqual([]);
      expect(spawnSync("ss", ["-ltn"], { encoding: "utf8" }).stdout).not.toContain(`:${port} `);
    });
  }

  it("says clearly when nats-server is missing (and no Docker engine could run it: tests/first-run.test.ts)", () => {
    const r = natix(["up"], { NATS_SERVER_BIN: "/nonexistent/nats-server", DOCKER_HOST: "unix:///nonexistent/docker.sock" });
    expect(r.status).toBe(1);
    expect(r.stderr).toContain("nats-server not found on PATH");
  });
});

describe("npm start (natix demo)", () => {
  it("prints the three examples' outputs through the micro path, exits 0, leaves no process behind", () => {
    const r = natix(["demo"]);
    expect(r.status).toBe(0);
    const lines = r.stdout.split("\n");
    expect(lines).toContain("Hello World!");
    expect(lines).toContain("Message: Hello Kam!");
    expect(lines).toContain("[ERR] Ret val: -1");
    // Nothing of the components' own logging leaks into what a reader sees (rmmod once did).
    expect(`${r.stdout}${r.stderr}`).not.toMatch(/^\{"level"/m);
    const url = r.stdout.match(/up at (nats:\/\/[\d.:]+)/)![1];
    expect(processesMatching(url)).toEqual([]);
    expect(spawnSync("ss", ["-ltn"], { encoding: "utf8" }).stdout).not.toContain(`:${new URL(url).port} `);
  });
});
