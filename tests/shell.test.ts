/**
 * natix's /bin/sh end to end: one table of command lines with the exact stdout, stderr and
 * exit status each must give. Embedded runs the whole table (each line as `sh -c LINE` under
 * one `natix sh`, see driverScript); micro and mono run the lines marked `everywhere`, each as
 * its own `natix sh --nats URL -c LINE`. Lines marked `host` mean the same to the host's dash:
 * the table is checked against it too (in a temporary directory standing for /tmp), so natix
 * agreeing with the table is natix agreeing with dash.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { natixAsync, natixUp } from "./helpers/cli.js";

interface Case {
  line: string;
  out?: string;
  err?: string;
  status?: number;
  /** The host's `sh -c LINE` prints the same (with /tmp standing for a temporary directory). */
  host?: boolean;
  /** Run in micro and mono too (see TARGETS). */
  everywhere?: boolean;
  /** Run as its own `natix sh -c LINE`, not through the driver (see driverScript). */
  alone?: boolean;
}

// Each line writes only its own /tmp files, so no line depends on another having run.
const CASES: Case[] = [
  // pipelines
  { everywhere: true, line: "echo hello | cat", out: "hello\n", host: true },
  { line: "echo a b c | wc -w", out: "3\n", host: true },
  { line: "echo one two | grep two | cat", out: "one two\n", host: true },
  { everywhere: true, line: "yes | head -n 3", out: "y\ny\ny\n", host: true },
  { line: "false | true; echo $?", out: "0\n", host: true },
  { line: "true | false; echo $?", out: "1\n", host: true },
  { line: "! true; echo $?; ! false; echo $?", out: "1\n0\n", host: true },
  { everywhere: true, line: "echo piped | (cat; echo end)", out: "piped\nend\n", host: true },
  { line: "echo grouped | { cat; echo end; }", out: "grouped\nend\n", host: true },
  { line: "echo in | echo out", out: "out\n", host: true },
  // redirections into natix's files and back
  { line: "echo x > /tmp/sh1; cat /tmp/sh1", out: "x\n", host: true },
  { everywhere: true, line: "echo a > /tmp/sh2; echo b >> /tmp/sh2; cat < /tmp/sh2", out: "a\nb\n", host: true },
  { line: "echo over > /tmp/sh3; echo new > /tmp/sh3; cat /tmp/sh3", out: "new\n", host: true },
  { line: "{ echo g1; echo g2; } > /tmp/sh4; cat /tmp/sh4", out: "g1\ng2\n", host: true },
  { line: "(echo s1; echo s2) > /tmp/sh5; wc -l < /tmp/sh5", out: "2\n", host: true },
  { line: "cat /nope 2>&1", out: "cat: /nope: No such file or directory\n", status: 1, host: true },
  { line: "cat /nope 2>&1 >/dev/null | cat", out: "cat: /nope: No such file or directory\n", host: true },
  { line: "cat /nope 2>/dev/null || echo failed", out: "failed\n", host: true },
  { line: "echo err 1>&2", err: "err\n", host: true },
  { line: "echo e 2>/tmp/sh6 1>&2; cat /tmp/sh6", out: "e\n", host: true },
  { line: "cat < /nope", err: "sh: 1: cannot open /nope: No such file\n", status: 2, host: true },
  { line: "echo a > /nope/x; echo $?", out: "2\n", err: "sh: 1: cannot create /nope/x: Directory nonexistent\n", host: true },
  { line: "echo a >&9", err: "sh: 1: 9: Bad file descriptor\n", status: 2, host: true },
  { line: ": > /nope/x; echo not reached", err: "sh: 1: cannot create /nope/x: Directory nonexistent\n", status: 2, host: true },
  // lists
  { line: "true && echo yes; false && echo no; false || echo or; true || echo not", out: "yes\nor\n", host: true },
  { line: "echo $?; false; echo $?; true; echo $?", out: "0\n1\n0\n", host: true },
  { line: "echo a; echo b\necho c", out: "a\nb\nc\n", host: true },
  // subshells
  { line: "(echo sub; exit 4); echo $?", out: "sub\n4\n", host: true },
  { line: "A=1; (echo $A; A=2); echo $A", out: "1\n1\n", host: true },
  { line: "false; (echo $?)", out: "1\n", host: true },
  { line: "(cd /tmp; pwd); cd /tmp && pwd", out: "/tmp\n/tmp\n", host: true },
  // background and wait
  { everywhere: true, line: "(exit 5) & wait $!; echo $?", out: "5\n", host: true },
  { line: "echo bg & wait; echo done", out: "bg\ndone\n", host: true },
  { line: "false & true & wait; echo $?", out: "0\n", host: true },
  { line: "wait 99999; echo $?", out: "127\n", host: true },
  // quoting and parameters
  { line: `X='1  2'; echo "$X" $X 'q $X' "a\\"b" \\$X`, out: '1  2 1 2 q $X a"b $X\n', host: true },
  { line: 'echo "a\\tb" -n; echo -n c; echo d\\\\e', out: "a\tb -n\ncd\x1b\n", host: true },
  { line: "unset U; echo ${U-unset} ${U:-empty} x${U+set}", out: "unset empty x\n", host: true },
  { line: 'x=$(echo hi there); echo "[$x]"', out: "[hi there]\n", host: true },
  { line: "echo a # a comment", out: "a\n", host: true },
  { line: "x=/a/b/c.txt; echo ${x%/*} ${x##*/} ${x#*/} ${x%.t?t} ${x#\"/a\"}", out: "/a/b c.txt a/b/c.txt /a/b/c /b/c.txt\n", host: true },
  { line: "A=1 B=$A; echo $B", out: "1\n", host: true },
  { line: "echo ${U:?is not set}; echo not reached", err: "sh: 1: U: is not set\n", status: 2, host: true },
  { line: "echo a 1>&-", err: "sh: 1: echo: echo: I/O error\n", status: 1, host: true },
  { line: "set -- a 'b c'; echo $# $2", out: "2 b c\n", host: true },
  { line: 'echo "l1\\nl2  x" | { read a; read b c; echo "$b$a[$c]"; }', out: "l2l1[x]\n", host: true },
  // $0 and $1..., scripts, stdin, $!
  { line: "sh -c 'echo $0 $1 $2 $#' a b c", out: "a b c 2\n", host: true },
  { line: "echo 'echo from script $1; exit 7' > /tmp/sh8; sh /tmp/sh8 arg; echo $?", out: "from script arg\n7\n", host: true },
  { line: "echo 'echo in; nosuch' | sh; echo $?", out: "in\n127\n", err: "sh: 1: nosuch: not found\n", host: true },
  { line: "(exit 3) & p=$!; wait $p; echo $?", out: "3\n", host: true },
  // compound commands, test and [
  { line: "for i in 1 2 3; do if [ $i = 2 ]; then echo two; elif test $i -gt 2; then echo big; else echo $i; fi; done", out: "1\ntwo\nbig\n", host: true },
  // Arithmetic expansion: C's operators on 64-bit integers, variables by name, assignments; an error ends the shell (2).
  { line: "x=5; echo $((x*2+1)) $(( (x+1)*3 )) $((x>3 && 1)) $((7%3)) $((-x)) $((x+=2)) $x $((0x10)) $((010)) $(( $x * 2 )) $((1 ? 2 : 3)) $((y))", out: "11 18 1 1 -5 7 7 16 8 14 2 0\n", host: true },
  { line: "i=0; while [ $i -lt 3 ]; do i=$((i+1)); echo $i; done", out: "1\n2\n3\n", host: true },
  { line: "echo $((1/0)); echo after", err: 'sh: 1: arithmetic expression: division by zero: "1/0"\n', status: 2, host: true },
  { line: "y=abc; echo $((y + 1))", err: "sh: 1: Illegal number: abc\n", status: 2, host: true },
  // Functions: arguments as $1..., return, visible in pipelines, subshells, $( ) and & (child shells are given the definitions).
  { line: 'f() { echo "in f: $# $1"; return 4; echo no; }; f a b; echo "st=$? args=$#"', out: "in f: 2 a\nst=4 args=0\n", host: true },
  { everywhere: true, line: "f() { echo piped $1; }; f one | cat; (f two); x=$(f three); echo $x; f four & wait", out: "piped one\npiped two\npiped three\npiped four\n", host: true },
  { line: "g() { v=set; }; g; echo $v; h() echo simple; h; return 3; echo after", out: "set\nsimple\n", status: 3, host: true },
  { line: "fact() { if [ $1 -le 1 ]; then echo 1; else echo $(( $1 * $(fact $(( $1 - 1 ))) )); fi; }; fact 5", out: "120\n", host: true },
  // Here-documents: expanded unless the delimiter is quoted; <<- strips leading tabs; in a pipeline and a subshell too.
  { line: "x=1; cat <<EOF | wc -l; cat <<\"Q\"; cat <<-T\na $x $(echo s) \\$x `echo b`\nb\nEOF\nq $x\nQ\n\ttab $x\n\tT\necho done", out: "2\nq $x\ntab 1\ndone\n", host: true },
  { everywhere: true, line: "v=here; (cat) <<F\nfirst $v\nF\n(cat <<E)\nsecond\nE\ncat <<E > /tmp/hd1\nto a file\nE\ncat /tmp/hd1", out: "first here\nsecond\nto a file\n", host: true },
  // Pathname expansion: sorted matches; a pattern that matches nothing stays; quoted wildcards are literal; dot files only for a leading dot.
  { line: "mkdir /tmp/gl; cd /tmp/gl; : > b1; : > a2; : > a1; : > .hid; echo *; echo a*; echo ?2; echo [ab]1; echo [!a]*; echo z*; echo 'a*' \"a*\" a\\*; echo .h*", out: "a1 a2 b1\na1 a2\na2\na1 b1\nb1\nz*\na* a* a*\n.hid\n", host: true },
  { everywhere: true, line: "mkdir /tmp/gm /tmp/gm/d; : > /tmp/gm/x1; : > /tmp/gm/x2; echo /tmp/gm/x*; echo /tmp/gm/*/; p='/tmp/gm/x*'; echo $p; echo \"$p\"; ls /tmp/gm/x?", out: "/tmp/gm/x1 /tmp/gm/x2\n/tmp/gm/d/\n/tmp/gm/x1 /tmp/gm/x2\n/tmp/gm/x*\n/tmp/gm/x1\n/tmp/gm/x2\n", host: true },
  { line: "mkdir /tmp/gf; cd /tmp/gf; : > one; : > two; for f in *; do echo \"[$f]\"; done; [ -f one ] && echo test-bracket", out: "[one]\n[two]\ntest-bracket\n", host: true },
  { line: "i=a; while [ $i != aaa ]; do echo $i; i=${i}a; done; until true; do :; done; echo $?", out: "a\naa\n0\n", host: true },
  { line: "for i in 1 2; do for j in a b; do [ $j = b ] && continue 2; echo $i$j; done; done; for k in x y; do break; done; echo $k", out: "1a\n2a\nx\n", host: true },
  { line: "case foo.txt in *.c|*.h) echo c;; *.txt) echo txt;; esac; case x in y) ;; esac; echo $?", out: "txt\n0\n", host: true },
  { line: "[ -d /tmp ] && [ ! -f /tmp ] && echo dir; [ 3 -gt x ]; echo $?", out: "dir\n2\n", err: "sh: 1: [: Illegal number: x\n", host: true },
  { everywhere: true, line: "for w in b a; do echo $w; done | cat", out: "b\na\n", host: true },
  // builtins
  { line: "cd /tmp; pwd; cd /; pwd", out: "/tmp\n/\n", host: true },
  { line: "cd /nope; echo $?", out: "2\n", err: "sh: 1: cd: can't cd to /nope\n", host: true },
  { line: "exit 3", status: 3, host: true },
  { line: "exit 300", status: 44, host: true },
  { line: "exit foo", err: "sh: 1: exit: Illegal number: foo\n", status: 2, host: true },
  { line: "false; exit", status: 1, host: true },
  { line: "export E=v; sh -c 'echo $E'", out: "v\n", host: true },
  { line: "L=local; sh -c 'echo ${L-none}'", out: "none\n", host: true },
  { line: "A=b sh -c 'echo $A'; echo ${A-none}", out: "b\nnone\n", host: true },
  // failures and signals
  { everywhere: true, line: "nosuchcmd", err: "sh: 1: nosuchcmd: not found\n", status: 127, host: true },
  { line: "echo a\nnosuch arg; echo $?", out: "a\n127\n", err: "sh: 2: nosuch: not found\n", host: true },
  { line: "echo data > /tmp/sh7; /tmp/sh7", err: "sh: 1: /tmp/sh7: Permission denied\n", status: 126, host: true },
  { everywhere: true, line: "sh -c 'kill -9 $$'; echo $?", out: "137\n", err: "Killed\n", host: true },
  { line: "sh -c 'kill -15 $$'; echo $?", out: "143\n", err: "Terminated\n", host: true },
  { everywhere: true, alone: true, line: "kill -9 $$", status: 137 },
  // syntax errors: nothing on the line runs
  { line: 'echo a; echo "b', err: "sh: 1: Syntax error: Unterminated quoted string\n", status: 2, host: true },
  { line: "echo a\n( echo b", out: "a\n", err: 'sh: 2: Syntax error: end of file unexpected (expecting ")")\n', status: 2, host: true },
];

const HOST_DASH = /dash$/.test(spawnSync("readlink", ["-f", "/bin/sh"], { encoding: "utf8" }).stdout.trim());

/** The host's dash, as `sh`, in a directory standing for /tmp. */
function onHost(line: string, dir: string): { out: string; err: string; status: number } {
  const r = spawnSync("/bin/sh", ["-c", line.replace(/\/tmp\b/g, dir)], { argv0: "sh", cwd: dir, encoding: "utf8" });
  const back = (s: string) => s.split(dir).join("/tmp");
  // A shell killed by a signal has no status; dash's parent would say 128 + N.
  const status = r.status ?? 128 + (({ SIGKILL: 9, SIGTERM: 15 }) as Record<string, number>)[r.signal ?? ""];
  return { out: back(r.stdout), err: back(r.stderr), status };
}

const expected = (c: Case) => ({ out: c.out ?? "", err: c.err ?? "", status: c.status ?? 0 });

describe.skipIf(!HOST_DASH)("sh: the table agrees with the host's dash", () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), "natix-sh-host-"));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it.each(CASES.filter((c) => c.host).map((c) => [c.line, c] as const))("%j", (_line, c) => {
    expect(onHost(c.line, dir)).toEqual(expected(c));
  });
});

/** A line's result: its stdout, stderr and exit status. */
type Result = { out: string; err: string; status: number | null };

/** A string as one shell word, in single quotes (each ' as '"'"'). */
const quote = (s: string) => `'${s.replace(/'/g, `'"'"'`)}'`;

/**
 * The whole table through one `natix sh`: each line runs as `sh -c LINE` (natix's /bin/sh
 * again, started by natix's /bin/sh), its output, errors and status kept in natix files and
 * printed at the end between markers. One host process instead of one per line: the table
 * takes seconds, not a minute. A line that kills its own shell runs alone (`alone`), since the
 * outer shell would report the signal on its own stderr.
 */
function driverScript(cases: Case[]): string {
  const run = cases.map((c, i) => `{ sh -c ${quote(c.line)}; echo $? > /tmp/.s${i}; } > /tmp/.o${i} 2> /tmp/.e${i}`);
  const show = cases.map((_, i) => `echo -n '<<O${i}>>'; cat /tmp/.o${i}; echo -n '<<E${i}>>'; cat /tmp/.e${i}; echo -n '<<S${i}>>'; cat /tmp/.s${i}`);
  return [...run, ...show].join("\n");
}

function parseDriver(out: string, n: number): Result[] {
  const results: Result[] = [];
  for (let i = 0; i < n; i++) {
    const m = new RegExp(`<<O${i}>>([\\s\\S]*)<<E${i}>>([\\s\\S]*)<<S${i}>>(\\d+)\\n`).exec(out);
    results.push(m ? { out: m[1], err: m[2], status: Number(m[3]) } : { out: "(missing from the driver's output)", err: out, status: null });
  }
  return results;
}

/** Runs `fn` over `items` with at most `limit` at once, keeping their order. */
async function pool<T, R>(items: T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: limit }, async () => {
      while (next < items.length) {
        const i = next++;
        out[i] = await fn(items[i]);
      }
    }),
  );
  return out;
}

type Target = { args: string[]; stop(): Promise<unknown> };

/**
 * Embedded runs the whole table (its children share one OS process, so it is quick). Micro and
 * mono start an OS process per emulated process: they run the lines marked `everywhere` — the
 * ones that exercise spawn, pipes, redirections, wait and signals — each as its own `natix sh
 * --nats URL -c LINE`, one after another (two at once on a two-core machine start children slowly enough for the kernel to count one as vanished: see the report).
 */
const TARGETS: Record<string, () => Promise<Target>> = {
  embedded: async () => {
    const dir = mkdtempSync(join(tmpdir(), "natix-sh-emb-"));
    return { args: ["--embedded", "--data", dir], stop: async () => rmSync(dir, { recursive: true, force: true }) };
  },
  micro: async () => {
    const dir = mkdtempSync(join(tmpdir(), "natix-sh-micro-"));
    const sys = await natixUp(["--mode", "micro", "--data", dir]);
    return { args: ["--nats", sys.url], stop: async () => (await sys.stop(), rmSync(dir, { recursive: true, force: true })) };
  },
  mono: async () => {
    const dir = mkdtempSync(join(tmpdir(), "natix-sh-mono-"));
    const sys = await natixUp(["--mode", "mono", "--data", dir]);
    return { args: ["--nats", sys.url], stop: async () => (await sys.stop(), rmSync(dir, { recursive: true, force: true })) };
  },
};

async function runTable(mode: string, target: Target): Promise<Result[]> {
  const direct = (c: Case) => natixAsync(["sh", ...target.args, "-c", c.line]).then((r) => ({ out: r.stdout, err: r.stderr, status: r.status }));
  if (mode !== "embedded") return pool(CASES.filter((c) => c.everywhere), 1, direct);
  const viaDriver = CASES.filter((c) => !c.alone);
  const r = await natixAsync(["sh", ...target.args, "-c", driverScript(viaDriver)]);
  const driven = parseDriver(r.stdout, viaDriver.length);
  const results = new Map(viaDriver.map((c, i) => [c, driven[i]]));
  for (const c of CASES.filter((c) => c.alone)) results.set(c, await direct(c));
  return CASES.map((c) => results.get(c)!);
}

for (const [mode, start] of Object.entries(TARGETS)) {
  describe(`sh: the table through natix sh (${mode})`, () => {
    const cases = mode === "embedded" ? CASES : CASES.filter((c) => c.everywhere);
    let target: Target;
    let results: Result[];
    beforeAll(async () => {
      target = await start();
      results = await runTable(mode, target);
    }, 120_000);
    afterAll(async () => target?.stop());

    it.each(cases.map((c, i) => [c.line, i] as const))("%j", (_line, i) => {
      expect(results[i]).toEqual(expected(cases[i]));
    });
  });
}
