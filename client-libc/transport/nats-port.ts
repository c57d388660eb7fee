/**
 * libc over NATS: the process is created by a request to the kernel (with the administrator's
 * credentials, which only trusted launchers hold), and then lives on a connection of its own,
 * with the credentials the kernel minted for the key pair libc made for it — the seed never
 * leaves this process. Its syscalls go to natix.sys.<pid>, its replies come back under its own
 * inbox (_INBOX.p.<pid>), and its terminal answers on natix.tty.<pid>.
 *
 * Deadline: a call whose server does not answer within the kernel's deadline fails with
 * ETIMEDOUT. A call that reached no one (NATS "no responders": the kernel or, with reply
 * forwarding, the owning server is not subscribed) had no effect, so it is sent again with
 * backoff until the deadline, which is what makes a server restart invisible to callers.
 *
 * Credentials end with the process: once nats-server says they were revoked, or refuses them
 * for longer than a restarted nats-server takes to learn them again, the kernel no longer knows
 * this process, and every call fails with ESRCH.
 */
import type { NatsConnection, Msg } from "@nats-io/transport-node";
import { createUser, fromSeed } from "@nats-io/nkeys";
import { fmtCreds } from "@nats-io/jwt";
import type { SyscallReply, SyscallRequest } from "../../kernel-core/abi/frame.js";
import { FRAME_TYPE, decodeReply, encodeRequest } from "../../kernel-core/abi/frame.js";
import { BATCH_LINK, decodeBatchReply, encodeBatch, frameType, restOfChain } from "../../kernel-core/abi/batch.js";
import type { ProcessInfo, RouteTable } from "../../kernel-core/kernel.js";
import type { SyscallDef } from "../../kernel-core/syscalls/types.js";
import type { Terminal } from "../../kernel-core/abi/terminal.js";
import {
  TERM_OP,
  TERM_STATUS,
  decodeTerminalRequest,
  encodeTerminalReply,
} from "../../kernel-core/abi/terminal.js";
import { INBOX, SUBJECTS } from "../../kernel-core/abi/subjects.js";
import { E } from "../../kernel-core/errno.js";
import type { ChildLaunch, KernelPort, OutTargets } from "./port.js";
import type { SignalNotice } from "../signals.js";
import { launchHostProcess } from "./host-child.js";
import { Departure } from "./departure.js";
import { ServerReturns, requestResending, type RequestOutcome } from "../../transport/resend.js";
import { classifyRequestError } from "../../transport/nats-errors.js";
import { deadlineFor, transferBytes } from "../../kernel-core/abi/xfer.js";
import { syscallByNr } from "../../kernel-core/syscalls/table.js";
import { connectNats } from "../../transport/nats-connect.js";
import { SegmentLink, segmentBytesFromEnv, type SegmentAttempt } from "../../transport/segment-client.js";

/** Bytes a reply may take: its header, a descriptor per argument, and every byte the call may bring back. */
function replyBound(request: SyscallRequest, moved: number): number {
  let sent = 0;
  for (const data of request.input) sent += data?.length ?? 0;
  return 16 + 8 * request.args.length + Math.max(0, moved - sent);
}

export interface NatsSpawnOptions {
  url: string;
  argv: string[];
  uid?: number;
  gid?: number;
  ppid?: number;
  terminal: Terminal;
  trace?: { token?: string; style?: { strsize?: number; column?: number }; tracer?: number };
  /** The administrator's credentials file to ask for the process with (default: found by URL). */
  credsPath?: string;
  /** Bytes of each shared segment (0: none); default segmentBytesFromEnv(). */
  segmentBytes?: number;
}

const EMPTY = new Uint8Array(0);
/** How long refused credentials may be a restarted nats-server not yet told of them. */
const AUTH_GRACE_MS = 3000;

export async function spawnOverNats(opts: NatsSpawnOptions): Promise<KernelPort> {
  const key = createUser();
  let info: ProcessInfo & { jwt?: string };
  const admin = await connectNats(opts.url, `natix-spawn:${opts.argv[0] ?? "?"}`, { credsPath: opts.credsPath });
  try {
    const trace = opts.trace?.token ? { token: opts.trace.token, style: opts.trace.style, tracer: opts.trace.tracer } : undefined;
    const body = JSON.stringify({ argv: opts.argv, uid: opts.uid, gid: opts.gid, ppid: opts.ppid, trace, key: key.getPublicKey() });
    const m = await admin.request(SUBJECTS.spawn, body, { timeout: 5000 });
    info = m.json<ProcessInfo & { jwt?: string; error?: string }>();
    if ((info as { error?: string }).error) throw new Error((info as { error?: string }).error);
  } catch (err) {
    const why = classifyRequestError(err);
    if (why === "no-responders" || why === "timeout") throw new Error(`natix: no kernel answers at ${opts.url} (is \`natix up\` running there?)`);
    throw err;
  } finally {
    await admin.close();
  }
  const { jwt, ...processInfo } = info;
  return attachOverNats({ url: opts.url, info: processInfo, jwt, seed: jwt ? new TextDecoder().decode(key.getSeed()) : undefined, terminal: opts.terminal, name: opts.argv[0] ?? "?", segmentBytes: opts.segmentBytes });
}

export interface NatsAttachOptions {
  url: string;
  /** The process the kernel created (by an administrator's spawn, or natix_spawn for a child). */
  info: ProcessInfo;
  /** Its minted credentials; none on an open bus. */
  jwt?: string;
  seed?: string;
  terminal: Terminal;
  name: string;
  /** Bytes of each shared segment (0: none); default segmentBytesFromEnv(). */
  segmentBytes?: number;
}

/** Becomes process `info.pid` on its own connection, with the credentials minted for it. */
export async function attachOverNats(opts: NatsAttachOptions): Promise<KernelPort> {
  const { info } = opts;
  const user = opts.jwt && opts.seed ? { jwt: opts.jwt, seed: new TextEncoder().encode(opts.seed) } : undefined;
  const nc = await connectNats(opts.url, `natix-proc:${opts.name}`, user ? { user, inboxPrefix: INBOX.process(info.pid) } : { creds: null, inboxPrefix: INBOX.process(info.pid) });
  nc.subscribe(SUBJECTS.tty(info.pid), {
    callback: (err, msg) => {
      if (err === null) serveTerminal(opts.terminal, msg);
    },
  });
  const port = new NatsPort(nc, info, user ? fmtCreds(user.jwt, fromSeed(user.seed)) : null, opts.url, opts.segmentBytes ?? segmentBytesFromEnv());
  nc.subscribe(SUBJECTS.sig(info.pid), {
    callback: (err, msg) => {
      if (err !== null) return;
      try {
        const n = msg.json<{ sig: number; notice: SignalNotice }>();
        port.signalListener?.(n.sig, n.notice);
      } catch {
        // not a notice: the kernel sends only these
      }
    },
  });
  await nc.flush();
  if (info.routing === "direct") await port.learnRoutes();
  return port;
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
      msg.respond(encodeTerminalReply({ status: n === -E.EPIPE ? TERM_STATUS.BROKEN : n < 0 ? TERM_STATUS.FAILED : TERM_STATUS.DONE, count: Math.max(n, 0), data: EMPTY })),
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
  /** natix.sys.<pid>: the kernel, for what it answers and for what has no direct route. */
  private readonly subject: string;
  /** Direct routing: syscall number → the owning server's subject for this pid. */
  private direct = new Map<number, string>();
  /**
   * The kernel publishes its route table whenever a server (re)registers: calls waiting on a
   * server that was down go again at once instead of at their next backoff step or slice.
   */
  private readonly returns = new ServerReturns();
  /** Traced (strace): every call goes through the kernel, which writes the trace. */
  private viaKernel = false;
  /** Settles the calls in flight once this process's credentials are gone for good (revoked, or refused). */
  private readonly departure = new Departure();
  /** A shared segment per door this process sends large calls to (none with NATIX_SEGMENT_MIB=0). */
  private readonly segments = new Map<string, SegmentLink>();

  /** Where signal notices go (the process's SignalState). */
  signalListener: ((sig: number, notice: SignalNotice) => void) | undefined;

  constructor(
    private readonly nc: NatsConnection,
    readonly info: ProcessInfo,
    /** Its .creds (JWT and seed), or null on an open bus. */
    readonly credentials: Uint8Array | null,
    private readonly url: string,
    /** Bytes of each segment shared with a door on this host; 0: every byte in messages. */
    private readonly segmentBytes: number,
  ) {
    this.subject = SUBJECTS.sys(info.pid);
    void this.watchCredentials(() => this.departure.leave());
  }

  get bus(): NatsConnection {
    return this.nc;
  }

  /**
   * Direct routing: follow the kernel's route table — subscribed first, then asked for, so no
   * change falls between the two. Until it is known (or if asking fails), calls go through the
   * kernel, which forwards them: slower, never wrong.
   */
  async learnRoutes(): Promise<void> {
    const take = (table: RouteTable) => {
      const direct = new Map<number, string>();
      for (const [nr, server] of Object.entries(table.routes ?? {})) direct.set(Number(nr), SUBJECTS.direct(server, this.info.pid));
      this.direct = direct;
      this.viaKernel = (table.traced ?? []).includes(this.info.pid);
    };
    let latest: RouteTable | undefined;
    this.nc.subscribe(SUBJECTS.routes, {
      callback: (err, msg) => {
        if (err !== null) return;
        try {
          take((latest = msg.json<RouteTable>()));
          this.returns.announce();
        } catch {
          // not a table: keep the routes there are
        }
      },
    });
    try {
      const asked = (await this.nc.request(SUBJECTS.sysRoutes(this.info.pid), "", { timeout: this.info.deadlineMs })).json<RouteTable>();
      if (latest === undefined) take(asked);
    } catch {
      // no routes: everything through the kernel
    }
  }

  /** A server refused a direct call because this process is traced: through the kernel from now. */
  private redirected(ret: number): boolean {
    if (ret !== -E.EVIAKERNEL) return false;
    this.viaKernel = true;
    return true;
  }

  /**
   * Revoked: gone. Refused by the very server that had accepted them: the account changed under
   * them (a kernel that restarted no longer vouches for this process): gone. Refused by another
   * server (a restarted nats-server, another node of a cluster): it may not have learnt the
   * account yet; gone only if that lasts AUTH_GRACE_MS.
   */
  private async watchCredentials(onGone: () => void): Promise<void> {
    let refusedSince: number | undefined;
    let timer: NodeJS.Timeout | undefined;
    let accepted = this.nc.info?.server_id;
    const end = () => {
      if (this.departure.gone) return;
      clearTimeout(timer);
      onGone();
      void this.nc.close().catch(() => {});
    };
    for await (const s of this.nc.status()) {
      const text = s.type === "error" ? String((s as { error?: Error }).error?.message ?? "") : "";
      if (/Authentication Revoked/i.test(text)) end();
      else if (/Authorization Violation/i.test(text) && this.nc.info?.server_id === accepted) end();
      else if (/Authorization Violation/i.test(text) && refusedSince === undefined) {
        refusedSince = Date.now();
        timer = setTimeout(end, AUTH_GRACE_MS);
        timer.unref();
      } else if (s.type === "reconnect") {
        accepted = this.nc.info?.server_id;
        refusedSince = undefined;
        clearTimeout(timer);
      }
    }
  }

  async call(request: SyscallRequest, idempotent = false, targets?: OutTargets): Promise<SyscallReply> {
    if (this.departure.gone) return { ret: -E.ESRCH };
    const subject = (!this.viaKernel && this.direct.get(request.nr)) || this.subject;
    const reply = await this.departure.race(this.send(subject, request, idempotent, targets), { ret: -E.ESRCH });
    if (subject !== this.subject && this.redirected(reply.ret)) return this.call(request, idempotent, targets);
    return reply;
  }

  private async send(subject: string, request: SyscallRequest, idempotent: boolean, targets?: OutTargets): Promise<SyscallReply> {
    // A call moving many bytes has a deadline to match (kernel-core/abi/xfer.ts). An idempotent
    // call is sent again each fifth of it while unanswered (its answer may have died with a
    // killed server or replica), earlier attempts staying open.
    const moved = transferBytes(request, syscallByNr(request.nr));
    const deadlineMs = deadlineFor(this.info.deadlineMs, moved);
    const slice = idempotent ? Math.max(250, deadlineMs / 5) : Infinity;
    const frame = encodeRequest(request);
    const sendVia = (attempt?: SegmentAttempt) => requestResending(this.nc, subject, frame, performance.now() + deadlineMs, slice, this.subject, this.returns, attempt);
    // A large call's bulk through memory shared with the door, when the door is on this host (segment-client.ts).
    const link = this.segmentLink(subject);
    const r = await (link === undefined ? sendVia() : link.request({ frame, replyBytes: replyBound(request, moved), into: targets }, this.info.deadlineMs, sendVia));
    if (!r.ok) return { ret: r.why === "timeout" ? -E.ETIMEDOUT : -E.EIO };
    const reply = decodeReply(r.data);
    return typeof reply === "number" ? { ret: -E.EIO } : reply;
  }

  private segmentLink(subject: string): SegmentLink | undefined {
    if (this.segmentBytes === 0) return undefined;
    let link = this.segments.get(subject);
    if (link === undefined) this.segments.set(subject, (link = new SegmentLink(this.nc, subject, this.segmentBytes)));
    return link;
  }

  /**
   * A batch goes straight to its server when every call in it has the same direct route;
   * otherwise to the kernel, which splits it. Calls a server sent back (traced) go again
   * through the kernel — in a chain, the rest of the chain from the first one sent back, with
   * the results of the entries already run filled in.
   */
  async callBatch(requests: SyscallRequest[], linked = false): Promise<SyscallReply[]> {
    const first = this.viaKernel ? undefined : this.direct.get(requests[0]?.nr ?? -1);
    const subject = first !== undefined && requests.every((r) => this.direct.get(r.nr) === first) ? first : this.subject;
    const replies = await this.sendBatch(subject, requests, linked);
    if (subject === this.subject || !replies.some((r) => this.redirected(r.ret))) return replies;
    if (linked) {
      const from = replies.findIndex((r) => r.ret === -E.EVIAKERNEL);
      const done = replies.slice(0, from).map((r) => r.ret);
      return [...replies.slice(0, from), ...(await this.sendBatch(this.subject, restOfChain(requests.slice(from), done), true))];
    }
    const again = requests.filter((_, i) => replies[i].ret === -E.EVIAKERNEL);
    const redone = await this.sendBatch(this.subject, again);
    let k = 0;
    return replies.map((r) => (r.ret === -E.EVIAKERNEL ? redone[k++] : r));
  }

  private async sendBatch(subject: string, requests: SyscallRequest[], linked = false): Promise<SyscallReply[]> {
    const all = (ret: number) => requests.map(() => ({ ret }));
    if (this.departure.gone) return all(-E.ESRCH);
    const r = await this.departure.race<RequestOutcome | undefined>(
      requestResending(this.nc, subject, encodeBatch(requests.map(encodeRequest), linked ? BATCH_LINK : 0), performance.now() + this.info.deadlineMs, Infinity, this.subject, this.returns),
      undefined,
    );
    if (r === undefined) return all(-E.ESRCH);
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

  onSignal(listener: (sig: number, notice: SignalNotice) => void): void {
    this.signalListener = listener;
  }

  /** A child's key pair: only on an isolated bus, where the kernel mints credentials for it. */
  childKey(): { publicKey: string; seed: string } | null {
    if (this.credentials === null) return null;
    const k = createUser();
    return { publicKey: k.getPublicKey(), seed: new TextDecoder().decode(k.getSeed()) };
  }

  /** A child runs in an OS process of its own, as every emulated process over NATS does. */
  launch(child: ChildLaunch): Promise<void> {
    return launchHostProcess(this.url, child);
  }

  async definition(nr: number): Promise<SyscallDef | undefined> {
    try {
      const m = await this.nc.request(SUBJECTS.sysent(this.info.pid), String(nr), { timeout: this.info.deadlineMs });
      return m.json<{ def: SyscallDef | null }>().def ?? undefined;
    } catch {
      return undefined;
    }
  }

  /**
   * After exit: nothing is in flight any more (exit_group was answered), and the kernel is
   * revoking the credentials — a drain could wait forever on a connection that can no longer
   * come back — so close.
   */
  async close(): Promise<void> {
    this.departure.leave();
    for (const link of this.segments.values()) link.close();
    if (!this.nc.isClosed()) await this.nc.close().catch(() => {});
  }
}
