/**
 * Batched submission (io_uring-style): independent syscalls in one message, their results
 * together, in order (docs/abi.md, "Batches").
 *
 * batch request (type 3):  magic u16 | version u8 | type u8 | count u16 | flags u16
 *                          | count × (length u32 | request frame)
 * batch reply (type 4):    the same with reply frames (flags 0)
 * routed batch (type 6):   a routed envelope's 24-byte header (type 6) | a batch request's body
 *
 * flags: BATCH_LINK makes the entries one chain, as io_uring entries that each carry
 * IOSQE_IO_LINK: each runs after the one before has completed, only if it succeeded (the rest
 * are answered −ECANCELED), and an fd argument equal to resultOf(k) takes entry k's result — so
 * open, write and close of a new file are one message. Other bits are −EINVAL (flags were
 * reserved, 0, before linking, so an older kernel refuses a chain rather than run it unlinked).
 */
import { E } from "../errno.js";
import { LIMITS } from "./limits.js";
import { ABI_VERSION, FRAME_MAGIC, FRAME_TYPE, checkHeader, decodeReply, decodeRequest, type SyscallReply, type SyscallRequest } from "./frame.js";
import { ROUTED_HEADER, type Caller } from "./routed.js";
import { syscallByNr } from "../syscalls/table.js";

export const ROUTED_BATCH = 6;
const HEADER = 8;
/** The batch is a chain (see above). */
export const BATCH_LINK = 1;
/**
 * In a chain, an fd argument equal to resultOf(k) is the result of entry k, an earlier one: the
 * values −65536 − k are no fd anywhere (AT_FDCWD is −100), so a mistaken one is EBADF.
 */
export const resultOf = (k: number) => -65536 - k;
const entryOf = (v: number) => -65536 - v;

function pack(type: number, frames: Uint8Array[], prefix = new Uint8Array(0), flags = 0): Uint8Array {
  const size = prefix.length + HEADER + frames.reduce((n, f) => n + 4 + f.length, 0);
  const bytes = new Uint8Array(size);
  bytes.set(prefix);
  const v = new DataView(bytes.buffer);
  const base = prefix.length;
  v.setUint16(base, FRAME_MAGIC, true);
  v.setUint8(base + 2, ABI_VERSION);
  v.setUint8(base + 3, type);
  v.setUint16(base + 4, frames.length, true);
  v.setUint16(base + 6, flags, true);
  let at = base + HEADER;
  for (const f of frames) {
    v.setUint32(at, f.length, true);
    bytes.set(f, at + 4);
    at += 4 + f.length;
  }
  return bytes;
}

/** The frames of a batch (starting at `offset`), or a negative errno when it is malformed. */
function unpack(bytes: Uint8Array, type: number, offset = 0): Uint8Array[] | number {
  const body = bytes.subarray(offset);
  const bad = checkHeader(body, type, HEADER);
  if (bad < 0) return bad;
  const v = new DataView(body.buffer, body.byteOffset, body.byteLength);
  const count = v.getUint16(4, true);
  if ((v.getUint16(6, true) & ~(type === FRAME_TYPE.BATCH_REQUEST ? BATCH_LINK : 0)) !== 0) return -E.EINVAL;
  if (count > LIMITS.MAX_BATCH) return -E.E2BIG;
  const frames: Uint8Array[] = [];
  let at = HEADER;
  for (let i = 0; i < count; i++) {
    if (at + 4 > body.length) return -E.EFAULT;
    const len = v.getUint32(at, true);
    if (at + 4 + len > body.length) return -E.EFAULT;
    frames.push(body.subarray(at + 4, at + 4 + len));
    at += 4 + len;
  }
  return at === body.length ? frames : -E.EINVAL;
}

export const encodeBatch = (frames: Uint8Array[], flags = 0) => pack(FRAME_TYPE.BATCH_REQUEST, frames, undefined, flags);
export const encodeBatchReply = (frames: Uint8Array[]) => pack(FRAME_TYPE.BATCH_REPLY, frames);

/** Each entry's request, or its errno when that one frame is malformed; a number when the batch is. */
export function decodeBatch(bytes: Uint8Array, offset = 0): (SyscallRequest | number)[] | number {
  const frames = unpack(bytes, FRAME_TYPE.BATCH_REQUEST, offset);
  return typeof frames === "number" ? frames : frames.map((f) => decodeRequest(f));
}

export function decodeBatchReply(bytes: Uint8Array): (SyscallReply | number)[] | number {
  const frames = unpack(bytes, FRAME_TYPE.BATCH_REPLY);
  return typeof frames === "number" ? frames : frames.map((f) => decodeReply(f));
}

/** The kernel's batch for one server: who calls, and the frames that server owns. */
export function encodeRoutedBatch(caller: Caller, frames: Uint8Array[]): Uint8Array {
  const head = new Uint8Array(ROUTED_HEADER);
  const v = new DataView(head.buffer);
  v.setUint16(0, FRAME_MAGIC, true);
  v.setUint8(2, ABI_VERSION);
  v.setUint8(3, ROUTED_BATCH);
  v.setUint32(4, caller.pid, true);
  v.setUint32(8, caller.uid, true);
  v.setUint32(12, caller.gid, true);
  v.setUint32(16, caller.euid, true);
  v.setUint32(20, caller.egid, true);
  return pack(FRAME_TYPE.BATCH_REQUEST, frames, head);
}

export function decodeRoutedBatch(bytes: Uint8Array): { caller: Caller; requests: (SyscallRequest | number)[] } | number {
  const bad = checkHeader(bytes, ROUTED_BATCH, ROUTED_HEADER);
  if (bad < 0) return bad;
  const v = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const caller: Caller = { pid: v.getUint32(4, true), uid: v.getUint32(8, true), gid: v.getUint32(12, true), euid: v.getUint32(16, true), egid: v.getUint32(20, true) };
  // The kernel runs a chain's entries itself, one at a time: a server is never sent one.
  if (batchLinked(bytes, ROUTED_HEADER)) return -E.EINVAL;
  const requests = decodeBatch(bytes, ROUTED_HEADER);
  return typeof requests === "number" ? requests : { caller, requests };
}

/** Whether a batch request (from `offset`) is a chain; decodeBatch has checked its flags. */
export function batchLinked(bytes: Uint8Array, offset = 0): boolean {
  return bytes.length >= offset + HEADER && (bytes[offset + 6] & BATCH_LINK) !== 0;
}

/** `req` with each resultOf(k) in a table syscall's fd/dirfd arguments replaced by `to(k)` (kept where undefined). */
function mapResultRefs(req: SyscallRequest, to: (k: number) => number | undefined): SyscallRequest {
  const def = syscallByNr(req.nr);
  if (def === undefined) return req;
  const value = (v: number, i: number) => {
    const a = def.args[i];
    const k = entryOf(v);
    if (a === undefined || !("fmt" in a) || (a.fmt !== "fd" && a.fmt !== "dirfd") || !Number.isInteger(k) || k < 0 || k >= LIMITS.MAX_BATCH) return v;
    return to(k) ?? v;
  };
  return req.args.some((v, i) => value(v, i) !== v) ? { ...req, args: req.args.map(value) } : req;
}

/**
 * Entry `index` of a chain with its references to earlier entries replaced by their results
 * (a table syscall's "fd" and "dirfd" arguments; a module's calls are left as they are). A
 * reference to itself or a later entry stays: an invalid fd (EBADF).
 */
export const linkedEntry = (req: SyscallRequest, index: number, results: readonly number[]) => mapResultRefs(req, (k) => (k < index ? results[k] : undefined));

/**
 * The entries of a chain from `done.length` on, as a chain of their own (what libc resends
 * through the kernel when a direct server sent the rest back): references to the entries already
 * run become their results, the others are renumbered.
 */
export const restOfChain = (rest: readonly SyscallRequest[], done: readonly number[]) =>
  rest.map((req) => mapResultRefs(req, (k) => (k < done.length ? done[k] : resultOf(k - done.length))));

/** The frame type byte (to tell a batch from a single call). */
export const frameType = (bytes: Uint8Array) => (bytes.length >= 4 ? bytes[3] : 0);
