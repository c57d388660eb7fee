/**
 * Shared segments, the door's side (docs/abi.md, "Segments").
 *
 * Large frames cost the bus per byte: a MiB through nats-server is a socket write in the sender,
 * a read and a write in nats-server, a read and a reassembly in the receiver. When a process and
 * the component it calls are on one host, they need not send those bytes at all: the door makes
 * a file in a private directory (a tmpfs: /dev/shm where there is one), the process opens it, and
 * from then on a large call's frame, or its reply, is written there and the NATS message carries
 * only where it is. NATS still carries every call — who may send what is still the bus's rule,
 * and a door still learns the caller from the subject — only the bulk moves through memory.
 *
 * One segment per subject (a subject names one caller: natix.srv.<name>.<pid> and
 * natix.sys.<pid> are only that process's to publish on), so a caller can name no other
 * caller's segment: a segment id is looked up under the subject the message came on. The door
 * never opens a path a caller names; it creates the file (O_EXCL, mode 0600, in a 0700
 * directory of its own) and tells the caller where it is, with a random tag written at the
 * start that the caller checks, which proves the two share the file (another host's door gives
 * a path that is not there, or holds other bytes). The file is unlinked once the caller uses it,
 * or after a grace period, so nothing outlives the two processes that hold it open.
 *
 * Within one host and one uid, the segment is as private as the disk image is: the OS's file
 * permissions guard it, not the bus (docs/security.md).
 */
import { accessSync, closeSync, constants, existsSync, ftruncateSync, mkdtempSync, openSync, readSync, readdirSync, rmSync, unlinkSync, writeSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { randomBytes } from "node:crypto";
import { LIMITS } from "../kernel-core/abi/limits.js";
import { E } from "../kernel-core/errno.js";
import { pidOfSubject } from "../kernel-core/abi/subjects.js";

/** A request to open (`<bytes>`) or drop (`0`) the caller's segment; answered with SEG_HEADER or an error. */
export const SEG_OPEN_HEADER = "Natix-Seg-Open";
/** The door's answer to an open: `<id> <bytes> <tag> <path>`. */
export const SEG_HEADER = "Natix-Seg";
/**
 * A call using the segment: `<id> <replyOffset> <replyCapacity> [<requestOffset> <requestLength>]`
 * — the request frame is in the segment when the last two are given, else it is the body; a
 * reply region of capacity 0 means "answer in the message".
 */
export const SEG_CALL_HEADER = "Natix-Seg-Call";
/** A reply written to the segment: `<length>` at the call's reply offset; the body is empty. */
export const SEG_REPLY_HEADER = "Natix-Seg-Reply";

/** Bytes at the start of a segment that hold the tag; regions start after them. */
export const SEG_HEAD = 4096;
const TAG_BYTES = 16;
/** Largest segment a door grants: room for the largest frame in each direction. */
export const SEG_MAX_BYTES = SEG_HEAD + 2 * LIMITS.MAX_FRAME;
export const SEG_MIN_BYTES = SEG_HEAD + 64 * 1024;

const ID = /^[A-Za-z0-9_-]{1,64}$/;
const newId = () => randomBytes(9).toString("base64url");

interface Segment {
  readonly id: string;
  readonly fd: number;
  readonly bytes: number;
  path: string | undefined;
  unlinkTimer: NodeJS.Timeout | undefined;
}

export interface SegmentDoorOptions {
  /** Where segment directories go (default: /dev/shm when writable, else the OS's temp dir). */
  root?: string;
  /**
   * Segments this door keeps at once (a file descriptor each). Their sizes are not summed: a
   * segment is sparse, and only the pages its caller's calls touch are memory.
   */
  maxSegments?: number;
  /** How long a segment's file stays linked if its caller never uses it. */
  unlinkAfterMs?: number;
}

/** Where the call's frame is, once a Natix-Seg-Call was checked. */
export interface SegmentCall {
  readonly segment: Segment;
  readonly replyOffset: number;
  readonly replyCapacity: number;
}

export type SegmentTake = { frame: Uint8Array; call: SegmentCall } | { errno: number };

function defaultRoot(): string {
  try {
    accessSync("/dev/shm", constants.W_OK);
    return "/dev/shm";
  } catch {
    return tmpdir();
  }
}

/** A door's segments, unless NATIX_SEGMENT_MIB=0 turned them off for the whole system (comparisons). */
export function segmentDoorFromEnv(env: NodeJS.ProcessEnv = process.env): SegmentDoor | undefined {
  return env.NATIX_SEGMENT_MIB === "0" ? undefined : new SegmentDoor();
}

/** Whether an OS process `pid` exists (one of another user's counts: EPERM). */
function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === "EPERM";
  }
}

/** Parses `n` non-negative safe integers; undefined if any is not one. */
function integers(parts: string[]): number[] | undefined {
  const out = parts.map((p) => (/^\d{1,16}$/.test(p) ? Number(p) : NaN));
  return out.every((n) => Number.isSafeInteger(n)) ? out : undefined;
}

export class SegmentDoor {
  private readonly bySubject = new Map<string, Segment>();
  private dir: string | undefined;
  private readonly maxSegments: number;

  constructor(private readonly opts: SegmentDoorOptions = {}) {
    this.maxSegments = opts.maxSegments ?? 256;
  }

  /**
   * Opens (or, with 0 bytes, drops) the segment of `subject`: the answer's header value, or an
   * errno. Opening again replaces the one there was (a caller that lost its own starts over).
   */
  open(subject: string, value: string): { header: string } | { errno: number } {
    const n = integers([value.trim()]);
    if (n === undefined) return { errno: E.EINVAL };
    this.drop(subject);
    if (n[0] === 0) return { header: "0" };
    const bytes = Math.min(n[0], SEG_MAX_BYTES);
    if (bytes < SEG_MIN_BYTES) return { errno: E.EINVAL };
    if (this.bySubject.size >= this.maxSegments) return { errno: E.ENOMEM };
    let fd: number | undefined;
    let path: string | undefined;
    try {
      this.dir ??= this.makeDir();
      const id = newId();
      path = join(this.dir, id);
      fd = openSync(path, "wx+", 0o600);
      ftruncateSync(fd, bytes);
      const tag = randomBytes(TAG_BYTES);
      writeSync(fd, tag, 0, TAG_BYTES, 0);
      const segment: Segment = { id, fd, bytes, path, unlinkTimer: undefined };
      segment.unlinkTimer = setTimeout(() => this.unlink(segment), this.opts.unlinkAfterMs ?? 10_000);
      segment.unlinkTimer.unref();
      this.bySubject.set(subject, segment);
      return { header: `${id} ${bytes} ${tag.toString("hex")} ${path}` };
    } catch {
      // No room (a small /dev/shm), no directory: the caller keeps to the bus.
      if (fd !== undefined) closeSync(fd);
      if (path !== undefined) rmSync(path, { force: true });
      return { errno: E.ENOSPC };
    }
  }

  /**
   * The frame of a call sent with `value` (SEG_CALL_HEADER) on `subject`, and where its reply may
   * go; `body` is the message's (the frame, when it is not in the segment). Every number is
   * checked against the segment before anything is read or allocated.
   */
  take(subject: string, value: string, body: Uint8Array): SegmentTake {
    const [id, ...rest] = value.split(" ");
    const segment = this.bySubject.get(subject);
    // Unknown here (a restarted door, a dropped segment, another caller's id): the caller
    // sends the call again in the message, and may open a new segment.
    if (segment === undefined || id !== segment.id || !ID.test(id)) return { errno: E.ESTALE };
    const n = rest.length === 2 || rest.length === 4 ? integers(rest) : undefined;
    if (n === undefined) return { errno: E.EINVAL };
    const [replyOffset, replyCapacity, requestOffset, requestLength] = n;
    const inside = (off: number, len: number) => len === 0 || (off >= SEG_HEAD && off + len <= segment.bytes);
    if (!inside(replyOffset, replyCapacity) || replyCapacity > LIMITS.MAX_FRAME) return { errno: E.EFAULT };
    let frame = body;
    if (requestOffset !== undefined) {
      if (body.length !== 0) return { errno: E.EINVAL };
      if (requestLength > LIMITS.MAX_FRAME) return { errno: E.E2BIG };
      if (requestLength === 0 || !inside(requestOffset, requestLength)) return { errno: E.EFAULT };
      frame = new Uint8Array(requestLength);
      try {
        if (readSync(segment.fd, frame, 0, requestLength, requestOffset) !== requestLength) return { errno: E.EFAULT };
      } catch {
        return { errno: E.EIO };
      }
    }
    // The caller has the file open: its name is no longer needed.
    this.unlink(segment);
    return { frame, call: { segment, replyOffset, replyCapacity } };
  }

  /**
   * Writes `frame` to the call's reply region if it fits there and the segment is still the
   * caller's; false when it must go in the message instead.
   */
  putReply(subject: string, call: SegmentCall, frame: Uint8Array): boolean {
    if (frame.length > call.replyCapacity || this.bySubject.get(subject) !== call.segment) return false;
    try {
      return writeSync(call.segment.fd, frame, 0, frame.length, call.replyOffset) === frame.length;
    } catch {
      return false; // ENOSPC on a full tmpfs: the bus carries it
    }
  }

  /** Forgets `subject`'s segment (its process exited, or it asked). */
  drop(subject: string): void {
    const segment = this.bySubject.get(subject);
    if (segment === undefined) return;
    this.bySubject.delete(subject);
    this.unlink(segment);
    closeSync(segment.fd);
  }

  /** Forgets every segment whose subject `match` accepts. */
  dropWhere(match: (subject: string) => boolean): void {
    for (const subject of [...this.bySubject.keys()]) if (match(subject)) this.drop(subject);
  }

  /** Forgets every segment of process `pid` (natix.sys.<pid>, natix.srv.<name>.<pid>): it exited. */
  dropProcess(pid: number): void {
    this.dropWhere((subject) => pidOfSubject(subject) === pid);
  }

  /** Segments held, and their bytes: for tests. */
  get held(): { count: number; bytes: number } {
    let bytes = 0;
    for (const s of this.bySubject.values()) bytes += s.bytes;
    return { count: this.bySubject.size, bytes };
  }

  close(): void {
    this.dropWhere(() => true);
    if (this.dir !== undefined && existsSync(this.dir)) rmSync(this.dir, { recursive: true, force: true });
    this.dir = undefined;
  }

  /**
   * This door's directory, named after its OS process. A door killed before it could remove its
   * own leaves one behind (and, if killed within the grace period of an unused segment, a
   * file): the first door to make a directory removes those of processes that no longer exist.
   */
  private makeDir(): string {
    const root = this.opts.root ?? defaultRoot();
    for (const name of readdirSync(root)) {
      const owner = /^natix-seg-(\d+)-/.exec(name);
      if (owner === null || Number(owner[1]) === process.pid || isAlive(Number(owner[1]))) continue;
      rmSync(join(root, name), { recursive: true, force: true });
    }
    return mkdtempSync(join(root, `natix-seg-${process.pid}-`));
  }

  private unlink(segment: Segment): void {
    clearTimeout(segment.unlinkTimer);
    if (segment.path === undefined) return;
    try {
      unlinkSync(segment.path);
    } catch {
      // already gone
    }
    segment.path = undefined;
  }
}
