/**
 * Embedded mode: the monolithic kernel inside the program's own process, no NATS at all.
 * A system holds one kernel; each `spawn` is a new emulated process in it.
 */
import type { Terminal } from "../kernel-core/abi/terminal.js";
import type { KernelPort } from "../client-libc/transport/port.js";
import { createMonolith, type Monolith } from "./monolith.js";
import { createLogger } from "./logger.js";

export interface EmbeddedSpawnOptions {
  argv: string[];
  uid?: number;
  gid?: number;
  ppid?: number;
  terminal: Terminal;
}

export interface EmbeddedSystem {
  readonly monolith: Monolith;
  spawn(opts: EmbeddedSpawnOptions): KernelPort;
  stop(): Promise<void>;
}

export function createEmbeddedSystem(opts: { deadlineMs?: number; readSliceMs?: number } = {}): EmbeddedSystem {
  const terminals = new Map<number, Terminal>();
  const monolith = createMonolith({
    logger: (name) => createLogger({ name }),
    deadlineMs: opts.deadlineMs,
    readSliceMs: opts.readSliceMs,
    terminals: {
      terminal(pid) {
        const t = terminals.get(pid);
        if (t === undefined) throw new Error(`no terminal for pid ${pid}`);
        return t;
      },
    },
    events: { processExited: (pid) => terminals.delete(pid) },
  });
  return {
    monolith,
    spawn(spawnOpts) {
      const info = monolith.kernel.spawn({ argv: spawnOpts.argv, uid: spawnOpts.uid, gid: spawnOpts.gid, ppid: spawnOpts.ppid });
      terminals.set(info.pid, spawnOpts.terminal);
      return {
        info,
        call: async (request) => monolith.syscall(info.pid, request),
        close: async () => {},
      };
    },
    stop: () => monolith.stop(),
  };
}

let shared: EmbeddedSystem | undefined;

/** The process-wide embedded system that `connect({ embedded: true })` uses. */
export function sharedEmbeddedSystem(): EmbeddedSystem {
  shared ??= createEmbeddedSystem();
  return shared;
}
