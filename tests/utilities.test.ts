/**
 * The shipped utilities of /bin (programs/bin/*.mjs), each run as an emulated process over one
 * embedded disk image, against the host's GNU tools on the same input (LC_ALL=C, so messages
 * quote with '...'): byte-for-byte stdout, stderr and exit status where they are comparable;
 * where they cannot be (ls -l's dates and blocks, ps, kill, sleep, yes), what GNU would print.
 *
 * natix's working directory is "/", so the inputs live under /tmp in natix and under
 * WORK/tmp on the host, and both sides are called with the same relative paths (tmp/a.txt).
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { spawn, spawnSync } from "node:child_process";
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { CLI, natix } from "./helpers/cli.js";

type Result = { status: number | null; stdout: string; stderr: string };

describe("programs/bin: the shipped utilities", () => {
  let work: string;
  let data: string;
  const run = (prog: string, args: string[] = [], input?: string): Result =>
    natix(["run", "--embedded", "--data", data, `programs/bin/${prog}.mjs`, ...args], {}, input ?? "");
  const host = (cmd: string, args: string[] = [], input?: string): Result => {
    const r = spawnSync(cmd, args, { cwd: work, env: { ...process.env, LC_ALL: "C" }, input: input ?? "", encoding: "utf8" });
    return { status: r.status, stdout: r.stdout, stderr: r.stderr };
  };
  /** natix's PROG and the host's, on the same arguments: the same output, messages and status. */
  const same = (prog: string, args: string[], input?: string, hostCmd = prog) => {
    const ours = run(prog, args, input);
    const gnu = host(hostCmd, args, input);
    expect(ours, `${prog} ${args.join(" ")}`).toEqual(gnu);
    return ours;
  };

  const FILES: Record<string, string | Buffer> = {
    "a.txt": "hello world\n  foo\tbar baz\n\nno newline at the end",
    "b.txt": "abc\nabcabc\nx*y\na.c\n(paren)\n{b}\nfoo bar\nfoobar\nFOO\n^caret\ndollar$\naaa\nab|cd\n\\back\n[br]\n\n  lead\nwww.example.com\n",
    "big.txt": Array.from({ length: 3000 }, (_, i) => `line ${i + 1}`).join("\n") + "\n",
    "bin.dat": Buffer.from("abc\0def\nabc\n"),
    "empty": "",
    "lsdir/beta": "b\n",
    "lsdir/Alpha": "a\n",
    "lsdir/.hidden": "h\n",
    "lsdir/_under": "underscore\n",
    "lsdir/zeta.txt": "z".repeat(12345),
  };

  beforeAll(() => {
    work = mkdtempSync(join(tmpdir(), "natix-bin-"));
    data = join(work, "disk");
    mkdirSync(join(work, "tmp", "lsdir"), { recursive: true });
    expect(run("mkdir", ["/tmp/lsdir"]).status).toBe(0);
    for (const [name, content] of Object.entries(FILES)) {
      const path = join(work, "tmp", name);
      writeFileSync(path, content);
      if (name === "lsdir/beta") chmodSync(path, 0o751);
      const r = natix(["cp", "--embedded", "--data", data, path, `natix:/tmp/${name}`]);
      expect(r.stderr).toBe("");
    }
  }, 60_000);
  afterAll(() => rmSync(work, { recursive: true, force: true }));

  it("cat: files, '-' for standard input, a missing file (exit 1), -n numbering across files, -A", () => {
    same("cat", ["tmp/a.txt", "-", "tmp/nope", "tmp/b.txt"], "from stdin\n");
    same("cat", ["-nA", "tmp/a.txt", "tmp/b.txt"]);
  });

  it("echo: as GNU's /bin/echo (not bash's builtin): -n, -e escapes, \\c, an option that is not one", () => {
    same("echo", ["-n", "-e", "a\\tb\\x41\\0101\\n\\q", "\\c", "never"], undefined, "/bin/echo");
    same("echo", ["-nx", "--", "-e"], undefined, "/bin/echo");
  });

  it("true exits 0 and false exits 1, silently", () => {
    expect(run("true", ["--ignored"])).toEqual({ status: 0, stdout: "", stderr: "" });
    expect(run("false")).toEqual({ status: 1, stdout: "", stderr: "" });
  });

  it("wc: GNU's columns (from the files' sizes; 7 wide for standard input), a total line, a missing file", () => {
    same("wc", ["tmp/a.txt", "tmp/big.txt", "tmp/nope", "tmp/empty"]);
    same("wc", [], "one two\nthree\n");
    same("wc", ["-lw", "-c", "-m", "-L", "tmp/a.txt", "tmp/b.txt"]);
  });

  it("head: 10 lines, -n, -c with a suffix, all but the last N, headers for several files, bad counts", () => {
    same("head", ["-n", "2", "tmp/a.txt", "tmp/nope", "-", "tmp/b.txt"], "1\n2\n3\n");
    same("head", ["-c", "1K", "tmp/big.txt"]);
    same("head", ["-n", "-3", "tmp/b.txt", "tmp/a.txt"]);
    same("head", ["-n", "x", "tmp/a.txt"]);
  });

  it("grep: basic regular expressions, translated with POSIX's and GNU's meanings", () => {
    // Each pattern's matches, one per line: a pattern translated wrong shows in what it matched.
    const patterns = ["\\(ab\\)\\1", "a\\{3\\}", "ab\\|FOO", "x*y", "*y", "^\\^", "r\\$", "[]b[]", "[[:upper:]]\\{3\\}", "\\<bar", "w\\+\\.e", "ab|cd"];
    same("grep", ["-n", "-o", ...patterns.flatMap((p) => ["-e", p]), "tmp/b.txt"]);
    same("grep", ["-n", "-o", "\\(\\(a\\)b\\)c\\1\\|\\(o\\)\\3", "tmp/b.txt"]); // nested groups, numbered across \|
    same("grep", ["^$\\|^ *l", "tmp/b.txt"]);
    same("grep", ["-c", "[^[:alnum:] ]", "tmp/b.txt"]);
  });

  it("grep: -E, -F, -i, -v, -c, -w, -x, -o, -l, several files with name: prefixes", () => {
    same("grep", ["-E", "(ab|cd)$|a{3}", "tmp/b.txt"]);
    same("grep", ["-F", "a.c", "tmp/b.txt", "tmp/a.txt"]);
    same("grep", ["-i", "-w", "foo", "tmp/b.txt"]);
    same("grep", ["-v", "-c", "a", "tmp/b.txt", "tmp/a.txt"]);
    same("grep", ["-x", "-o", "-e", "a*", "-e", "abc", "tmp/b.txt"]);
    same("grep", ["-l", "foo", "tmp/a.txt", "tmp/b.txt", "tmp/empty"]);
  });

  it("grep: exit 1 for no match, 2 for a missing file or a bad pattern (unless -q matched), binary files", () => {
    same("grep", ["nothing-like-this", "tmp/b.txt"]);
    same("grep", ["foo", "tmp/nope", "tmp/b.txt"]);
    same("grep", ["-q", "foo", "tmp/nope", "tmp/b.txt"]);
    same("grep", ["a\\{1", "tmp/b.txt"]);
    same("grep", ["abc", "tmp/bin.dat", "tmp/b.txt"]);
  });

  it("ls: one name per line off a terminal, sorted as LC_ALL=C, -a, several operands with headers, a missing one (exit 2)", () => {
    same("ls", ["-a", "tmp/lsdir"]);
    same("ls", ["-d", "tmp/lsdir", "tmp/nope", "tmp/b.txt", "tmp/a.txt", "tmp/lsdir"]);
    same("ls", ["tmp/lsdir", "tmp/nope", "tmp/b.txt", "tmp/a.txt"]);
  });

  it("ls -l: GNU's long format with numeric owners (ls -n); dates and the block total are natix's own", () => {
    const ours = run("ls", ["-l", "tmp/lsdir"]);
    const gnu = host("ls", ["-ln", "tmp/lsdir"]);
    expect(ours.stderr).toBe("");
    expect(ours.status).toBe(0);
    const lines = ours.stdout.trimEnd().split("\n");
    expect(lines[0]).toMatch(/^total \d+$/);
    // mode, links, size and name as the host's; owner and group numbers, aligned columns.
    const fields = (l: string) => {
      const f = l.split(/ +/);
      return [f[0], f[1], f[4], f.slice(8).join(" ")];
    };
    expect(lines.slice(1).map(fields)).toEqual(gnu.stdout.trimEnd().split("\n").slice(1).map(fields));
    const line = /^([-dlcbps][-rwxsStT]{9}) (\d+) +(\d+) +(\d+) +(\d+) ([A-Z][a-z]{2} [ \d]\d (?:\d\d:\d\d| \d{4})) (.+)$/;
    for (const l of lines.slice(1)) expect(l).toMatch(line);
    expect(lines[1]).toMatch(/^-rw-r--r-- 1 0 0 +\d+ /);
    expect(new Set(lines.slice(1).map((l) => l.search(/ [A-Z][a-z]{2} [ \d]\d /))).size).toBe(1); // sizes right-aligned
    expect(lines.find((l) => l.endsWith(" beta"))).toMatch(/^-rwxr-x--x /);
  });

  it("mkdir: -p, -m MODE; GNU's messages for an existing directory, a missing parent, no operand", () => {
    expect(run("mkdir", ["-p", "tmp/made/deep/er", "-m", "700"])).toEqual({ status: 0, stdout: "", stderr: "" });
    const made = run("ls", ["-ld", "tmp/made", "tmp/made/deep/er"]).stdout.split("\n");
    expect(made[0]).toMatch(/^drwxr-xr-x /); // parents as the umask leaves them
    expect(made[1]).toMatch(/^drwx------ /); // the operand with -m's mode
    mkdirSync(join(work, "tmp", "made"));
    same("mkdir", ["tmp/made", "tmp/no/such/parent"]);
    same("mkdir", ["-m", "xyz", "tmp/m"]);
  });

  it("rm: files, -r trees, -f on what is missing; GNU's refusals and messages", () => {
    expect(run("mkdir", ["-p", "tmp/tree/a/b"]).status).toBe(0);
    mkdirSync(join(work, "tmp", "tree"));
    same("rm", ["tmp/tree", "tmp/nope"]);
    expect(run("rm", ["-r", "tmp/tree"])).toEqual({ status: 0, stdout: "", stderr: "" });
    expect(run("ls", ["tmp/tree"]).stderr).toBe("ls: cannot access 'tmp/tree': No such file or directory\n");
    same("rm", ["-f", "tmp/nope"]);
    same("rm", ["-r", "."]);
  });

  it("sleep: waits (fractions and suffixes summed); a bad interval is GNU's usage error", () => {
    const t0 = Date.now();
    expect(run("sleep", ["0.2", "0.1s"])).toEqual({ status: 0, stdout: "", stderr: "" });
    expect(Date.now() - t0).toBeGreaterThanOrEqual(300);
    same("sleep", ["1x", "2"]);
  });

  it("yes: its arguments (or y) on every line, for as long as it is read", async () => {
    const child = spawn(process.execPath, [CLI, "run", "--embedded", "--data", data, "programs/bin/yes.mjs", "a", "b"], { stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    await new Promise<void>((resolve) => {
      child.stdout.on("data", (d: Buffer) => {
        out += d.toString();
        if (out.length > 20000) resolve();
      });
      child.once("close", () => resolve()); // a yes that ended by itself fails below
    });
    child.kill("SIGKILL");
    await new Promise((r) => child.once("close", r));
    const lines = out.split("\n").slice(0, -1);
    expect(lines.length).toBeGreaterThan(4000);
    expect(new Set(lines)).toEqual(new Set(["a b"]));
  });

  it("kill: -l names and numbers as coreutils' kill; ESRCH and bad operands with its messages", () => {
    const all = run("kill", ["-l"]);
    expect(all.status).toBe(0);
    const names = all.stdout.split("\n");
    expect(names.slice(0, 15)).toEqual(["HUP", "INT", "QUIT", "ILL", "TRAP", "ABRT", "BUS", "FPE", "KILL", "USR1", "SEGV", "USR2", "PIPE", "ALRM", "TERM"]);
    expect(names.slice(16, 20)).toEqual(["CHLD", "CONT", "STOP", "TSTP"]);
    expect(run("kill", ["-l", "9", "137", "sigterm", "Hup"])).toEqual({ status: 0, stdout: "KILL\nKILL\n15\n1\n", stderr: "" });
    expect(run("kill", ["-s", "USR1", "999999", "x1"])).toEqual({
      status: 1,
      stdout: "",
      stderr: "kill: 999999: No such process\nkill: 'x1': invalid process id\n",
    });
    expect(run("kill", [])).toEqual({ status: 1, stdout: "", stderr: "kill: no process ID specified\nTry 'kill --help' for more information.\n" });
  });

  it("ps: procps's header and a line per process from /proc, its own among them", () => {
    const r = run("ps");
    expect(r.stderr).toBe("");
    expect(r.status).toBe(0);
    const [header, ...rows] = r.stdout.trimEnd().split("\n");
    expect(header).toBe("    PID TTY          TIME CMD");
    for (const row of rows) expect(row).toMatch(/^ {0,6}\d+ \?        00:00:00 \S/);
    expect(rows.some((row) => row.endsWith(" ps.mjs"))).toBe(true);
  });
});
