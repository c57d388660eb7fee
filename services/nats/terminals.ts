/** Program terminals reached over NATS (natix.tty.<pid>), for the tty driver. */
import type { NatsConnection } from "@nats-io/transport-node";
import type { TerminalDirectory } from "../../servers/tty/driver.js";
import {
  TERM_OP,
  TERM_STATUS,
  decodeTerminalReply,
  encodeTerminalRequest,
} from "../../kernel-core/abi/terminal.js";
import { SUBJECTS } from "../../kernel-core/abi/subjects.js";
import { E } from "../../kernel-core/errno.js";
import { requestWithRetry } from "../../transport/resend.js";

const EMPTY = new Uint8Array(0);

export function natsTerminals(nc: NatsConnection, writeBudgetMs: number): TerminalDirectory {
  return {
    terminal(pid) {
      const subject = SUBJECTS.tty(pid);
      return {
        async write(stream, data) {
          const req = encodeTerminalRequest({ op: TERM_OP.WRITE, stream, max: data.length, waitMs: 0, data });
          const r = await requestWithRetry(nc, subject, req, writeBudgetMs);
          const reply = r.ok ? decodeTerminalReply(r.data) : undefined;
          if (reply?.status === TERM_STATUS.BROKEN) return -E.EPIPE;
          if (reply === undefined || reply.status !== TERM_STATUS.DONE) return -E.EIO;
          return reply.count;
        },
        async isatty(stream) {
          const req = encodeTerminalRequest({ op: TERM_OP.ISATTY, stream, max: 0, waitMs: 0, data: EMPTY });
          const r = await requestWithRetry(nc, subject, req, writeBudgetMs);
          const reply = r.ok ? decodeTerminalReply(r.data) : undefined;
          if (reply === undefined || reply.status !== TERM_STATUS.DONE) throw new Error(`terminal of pid ${pid} unreachable`);
          return reply.count === 1;
        },
        async read(max, waitMs) {
          const req = encodeTerminalRequest({ op: TERM_OP.READ, stream: 0, max, waitMs, data: EMPTY });
          const r = await requestWithRetry(nc, subject, req, waitMs + 1000);
          const reply = r.ok ? decodeTerminalReply(r.data) : undefined;
          if (reply === undefined || reply.status === TERM_STATUS.FAILED) throw new Error(`terminal of pid ${pid} unreachable`);
          return reply.status === TERM_STATUS.AGAIN ? null : reply.data;
        },
      };
    },
  };
}
