/**
 * Notices programs that died without exit(): every second the kernel pings each process's
 * terminal (natix.tty.<pid>, served by the program's own libc). "No responders" means its
 * connection is gone — the program was killed or crashed — and the kernel ends the process, so
 * every server releases what it held (descriptors, memory). A slow answer is not death.
 */
import type { NatsConnection } from "@nats-io/transport-node";
import type { Logger } from "pino";
import type { Kernel } from "../../kernel-core/kernel.js";
import { SUBJECTS } from "../../kernel-core/abi/subjects.js";
import { TERM_OP, encodeTerminalRequest } from "../../kernel-core/abi/terminal.js";
import { classifyRequestError } from "../../transport/nats-errors.js";

const INTERVAL_MS = 1000;
/** A process younger than this may not have subscribed its terminal yet. */
const GRACE_MS = 2000;
/** A spawned child whose program has not started: its OS process is still starting (node). */
const LAUNCH_GRACE_MS = 30_000;
const PING = encodeTerminalRequest({ op: TERM_OP.PING, stream: 0, max: 0, waitMs: 0, data: new Uint8Array(0) });
/** The status a process killed by SIGKILL reports (128 + 9). */
export const KILLED_STATUS = 137;

/**
 * Whether pid's terminal has no subscriber: its program's connection is gone. An answer, or no
 * answer within `timeoutMs` (a busy program), is not that.
 */
export async function terminalGone(nc: NatsConnection, pid: number, timeoutMs: number): Promise<boolean> {
  try {
    await nc.request(SUBJECTS.tty(pid), PING, { timeout: timeoutMs });
    return false;
  } catch (err) {
    return classifyRequestError(err) === "no-responders";
  }
}

export function watchProcesses(nc: NatsConnection, kernel: Kernel, log: Logger): () => void {
  const probing = new Set<number>();
  const timer = setInterval(() => {
    const now = kernel.uptimeMs();
    for (const p of kernel.processes.list()) {
      if (p.state !== "running" || now - p.startedAt < (p.launching ? LAUNCH_GRACE_MS : GRACE_MS) || probing.has(p.pid)) continue;
      probing.add(p.pid);
      terminalGone(nc, p.pid, 2000)
        .then((gone) => {
          if (!gone || kernel.process(p.pid)?.state !== "running") return;
          log.info(`process ${p.pid} (${p.comm}) vanished without exit; releasing its resources`);
          kernel.exit(p.pid, KILLED_STATUS, "SIGKILL");
        })
        .finally(() => probing.delete(p.pid));
    }
  }, INTERVAL_MS);
  timer.unref();
  return () => clearInterval(timer);
}
