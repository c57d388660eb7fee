/**
 * execve(2) in libc, and what runs a spawned child. A program is an ES module stored in the
 * filesystem: execve reads it as the process (open and read, so read permission is needed, as
 * for any script), follows a `#!` line to its interpreter (at most 4 deep, then ELOOP), asks
 * the kernel to execute it (the x bits, the format, close-on-exec descriptors, the new argv),
 * and then — past the point of no return — runs the module's default export `main(argv)` as
 * the same process, whose result is the exit status.
 *
 * A module loaded from the filesystem can import "natix/libc" (and "natix/sh", "natix/coreutils"); it has no
 * directory of its own on the host, so relative imports cannot resolve.
 */
import { SYS } from "../kernel-core/syscalls/table.js";
import { ACCESS, AT, O, S_IF } from "../kernel-core/abi/fcntl.js";
import { STAT_SIZE, decodeStat } from "../kernel-core/abi/stat.js";
import { E, strerror } from "../kernel-core/errno.js";
import { encodeStrings } from "../kernel-core/abi/spawn.js";
import { decodeUtf8, utf8 } from "../kernel-core/abi/strings.js";
import type { Process } from "./process.js";
import type { ChildLaunch } from "./transport/port.js";
import { runAs } from "./running.js";

/** The largest program execve loads (a bound on what one process reads into memory). */
const MAX_PROGRAM = 16 * 1024 * 1024;
const MAX_INTERPRETERS = 4;

/** The whole file at `path`, read as the process; or −errno (a directory is EACCES, as execve says). */
async function load(p: Process, path: string): Promise<Uint8Array | number> {
  const fd = await p.rawSyscall(SYS.openat, AT.FDCWD, path, O.RDONLY | O.CLOEXEC, 0);
  if (fd < 0) return fd;
  try {
    const st = new Uint8Array(STAT_SIZE);
    const r = await p.rawSyscall(SYS.fstat, fd, st);
    if (r < 0) return r;
    const info = decodeStat(st);
    if ((info.mode & S_IF.MT) !== S_IF.REG) return -E.EACCES;
    if (info.size > MAX_PROGRAM) return -E.E2BIG;
    const chunks: Uint8Array[] = [];
    let total = 0;
    for (;;) {
      const buf = new Uint8Array(Math.max(4096, Math.min(1 << 20, info.size - total + 1)));
      const n = await p.rawSyscall(SYS.read, fd, buf, buf.length);
      if (n < 0) return n;
      if (n === 0) break;
      chunks.push(buf.subarray(0, n));
      total += n;
      if (total > MAX_PROGRAM) return -E.E2BIG;
    }
    return Buffer.concat(chunks, total);
  } finally {
    await p.rawSyscall(SYS.close, fd);
  }
}

/** A `#!` line: the interpreter and its one optional argument (Linux passes the rest of the line as one). */
function shebang(bytes: Uint8Array): { interp: string; arg?: string } | undefined {
  if (bytes[0] !== 0x23 || bytes[1] !== 0x21) return undefined;
  const end = bytes.indexOf(0x0a);
  const line = decodeUtf8(bytes.subarray(2, end < 0 ? Math.min(bytes.length, 256) : end)).trim();
  const m = /^(\S+)(?:\s+(.*))?$/.exec(line);
  return m ? { interp: m[1], arg: m[2]?.trim() || undefined } : undefined;
}

export interface Loaded {
  /** The module's source (an interpreter's, for a script). */
  source: Uint8Array;
  /** What the program is called with: argv, with a script's interpreter in front. */
  argv: string[];
}

/** Reads `path` and follows `#!` lines: the module to run and its argv, or −errno. */
export async function resolveProgram(p: Process, path: string, argv: string[]): Promise<Loaded | number> {
  let bytes = await load(p, path);
  let args = argv;
  let file = path;
  for (let depth = 0; ; depth++) {
    if (typeof bytes === "number") return bytes;
    const sb = shebang(bytes);
    if (sb === undefined) return { source: bytes, argv: args };
    if (depth >= MAX_INTERPRETERS) return -E.ELOOP;
    const x = await p.rawSyscall(SYS.access, sb.interp, ACCESS.X_OK);
    if (x < 0) return x;
    args = [sb.interp, ...(sb.arg ? [sb.arg] : []), file, ...args.slice(1)];
    file = sb.interp;
    bytes = await load(p, sb.interp);
  }
}

export interface RunOptions {
  /** This OS process is the emulated process's alone: exiting ends it (not so for embedded children). */
  ownsHostProcess: boolean;
}

/** What a stored program may import by name: natix's own modules, wherever this natix lives. */
const LINKED: Record<string, string> = {
  "natix/libc": new URL("./mod.js", import.meta.url).href,
  "natix/kernel": new URL("../kernel-core/mod.js", import.meta.url).href,
  "natix/sh": new URL("../programs/sh/main.js", import.meta.url).href,
  "natix/coreutils": new URL("../programs/coreutils/lib.js", import.meta.url).href,
};
const SPECIFIER = /(["'])(natix\/(?:libc|kernel|sh|coreutils))\1/g;

/**
 * The module's source with its natix imports bound to this natix's files, as a loader
 * relocates: a module made from bytes has no location to resolve names from.
 */
function link(source: Uint8Array): string {
  return Buffer.from(source).toString("utf8").replace(SPECIFIER, (_m, q: string, name: string) => `${q}${LINKED[name]}${q}`);
}

/** Runs a loaded module's main as process `p` and ends the process: its exit status. */
export async function runLoaded(p: Process, loaded: Loaded, name: string): Promise<number> {
  let status: number;
  try {
    const url = `data:text/javascript;base64,${Buffer.from(link(loaded.source)).toString("base64")}`;
    const mod = (await import(/* @vite-ignore */ url)) as { default?: unknown };
    if (typeof mod.default !== "function") {
      await say(p, `natix: ${name}: no default export main(argv)\n`);
      status = 127;
    } else {
      const main = mod.default as (argv: string[]) => unknown;
      const result = await runAs(p, () => main(loaded.argv));
      status = typeof result === "number" ? result : 0;
    }
  } catch (err) {
    const why = err instanceof Error ? (err.stack ?? err.message) : String(err);
    await say(p, `natix: ${name}: ${why.replace(/data:text\/javascript;base64,[A-Za-z0-9+/=]+/g, name)}\n`);
    status = 1;
  }
  await runAs(p, () => p.exit(status));
  return status & 0xff;
}

async function say(p: Process, text: string): Promise<void> {
  await p.rawSyscall(SYS.write, 2, utf8(text), Buffer.byteLength(text));
}

/**
 * execve: −errno when the program cannot be run (the process goes on); otherwise it never
 * returns — the new program runs and the process ends with its status.
 */
export async function execve(p: Process, path: string, argv: string[], envp: string[], opts: RunOptions): Promise<number> {
  const loaded = await resolveProgram(p, path, argv);
  if (typeof loaded === "number") return loaded;
  const a = encodeStrings(argv);
  const e = encodeStrings(envp);
  const r = await p.rawSyscall(SYS.execve, path, a, a.length, e, e.length);
  if (r < 0) return r;
  // The point of no return: the old program's handlers and environment are gone.
  p.signals.clear();
  setEnvironment(p, envp);
  const status = await runLoaded(p, loaded, path);
  if (opts.ownsHostProcess) process.exit(status);
  return new Promise<number>(() => {}); // an embedded child's old program never resumes
}

export function setEnvironment(p: Process, envp: readonly string[]): void {
  p.env.clear();
  for (const kv of envp) {
    const eq = kv.indexOf("=");
    if (eq > 0) p.env.set(kv.slice(0, eq), kv.slice(eq + 1));
  }
}

/** A spawned child's first act: exec its program (posix_spawn's clone already ran the file actions). */
export async function runChild(p: Process, child: ChildLaunch, opts: RunOptions): Promise<number> {
  if (opts.ownsHostProcess) p.signals.onTerminate = (sig) => process.exit(128 + sig);
  const r = await execve(p, child.path, child.argv, child.envp, opts);
  // The kernel checked the program when it made the child; what is left is a file that changed
  // since, or that this user may execute but not read.
  await say(p, `natix: ${child.path}: ${strerror(-r)}\n`);
  await p._exit(127);
  return 127;
}
