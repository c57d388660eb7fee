/**
 * The builtins: the commands that must change the shell itself (cd, exit, export, unset, wait)
 * or that dash builds in (echo, pwd, true, false, :). Each returns its exit status; messages
 * and statuses are dash's.
 */
import { chdir, getcwd, read } from "./libc.js";
import { reap, statusOf } from "./spawn.js";
import { ExitRequest, LoopControl, ReturnRequest, quoteForShell, type Shell } from "./state.js";
import { testBuiltin } from "./test-builtin.js";

export type Builtin = (sh: Shell, argv: string[]) => Promise<number>;

/** POSIX's special builtins: their errors end a non-interactive shell, their assignments stay. */
export const SPECIAL_BUILTINS = new Set([":", "exit", "export", "unset", "set", "break", "continue", "return"]);

const NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** dash's echo: only a first "-n" is an option; backslash escapes are always interpreted. */
async function echo(sh: Shell, argv: string[]): Promise<number> {
  let args = argv.slice(1);
  let newline = true;
  if (args[0] === "-n") {
    newline = false;
    args = args.slice(1);
  }
  let out = "";
  for (let i = 0; i < args.length; i++) {
    if (i > 0) out += " ";
    const { text, stop } = echoEscapes(args[i]);
    out += text;
    if (stop) return written(sh, await sh.print(1, out));
  }
  return written(sh, await sh.print(1, newline ? out + "\n" : out));
}

/** echo's status: 1 when the write failed, with dash's words (whatever the errno). */
async function written(sh: Shell, ok: boolean): Promise<number> {
  if (ok) return 0;
  await sh.error("echo: echo: I/O error");
  return 1;
}

const ESCAPES: Record<string, string> = { a: "\x07", b: "\b", e: "\x1b", f: "\f", n: "\n", r: "\r", t: "\t", v: "\v", "\\": "\\" };

/** One argument's escapes; `stop` after \c, which ends all output (and the newline). */
export function echoEscapes(arg: string): { text: string; stop: boolean } {
  let text = "";
  for (let i = 0; i < arg.length; i++) {
    const c = arg[i];
    if (c !== "\\" || i + 1 >= arg.length) {
      text += c;
      continue;
    }
    const d = arg[++i];
    if (d === "c") return { text, stop: true };
    if (ESCAPES[d] !== undefined) text += ESCAPES[d];
    else if (d === "0") {
      // \0nnn: up to three octal digits after the 0.
      const m = /^[0-7]{0,3}/.exec(arg.slice(i + 1))![0];
      text += String.fromCharCode(parseInt(m || "0", 8) & 0xff);
      i += m.length;
    } else text += "\\" + d;
  }
  return { text, stop: false };
}

async function cd(sh: Shell, argv: string[]): Promise<number> {
  let dir = argv[1];
  let show = false;
  if (dir === undefined) dir = sh.get("HOME") || "/";
  else if (dir === "-") {
    dir = sh.get("OLDPWD") ?? "";
    show = true;
  }
  if ((await chdir(dir)) < 0) {
    await sh.error(`cd: can't cd to ${dir}`);
    return 2;
  }
  const cwd = (await getcwd()) ?? dir;
  const old = sh.get("PWD");
  // dash exports both.
  if (old !== undefined) sh.export("OLDPWD", old);
  sh.export("PWD", cwd);
  if (show) await sh.print(1, `${cwd}\n`);
  return 0;
}

async function pwd(sh: Shell): Promise<number> {
  const cwd = sh.get("PWD") ?? (await getcwd());
  if (cwd === null) {
    await sh.error("pwd: getcwd() failed");
    return 2;
  }
  await sh.print(1, `${cwd}\n`);
  return 0;
}

async function exit(sh: Shell, argv: string[]): Promise<number> {
  if (argv[1] === undefined) throw new ExitRequest(sh.status);
  if (!/^[0-9]+$/.test(argv[1])) {
    await sh.error(`exit: Illegal number: ${argv[1]}`);
    throw new ExitRequest(2);
  }
  throw new ExitRequest(Number(argv[1]) & 0xff);
}

async function exportBuiltin(sh: Shell, argv: string[]): Promise<number> {
  const args = argv.slice(1);
  if (args.length === 0 || (args.length === 1 && args[0] === "-p")) {
    for (const line of sh.exportedList()) await sh.print(1, `${line}\n`);
    return 0;
  }
  for (const arg of args) {
    const eq = arg.indexOf("=");
    const name = eq < 0 ? arg : arg.slice(0, eq);
    if (!NAME.test(name)) {
      await sh.error(`export: ${name}: bad variable name`);
      throw new ExitRequest(2);
    }
    sh.export(name, eq < 0 ? undefined : arg.slice(eq + 1));
  }
  return 0;
}

async function unset(sh: Shell, argv: string[]): Promise<number> {
  for (const name of argv.slice(1)) if (name !== "-v" && name !== "-f") sh.unset(name);
  return 0;
}

/** wait: every background child (status 0), or the given ones (the last one's status; 127 if not ours). */
async function wait(sh: Shell, argv: string[]): Promise<number> {
  if (argv.length === 1) {
    for (const pid of [...sh.jobs]) {
      await reap(pid);
      sh.jobs.delete(pid);
    }
    return 0;
  }
  let status = 0;
  for (const arg of argv.slice(1)) {
    const pid = Number(arg);
    if (!/^[0-9]+$/.test(arg)) {
      await sh.error(`wait: Illegal number: ${arg}`);
      return 2;
    }
    if (!sh.jobs.has(pid)) {
      status = 127;
      continue;
    }
    const raw = await reap(pid);
    sh.jobs.delete(pid);
    status = raw < 0 ? 127 : statusOf(raw);
  }
  return status;
}

/** set -- ARGS / set ARGS: the positional parameters; alone: every variable. No options (-e, -x) yet. */
async function set(sh: Shell, argv: string[]): Promise<number> {
  const args = argv.slice(1);
  if (args.length === 0) {
    for (const [k, v] of sh.variables()) await sh.print(1, `${k}=${quoteForShell(v)}\n`);
    return 0;
  }
  if (args[0] === "--") sh.args = args.slice(1);
  else if (/^[-+]./.test(args[0])) {
    await sh.error(`set: Illegal option ${args[0]} (natix's sh has no options yet)`);
    throw new ExitRequest(2);
  } else sh.args = args;
  return 0;
}

/**
 * read [-r] NAME...: one line of stdin split at IFS blanks, the last name taking the rest.
 * It reads a byte at a time, as dash does on a pipe, so the rest of the input is left for
 * whatever reads it next. Status 1 at end of file.
 */
async function readBuiltin(sh: Shell, argv: string[]): Promise<number> {
  let names = argv.slice(1);
  let raw = false;
  if (names[0] === "-r") {
    raw = true;
    names = names.slice(1);
  }
  if (names.length === 0) {
    await sh.error("read: arg count");
    return 2;
  }
  const bytes: number[] = [];
  const one = new Uint8Array(1);
  let eof = false;
  for (;;) {
    if ((await read(0, one, 1)) <= 0) {
      eof = true;
      break;
    }
    const c = one[0];
    if (!raw && c === 0x5c) {
      // A backslash keeps the next byte as it is, and joins the next line to this one.
      if ((await read(0, one, 1)) <= 0) break;
      if (one[0] !== 0x0a) bytes.push(one[0]);
      continue;
    }
    if (c === 0x0a) break;
    bytes.push(c);
  }
  const line = Buffer.from(bytes).toString("utf8");
  const ifs = sh.get("IFS") ?? " \t\n";
  let rest = trimIfs(line, ifs);
  names.forEach((name, i) => {
    if (i === names.length - 1) {
      sh.set(name, trimIfs(rest, ifs));
      return;
    }
    let end = 0;
    while (end < rest.length && !ifs.includes(rest[end])) end++;
    sh.set(name, rest.slice(0, end));
    rest = trimIfs(rest.slice(end), ifs);
  });
  return eof ? 1 : 0;
}

function trimIfs(s: string, ifs: string): string {
  let a = 0;
  let b = s.length;
  while (a < b && ifs.includes(s[a])) a++;
  while (b > a && ifs.includes(s[b - 1])) b--;
  return s.slice(a, b);
}

/** break [N] / continue [N]: unwinds to the Nth enclosing loop (compound.ts); nothing outside one. */
function loopControl(kind: "break" | "continue"): Builtin {
  return async (sh, argv) => {
    const n = argv[1] === undefined ? 1 : Number(argv[1]);
    if (!Number.isInteger(n) || n < 1) {
      await sh.error(`${kind}: Illegal number: ${argv[1]}`);
      throw new ExitRequest(2);
    }
    if (sh.loopDepth === 0) return 0;
    throw new LoopControl(kind, Math.min(n, sh.loopDepth));
  };
}

export const BUILTINS = new Map<string, Builtin>([
  ["test", testBuiltin],
  ["[", testBuiltin],
  ["break", loopControl("break")],
  ["continue", loopControl("continue")],
  ["set", set],
  ["read", readBuiltin],
  [":", async () => 0],
  ["true", async () => 0],
  ["false", async () => 1],
  ["echo", echo],
  ["cd", cd],
  ["pwd", pwd],
  ["exit", exit],
  // return [N]: leaves the function (or, outside one, the shell) with N, or $?.
  ["return", async (sh, argv) => {
    if (argv[1] !== undefined && !/^[0-9]+$/.test(argv[1])) {
      await sh.error(`return: Illegal number: ${argv[1]}`);
      throw new ExitRequest(2);
    }
    throw new ReturnRequest(argv[1] === undefined ? sh.status : Number(argv[1]) & 0xff);
  }],
  ["export", exportBuiltin],
  ["unset", unset],
  ["wait", wait],
]);
