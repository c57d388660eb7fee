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
import { classifyRequestError, retryDelay } from "./nats-errors.js";

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
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

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
    const frame = encodeRequest(request);
    const deadline = performance.now() + this.info.deadlineMs;
    // An idempotent call waits a fifth of the deadline per attempt: an answer lost with a
    // killed server (or replica) is asked for again instead of waited for until the end.
    const slice = idempotent ? Math.max(250, this.info.deadlineMs / 5) : Infinity;
    for (let attempt = 0; ; attempt++) {
      const left = deadline - performance.now();
      if (left <= 0) return { ret: -E.ETIMEDOUT };
      try {
        const m = await this.nc.request(this.subject, frame, { timeout: Math.ceil(Math.min(left, slice)) });
        const reply = decodeReply(m.data);
        return typeof reply === "number" ? { ret: -E.EIO } : reply;
      } catch (err) {
        const why = classifyRequestError(err);
        if (why === "timeout" && idempotent && deadline - performance.now() > 0) continue;
        if (why === "timeout") return { ret: -E.ETIMEDOUT };
        if (why !== "no-responders") return { ret: -E.EIO };
        await sleep(Math.min(retryDelay(attempt), Math.max(0, deadline - performance.now())));
      }
    }
  }

  async callBatch(requests: SyscallRequest[]): Promise<SyscallReply[]> {
    const frame = encodeBatch(requests.map(encodeRequest));
    const all = (ret: number) => requests.map(() => ({ ret }));
    const deadline = performance.now() + this.info.deadlineMs;
    for (let attempt = 0; ; attempt++) {
      const left = deadline - performance.now();
      if (left <= 0) return all(-E.ETIMEDOUT);
      try {
        const m = await this.nc.request(this.subject, frame, { timeout: Math.ceil(left) });
        if (frameType(m.data) !== FRAME_TYPE.BATCH_REPLY) {
          // The kernel refused the batch as a whole: one reply with the errno.
          const one = decodeReply(m.data);
          return all(typeof one === "number" ? -E.EIO : one.ret);
        }
        const replies = decodeBatchReply(m.data);
        if (typeof replies === "number" || replies.length !== requests.length) return all(-E.EIO);
        return replies.map((r) => (typeof r === "number" ? { ret: -E.EIO } : r));
      } catch (err) {
        const why = classifyRequestError(err);
        if (why === "timeout") return all(-E.ETIMEDOUT);
        if (why !== "no-responders") return all(-E.EIO);
        await sleep(Math.min(retryDelay(attempt), Math.max(0, deadline - performance.now())));
      }
    }
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
