/**
 * natix's /bin/sh without running anything: the lexer's quoting, the parser's tree and its
 * syntax errors (each worded, and on the line, as the host's dash says it), word expansion
 * and field splitting, and dash's echo escapes.
 */
import { describe, expect, it } from "vitest";
import { spawnSync } from "node:child_process";
import { Parser, ShSyntaxError, parseAll } from "../build/programs/sh/parse.js";
import { expandWords, expandWord } from "../build/programs/sh/expand.js";
import { echoEscapes } from "../build/programs/sh/builtins.js";
import { Shell } from "../build/programs/sh/state.js";
import { globToRegExp, hasWildcard } from "../build/programs/sh/glob.js";
import { evaluate } from "../build/programs/sh/arith.js";
import type { List, Simple, Word } from "../build/programs/sh/ast.js";

const HOST_DASH = spawnSync("/bin/sh", ["-c", "true"]).status === 0 && /dash/.test(spawnSync("readlink", ["-f", "/bin/sh"], { encoding: "utf8" }).stdout);

/** The first simple command of a text. */
function simple(src: string): Simple {
  const [list] = parseAll(src);
  const cmd = list.items[0].andOr.first.cmds[0];
  if (cmd.type !== "simple") throw new Error(`not simple: ${cmd.type}`);
  return cmd;
}

function syntaxError(src: string): string {
  try {
    parseAll(src);
  } catch (e) {
    if (e instanceof ShSyntaxError) return `sh: ${e.line}: ${e.text}`;
    throw e;
  }
  return "no error";
}

function shellWith(vars: Record<string, string>, args: string[] = []): Shell {
  const sh = new Shell();
  for (const [k, v] of Object.entries(vars)) sh.set(k, v);
  sh.args = args;
  sh.status = 3;
  sh.pid = 42;
  sh.commandOutput = async (src: string) => `out(${src})\n\n`;
  return sh;
}

async function fields(src: string, sh = shellWith({})): Promise<string[]> {
  return expandWords(sh, simple(src).words);
}

describe("sh: lexing and parsing", () => {
  it("keeps quoting as parts: quoted text is marked, escapes resolved once", () => {
    const [w] = simple(`'a b'"c\\"d"\\ e`).words;
    expect(w.parts).toEqual([{ k: "lit", s: 'a bc"d ', q: true }, { k: "lit", s: "e", q: false }]);
    expect(simple(`echo "x\\y"`).words[1].parts).toEqual([{ k: "lit", s: "x\\y", q: true }]);
  });

  it("reads parameters in all their forms", () => {
    const parts = (src: string) => simple(`echo ${src}`).words[1].parts;
    expect(parts("$A")).toEqual([{ k: "param", name: "A", q: false }]);
    expect(parts("${A}b")).toEqual([{ k: "param", name: "A", q: false, len: false }, { k: "lit", s: "b", q: false }]);
    expect(parts('"$?"')).toEqual([{ k: "lit", s: "", q: true }, { k: "param", name: "?", q: true }]);
    for (const p of ["$!", "$$", "$#", "$@", "$*", "$1", "$0"]) expect(parts(p)).toEqual([{ k: "param", name: p[1], q: false }]);
    expect(parts("$12")).toEqual([{ k: "param", name: "1", q: false }, { k: "lit", s: "2", q: false }]);
    expect(parts("${12}")[0]).toMatchObject({ name: "12" });
    expect(parts("${A:-x y}")[0]).toMatchObject({ name: "A", op: ":-", arg: [{ k: "lit", s: "x y", q: false }] });
    expect(parts("$")).toEqual([{ k: "lit", s: "$", q: false }]);
    expect(parts("$(echo a)")).toEqual([{ k: "cmdsub", src: "echo a", q: false }]);
    expect(parts("`echo a`")).toEqual([{ k: "cmdsub", src: "echo a", q: false }]);
  });

  it("splits assignments, words and redirections", () => {
    const cmd = simple("A=1 B='x y' cmd C=2 2>&1 >>f <in 3<&0 4>&- >|g");
    expect(cmd.assigns.map((a) => [a.name, a.value.raw])).toEqual([["A", "1"], ["B", "'x y'"]]);
    expect(cmd.words.map((w: Word) => w.raw)).toEqual(["cmd", "C=2"]);
    expect(cmd.redirs.map((r) => [r.fd, r.op, r.target.raw])).toEqual([[2, ">&", "1"], [1, ">>", "f"], [0, "<", "in"], [3, "<&", "0"], [4, ">&", "-"], [1, ">|", "g"]]);
    expect(simple("echo a2>f").redirs).toEqual([{ fd: 1, op: ">", target: expect.objectContaining({ raw: "f" }) }]);
    expect(simple("'A'=1").assigns).toEqual([]);
  });

  it("builds pipelines, and-or lists, background items, subshells and groups", () => {
    const [list] = parseAll("! a | b && c || d & (e; f) > o; { g; }");
    expect(list.items.map((i) => [i.andOr.src, i.background])).toEqual([["! a | b && c || d", true], ["(e; f) > o", false], ["{ g; }", false]]);
    const ao = list.items[0].andOr;
    expect(ao.first.negate).toBe(true);
    expect(ao.first.cmds).toHaveLength(2);
    expect(ao.rest.map((r) => r.op)).toEqual(["&&", "||"]);
    const sub = list.items[1].andOr.first.cmds[0];
    expect(sub).toMatchObject({ type: "subshell", inner: "e; f" });
    expect(list.items[2].andOr.first.cmds[0].type).toBe("group");
  });

  it("parses one newline-ended command at a time, with comments and continuations", () => {
    const parser = new Parser("echo a # c\n\n  echo b \\\n c\necho 'x\ny'\n");
    const lists: List[] = [];
    for (let l; (l = parser.parseCommand()) !== null; ) lists.push(l);
    expect(lists.map((l) => l.items[0].andOr.src)).toEqual(["echo a", "echo b \\\n c", "echo 'x\ny'"]);
    expect(lists.map((l) => l.items[0].andOr.line)).toEqual([1, 3, 5]);
    expect(simple("echo a#b").words[1].raw).toBe("a#b");
    expect(parseAll("a |\n\n b && \n c")[0].items[0].andOr.first.cmds).toHaveLength(2);
  });

  it("builds if, while, until, for and case", () => {
    const cmd = (src: string) => parseAll(src)[0].items[0].andOr.first.cmds[0];
    expect(cmd("if a; then b; elif c; then d; else e; fi > o")).toMatchObject({ type: "if", clauses: [{}, {}], elseBody: { items: [{}] }, redirs: [{ op: ">" }] });
    expect(cmd("while a; do b; done")).toMatchObject({ type: "loop", until: false });
    expect(cmd("until a\ndo\nb\ndone")).toMatchObject({ type: "loop", until: true });
    expect(cmd("for i in x 'y z'; do b; done")).toMatchObject({ type: "for", name: "i", words: [{ raw: "x" }, { raw: "'y z'" }] });
    expect(cmd("for i; do b; done")).toMatchObject({ type: "for", words: null });
    const c = cmd("case $x in (a|b) one;; c) ;; *) two; esac");
    expect(c).toMatchObject({ type: "case", subject: { raw: "$x" } });
    expect((c as { items: { patterns: Word[]; body: unknown }[] }).items.map((i) => [i.patterns.map((p) => p.raw), i.body === null])).toEqual([[["a", "b"], false], [["c"], true], [["*"], false]]);
    // Reserved words count only where a command starts.
    expect(simple("echo if then fi done").words.map((w: Word) => w.raw)).toEqual(["echo", "if", "then", "fi", "done"]);
  });

  it("stops after a complete command, leaving a later bad line unread", () => {
    const parser = new Parser("echo a\necho 'b\n");
    expect(parser.parseCommand()).not.toBeNull();
    expect(() => parser.parseCommand()).toThrow(ShSyntaxError);
  });

  // Each as dash prints it for `sh -c LINE` (checked against the host's dash below).
  const ERRORS: [string, string][] = [
    ['echo "a', "sh: 1: Syntax error: Unterminated quoted string"],
    ["echo 'a", "sh: 1: Syntax error: Unterminated quoted string"],
    ["echo (", 'sh: 1: Syntax error: end of file unexpected (expecting ")")'],
    ["( echo a", 'sh: 1: Syntax error: end of file unexpected (expecting ")")'],
    ["{ echo a", 'sh: 1: Syntax error: end of file unexpected (expecting "}")'],
    ["{ echo a }", 'sh: 1: Syntax error: end of file unexpected (expecting "}")'],
    ["echo a |", "sh: 1: Syntax error: end of file unexpected"],
    ["echo a &&", "sh: 1: Syntax error: end of file unexpected"],
    ["echo a ||", "sh: 1: Syntax error: end of file unexpected"],
    ["echo a >", "sh: 1: Syntax error: end of file unexpected"],
    ["echo >\n", "sh: 2: Syntax error: newline unexpected"],
    ["echo > |", 'sh: 1: Syntax error: "|" unexpected'],
    [")", 'sh: 1: Syntax error: ")" unexpected'],
    ["echo a )", 'sh: 1: Syntax error: ")" unexpected'],
    ["( )", 'sh: 1: Syntax error: ")" unexpected'],
    ["|", 'sh: 1: Syntax error: "|" unexpected'],
    ["&& a", 'sh: 1: Syntax error: "&&" unexpected'],
    ["echo a;;", 'sh: 1: Syntax error: ";;" unexpected'],
    ["a=b; ;", 'sh: 1: Syntax error: ";" unexpected'],
    ["echo a & ;", 'sh: 1: Syntax error: ";" unexpected'],
    ["echo a &&& b", 'sh: 1: Syntax error: "&" unexpected'],
    ["(echo) foo", "sh: 1: Syntax error: word unexpected"],
    ["a=1 (echo)", 'sh: 1: Syntax error: "(" unexpected'],
    ["(echo) (echo)", 'sh: 1: Syntax error: "(" unexpected'],
    ["{ }", 'sh: 1: Syntax error: "}" unexpected'],
    ["echo a; }", 'sh: 1: Syntax error: "}" unexpected'],
    ["then", 'sh: 1: Syntax error: "then" unexpected'],
    ["fi", 'sh: 1: Syntax error: "fi" unexpected'],
    ["! ! true", 'sh: 1: Syntax error: "!" unexpected'],
    ["echo a | ! true", 'sh: 1: Syntax error: "!" unexpected'],
    ["!", "sh: 1: Syntax error: end of file unexpected"],
    ["echo ${A", "sh: 1: Syntax error: Missing '}'"],
    ["echo ${}", "sh: 1: Bad substitution"],
    ["echo $(", 'sh: 1: Syntax error: end of file unexpected (expecting ")")'],
    ["echo a\n\necho 'b", "sh: 3: Syntax error: Unterminated quoted string"],
    ["echo \"a\nb", "sh: 2: Syntax error: Unterminated quoted string"],
    ["if true; then echo", 'sh: 1: Syntax error: end of file unexpected (expecting "fi")'],
    ["if true; echo", 'sh: 1: Syntax error: end of file unexpected (expecting "then")'],
    ["if; then fi", 'sh: 1: Syntax error: ";" unexpected'],
    ["if true; then fi", 'sh: 1: Syntax error: "fi" unexpected'],
    ["while true; do", 'sh: 1: Syntax error: end of file unexpected (expecting "done")'],
    ["while true; echo", 'sh: 1: Syntax error: end of file unexpected (expecting "do")'],
    ["for i in a; echo", 'sh: 1: Syntax error: word unexpected (expecting "do")'],
    ["for 1 in a; do :; done", "sh: 1: Syntax error: Bad for loop variable"],
    ["case x in", 'sh: 1: Syntax error: end of file unexpected (expecting ")")'],
    ["case x in a) echo", 'sh: 1: Syntax error: end of file unexpected (expecting ";;")'],
    ["done", 'sh: 1: Syntax error: "done" unexpected'],
    ["then echo", 'sh: 1: Syntax error: "then" unexpected'],
  ];

  it.each(ERRORS)("syntax error: %j", (src, message) => {
    expect(syntaxError(src)).toBe(message);
  });

  it.skipIf(!HOST_DASH)("the host's dash words each syntax error the same (exit 2)", () => {
    for (const [src, message] of ERRORS) {
      // Lines before the bad one may run on the host: only the last stderr line is compared.
      const r = spawnSync("/bin/sh", ["-c", src], { argv0: "sh", encoding: "utf8", cwd: "/tmp" });
      expect([src, r.status, r.stderr.trimEnd().split("\n").pop()]).toEqual([src, 2, message]);
    }
  });

  it("parses function definitions, here-documents (bodies from the lines after) and arithmetic expansion", () => {
    const [fn] = parseAll("f() { echo; }");
    expect(fn.items[0].andOr.first.cmds[0]).toMatchObject({ type: "funcdef", name: "f", body: { type: "group" } });
    const [hd] = parseAll("cat <<EOF; echo after\nline $X\n\\$Y\nEOF\n");
    const cat = hd.items[0].andOr.first.cmds[0] as Simple;
    expect(cat.redirs[0]).toMatchObject({ op: "<<", fd: 0 });
    expect(cat.redirs[0].heredoc!.body).toEqual([{ k: "lit", s: "line ", q: true }, { k: "param", name: "X", q: true }, { k: "lit", s: "\n$Y\n", q: true }]);
    expect(cat.redirs[0].heredoc!.raw).toBe("line $X\n\\$Y\nEOF\n");
    expect(hd.items[1].andOr.first.cmds[0]).toMatchObject({ type: "simple", src: "echo after" });
    const [quoted] = parseAll("cat <<'E'\n$X\nE\n");
    expect((quoted.items[0].andOr.first.cmds[0] as Simple).redirs[0].heredoc!.body).toEqual([{ k: "lit", s: "$X\n", q: true }]);
    const [tabbed] = parseAll("cat <<-E\n\t\tx\n\tE\n");
    expect((tabbed.items[0].andOr.first.cmds[0] as Simple).redirs[0].heredoc!.body).toEqual([{ k: "lit", s: "x\n", q: true }]);
    expect(simple("echo $((1 + $A))").words[1].parts).toEqual([{ k: "arith", parts: [{ k: "lit", s: "1 + ", q: true }, { k: "param", name: "A", q: true }], src: "1 + $A", q: false }]);
    expect(syntaxError("echo $((1 + 2")).toBe('sh: 1: Syntax error: end of file unexpected (expecting ")")');
  });

  it("marks errors that more input could complete (for reading stdin line by line)", () => {
    const atEof = (src: string) => {
      try {
        parseAll(src);
      } catch (e) {
        return (e as ShSyntaxError).atEof;
      }
    };
    expect(atEof("echo 'a")).toBe(true);
    expect(atEof("echo a |")).toBe(true);
    expect(atEof("( echo")).toBe(true);
    expect(atEof("echo a )")).toBe(false);
    // A here-document's body not complete yet: more lines may come from a terminal or a pipe.
    expect(() => new Parser("cat <<EOF\nabc\n", 0, 1, true).parseCommand()).toThrow(expect.objectContaining({ atEof: true }));
    expect(new Parser("cat <<EOF\nabc\n").parseCommand()).not.toBeNull(); // a whole text: the body ends with it
  });
});

describe("sh: expansion", () => {
  it("expands parameters, specials and positionals", async () => {
    const sh = shellWith({ A: "1", E: "" }, ["x", "y z"]);
    expect(await fields("echo $A ${A}b $? $$ $# $1 ${2} $3 $0", sh)).toEqual(["echo", "1", "1b", "3", "42", "2", "x", "y", "z", "sh"]);
    expect(await fields("echo ${U-d} ${E-d} ${E:-d} ${A:+p} ${U+p} ${#A}", sh)).toEqual(["echo", "d", "d", "p", "1"]);
    expect(await fields('echo "${U:=set}"', sh)).toEqual(["echo", "set"]);
    expect(sh.get("U")).toBe("set");
  });

  it("splits unquoted expansions at blanks, never quoted ones or literals", async () => {
    const sh = shellWith({ A: "  a  b ", N: "" }, ["1 2", "3"]);
    expect(await fields('echo $A "$A" x$A"y"', sh)).toEqual(["echo", "a", "b", "  a  b ", "x", "a", "b", "y"]);
    expect(await fields('echo $N "" "$N" $N', sh)).toEqual(["echo", "", ""]);
    expect(await fields('echo "$@" $@ "$*" "a$@b"', sh)).toEqual(["echo", "1 2", "3", "1", "2", "3", "1 2 3", "a1 2", "3b"]);
    expect(await fields('echo "$@"', shellWith({}))).toEqual(["echo"]);
  });

  it("expands ~ at a word's start, and command substitutions without trailing newlines", async () => {
    const sh = shellWith({ HOME: "/home/u" });
    expect(await fields("echo ~ ~/d a~ '~'", sh)).toEqual(["echo", "/home/u", "/home/u/d", "a~", "~"]);
    expect(await fields('echo $(a b) "$(c)"', sh)).toEqual(["echo", "out(a", "b)", "out(c)"]);
    expect(await expandWord(sh, simple("x=$A'b  c'").assigns[0].value)).toBe("b  c");
  });

  it("removes prefixes and suffixes by pattern: ${V#p} ${V##p} ${V%p} ${V%%p}, quoted text literal", async () => {
    const sh = shellWith({ P: "/usr/lib/x.tar.gz", S: "*" });
    expect(await fields('echo ${P#*/} ${P##*/} ${P%.*} ${P%%.*} ${P#/usr} ${P%[a-z][a-z]} ${P#"*"} ${P#$S/}', sh)).toEqual([
      "echo", "usr/lib/x.tar.gz", "x.tar.gz", "/usr/lib/x.tar", "/usr/lib/x", "/lib/x.tar.gz", "/usr/lib/x.tar.", "/usr/lib/x.tar.gz", "usr/lib/x.tar.gz",
    ]);
  });

  it("pathname patterns: wildcards outside backslash escapes, [ only with its ], as anchored regular expressions", () => {
    expect(["a*", "?", "[ab]", "x[!y]z"].map(hasWildcard)).toEqual([true, true, true, true]);
    expect(["a\\*", "\\?", "[", "plain", "[ -f x"].map(hasWildcard)).toEqual([false, false, false, false, false]);
    const re = (g: string) => new RegExp(`^${globToRegExp(g)}$`, "s");
    expect(["b1.txt", "a1.txt", "b1.tst", "b1.tx"].map((n) => re("[!a]*.t?t").test(n))).toEqual([true, false, true, false]);
    expect(re("\\*.c").test("*.c")).toBe(true);
    expect(re("\\*.c").test("x.c")).toBe(false);
  });
});

describe("sh: arithmetic", () => {
  const vars = (init: Record<string, string> = {}) => {
    const m = new Map(Object.entries(init));
    return { get: (n: string) => m.get(n), set: (n: string, v: string) => void m.set(n, v), m };
  };
  it("follows C's precedence and associativity, on 64-bit integers", () => {
    const v = vars({ x: "5", h: "0x1f", o: "017" });
    const ev = (s: string) => String(evaluate(s, v));
    expect(["1 + 2 * 3", "(1 + 2) * 3", "10 - 4 - 3", "2 << 3 + 1", "7 / 2", "-7 / 2", "-7 % 3", "1 < 2 == 1", "3 & 5 | 8 ^ 1", "!0 + ~0"].map(ev)).toEqual(["7", "9", "3", "32", "3", "-3", "-1", "1", "9", "0"]);
    expect(["x * 2", "h", "o", "y + 1", "x > 3 ? 10 : 20", "0 && (x = 9)", "x"].map(ev)).toEqual(["10", "31", "15", "1", "10", "0", "5"]);
    expect(["x += 2", "x", "x <<= 1", "9223372036854775807 + 1"].map(ev)).toEqual(["7", "7", "14", "-9223372036854775808"]);
  });
  it("fails as dash words it", () => {
    const ev = (s: string, init?: Record<string, string>) => {
      try {
        return String(evaluate(s, vars(init)));
      } catch (e) {
        return (e as Error).message;
      }
    };
    expect(ev("1/0")).toBe('arithmetic expression: division by zero: "1/0"');
    expect(ev("1 +")).toBe('arithmetic expression: expecting primary: "1 +"');
    expect(ev("y", { y: "abc" })).toBe("Illegal number: abc");
    expect(ev("(1")).toBe(`arithmetic expression: expecting ')': "(1"`);
  });
});

describe("sh: dash's echo escapes", () => {
  it.each([
    ["a\\nb", "a\nb", false],
    ["\\t\\\\\\a", "\t\\\x07", false],
    ["x\\cy", "x", true],
    ["\\0101\\q", "A\\q", false],
    ["tail\\", "tail\\", false],
  ])("%j", (arg, text, stop) => {
    expect(echoEscapes(arg)).toEqual({ text, stop });
  });
});
