/**
 * Batched submission (io_uring-style): independent syscalls in one message, their results
 * together, in order (docs/abi.md, "Batches").
 *
 * batch request (type 3):  magic u16 | version u8 | type u8 | count u16 | reserved u16
 *                          | count × (length u32 | request frame)
 * batch reply (type 4):    the same with reply frames
 * routed batch (type 6):   a routed envelope's 24-byte header (type 6) | a batch request's body
 */
import { E } from "../errno.js";
import { LIMITS } from "./limits.js";
import { ABI_VERSION, FRAME_MAGIC, FRAME_TYPE, checkHeader, decodeReply, decodeRequest, type SyscallReply, type SyscallRequest } from "./frame.js";
import { ROUTED_HEADER, type Caller } from "./routed.js";

export const ROUTED_BATCH = 6;
const HEADER = 8;

function pack(type: number, frames: Uint8Array[], prefix = new Uint8Array(0)): Uint8Array {
  const size = prefix.length + HEADER + frames.reduce((n, f) => n + 4 + f.length, 0);
  const bytes = new Uint8Array(size);
  bytes.set(prefix);
  const v = new DataView(bytes.buffer);
  const base = prefix.length;
  v.setUint16(base, FRAME_MAGIC, true);
  v.setUint8(base + 2, ABI_VERSION);
  v.setUint8(base + 3, type);
  v.setUint16(base + 4, frames.length, true);
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
  if (v.getUint16(6, true) !== 0) return -E.EINVAL;
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

export const encodeBatch = (frames: Uint8Array[]) => pack(FRAME_TYPE.BATCH_REQUEST, frames);
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
  const requests = decodeBatch(bytes, ROUTED_HEADER);
  return typeof requests === "number" ? requests : { caller, requests };
}

/** The frame type byte (to tell a batch from a single call). */
export const frameType = (bytes: Uint8Array) => (bytes.length >= 4 ? bytes[3] : 0);
