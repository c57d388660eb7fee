/**
 * Request/reply for the syscall path, on one connection: a publish with a reply subject under
 * one wildcard subscription of the connection's own inbox, as nats.js's own request does — but
 * without what nats.js does for every request besides. Its request builds an Error each time one
 * *succeeds* (RequestOne.cancel rejects its settled promise with a new RequestError, stack and
 * all), plus a second promise and a race: 8–9 µs of a 60 µs caller's CPU per call on this VM,
 * on the critical path (it runs before the caller sees its reply). Here an Error is made only
 * for a request that fails.
 *
 * It fails the way nats.js's request does, with nats.js's own error classes, so
 * classifyRequestError (nats-errors.ts) reads both alike: no responders (the 503 status the
 * server sends when nobody is subscribed) → NoRespondersError; no answer in time →
 * TimeoutError; the connection closed → ClosedConnectionError; a publish the bus refused (this
 * user may not publish there) → the bus's PermissionViolationError, at once rather than at the
 * timeout (nats.js's request does the same).
 */
import { createInbox, errors, type Msg, type MsgHdrs, type NatsConnection } from "@nats-io/transport-node";
import { timerMs } from "./timer.js";

export interface RequestOptions {
  timeout: number;
  headers?: MsgHdrs;
}

interface Pending {
  readonly subject: string;
  readonly resolve: (msg: Msg) => void;
  readonly reject: (err: Error) => void;
  readonly timer: NodeJS.Timeout;
}

/** The 503 status nats-server answers with when a request reached no subscriber. */
const NO_RESPONDERS = 503;

export class Requester {
  private readonly base: string;
  private readonly pending = new Map<string, Pending>();
  private next = 0;
  /** Why no request can be answered any more (the inbox refused, the connection closed). */
  private broken: Error | undefined;

  constructor(private readonly nc: NatsConnection) {
    // The inbox prefix the bus lets this user read (nats.js keeps it in the connection's options).
    const prefix = (nc as unknown as { options?: { inboxPrefix?: string } }).options?.inboxPrefix;
    this.base = `${createInbox(prefix)}.`;
    nc.subscribe(`${this.base}*`, { callback: (err, msg) => (err ? this.failAll(err) : this.answer(msg)) });
    void nc.closed().then(() => this.failAll(new errors.ClosedConnectionError()));
    void this.watchRefusals();
  }

  request(subject: string, data: Uint8Array, opts: RequestOptions): Promise<Msg> {
    if (this.broken !== undefined) return Promise.reject(this.broken);
    const token = (this.next++).toString(36);
    return new Promise<Msg>((resolve, reject) => {
      const timer = setTimeout(() => this.settle(token)?.reject(new errors.TimeoutError()), timerMs(opts.timeout));
      this.pending.set(token, { subject, resolve, reject, timer });
      try {
        this.nc.publish(subject, data, { reply: this.base + token, headers: opts.headers });
      } catch (err) {
        this.settle(token)?.reject(err as Error); // closed or draining: as nats.js throws it
      }
    });
  }

  private settle(token: string): Pending | undefined {
    const p = this.pending.get(token);
    if (p === undefined) return undefined;
    this.pending.delete(token);
    clearTimeout(p.timer);
    return p;
  }

  private answer(msg: Msg): void {
    const p = this.settle(msg.subject.slice(this.base.length));
    if (p === undefined) return; // late (timed out) or not ours
    if (msg.data.length === 0 && msg.headers?.code === NO_RESPONDERS) p.reject(new errors.NoRespondersError(p.subject));
    else p.resolve(msg);
  }

  private failAll(err: Error): void {
    this.broken = err;
    for (const token of [...this.pending.keys()]) this.settle(token)?.reject(err);
  }

  /** The bus refused a publish: the oldest request on that subject is the one it refused. */
  private async watchRefusals(): Promise<void> {
    for await (const s of this.nc.status()) {
      if (s.type !== "error" || !(s.error instanceof errors.PermissionViolationError) || s.error.operation !== "publish") continue;
      for (const [token, p] of this.pending) {
        if (p.subject !== s.error.subject) continue;
        this.settle(token)?.reject(s.error);
        break;
      }
    }
  }
}

const requesters = new WeakMap<NatsConnection, Requester>();

/** The connection's requester, made on first use. */
export function requesterOf(nc: NatsConnection): Requester {
  let r = requesters.get(nc);
  if (r === undefined) requesters.set(nc, (r = new Requester(nc)));
  return r;
}
