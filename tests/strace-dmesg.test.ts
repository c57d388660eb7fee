/**
 * strace and dmesg as the chapter shows them: the traces of examples 11.1 and 11.2 (and the
 * long-name failure) line by line, taken by the kernel; the kernel log after 11.2.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { readFileSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { natix } from "./helpers/cli.js";
import { bootMode, type TestSystem } from "./helpers/modes.js";
import { connect, SYS } from "../build/client-libc/mod.js";

const EXPECTED: Record<string, { stdout: string; trace: string[] }> = {
  "examples/ex11_1.mjs": {
    stdout: "Hello World!\n",
    trace: ['write(1, "Hello World!\\n", 13) = 13', "exit_group(0) = ?", "+++ exited with 0 +++"],
  },
  "examples/ex11_2.mjs": {
    stdout: "Message: Hello Kam!\n",
    trace: [
      'hello_world("Kam", 4, "Hello Kam!", 64) = 0',
      'write(1, "Message: Hello Kam!\\n", 20) = 20',
      "exit_group(0) = ?",
      "+++ exited with 0 +++",
    ],
  },
  "examples/ex11_2_long.mjs": {
    stdout: "[ERR] Ret val: -1\n",
    trace: [
      'hello_world("A very very long message! It is "..., 84, 0x7ffffffde300, 64) = -1 EPERM (Operation not permitted)',
      'write(1, "[ERR] Ret val: -1\\n", 18) = 18',
      "exit_group(1) = ?",
      "+++ exited with 1 +++",
    ],
  },
};

let work: string;
beforeAll(() => {
  work = mkdtempSync(join(tmpdir(), "natix-strace-"));
});
afterAll(() => rmSync(work, { recursive: true, force: true }));

for (const mode of ["micro", "mono", "embedded"] as const) {
  describe(`strace (${mode})`, () => {
    let sys: TestSystem | undefined;
    beforeAll(async () => {
      if (mode !== "embedded") sys = await bootMode(mode);
    });
    afterAll(async () => sys?.stop());
    const target = () => (mode === "embedded" ? ["--embedded"] : ["--nats", sys!.natsUrl!]);

    for (const [program, want] of Object.entries(EXPECTED)) {
      it(`${program}: the program's output, and its trace line by line`, () => {
        const r = natix(["strace", ...target(), program]);
        expect(r.stdout).toBe(want.stdout);
        expect(r.stderr.split("\n").filter(Boolean)).toEqual(want.trace);
      });
    }

    it("-o FILE writes the trace to the file; -a aligns results as strace does", () => {
      const file = join(work, `${mode}.trace`);
      const r = natix(["strace", "-o", file, "-a", "40", ...target(), "examples/ex11_1.mjs"]);
      expect(r.stdout).toBe("Hello World!\n");
      expect(r.stderr).toBe("");
      expect(readFileSync(file, "utf8").split("\n")[1]).toBe("exit_group(0)                           = ?");
    });

    it("a number the kernel has no entry for is syscall_0x...; failures name their errno", () => {
      const r = natix(["strace", ...target(), "examples/cat.mjs", "/nonexistent"]);
      expect(r.stderr).toContain('openat(AT_FDCWD, "/nonexistent", O_RDONLY) = -1 ENOENT (No such file or directory)');
      expect(r.stderr).toContain("+++ exited with 1 +++");
    });
  });
}

describe("a program cannot hide from the tracer", () => {
  it("calls a program makes with rawSyscall, or with unknown numbers, are traced as well", async () => {
    const prog = join(work, "sneaky.mjs");
    const { writeFileSync } = await import("node:fs");
    writeFileSync(prog, `import { rawSyscall } from "natix/libc";\nexport default async function main() { await rawSyscall(12345, 1, 2); await rawSyscall(${SYS.getpid}); return 0; }\n`);
    const r = natix(["strace", "--embedded", prog]);
    const lines = r.stderr.split("\n");
    expect(lines[0]).toBe("syscall_0x3039(0x1, 0x2) = -1 ENOSYS (Function not implemented)");
    expect(lines[1]).toMatch(/^getpid\(\) = \d+$/);
  });
});

describe("strace of the process calls", () => {
  it("spawn, wait4, kill, rt_sigaction and rt_sigprocmask in strace's format", async () => {
    const prog = join(work, "parent.mjs");
    const { writeFileSync } = await import("node:fs");
    writeFileSync(
      prog,
      `import { posix_spawn, waitpid, kill, sigaction, sigprocmask, SigSet, sigaddset, SIGUSR1, SIGUSR2, SIGINT, SIGTERM, SIG_BLOCK, SA_RESTART } from "natix/libc";
export default async function main() {
  await sigaction(SIGUSR1, { sa_handler: () => {}, sa_flags: SA_RESTART }, {});
  const set = new SigSet(); sigaddset(set, SIGINT); sigaddset(set, SIGUSR2);
  await sigprocmask(SIG_BLOCK, set, new SigSet());
  const pid = [0];
  await posix_spawn(pid, "/bin/true", null, null, ["true"], ["A=1"]);
  await waitpid(pid[0], [0], 0);
  await posix_spawn(pid, "/bin/sleep", null, null, ["sleep", "9"], []);
  await kill(pid[0], SIGTERM);
  await waitpid(pid[0], [0], 0);
  return 0;
}\n`,
    );
    const r = natix(["strace", "--embedded", prog]);
    const lines = r.stderr.split("\n");
    expect(lines.slice(0, 2)).toEqual([
      "rt_sigaction(SIGUSR1, {sa_handler=0x2, sa_mask=[], sa_flags=SA_RESTART}, {sa_handler=SIG_DFL, sa_mask=[], sa_flags=0}, 8) = 0",
      "rt_sigprocmask(SIG_BLOCK, [INT USR2], [], 8) = 0",
    ]);
    const child = Number(/= (\d+)$/.exec(lines[2])?.[1]);
    expect(lines[2]).toBe(`natix_spawn("/bin/true", {argv=["true"], envp=0x7ffffffde800 /* 1 var */}, {jwt=...}, 8192) = ${child}`);
    expect(lines[3]).toBe(`wait4(${child}, [{WIFEXITED(s) && WEXITSTATUS(s) == 0}], 0, NULL) = ${child}`);
    const sleeper = Number(/= (\d+)$/.exec(lines[4])?.[1]);
    expect(lines[4]).toBe(`natix_spawn("/bin/sleep", {argv=["sleep", "9"], envp=0x7ffffffde800 /* 0 vars */}, {jwt=...}, 8192) = ${sleeper}`);
    expect(lines[5]).toBe(`kill(${sleeper}, SIGTERM) = 0`);
    expect(lines[6]).toBe(`wait4(${sleeper}, [{WIFSIGNALED(s) && WTERMSIG(s) == SIGTERM}], 0, NULL) = ${sleeper}`);
    expect(r.status).toBe(0);
  });
});

describe("dmesg", () => {
  let sys: TestSystem;
  beforeAll(async () => {
    sys = await bootMode("micro");
  });
  afterAll(async () => sys?.stop());

  it("after example 11.2 shows 'System call fired!' and 'Message: Hello Kam!' as [ SECONDS.MICROS] lines", async () => {
    expect(natix(["run", "--nats", sys.natsUrl!, "examples/ex11_2.mjs"]).stdout).toBe("Message: Hello Kam!\n");
    const out = natix(["dmesg", "--nats", sys.natsUrl!]).stdout.split("\n");
    const fired = out.findIndex((l) => /^\[\s*\d+\.\d{6}\] System call fired!$/.test(l));
    expect(fired).toBeGreaterThanOrEqual(0);
    expect(out[fired + 1]).toMatch(/^\[\s*\d+\.\d{6}\] Message: Hello Kam!$/);
    expect(out.some((l) => /^\[\s*0\.\d{6}\] natix kernel-core .* booting/.test(l))).toBe(true);
  });

  it("the long name logs its refusal, and -w follows new lines", async () => {
    const { spawn } = await import("node:child_process");
    const follow = spawn(process.execPath, ["bin/natix.js", "dmesg", "-w", "--nats", sys.natsUrl!], { stdio: ["ignore", "pipe", "inherit"] });
    let seen = "";
    follow.stdout!.on("data", (d: Buffer) => (seen += d.toString()));
    await new Promise((r) => setTimeout(r, 800));
    const p = await connect({ nats: sys.natsUrl!, argv: ["long"] });
    expect(await p.syscall(999, new Uint8Array(84).fill(65), 84, new Uint8Array(64), 64)).toBe(-1);
    await p.exit(0);
    for (let i = 0; i < 50 && !seen.includes("Too long input string."); i++) await new Promise((r) => setTimeout(r, 100));
    follow.kill("SIGINT");
    expect(seen).toMatch(/\] System call fired!\n\[\s*\d+\.\d{6}\] Too long input string\.\n/);
  });
});
