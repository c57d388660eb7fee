/**
 * natix run [--nats URL | --embedded [--data DIR]] [--creds FILE] [--uid N] [--gid N] PROGRAM [ARGS...]
 * Runs a program as an emulated process (PROGRAM a host path, or natix:PATH for one stored in
 * the natix filesystem): its default export `main(argv)` is called with
 * argv[0] = PROGRAM, and its result is the exit status. NATS_URL is used when neither flag is
 * given. An exception escaping main is reported on stderr and ends the process with status 1.
 * The process is created with the administrator's credentials (--creds, NATIX_CREDS, or those
 * `natix up` left for the URL): they decide its uid and gid, and the program itself runs with
 * only the credentials the kernel minted for its process.
 */
import { register } from "node:module";
import { existsSync } from "node:fs";
import { resolve as resolvePath } from "node:path";
import { pathToFileURL } from "node:url";
import { connect, type ConnectOptions } from "../../client-libc/connect.js";
import { setCurrentProcess } from "../../client-libc/current.js";
import { UsageError } from "./usage-error.js";
import { execve } from "../../client-libc/exec.js";
import { forwardHostSignals } from "../../client-libc/host-signals.js";
import { environOf } from "../../client-libc/spawn.js";
import { E, strerror } from "../../kernel-core/errno.js";

export const usage = "natix run [--nats URL | --embedded [--data DIR]] [--creds FILE] [--uid N] [--gid N] PROGRAM|natix:PATH [ARGS...]";

export interface RunOptions {
  connect: ConnectOptions;
  /** Embedded only: keep the disk image in this directory. */
  dataDir?: string;
  program: string;
  args: string[];
}

/** Where a command's process lives and who it is: the options natix run and natix cp share. */
export interface TargetOptions {
  connect: ConnectOptions;
  /** Embedded only: keep the disk image in this directory. */
  dataDir?: string;
  /** The arguments after the options. */
  rest: string[];
}

/** --nats URL | --embedded [--data DIR], --creds FILE, --uid N, --gid N; up to the first non-option. */
export function parseTargetArgs(argv: string[]): TargetOptions {
  const opts: ConnectOptions = {};
  let dataDir: string | undefined;
  let i = 0;
  const value = (flag: string) => {
    const v = argv[++i];
    if (v === undefined) throw new UsageError(`${flag} needs a value`);
    return v;
  };
  const id = (flag: string) => {
    const n = Number(value(flag));
    if (!Number.isInteger(n) || n < 0) throw new UsageError(`${flag} must be a non-negative integer`);
    return n;
  };
  for (; i < argv.length && argv[i].startsWith("-"); i++) {
    const arg = argv[i];
    if (arg === "--") {
      i++;
      break;
    }
    if (arg === "--nats") opts.nats = value(arg);
    else if (arg.startsWith("--nats=")) opts.nats = arg.slice(7);
    else if (arg === "--embedded") opts.embedded = true;
    else if (arg === "--creds") opts.creds = value(arg);
    else if (arg === "--data") dataDir = value(arg);
    else if (arg === "--uid") opts.uid = id(arg);
    else if (arg === "--gid") opts.gid = id(arg);
    else throw new UsageError(`unknown option ${arg}`);
  }
  if (opts.nats && opts.embedded) throw new UsageError("--nats and --embedded exclude each other");
  if (dataDir !== undefined && !opts.embedded) throw new UsageError("--data goes with --embedded (the system's disk belongs to `natix up --data`)");
  return { connect: opts, dataDir, rest: argv.slice(i) };
}

/** Options come before PROGRAM; everything after it belongs to the program. */
export function parseRunArgs(argv: string[]): RunOptions {
  const { connect: opts, dataDir, rest } = parseTargetArgs(argv);
  const program = rest[0];
  if (program === undefined) throw new UsageError("PROGRAM is missing");
  return { connect: opts, program, args: rest.slice(1), dataDir };
}

export async function run(argv: string[]): Promise<number> {
  const opts = parseRunArgs(argv);
  // natix strace runs a program through natix run with its trace request in NATIX_TRACE.
  const trace = process.env.NATIX_TRACE ? (JSON.parse(process.env.NATIX_TRACE) as ConnectOptions["trace"]) : undefined;
  return runProgram({ ...opts, connect: { ...opts.connect, trace } });
}

/** Runs PROGRAM as an emulated process; its exit status. */
export async function runProgram(opts: RunOptions): Promise<number> {
  if (opts.program.startsWith("natix:")) return runStored(opts, opts.program.slice(6));
  if (!existsSync(opts.program)) {
    process.stderr.write(`natix: ${opts.program}: No such file or directory\n`);
    return 127;
  }
  register(new URL("../../system/loader-hooks.js", import.meta.url).href, import.meta.url);
  if (opts.dataDir) process.env.NATIX_DATA_DIR = opts.dataDir;
  const argv0 = opts.program;
  const proc = await connect({ ...opts.connect, argv: [argv0, ...opts.args] });
  setCurrentProcess(proc);
  // This OS process is the emulated process: killed by a signal, it ends as a killed process does,
  // and what the host signals it (Ctrl-C) goes to the emulated process.
  proc.signals.onTerminate = (sig) => process.exit(128 + sig);
  forwardHostSignals(proc);
  let status: number;
  try {
    const mod = (await import(pathToFileURL(resolvePath(opts.program)).href)) as { default?: unknown };
    if (typeof mod.default !== "function") {
      process.stderr.write(`natix: ${opts.program}: no default export main(argv)\n`);
      status = 127;
    } else {
      const result = await (mod.default as (argv: string[]) => unknown)([argv0, ...opts.args]);
      status = typeof result === "number" ? result : 0;
    }
  } catch (err) {
    process.stderr.write(`natix: ${opts.program}: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    status = 1;
  }
  await proc.exit(status);
  return status & 0xff;
}

/**
 * natix run natix:PATH: the program stored at PATH in the natix filesystem, exec'd as the new
 * process (its x bits, #! line and contents are the filesystem's), as a shell would run it.
 */
async function runStored(opts: RunOptions, path: string): Promise<number> {
  if (opts.dataDir) process.env.NATIX_DATA_DIR = opts.dataDir;
  const argv = [path, ...opts.args];
  const proc = await connect({ ...opts.connect, argv });
  setCurrentProcess(proc);
  proc.signals.onTerminate = (sig) => process.exit(128 + sig);
  forwardHostSignals(proc);
  const r = await execve(proc, path, argv, environOf(proc), { ownsHostProcess: true });
  process.stderr.write(`natix: ${path}: ${strerror(-r)}\n`);
  await proc._exit(r === -E.ENOENT ? 127 : 126);
  return r === -E.ENOENT ? 127 : 126;
}
