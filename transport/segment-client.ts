/**
 * Shared segments, the caller's side (docs/abi.md, "Segments"; the door's side is
 * segment-door.ts). A process keeps one segment per door it sends large calls to. The first
 * large call opens it (one round trip, once); from then on a call whose frame, or whose reply,
 * is at least SEGMENT_THRESHOLD bytes puts those bytes in a region of the segment and sends only
 * the Natix-Seg-Call header on the bus.
 *
 * A region belongs to one call. It is reused only once no attempt of that call can still be
 * answered: an attempt given up on (timed out) might yet be run by a slow door and write its
 * reply there, so the whole segment is then retired (closed here; the door drops it when the
 * next one is opened or the process exits) and a new one opened for the next large call.
 *
 * Anything that keeps a segment from working — another host (the path is not there, or holds
 * other bytes), a door without segments, a full tmpfs — sends the call in the message instead:
 * a segment is a shortcut, never a requirement.
 */
import type { Msg, NatsConnection } from "@nats-io/transport-node";
import { closeSync, fstatSync, openSync, readSync, writeSync } from "node:fs";
import { E } from "../kernel-core/errno.js";
import { DIR_OUT, FRAME_TYPE } from "../kernel-core/abi/frame.js";
import { ERROR_HEADER, exchange, wholeReply } from "./pieces.js";
import { SEG_CALL_HEADER, SEG_HEAD, SEG_HEADER, SEG_MAX_BYTES, SEG_MIN_BYTES, SEG_OPEN_HEADER, SEG_REPLY_HEADER } from "./segment-door.js";
import { oneHeader } from "./headers.js";
import { requesterOf } from "./requester.js";
import type { RequestOutcome } from "./resend.js";
import { classifyRequestError } from "./nats-errors.js";

/** Calls moving fewer bytes than this each way stay in the message: a bus round trip carries them at no extra cost. */
export const SEGMENT_THRESHOLD = 32 * 1024;
/** Segment size asked for by default: the largest a door grants, room for the largest frame each way (sparse: only the pages a call touches are memory). */
export const DEFAULT_SEGMENT_BYTES = SEG_MAX_BYTES;
/** After a door had no room for a segment, how long to keep to the bus before asking again. */
const RETRY_AFTER_MS = 30_000;
/** How long an open may take at most: the door answers it at once, or is not there. */
const OPEN_TIMEOUT_MS = 2000;
const EMPTY = new Uint8Array(0);

/**
 * The segment size a caller asks for: NATIX_SEGMENT_MIB (0: none, every call in messages, as
 * before segments — for comparisons), else `fallback`.
 */
export function segmentBytesFromEnv(fallback = DEFAULT_SEGMENT_BYTES, env: NodeJS.ProcessEnv = process.env): number {
  const text = env.NATIX_SEGMENT_MIB;
  if (text === undefined || text === "") return fallback;
  const mib = Number(text);
  if (!Number.isFinite(mib) || mib < 0) throw new Error(`natix: NATIX_SEGMENT_MIB must be a number of MiB (0 for none), not ${JSON.stringify(text)}`);
  return mib === 0 ? 0 : Math.max(SEG_MIN_BYTES, Math.round(mib * 1024 * 1024));
}

interface Open {
  readonly id: string;
  readonly fd: number;
  readonly bytes: number;
  /** Regions in use: offset → length, in no order (a process has a few calls in flight at most). */
  readonly used: Map<number, number>;
  /** Calls using it now: a retired segment's file is closed only when the last is done (its fd must not be reused under them). */
  users: number;
  retired: boolean;
}

/** What one call will send: its frame, and the bytes its reply may need. */
export interface SegmentCallPlan {
  frame: Uint8Array;
  replyBytes: number;
  /**
   * The caller's out-buffers by argument: a reply with one out-buffer is read from the segment
   * straight into its target (no buffer of its own, no copy after), and handed back with that
   * out-buffer empty — nothing is left to copy.
   */
  into?: readonly (Uint8Array | readonly Uint8Array[] | undefined)[];
}

/** One attempt of a call, as requestResending makes it: to `subject`, within `timeoutMs`. */
export type SegmentAttempt = (subject: string, timeoutMs: number) => Promise<Uint8Array>;

/** A reply frame with one out-buffer: its header and descriptor, then the bytes. */
const ONE_BUFFER_HEAD = 16 + 8;

export class SegmentLink {
  private open: Open | undefined;
  private opening: Promise<void> | undefined;
  /** No segment until then (a door that refused, a path that is not here); Infinity: never. */
  private offUntil = 0;
  /** A large reply came back on this link (see wants). */
  private largeReplies = false;

  constructor(
    private readonly nc: NatsConnection,
    /** The door's subject this process sends its calls to. */
    readonly subject: string,
    private readonly bytes = DEFAULT_SEGMENT_BYTES,
  ) {}

  /**
   * One call: `send` makes it (requestResending or requestWithRetry), given the attempt function
   * that puts its bulk in the segment, or none — a call under SEGMENT_THRESHOLD each way is sent
   * at once, with nothing more on its path than this check.
   */
  request(plan: SegmentCallPlan, openBudgetMs: number, send: (attempt?: SegmentAttempt) => Promise<RequestOutcome>): Promise<RequestOutcome> {
    if (plan.frame.length < SEGMENT_THRESHOLD && plan.replyBytes < SEGMENT_THRESHOLD) return send();
    return this.requestLarge(plan, openBudgetMs, send);
  }

  private async requestLarge(plan: SegmentCallPlan, openBudgetMs: number, send: (attempt?: SegmentAttempt) => Promise<RequestOutcome>): Promise<RequestOutcome> {
    const use = (await this.wants(plan, openBudgetMs)) ? this.prepare(plan) : undefined;
    let r: RequestOutcome;
    try {
      r = await send(use?.attempt);
    } finally {
      use?.done();
    }
    if (r.ok && r.data.length >= SEGMENT_THRESHOLD) this.largeReplies = true;
    return r;
  }

  /**
   * Does a large call go by segment (opening the segment first if it is the first)? Only a
   * large reply's *room* is known before the call (a read with a 64 KiB buffer of a file of 10
   * bytes), so a call whose only large side is its reply waits until a large reply came back on
   * this link: a short-lived program reading small files never makes a segment.
   */
  private async wants(plan: SegmentCallPlan, timeoutMs: number): Promise<boolean> {
    if (plan.frame.length < SEGMENT_THRESHOLD && this.open === undefined && !this.largeReplies) return false;
    if (this.open === undefined && performance.now() >= this.offUntil) await (this.opening ??= this.connect(timeoutMs).finally(() => (this.opening = undefined)));
    return this.open !== undefined;
  }

  /**
   * A call's attempt function for requestResending: the call's regions are taken once and
   * shared by its attempts; `done` must be called when the call has its outcome.
   */
  private prepare(plan: SegmentCallPlan): { attempt: SegmentAttempt; done(): void } | undefined {
    const seg = this.open;
    if (seg === undefined) return undefined;
    const inSegment = plan.frame.length >= SEGMENT_THRESHOLD;
    const requestAt = inSegment ? this.take(seg, plan.frame.length) : 0;
    const replyCapacity = plan.replyBytes >= SEGMENT_THRESHOLD ? plan.replyBytes : 0;
    const replyAt = replyCapacity > 0 ? this.take(seg, replyCapacity) : 0;
    const release = () => {
      if (requestAt) seg.used.delete(requestAt);
      if (replyAt) seg.used.delete(replyAt);
    };
    if (requestAt === undefined || replyAt === undefined) return void release(); // full: in the message
    if (inSegment && !this.write(seg, plan.frame, requestAt)) return void release();
    seg.users++;
    const value = `${seg.id} ${replyAt} ${replyCapacity}` + (inSegment ? ` ${requestAt} ${plan.frame.length}` : "");
    const body = inSegment ? EMPTY : plan.frame;
    let flying = 0;
    let abandoned = false;
    // Only the first answer may go into the caller's buffers, and none once the call returned.
    let delivered = false;
    const attempt: SegmentAttempt = async (subject, timeoutMs) => {
      // Sent elsewhere (the kernel, when the door's server is gone): that door has no segment of ours.
      if (subject !== this.subject || this.open !== seg) return exchange(this.nc, subject, plan.frame, timeoutMs);
      const until = performance.now() + timeoutMs;
      const left = () => Math.max(1, Math.ceil(until - performance.now()));
      let reply: Msg;
      flying++;
      try {
        reply = await requesterOf(this.nc).request(subject, body, { timeout: timeoutMs, headers: oneHeader(SEG_CALL_HEADER, value) });
      } catch (err) {
        // Given up on, it may still run and write its reply: the region cannot be trusted again.
        if (classifyRequestError(err) !== "no-responders") abandoned = true;
        throw err;
      } finally {
        flying--;
      }
      const refused = reply.headers?.get(ERROR_HEADER);
      if (refused) {
        // The door refused the segment before running anything: the call goes in the message.
        this.refused(seg, Number(refused));
        return exchange(this.nc, subject, plan.frame, left());
      }
      const length = reply.headers?.get(SEG_REPLY_HEADER);
      if (!length) return wholeReply(this.nc, subject, reply, left);
      const n = Number(length);
      if (!delivered && plan.into !== undefined && Number.isSafeInteger(n) && n <= replyCapacity) {
        const head = this.deliver(seg, replyAt, n, plan.into);
        if (head !== undefined) {
          delivered = true;
          return head;
        }
      }
      const frame = new Uint8Array(Number.isSafeInteger(n) && n > 0 && n <= replyCapacity ? n : 0);
      if (frame.length === 0 || readSync(seg.fd, frame, 0, n, replyAt) !== n) throw new Error("natix: a reply in the segment could not be read");
      return frame;
    };
    return {
      attempt,
      done: () => {
        delivered = true; // a late answer must not write into buffers the program has back
        if (abandoned || flying > 0) this.retire(seg);
        else release();
        seg.users--;
        this.closeIfDone(seg);
      },
    };
  }

  /** Closes the segment (the process is ending). */
  close(): void {
    if (this.open !== undefined) this.retire(this.open);
    this.offUntil = Infinity;
  }

  private async connect(budgetMs: number): Promise<void> {
    // Within the call's budget, which may be unbounded (a driver's caller waits out a restart).
    const timeoutMs = Math.max(1, Math.min(budgetMs, OPEN_TIMEOUT_MS));
    let reply: Msg;
    try {
      reply = await requesterOf(this.nc).request(this.subject, EMPTY, { timeout: timeoutMs, headers: oneHeader(SEG_OPEN_HEADER, String(this.bytes)) });
    } catch {
      this.offUntil = performance.now() + 1000; // no answer now (the door restarting?): soon again
      return;
    }
    // (A header a message lacks reads as "", not undefined.)
    const refused = reply.headers?.get(ERROR_HEADER) || undefined;
    const granted = reply.headers?.get(SEG_HEADER) || undefined;
    if (refused !== undefined || granted === undefined) {
      this.offUntil = Number(refused) === E.EOPNOTSUPP ? Infinity : performance.now() + RETRY_AFTER_MS;
      return;
    }
    const opened = this.attach(granted);
    if (opened === undefined) {
      // Not on this host (or not the same file): this door's segments are of no use here.
      this.offUntil = Infinity;
      void requesterOf(this.nc).request(this.subject, EMPTY, { timeout: timeoutMs, headers: oneHeader(SEG_OPEN_HEADER, "0") }).catch(() => {});
      return;
    }
    this.open = opened;
  }

  /** Opens the file the door named and checks it is the door's: its size and its tag. */
  private attach(granted: string): Open | undefined {
    const [id, bytesText, tag, ...pathParts] = granted.split(" ");
    const bytes = Number(bytesText);
    const path = pathParts.join(" ");
    if (!id || !/^[0-9a-f]{32}$/.test(tag ?? "") || !Number.isSafeInteger(bytes) || bytes < SEG_MIN_BYTES || path === "") return undefined;
    let fd: number | undefined;
    try {
      fd = openSync(path, "r+");
      const st = fstatSync(fd);
      const head = new Uint8Array(16);
      if (!st.isFile() || st.size !== bytes || readSync(fd, head, 0, 16, 0) !== 16 || Buffer.from(head).toString("hex") !== tag) throw new Error("not the door's segment");
      return { id, fd, bytes, used: new Map(), users: 0, retired: false };
    } catch {
      if (fd !== undefined) closeSync(fd);
      return undefined;
    }
  }

  /**
   * A reply of `n` bytes at `at` whose only out-buffer fits its target: its bytes read straight
   * into the target, and its head returned with that buffer's length 0. Undefined (nothing
   * read into any target) for any other reply, which then takes the ordinary way.
   */
  private deliver(seg: Open, at: number, n: number, into: NonNullable<SegmentCallPlan["into"]>): Uint8Array | undefined {
    if (n <= ONE_BUFFER_HEAD) return undefined;
    const head = new Uint8Array(ONE_BUFFER_HEAD);
    if (readSync(seg.fd, head, 0, ONE_BUFFER_HEAD, at) !== ONE_BUFFER_HEAD) return undefined;
    const view = new DataView(head.buffer);
    if (view.getUint8(3) !== FRAME_TYPE.REPLY || view.getUint8(7) !== 1 || view.getUint8(17) !== DIR_OUT) return undefined;
    const target = into[view.getUint8(16)];
    const length = view.getUint32(20, true);
    if (!(target instanceof Uint8Array) || ONE_BUFFER_HEAD + length !== n || length > target.length) return undefined;
    if (readSync(seg.fd, target, 0, length, at + ONE_BUFFER_HEAD) !== length) throw new Error("natix: a reply in the segment could not be read");
    view.setUint32(20, 0, true);
    return head;
  }

  /** First fit after the head; undefined when no gap is large enough. */
  private take(seg: Open, length: number): number | undefined {
    const taken = [...seg.used].sort((a, b) => a[0] - b[0]);
    let at = SEG_HEAD;
    for (const [off, len] of taken) {
      if (off - at >= length) break;
      at = Math.max(at, off + len);
    }
    if (at + length > seg.bytes) return undefined;
    seg.used.set(at, length);
    return at;
  }

  private write(seg: Open, frame: Uint8Array, at: number): boolean {
    try {
      return writeSync(seg.fd, frame, 0, frame.length, at) === frame.length;
    } catch {
      return false;
    }
  }

  /** The door said no to a segment call: a stale id (a restarted door) is opened again next time. */
  private refused(seg: Open, errno: number): void {
    if (this.open === seg) this.retire(seg);
    if (errno === E.EOPNOTSUPP) this.offUntil = Infinity;
  }

  private retire(seg: Open): void {
    if (this.open === seg) this.open = undefined;
    seg.retired = true;
    this.closeIfDone(seg);
  }

  private closeIfDone(seg: Open): void {
    if (!seg.retired || seg.users !== 0) return;
    seg.users = -1; // closed: never twice
    closeSync(seg.fd);
  }
}
