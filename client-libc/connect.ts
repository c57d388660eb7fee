/**
 * Creating an emulated process: `connect({ nats: URL })` asks the kernel behind NATS for a new
 * process; `connect({ embedded: true })` starts (once per OS process) a monolithic kernel in
 * this process and creates the process there. Either way the result is a Process with the libc
 * functions as methods.
 */
import type { Readable, Writable } from "node:stream";
import { basename } from "node:path";
import { Process } from "./process.js";
import { LocalTerminal } from "./terminal.js";
import { unistd } from "./unistd.js";
import { files } from "./files.js";
import { dirent } from "./dirent.js";
import { mman } from "./mman.js";
import { createStdio } from "./stdio.js";
import { spawnCalls } from "./spawn.js";
import { signalCalls } from "./signal-calls.js";
import { envCalls } from "./env.js";
import type { ChildLaunch, KernelPort } from "./transport/port.js";
import { runChild } from "./exec.js";
import type { EmbeddedSystem } from "../system/embedded.js";

export interface ConnectOptions {
  /** A NATS URL where `natix up` runs. */
  nats?: string;
  /** true: the process-wide embedded kernel; or a system from createEmbeddedSystem(). */
  embedded?: boolean | EmbeddedSystem;
  /** The process's argv (argv[0] is its name). */
  argv?: string[];
  /**
   * The administrator's credentials file to ask for the process with (default: NATIX_CREDS, or
   * the ones `natix up` left for this URL in the per-user runtime directory).
   */
  creds?: string;
  /** Credentials to ask for (the trusted launcher decides; default the host user's). */
  uid?: number;
  gid?: number;
  ppid?: number;
  /**
   * Trace it from its first syscall (strace): over NATS the kernel publishes lines under
   * `token`; embedded, `sink` receives them. Set by trusted runners (natix run/strace).
   */
  trace?: { token?: string; sink?: (line: string | null) => void; style?: { strsize?: number; column?: number }; tracer?: number };
  /**
   * Over NATS: bytes of the segment shared with each server on this host for large calls'
   * bytes (transport/segment-client.ts); 0 for none, every byte in messages — for comparisons.
   * Default: NATIX_SEGMENT_MIB, else room for the largest frame each way.
   */
  segmentBytes?: number;
  /** Its terminal: default this OS process's stdin/stdout/stderr. */
  stdin?: Readable;
  stdout?: Writable;
  stderr?: Writable;
}

/** The libc functions a process has, each group from its header. */
function libc(p: Process) {
  // Object.assign, not one object literal of spreads: V8 builds that ~20× slower (about 2 ms
  // per process, measured), which an embedded child pays on every spawn.
  return Object.assign({}, unistd(p), files(p), dirent(p), mman(p), spawnCalls(p), signalCalls(p), envCalls(p), createStdio(() => p)) as ReturnType<typeof unistd> &
    ReturnType<typeof files> &
    ReturnType<typeof dirent> &
    ReturnType<typeof mman> &
    ReturnType<typeof spawnCalls> &
    ReturnType<typeof signalCalls> &
    ReturnType<typeof envCalls> &
    ReturnType<typeof createStdio>;
}

/** A process with its libc, on a port the kernel gave it (a spawned child's, too). */
export function processFor(port: KernelPort, terminal: { close(): void }): Proc {
  const proc = new Process(port);
  proc.hooks.afterExit = () => terminal.close();
  return Object.assign(proc, libc(proc));
}

export type Proc = Process & ReturnType<typeof libc>;

/** An embedded child: its own process, its program run here (it shares this OS process). */
function embeddedChild(port: KernelPort, child: ChildLaunch): void {
  const proc = processFor(port, { close() {} });
  proc.ownsHostProcess = false;
  void runChild(proc, child, { ownsHostProcess: false });
}

export async function connect(opts: ConnectOptions = {}): Promise<Proc> {
  const terminal = new LocalTerminal({ stdin: opts.stdin, stdout: opts.stdout, stderr: opts.stderr });
  const argv = opts.argv ?? [basename(process.argv[1] ?? "node")];
  const spawn = {
    argv,
    uid: opts.uid ?? process.getuid?.() ?? 0,
    gid: opts.gid ?? process.getgid?.() ?? 0,
    ppid: opts.ppid,
    terminal,
    trace: opts.trace,
  };
  let port: KernelPort;
  if (opts.embedded) {
    const { sharedEmbeddedSystem } = await import("../system/embedded.js");
    const system = opts.embedded === true ? await sharedEmbeddedSystem() : opts.embedded;
    port = system.spawn({ ...spawn, runChild: embeddedChild });
  } else {
    const url = opts.nats ?? process.env.NATS_URL;
    if (!url) throw new Error("natix: connect() needs { nats: URL } or { embedded: true } (or NATS_URL in the environment)");
    const { spawnOverNats } = await import("./transport/nats-port.js");
    port = await spawnOverNats({ url, ...spawn, credsPath: opts.creds, segmentBytes: opts.segmentBytes });
  }
  const proc = processFor(port, terminal);
  // The first process of a program starts with the host's environment, as a login shell would.
  for (const [k, v] of Object.entries(process.env)) if (v !== undefined) proc.env.set(k, v);
  return proc;
}
