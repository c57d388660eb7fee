/**
 * The shipped utilities, as mkfs installs them in /bin (programs/bin/*.mjs), each spawned from
 * /bin by a process of one embedded system with its stdin, stdout and stderr on pipes, against
 * the host's GNU tools on the same input (LC_ALL=C, so messages quote with '...'): byte-for-byte
 * stdout, stderr and exit status where they are comparable; where they cannot be (ls -l's dates
 * and blocks, ps, kill, sleep, yes), what GNU would print.
 *
 * natix's working directory is "/", so the inputs live under /tmp in natix and under
 * WORK/tmp on the host, and both sides are called with the same relative paths (tmp/a.txt).
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { spawnSync } from "node:child_process";
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createEmbeddedSystem, type EmbeddedSystem } from "../build/system/embedded.js";
import {
  connect,
  O_CLOEXEC,
  O_CREAT,
  O_TRUNC,
  O_WRONLY,
  WEXITSTATUS,
  WIFSIGNALED,
  WTERMSIG,
  posix_spawn_file_actions_adddup2,
  posix_spawn_file_actions_init,
  posix_spawnattr_init,
  posix_spawnattr_setflags,
  posix_spawnattr_setsigdefault,
  POSIX_SPAWN_SETSIGDEF,
  SigSet,
  sigaddset,
  type Proc,
} from "../build/client-libc/mod.js";
import { Capture } from "./helpers/capture.js";

type Result = { status: number | null; stdout: string; stderr: string };

/** Everything readable from fd until end of file. */
async function drain(p: Proc, fd: number): Promise<string> {
  const chunks: Buffer[] = [];
  const buf = new Uint8Array(65536);
  for (let n; (n = await p.read(fd, buf, buf.length)) > 0; ) chunks.push(Buffer.from(buf.subarray(0, n)));
  return Buffer.concat(chunks).toString("utf8");
}

describe("programs/bin: the shipped utilities", () => {
  let work: string;
  let sys: EmbeddedSystem;
  let p: Proc;
  /** /bin/PROG run as a child with ARGS, INPUT on its stdin: its output, messages and status (128+N if a signal ended it). */
  const run = async (prog: string, args: string[] = [], input?: string): Promise<Result> => {
    const [i, o, e] = [[0, 0], [0, 0], [0, 0]];
    for (const fds of [i, o, e]) expect(await p.pipe2(fds, O_CLOEXEC)).toBe(0);
    const fa = posix_spawn_file_actions_init();
    posix_spawn_file_actions_adddup2(fa, i[0], 0);
    posix_spawn_file_actions_adddup2(fa, o[1], 1);
    posix_spawn_file_actions_adddup2(fa, e[1], 2);
    const pid = [0];
    expect(await p.posix_spawn(pid, `/bin/${prog}`, fa, null, [prog, ...args])).toBe(0);
    for (const fd of [i[0], o[1], e[1]]) await p.close(fd);
    const feed = (async () => {
      const bytes = Buffer.from(input ?? "");
      for (let at = 0; at < bytes.length; ) {
        const n = await p.write(i[1], bytes.subarray(at), bytes.length - at);
        if (n <= 0) break;
        at += n;
      }
      await p.close(i[1]);
    })();
    const [stdout, stderr] = await Promise.all([drain(p, o[0]), drain(p, e[0]), feed]);
    await p.close(o[0]);
    await p.close(e[0]);
    const st = [0];
    expect(await p.waitpid(pid[0], st, 0)).toBe(pid[0]);
    return { status: WIFSIGNALED(st[0]) ? 128 + WTERMSIG(st[0]) : WEXITSTATUS(st[0]), stdout, stderr };
  };
  const host = (cmd: string, args: string[] = [], input?: string): Result => {
    const r = spawnSync(cmd, args, { cwd: work, env: { ...process.env, LC_ALL: "C" }, input: input ?? "", encoding: "utf8" });
    return { status: r.status, stdout: r.stdout, stderr: r.stderr };
  };
  /** natix's PROG and the host's, on the same arguments: the same output, messages and status. */
  const same = async (prog: string, args: string[], input?: string, hostCmd = prog) => {
    const ours = await run(prog, args, input);
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

  beforeAll(async () => {
    work = mkdtempSync(join(tmpdir(), "natix-bin-"));
    sys = await createEmbeddedSystem({ dataDir: join(work, "disk") });
    // SIGPIPE ignored: a child that stops reading must not end the test's own process.
    p = await connect({ embedded: sys, argv: ["test"], uid: 0, gid: 0, stdout: new Capture(), stderr: new Capture() });
    expect(await p.signal(13, 1)).toBe(0);
    mkdirSync(join(work, "tmp", "lsdir"), { recursive: true });
    expect((await run("mkdir", ["/tmp/lsdir"])).status).toBe(0);
    for (const [name, content] of Object.entries(FILES)) {
      const path = join(work, "tmp", name);
      writeFileSync(path, content);
      const mode = name === "lsdir/beta" ? 0o751 : 0o644;
      chmodSync(path, mode);
      const fd = await p.open(`/tmp/${name}`, O_WRONLY | O_CREAT | O_TRUNC, mode);
      const bytes = readFileSync(path);
      expect(await p.write(fd, bytes, bytes.length)).toBe(bytes.length);
      await p.close(fd);
      expect(await p.chmod(`/tmp/${name}`, mode)).toBe(0);
    }
  }, 60_000);
  afterAll(async () => {
    await p?.exit(0);
    await sys?.stop();
    rmSync(work, { recursive: true, force: true });
  });

  it("cat: files, '-' for standard input, a missing file (exit 1), -n numbering across files, -A", async () => {
    await same("cat", ["tmp/a.txt", "-", "tmp/nope", "tmp/b.txt"], "from stdin\n");
    await same("cat", ["-nA", "tmp/a.txt", "tmp/b.txt"]);
  });

  it("echo: as GNU's /bin/echo (not bash's builtin): -n, -e escapes, \\c, an option that is not one", async () => {
    await same("echo", ["-n", "-e", "a\\tb\\x41\\0101\\n\\q", "\\c", "never"], undefined, "/bin/echo");
    await same("echo", ["-nx", "--", "-e"], undefined, "/bin/echo");
  });

  it("true exits 0 and false exits 1, silently", async () => {
    expect(await run("true", ["--ignored"])).toEqual({ status: 0, stdout: "", stderr: "" });
    expect(await run("false")).toEqual({ status: 1, stdout: "", stderr: "" });
  });

  it("wc: GNU's columns (from the files' sizes; 7 wide for standard input), a total line, a missing file", async () => {
    await same("wc", ["tmp/a.txt", "tmp/big.txt", "tmp/nope", "tmp/empty"]);
    await same("wc", [], "one two\nthree\n");
    await same("wc", ["-lw", "-c", "-m", "-L", "tmp/a.txt", "tmp/b.txt"]);
  });

  it("head: 10 lines, -n, -c with a suffix, all but the last N, headers for several files, bad counts", async () => {
    await same("head", ["-n", "2", "tmp/a.txt", "tmp/nope", "-", "tmp/b.txt"], "1\n2\n3\n");
    await same("head", ["-c", "1K", "tmp/big.txt"]);
    await same("head", ["-n", "-3", "tmp/b.txt", "tmp/a.txt"]);
    await same("head", ["-n", "x", "tmp/a.txt"]);
  });

  it("grep: basic regular expressions, translated with POSIX's and GNU's meanings", async () => {
    // Each pattern's matches, one per line: a pattern translated wrong shows in what it matched.
    const patterns = ["\\(ab\\)\\1", "a\\{3\\}", "ab\\|FOO", "x*y", "*y", "^\\^", "r\\$", "[]b[]", "[[:upper:]]\\{3\\}", "\\<bar", "w\\+\\.e", "ab|cd"];
    await same("grep", ["-n", "-o", ...patterns.flatMap((p) => ["-e", p]), "tmp/b.txt"]);
    await same("grep", ["-n", "-o", "\\(\\(a\\)b\\)c\\1\\|\\(o\\)\\3", "tmp/b.txt"]); // nested groups, numbered across \|
    await same("grep", ["^$\\|^ *l", "tmp/b.txt"]);
    await same("grep", ["-c", "[^[:alnum:] ]", "tmp/b.txt"]);
  });

  it("grep: -E, -F, -i, -v, -c, -w, -x, -o, -l, several files with name: prefixes", async () => {
    await same("grep", ["-E", "(ab|cd)$|a{3}", "tmp/b.txt"]);
    await same("grep", ["-F", "a.c", "tmp/b.txt", "tmp/a.txt"]);
    await same("grep", ["-i", "-w", "foo", "tmp/b.txt"]);
    await same("grep", ["-v", "-c", "a", "tmp/b.txt", "tmp/a.txt"]);
    await same("grep", ["-x", "-o", "-e", "a*", "-e", "abc", "tmp/b.txt"]);
    await same("grep", ["-l", "foo", "tmp/a.txt", "tmp/b.txt", "tmp/empty"]);
  });

  it("grep: exit 1 for no match, 2 for a missing file or a bad pattern (unless -q matched), binary files", async () => {
    await same("grep", ["nothing-like-this", "tmp/b.txt"]);
    await same("grep", ["foo", "tmp/nope", "tmp/b.txt"]);
    await same("grep", ["-q", "foo", "tmp/nope", "tmp/b.txt"]);
    await same("grep", ["a\\{1", "tmp/b.txt"]);
    await same("grep", ["abc", "tmp/bin.dat", "tmp/b.txt"]);
  });

  it("ls: one name per line off a terminal, sorted as LC_ALL=C, -a, several operands with headers, a missing one (exit 2)", async () => {
    await same("ls", ["-a", "tmp/lsdir"]);
    await same("ls", ["-d", "tmp/lsdir", "tmp/nope", "tmp/b.txt", "tmp/a.txt", "tmp/lsdir"]);
    await same("ls", ["tmp/lsdir", "tmp/nope", "tmp/b.txt", "tmp/a.txt"]);
  });

  it("ls -l: GNU's long format with numeric owners (ls -n); dates and the block total are natix's own", async () => {
    const ours = await run("ls", ["-l", "tmp/lsdir"]);
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

  it("mkdir: -p, -m MODE; GNU's messages for an existing directory, a missing parent, no operand", async () => {
    expect(await run("mkdir", ["-p", "tmp/made/deep/er", "-m", "700"])).toEqual({ status: 0, stdout: "", stderr: "" });
    const made = (await run("ls", ["-ld", "tmp/made", "tmp/made/deep/er"])).stdout.split("\n");
    expect(made[0]).toMatch(/^drwxr-xr-x /); // parents as the umask leaves them
    expect(made[1]).toMatch(/^drwx------ /); // the operand with -m's mode
    mkdirSync(join(work, "tmp", "made"));
    await same("mkdir", ["tmp/made", "tmp/no/such/parent"]);
    await same("mkdir", ["-m", "xyz", "tmp/m"]);
  });

  it("rm: files, -r trees, -f on what is missing; GNU's refusals and messages", async () => {
    expect((await run("mkdir", ["-p", "tmp/tree/a/b"])).status).toBe(0);
    mkdirSync(join(work, "tmp", "tree"));
    await same("rm", ["tmp/tree", "tmp/nope"]);
    expect(await run("rm", ["-r", "tmp/tree"])).toEqual({ status: 0, stdout: "", stderr: "" });
    expect((await run("ls", ["tmp/tree"])).stderr).toBe("ls: cannot access 'tmp/tree': No such file or directory\n");
    await same("rm", ["-f", "tmp/nope"]);
    await same("rm", ["-r", "."]);
  });

  it("sleep: waits (fractions and suffixes summed); a bad interval is GNU's usage error", async () => {
    const t0 = Date.now();
    expect(await run("sleep", ["0.2", "0.1s"])).toEqual({ status: 0, stdout: "", stderr: "" });
    expect(Date.now() - t0).toBeGreaterThanOrEqual(300);
    await same("sleep", ["1x", "2"]);
  });

  it("yes: its arguments (or y) on every line, for as long as it is read; then SIGPIPE ends it", async () => {
    const o = [0, 0];
    expect(await p.pipe2(o, O_CLOEXEC)).toBe(0);
    const fa = posix_spawn_file_actions_init();
    posix_spawn_file_actions_adddup2(fa, o[1], 1);
    // This process ignores SIGPIPE; the child gets its default back (POSIX_SPAWN_SETSIGDEF).
    const attr = posix_spawnattr_init();
    const dfl = new SigSet();
    sigaddset(dfl, 13);
    posix_spawnattr_setsigdefault(attr, dfl);
    posix_spawnattr_setflags(attr, POSIX_SPAWN_SETSIGDEF);
    const pid = [0];
    expect(await p.posix_spawn(pid, "/bin/yes", fa, attr, ["yes", "a", "b"])).toBe(0);
    await p.close(o[1]);
    let out = "";
    const buf = new Uint8Array(65536);
    while (out.length < 20000) {
      const n = await p.read(o[0], buf, buf.length);
      if (n <= 0) break; // a yes that ended by itself fails below
      out += Buffer.from(buf.subarray(0, n)).toString();
    }
    await p.close(o[0]);
    const st = [0];
    expect(await p.waitpid(pid[0], st, 0)).toBe(pid[0]);
    expect(WIFSIGNALED(st[0]) && WTERMSIG(st[0])).toBe(13);
    const lines = out.split("\n").slice(0, -1);
    expect(lines.length).toBeGreaterThan(4000);
    expect(new Set(lines)).toEqual(new Set(["a b"]));
  });

  it("kill: -l names and numbers as coreutils' kill; ESRCH and bad operands with its messages", async () => {
    const all = await run("kill", ["-l"]);
    expect(all.status).toBe(0);
    const names = all.stdout.split("\n");
    expect(names.slice(0, 15)).toEqual(["HUP", "INT", "QUIT", "ILL", "TRAP", "ABRT", "BUS", "FPE", "KILL", "USR1", "SEGV", "USR2", "PIPE", "ALRM", "TERM"]);
    expect(names.slice(16, 20)).toEqual(["CHLD", "CONT", "STOP", "TSTP"]);
    expect(await run("kill", ["-l", "9", "137", "sigterm", "Hup"])).toEqual({ status: 0, stdout: "KILL\nKILL\n15\n1\n", stderr: "" });
    expect(await run("kill", ["-s", "USR1", "999999", "x1"])).toEqual({
      status: 1,
      stdout: "",
      stderr: "kill: 999999: No such process\nkill: 'x1': invalid process id\n",
    });
    expect(await run("kill", [])).toEqual({ status: 1, stdout: "", stderr: "kill: no process ID specified\nTry 'kill --help' for more information.\n" });
  });

  it("ps: procps's header and a line per process from /proc, its own among them", async () => {
    const r = await run("ps");
    expect(r.stderr).toBe("");
    expect(r.status).toBe(0);
    const [header, ...rows] = r.stdout.trimEnd().split("\n");
    expect(header).toBe("    PID TTY          TIME CMD");
    for (const row of rows) expect(row).toMatch(/^ {0,6}\d+ \?        00:00:00 \S/);
    expect(rows.some((row) => row.endsWith(" ps"))).toBe(true);
    expect(rows.some((row) => row.endsWith(" test"))).toBe(true); // its parent
  });
});
