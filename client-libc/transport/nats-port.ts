/**
 * libc over NATS: the process is created by a request to the kernel, its syscalls go to
 * natix.sys.<pid>, and its terminal answers on natix.tty.<pid>.
 *
 * Deadline: a call whose server does not answer within the kernel's deadline fails with
 * ETIMEDOUT. A call that reached no one (NATS "no responders": the kernel or, with reply
 * forwarding, the owning server is not subscribed) had no effect, so it is sent again with
 * backoff until the deadline, which is what makes a server restart invisible to callers.
 */
import { connect, type NatsConnection, type Msg } from "@nats-io/transport-node";
import type { SyscallReply, SyscallRequest } from "../../kernel-core/abi/frame.js";
import { FRAME_TYPE, decodeReply, encodeRequest } from "../../kernel-core/abi/frame.js";
import { decodeBatchReply, encodeBatch, frameType } from "../../kernel-core/abi/batch.js";
import type { ProcessInfo } from "../../kernel-core/kernel.js";
import type { SyscallDef } from "../../kernel-core/syscalls/types.js";
import type { Terminal } from "../../kernel-core/abi/terminal.js";
import {
  TERM_OP,
  TERM_STATUS,
  decodeTerminalRequest,
  encodeTerminalReply,
} from "../../kernel-core/abi/terminal.js";
import { SUBJECTS } from "../../kernel-core/abi/subjects.js";
import { E } from "../../kernel-core/errno.js";
import type { KernelPort } from "./port.js";
import { requestResending } from "./resend.js";
import { classifyRequestError } from "./nats-errors.js";

export interface NatsSpawnOptions {
  url: string;
  argv: string[];
  uid?: number;
  gid?: number;
  ppid?: number;
  terminal: Terminal;
  trace?: { token?: string; style?: { strsize?: number; column?: number }; tracer?: number };
}

const EMPTY = new Uint8Array(0);

export async function connectNats(url: string, name: string): Promise<NatsConnection> {
  try {
    // A comma-separated list is a cluster: connect to the first, fail over to the others.
    return await connect({
      servers: url.split(",").map((u) => u.trim()),
      noRandomize: true,
      name,
      noAsyncTraces: true,
      maxReconnectAttempts: -1,
      reconnectTimeWait: 250,
      timeout: 5000,
    });
  } catch (err) {
    throw new Error(`natix: cannot connect to NATS at ${url}: ${(err as Error).message}`);
  }
}

export async function spawnOverNats(opts: NatsSpawnOptions): Promise<KernelPort> {
  const nc = await connectNats(opts.url, `natix-proc:${opts.argv[0] ?? "?"}`);
  let info: ProcessInfo;
  try {
    const trace = opts.trace?.token ? { token: opts.trace.token, style: opts.trace.style, tracer: opts.trace.tracer } : undefined;
    const body = JSON.stringify({ argv: opts.argv, uid: opts.uid, gid: opts.gid, ppid: opts.ppid, trace });
    const m = await nc.request(SUBJECTS.spawn, body, { timeout: 5000 });
    info = m.json<ProcessInfo & { error?: string }>();
    if ((info as { error?: string }).error) throw new Error((info as { error?: string }).error);
  } catch (err) {
    await nc.close();
    const why = classifyRequestError(err);
    if (why === "no-responders" || why === "timeout") {
      throw new Error(`natix: no kernel answers at ${opts.url} (is \`natix up\` running there?)`);
    }
    throw err;
  }
  nc.subscribe(SUBJECTS.tty(info.pid), {
    callback: (err, msg) => {
      if (err === null) serveTerminal(opts.terminal, msg);
    },
  });
  await nc.flush();
  return new NatsPort(nc, info);
}

function serveTerminal(terminal: Terminal, msg: Msg): void {
  const req = decodeTerminalRequest(msg.data);
  if (req === undefined) {
    msg.respond(encodeTerminalReply({ status: TERM_STATUS.FAILED, count: 0, data: EMPTY }));
    return;
  }
  if (req.op === TERM_OP.PING) {
    msg.respond(encodeTerminalReply({ status: TERM_STATUS.DONE, count: 0, data: EMPTY }));
  } else if (req.op === TERM_OP.ISATTY) {
    void terminal.isatty(req.stream).then((yes) => msg.respond(encodeTerminalReply({ status: TERM_STATUS.DONE, count: yes ? 1 : 0, data: EMPTY })));
  } else if (req.op === TERM_OP.WRITE) {
    void terminal.write(req.stream, req.data).then((n) =>
      msg.respond(encodeTerminalReply({ status: n < 0 ? TERM_STATUS.FAILED : TERM_STATUS.DONE, count: Math.max(n, 0), data: EMPTY })),
    );
  } else {
    void terminal.read(req.max, req.waitMs).then((data) =>
      msg.respond(
        data === null
          ? encodeTerminalReply({ status: TERM_STATUS.AGAIN, count: 0, data: EMPTY })
          : encodeTerminalReply({ status: TERM_STATUS.DONE, count: data.length, data }),
      ),
    );
  }
}

class NatsPort implements KernelPort {
  private readonly subject: string;

  constructor(
    private readonly nc: NatsConnection,
    readonly info: ProcessInfo,
  ) {
    this.subject = SUBJECTS.sys(info.pid);
  }

  async call(request: SyscallRequest, idempotent = false): Promise<SyscallReply> {
    // An idempotent call is sent again each fifth of the deadline while unanswered (its answer
    // may have died with a killed server or replica), earlier attempts staying open.
    const slice = idempotent ? Math.max(250, this.info.deadlineMs / 5) : Infinity;
    const r = await requestResending(this.nc, this.subject, encodeRequest(request), performance.now() + this.info.deadlineMs, slice);
    if (!r.ok) return { ret: r.why === "timeout" ? -E.ETIMEDOUT : -E.EIO };
    const reply = decodeReply(r.data);
    return typeof reply === "number" ? { ret: -E.EIO } : reply;
  }

  async callBatch(requests: SyscallRequest[]): Promise<SyscallReply[]> {
    const all = (ret: number) => requests.map(() => ({ ret }));
    const r = await requestResending(this.nc, this.subject, encodeBatch(requests.map(encodeRequest)), performance.now() + this.info.deadlineMs);
    if (!r.ok) return all(r.why === "timeout" ? -E.ETIMEDOUT : -E.EIO);
    if (frameType(r.data) !== FRAME_TYPE.BATCH_REPLY) {
      // The kernel refused the batch as a whole: one reply with the errno.
      const one = decodeReply(r.data);
      return all(typeof one === "number" ? -E.EIO : one.ret);
    }
    const replies = decodeBatchReply(r.data);
    if (typeof replies === "number" || replies.length !== requests.length) return all(-E.EIO);
    return replies.map((x) => (typeof x === "number" ? { ret: -E.EIO } : x));
  }

  async definition(nr: number): Promise<SyscallDef | undefined> {
    try {
      const m = await this.nc.request(SUBJECTS.sysent, String(nr), { timeout: this.info.deadlineMs });
      return m.json<{ def: SyscallDef | null }>().def ?? undefined;
    } catch {
      return undefined;
    }
  }

  async close(): Promise<void> {
    await this.nc.drain().catch(() => this.nc.close());
  }
}
