/**
 * Frames larger than one NATS message, carried as pieces (docs/abi.md, "Pieces").
 *
 * A frame (one call, or its reply) may be up to LIMITS.MAX_FRAME, but NATS carries at most its
 * max_payload in one message. Rather than make every handler and the kernel's routing and strace
 * deal in fragments, the transport cuts a large frame into pieces and puts it back together at
 * the door that decodes frames: handlers see one whole frame, as before.
 *
 * Request: pieces 0..k−2 go as requests on the call's own subject, each with a Natix-Piece header
 * and each answered by an empty ack; the last piece goes the same way and is answered by the
 * call's reply. The subject carries the caller's pid (natix.sys.<pid>, natix.srv.<name>.<pid>),
 * and only process <pid> may publish there, so assemblies are keyed by (subject, transfer id) and
 * nobody can inject into another's transfer. Pieces go on one connection, up to PIECE_WINDOW
 * unanswered at once, so they arrive in order; one that breaks the rules is answered with a Natix-Error header and an errno reply,
 * and its assembly is dropped. Nothing runs until the last piece is in: a sender that loses a
 * piece (a server killed part-way) sends the whole frame again under a new id, and the first
 * attempt can never apply.
 *
 * Reply: a reply over one message is answered with its first piece and a Natix-Reply header
 * announcing the total; the rest stay staged at the door until fetched (Natix-Fetch requests on
 * the same subject, one piece each) or until the deadline.
 *
 * A transfer must reach one instance: servers that hold state (vfs, mem) run one; a replicated
 * server's calls (hello) are small and never travel as pieces.
 */
import type { Msg, MsgHdrs, NatsConnection } from "@nats-io/transport-node";
import { randomBytes } from "node:crypto";
import { LIMITS } from "../kernel-core/abi/limits.js";
import { encodeResult } from "../kernel-core/abi/frame.js";
import { E } from "../kernel-core/errno.js";
import { classifyRequestError } from "./nats-errors.js";
import { SEG_CALL_HEADER, SEG_HEADER, SEG_OPEN_HEADER, SEG_REPLY_HEADER, type SegmentCall, type SegmentDoor } from "./segment-door.js";
import { oneHeader } from "./headers.js";
import { requesterOf } from "./requester.js";

/** A request piece: `<id> <index> <count> <total>`. */
export const PIECE_HEADER = "Natix-Piece";
/** The first piece of a large reply: `<id> <total>`. */
export const REPLY_HEADER = "Natix-Reply";
/** A request for the staged piece of a reply at `<offset>`: `<id> <offset>`. */
export const FETCH_HEADER = "Natix-Fetch";
/** A refused piece or fetch: `<errno>`; the body is a reply frame with −errno. */
export const ERROR_HEADER = "Natix-Error";

/** Bytes of every piece but the last. */
export const PIECE_BYTES = LIMITS.MAX_MESSAGE;

const EMPTY = new Uint8Array(0);
const ID = /^[A-Za-z0-9_-]{1,64}$/;

const newId = () => randomBytes(9).toString("base64url");
const piecesOf = (total: number) => Math.ceil(total / PIECE_BYTES);
const pieceSize = (total: number, index: number) => Math.min(PIECE_BYTES, total - index * PIECE_BYTES);

/** A message a door answers: a core NATS message or a service's. */
export interface DoorMsg {
  readonly subject: string;
  readonly data: Uint8Array;
  readonly headers?: MsgHdrs;
  respond(data?: Uint8Array, opts?: { headers?: MsgHdrs }): boolean;
}

/** A refusal: the errno in a header (so a sender tells it from an ack) and as a reply frame. */
function refuse(msg: DoorMsg, errno: number): void {
  msg.respond(encodeResult(-errno), { headers: oneHeader(ERROR_HEADER, String(errno)) });
}

/** Is it a piece of a request, or a fetch of a reply's (rather than a whole frame)? */
export function isPieceMessage(msg: DoorMsg): boolean {
  const h = msg.headers;
  return h !== undefined && (h.has(PIECE_HEADER) || h.has(FETCH_HEADER));
}

// ---- the sender's side -------------------------------------------------------------------

/** Thrown when a reply's pieces could not be fetched: the call ran, so it must not be sent again. */
export class LostReply extends Error {}

/**
 * One request of any size, and its whole reply. Rejects as a request does (requester.ts: no
 * responders, timeout) while nothing can have run — before the last piece is answered — so a resend is safe;
 * once the reply has begun it resolves, with an errno reply if the rest cannot be fetched.
 */
export async function exchange(nc: NatsConnection, subject: string, payload: Uint8Array, timeoutMs: number): Promise<Uint8Array> {
  const until = performance.now() + timeoutMs;
  const left = () => Math.max(1, Math.ceil(until - performance.now()));
  const reply = payload.length <= PIECE_BYTES ? await requesterOf(nc).request(subject, payload, { timeout: timeoutMs }) : await sendPieces(nc, subject, payload, left);
  return wholeReply(nc, subject, reply, left);
}

/** The whole reply frame a reply message begins: itself, or the rest fetched from the door. */
export function wholeReply(nc: NatsConnection, subject: string, reply: Msg, left: () => number): Uint8Array | Promise<Uint8Array> {
  if (reply.headers?.has(ERROR_HEADER)) return reply.data;
  const announced = reply.headers?.get(REPLY_HEADER);
  return announced ? fetchRest(nc, subject, reply.data, announced, left) : reply.data;
}

/**
 * Pieces (or fetches) one transfer keeps unanswered at once: the bus carries the next while the
 * receiver takes the last, and a 64 MiB frame still never sits whole in nats-server's buffers
 * (a receiver that far behind would be cut off as a slow consumer).
 */
export const PIECE_WINDOW = 4;

/**
 * A frame's pieces, up to PIECE_WINDOW unanswered at once. One connection's messages reach the
 * door in the order they were sent, so the door still assembles them in order. The reply is the
 * last piece's (the call's), or the first refusal: a refused piece ends the assembly, and the
 * pieces behind it are refused too.
 */
async function sendPieces(nc: NatsConnection, subject: string, payload: Uint8Array, left: () => number): Promise<Msg> {
  const id = newId();
  const count = piecesOf(payload.length);
  const replies: Promise<Msg>[] = [];
  const send = (i: number) => {
    const piece = payload.subarray(i * PIECE_BYTES, i * PIECE_BYTES + pieceSize(payload.length, i));
    const reply = requesterOf(nc).request(subject, piece, { timeout: left(), headers: oneHeader(PIECE_HEADER, `${id} ${i} ${count} ${payload.length}`) });
    reply.catch(() => {}); // awaited in order below; one that fails behind an earlier failure is moot
    replies.push(reply);
  };
  for (let i = 0; i < Math.min(PIECE_WINDOW, count); i++) send(i);
  for (let i = 0; ; i++) {
    const reply = await replies[i];
    if (i === count - 1 || reply.headers?.has(ERROR_HEADER)) return reply;
    if (replies.length < count) send(replies.length);
  }
}

/** The rest of a reply announced as `<id> <total>`, one piece per request, up to PIECE_WINDOW at once. */
async function fetchRest(nc: NatsConnection, subject: string, first: Uint8Array, announced: string, left: () => number): Promise<Uint8Array> {
  const [id, totalText] = announced.split(" ");
  const total = Number(totalText);
  if (!ID.test(id ?? "") || !Number.isSafeInteger(total) || total > LIMITS.MAX_FRAME || first.length !== pieceSize(total, 0) || total <= PIECE_BYTES) {
    return encodeResult(-E.EIO);
  }
  const whole = new Uint8Array(total);
  whole.set(first);
  const offsets: number[] = [];
  for (let at = first.length; at < total; at += PIECE_BYTES) offsets.push(at);
  const fetches: Promise<Msg>[] = [];
  const fetchAt = (at: number) => {
    const m = requesterOf(nc).request(subject, EMPTY, { timeout: left(), headers: oneHeader(FETCH_HEADER, `${id} ${at}`) });
    m.catch(() => {}); // awaited in order below
    fetches.push(m);
  };
  for (let k = 0; k < Math.min(PIECE_WINDOW, offsets.length); k++) fetchAt(offsets[k]);
  for (let k = 0; k < offsets.length; k++) {
    let m: Msg;
    try {
      m = await fetches[k];
    } catch (err) {
      return encodeResult(classifyRequestError(err) === "timeout" ? -E.ETIMEDOUT : -E.EIO);
    }
    if (m.headers?.has(ERROR_HEADER) || m.data.length !== pieceSize(total, offsets[k] / PIECE_BYTES)) return encodeResult(-E.EIO);
    whole.set(m.data, offsets[k]);
    if (fetches.length < offsets.length) fetchAt(offsets[fetches.length]);
  }
  return whole;
}

// ---- the receiver's side -----------------------------------------------------------------

export interface PieceDoorOptions {
  /** How long an assembly or a staged reply is kept after its last piece: the call's deadline. */
  ttlMs: number;
  /** Transfers one subject may have under way at once, each way. */
  perSubject?: number;
  /** Bytes the door holds at most, assemblies and staged replies together. */
  maxHeldBytes?: number;
  /** Shared segments with callers on this host (segment-door.ts); without, a segment call is EOPNOTSUPP. */
  segments?: SegmentDoor;
}

interface Held {
  readonly subject: string;
  bytes: number;
  timer: NodeJS.Timeout;
}
interface Assembly extends Held {
  readonly total: number;
  readonly parts: Uint8Array[];
}
interface Staged extends Held {
  readonly frame: Uint8Array;
}

/**
 * Reassembles the pieces of requests and stages large replies, for one door (a server's or the
 * kernel's). `take` is called with every message after the reply-subject check; `respond` with
 * every reply frame.
 */
export class PieceDoor {
  private readonly assemblies = new Map<string, Assembly>();
  private readonly staged = new Map<string, Staged>();
  private readonly perSubject: number;
  private readonly maxHeld: number;
  private held = 0;
  /** Calls whose frame came by segment: where their reply may go. */
  private readonly segmentCalls = new WeakMap<DoorMsg, SegmentCall>();

  constructor(private readonly opts: PieceDoorOptions) {
    this.perSubject = opts.perSubject ?? 8;
    this.maxHeld = opts.maxHeldBytes ?? 4 * LIMITS.MAX_FRAME;
  }

  /**
   * The whole frame `msg` completes — its data when it is no piece at all — or undefined when it
   * was a piece or a fetch, already answered here.
   */
  take(msg: DoorMsg): Uint8Array | undefined {
    const h = msg.headers;
    if (h === undefined) return msg.data;
    const fetch = h.get(FETCH_HEADER);
    if (fetch) return void this.fetch(msg, fetch);
    const piece = h.get(PIECE_HEADER);
    if (piece) return this.piece(msg, piece);
    const call = h.get(SEG_CALL_HEADER);
    if (call) return this.segmentCall(msg, call);
    const open = h.get(SEG_OPEN_HEADER);
    return open ? void this.segmentOpen(msg, open) : msg.data;
  }

  /** Answers with `frame`, as pieces when it is over one message (or ENOMEM when the door is full). */
  respond(msg: DoorMsg, frame: Uint8Array): void {
    const call = this.segmentCalls.get(msg);
    if (call !== undefined && this.opts.segments!.putReply(msg.subject, call, frame)) {
      return void msg.respond(EMPTY, { headers: oneHeader(SEG_REPLY_HEADER, String(frame.length)) });
    }
    if (frame.length <= PIECE_BYTES) return void msg.respond(frame);
    if (this.countOn(this.staged, msg.subject) >= this.perSubject || this.held + frame.length > this.maxHeld) {
      return void msg.respond(encodeResult(-E.ENOMEM));
    }
    const id = newId();
    const key = `${msg.subject} ${id}`;
    this.staged.set(key, { subject: msg.subject, frame, bytes: frame.length, timer: this.expire(this.staged, key) });
    this.held += frame.length;
    msg.respond(frame.subarray(0, PIECE_BYTES), { headers: oneHeader(REPLY_HEADER, `${id} ${frame.length}`) });
  }

  /** Bytes held now (assemblies and staged replies), for tests and metrics. */
  get heldBytes(): number {
    return this.held;
  }

  private piece(msg: DoorMsg, value: string): Uint8Array | undefined {
    const [id, ...numbers] = value.split(" ");
    const [index, count, total] = numbers.map(Number);
    if (!ID.test(id ?? "") || numbers.length !== 3 || ![index, count, total].every(Number.isSafeInteger)) return void refuse(msg, E.EINVAL);
    const key = `${msg.subject} ${id}`;
    const fail = (errno: number) => {
      this.drop(this.assemblies, key);
      refuse(msg, errno);
      return undefined;
    };
    // Every check comes before anything is kept: a claimed total costs nothing until it arrives.
    if (total > LIMITS.MAX_FRAME) return fail(E.E2BIG);
    if (total <= PIECE_BYTES || count !== piecesOf(total) || index >= count || msg.data.length !== pieceSize(total, index)) return fail(E.EINVAL);
    let a = this.assemblies.get(key);
    if (index === 0) {
      if (a !== undefined) return fail(E.EINVAL);
      if (this.countOn(this.assemblies, msg.subject) >= this.perSubject) return fail(E.EAGAIN);
      a = { subject: msg.subject, total, parts: [], bytes: 0, timer: this.expire(this.assemblies, key) };
      this.assemblies.set(key, a);
    } else if (a === undefined || a.total !== total || a.parts.length !== index) return fail(E.EINVAL);
    else this.refresh(this.assemblies, key, a);
    if (this.held + msg.data.length > this.maxHeld) return fail(E.ENOMEM);
    a.parts.push(msg.data);
    a.bytes += msg.data.length;
    this.held += msg.data.length;
    if (index < count - 1) return void msg.respond(EMPTY);
    this.drop(this.assemblies, key);
    const whole = new Uint8Array(total);
    let at = 0;
    for (const part of a.parts) {
      whole.set(part, at);
      at += part.length;
    }
    return whole;
  }

  private segmentOpen(msg: DoorMsg, value: string): void {
    if (this.opts.segments === undefined) return refuse(msg, E.EOPNOTSUPP);
    const opened = this.opts.segments.open(msg.subject, value);
    if ("errno" in opened) return refuse(msg, opened.errno);
    msg.respond(EMPTY, { headers: oneHeader(SEG_HEADER, opened.header) });
  }

  private segmentCall(msg: DoorMsg, value: string): Uint8Array | undefined {
    if (this.opts.segments === undefined) return void refuse(msg, E.EOPNOTSUPP);
    const taken = this.opts.segments.take(msg.subject, value, msg.data);
    if ("errno" in taken) return void refuse(msg, taken.errno);
    if (taken.call.replyCapacity > 0) this.segmentCalls.set(msg, taken.call);
    return taken.frame;
  }

  private fetch(msg: DoorMsg, value: string): void {
    const [id, offsetText, extra] = value.split(" ");
    const offset = Number(offsetText);
    if (!ID.test(id ?? "") || extra !== undefined || !Number.isSafeInteger(offset)) return refuse(msg, E.EINVAL);
    const key = `${msg.subject} ${id}`;
    const s = this.staged.get(key);
    // Keyed by subject too: another process's transfer id names nothing here.
    if (s === undefined) return refuse(msg, E.ENOENT);
    if (offset <= 0 || offset % PIECE_BYTES !== 0 || offset >= s.frame.length) return refuse(msg, E.EINVAL);
    const end = Math.min(offset + PIECE_BYTES, s.frame.length);
    msg.respond(s.frame.subarray(offset, end));
    if (end === s.frame.length) this.drop(this.staged, key);
    else this.refresh(this.staged, key, s);
  }

  private expire(map: Map<string, Held>, key: string): NodeJS.Timeout {
    const timer = setTimeout(() => this.drop(map, key), this.opts.ttlMs);
    timer.unref();
    return timer;
  }

  /** A transfer that is moving is kept: its time counts from its last piece. */
  private refresh(map: Map<string, Held>, key: string, entry: Held): void {
    clearTimeout(entry.timer);
    entry.timer = this.expire(map, key);
  }

  private drop(map: Map<string, Held>, key: string): void {
    const entry = map.get(key);
    if (entry === undefined) return;
    clearTimeout(entry.timer);
    map.delete(key);
    this.held -= entry.bytes;
  }

  private countOn(map: Map<string, Held>, subject: string): number {
    let n = 0;
    for (const entry of map.values()) if (entry.subject === subject) n++;
    return n;
  }
}
