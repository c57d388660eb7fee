/**
 * Pids a program from an earlier kernel still uses are passed over. Programs outlive a kernel
 * that restarts (a monolith brought back by the supervisor): one still holding pid N would
 * otherwise, on its next syscall, act as the new kernel's process N — write to its descriptors,
 * with its credentials. Linux never meets this (a reboot ends every process); here, before a pid
 * is handed out, its terminal subject (natix.tty.<pid>, served by every program's libc) is pinged:
 * "no responders" means free, anything else (an answer, or no answer in time) means in use.
 * Spawns are taken one at a time so that the pid probed is the pid given.
 */
import type { NatsConnection } from "@nats-io/transport-node";
import type { Logger } from "pino";
import type { Kernel, ProcessInfo } from "../../kernel-core/kernel.js";
import type { SpawnRequest } from "../../kernel-core/processes.js";
import { terminalGone } from "./liveness.js";

const PROBE_MS = 500;
/** After this many pids in a row in use, stop probing (a flood of stale programs is not likely). */
const MAX_PASSED = 1024;

/** A spawn that never hands out a pid some live program still answers as. */
export function probingSpawner(nc: NatsConnection, kernel: Kernel, log: Logger): (req: SpawnRequest) => Promise<ProcessInfo> {
  let queue: Promise<unknown> = Promise.resolve();
  const spawn = async (req: SpawnRequest) => {
    for (let passed = 0; passed < MAX_PASSED; passed++) {
      const pid = kernel.processes.nextCandidate();
      if (await terminalGone(nc, pid, PROBE_MS)) break;
      log.info(`pid ${pid} is still used by a program from before this kernel started; passed over`);
      kernel.processes.passOver(pid);
    }
    return kernel.spawn(req);
  };
  return (req) => {
    const next = queue.then(() => spawn(req));
    queue = next.catch(() => {});
    return next;
  };
}
