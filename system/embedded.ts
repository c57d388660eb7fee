/**
 * Embedded mode: the monolithic kernel inside the program's own process, no NATS at all.
 * A system holds one kernel and one disk image (in `dataDir`, or a temporary directory removed
 * when the system stops or the process exits); each `spawn` is a new emulated process in it.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Terminal } from "../kernel-core/abi/terminal.js";
import type { ChildLaunch, KernelPort } from "../client-libc/transport/port.js";
import { createMonolith, type Monolith } from "./monolith.js";
import { createLogger, KmsgSink } from "./logger.js";
import { openImage } from "../servers/blk/image.js";
import { prepareDisk } from "./disk.js";
import { diskSizeMiB } from "./server-catalog.js";
import type { ProcessInfo } from "../kernel-core/kernel.js";
import type { SignalNotice } from "../client-libc/signals.js";

export interface EmbeddedSpawnOptions {
  argv: string[];
  uid?: number;
  gid?: number;
  ppid?: number;
  terminal: Terminal;
  trace?: { sink?: (line: string | null) => void; style?: { strsize?: number; column?: number }; tracer?: number };
  /**
   * Starts a spawned child's program on its port, in this OS process (libc's, injected: the
   * system knows no libc). Without it, posix_spawn is ENOSYS.
   */
  runChild?: ChildRunner;
}

export type ChildRunner = (port: KernelPort, child: ChildLaunch) => void;

export interface EmbeddedSystem {
  readonly monolith: Monolith;
  readonly dataDir: string;
  spawn(opts: EmbeddedSpawnOptions): KernelPort;
  stop(): Promise<void>;
}

export interface EmbeddedOptions {
  deadlineMs?: number;
  /** Keep the disk image here (persistent); default a temporary directory. */
  dataDir?: string;
  /** Unmount and stop when the last process exits (the program's own kernel does). */
  stopWhenIdle?: boolean;
  onStop?: () => void;
}

export async function createEmbeddedSystem(opts: EmbeddedOptions = {}): Promise<EmbeddedSystem> {
  const temporary = opts.dataDir === undefined;
  const dataDir = opts.dataDir ?? mkdtempSync(join(tmpdir(), "natix-embedded-"));
  const removeTemp = () => temporary && rmSync(dataDir, { recursive: true, force: true });
  if (temporary) process.once("exit", removeTemp);
  const terminals = new Map<number, Terminal>();
  /** Each process's signal notices go to its libc, by direct call. */
  const listeners = new Map<number, (sig: number, notice: SignalNotice) => void>();
  const kmsg = new KmsgSink();
  // A new data directory gets a formatted image; an existing one is only checked.
  await prepareDisk(dataDir, diskSizeMiB(), createLogger({ name: "mkfs", kmsg }));
  const image = await openImage({ dataDir });
  const monolith = await createMonolith({
    logger: (name) => createLogger({ name, kmsg }),
    deadlineMs: opts.deadlineMs,
    blk: image,
    terminals: {
      terminal(pid) {
        const t = terminals.get(pid);
        if (t === undefined) throw new Error(`no terminal for pid ${pid}`);
        return t;
      },
    },
    events: {
      processExited: (pid) => terminals.delete(pid),
      signal: (pid, sig, notice) => listeners.get(pid)?.(sig, notice),
    },
  });
  kmsg.connect((line) => monolith.kernel.kmsg.ingest(line));
  let stopped = false;
  /**
   * Process `info.pid`'s port. A child it spawns runs in this same OS process (there is no other
   * kernel to reach), on the same terminal; once the kernel has killed it, libc stops its program
   * at its next call.
   */
  const portFor = (info: ProcessInfo, terminal: Terminal, runChild?: ChildRunner): KernelPort => {
    terminals.set(info.pid, terminal);
    const launch = runChild && (async (child: ChildLaunch) => runChild(portFor(child.info, terminal, runChild), child));
    return {
      info,
      call: async (request) => monolith.syscall(info.pid, request),
      callBatch: (requests, linked) => monolith.syscalls(info.pid, requests, linked),
      definition: async (nr) => monolith.kernel.registry.definition(nr),
      onSignal: (listener) => void listeners.set(info.pid, listener),
      childKey: () => null,
      launch,
      close: async () => {
        listeners.delete(info.pid);
        if (opts.stopWhenIdle && monolith.kernel.processes.list().length === 0) await system.stop();
      },
    };
  };
  const system: EmbeddedSystem = {
    monolith,
    dataDir,
    spawn(spawnOpts) {
      const info = monolith.kernel.spawn({ argv: spawnOpts.argv, uid: spawnOpts.uid, gid: spawnOpts.gid, ppid: spawnOpts.ppid });
      const t = spawnOpts.trace;
      if (t?.sink) monolith.kernel.trace(info.pid, t.sink, t.style, t.tracer);
      return portFor(info, spawnOpts.terminal, spawnOpts.runChild);
    },
    async stop() {
      if (stopped) return;
      stopped = true;
      await monolith.stop();
      await image.close();
      removeTemp();
      opts.onStop?.();
    },
  };
  return system;
}

let shared: Promise<EmbeddedSystem> | undefined;

/**
 * The process-wide embedded system that `connect({ embedded: true })` uses (NATIX_DATA_DIR keeps
 * its disk). It unmounts when its last process exits; a later connect boots a new one.
 */
export function sharedEmbeddedSystem(): Promise<EmbeddedSystem> {
  shared ??= createEmbeddedSystem({
    dataDir: process.env.NATIX_DATA_DIR || undefined,
    stopWhenIdle: true,
    onStop: () => (shared = undefined),
  });
  return shared;
}
