/**
 * Reply subjects are checked by whoever answers: NATS checks who may publish a request, never
 * where its reply goes, so a program could otherwise send a frame on its own subject with the
 * reply subject of another process's terminal and have the answer delivered there. An answer
 * goes only under the caller's own inbox prefix; anything else gets no answer and a kernel log
 * line naming the caller and the refused subject (at most a few per caller per ten seconds, then
 * a count, so a flood cannot drown the log).
 */
import type { Logger } from "pino";
import { isAdminReply, isComponentReply, isProcessReply } from "../../kernel-core/abi/subjects.js";

const WINDOW_MS = 10_000;
const LINES_PER_WINDOW = 5;

export interface ReplyGuard {
  /** A request from process `pid` (on its own subject): its reply must be in the pid's inbox. */
  fromProcess(pid: number, reply: string, on: string): boolean;
  /** A request only kernel-side components send. */
  fromComponent(reply: string, on: string): boolean;
  /** A request the administrator's tools (or kernel-side components) send. */
  fromAdmin(reply: string, on: string): boolean;
  /** A routed syscall: answered to the caller process (forwarded) or to a component (mediated, linked). */
  forCaller(pid: number, reply: string, on: string): boolean;
}

export function replyGuard(log: Logger): ReplyGuard {
  const windows = new Map<string, { start: number; lines: number; suppressed: number }>();
  const refuse = (who: string, reply: string, on: string): false => {
    const now = Date.now();
    let w = windows.get(who);
    if (w === undefined || now - w.start > WINDOW_MS) {
      if (w?.suppressed) log.warn(`${who}: ${w.suppressed} more requests with a foreign reply subject refused`);
      w = { start: now, lines: 0, suppressed: 0 };
      windows.set(who, w);
      if (windows.size > 4096) windows.clear();
    }
    if (w.lines++ < LINES_PER_WINDOW) log.warn(`${who}: reply subject ${JSON.stringify(reply)} on ${on} is not its own inbox; refused`);
    else w.suppressed++;
    return false;
  };
  return {
    fromProcess: (pid, reply, on) => isProcessReply(reply, pid) || refuse(`pid ${pid}`, reply, on),
    fromComponent: (reply, on) => isComponentReply(reply) || refuse("a caller", reply, on),
    fromAdmin: (reply, on) => isAdminReply(reply) || isComponentReply(reply) || refuse("a caller", reply, on),
    forCaller: (pid, reply, on) => isProcessReply(reply, pid) || isComponentReply(reply) || refuse(`pid ${pid}`, reply, on),
  };
}
