/**
 * The binary syscall frame, version 1 (docs/abi.md is the byte-level description).
 * All integers little-endian.
 *
 * request:  magic u16 | version u8 | type u8 (1) | nr i32 | nargs u8 | nbufs u8 | reserved u16
 *           | nargs × i64 args | nbufs × buffer descriptor | in-buffer bytes in descriptor order
 * reply:    magic u16 | version u8 | type u8 (2) | reserved u8×3 | nbufs u8 | ret i64
 *           | nbufs × buffer descriptor | out-buffer bytes in descriptor order
 * buffer descriptor (8 bytes): arg index u8 | direction u8 (1 in, 2 out) | reserved u16 | length u32
 *   (in: bytes that follow; out in a request: the caller's real capacity; out in a reply: bytes
 *   that follow)
 *
 * Decoders never throw on bad input: they return a negative errno (EINVAL garbled, EFAULT
 * truncated, E2BIG over a limit), which the kernel sends back as the call's result.
 */
import { E } from "../errno.js";
import { LIMITS } from "./limits.js";

export const FRAME_MAGIC = 0x584e; // "NX" as little-endian bytes 4E 58
export const ABI_VERSION = 1;
export const FRAME_TYPE = Object.freeze({ REQUEST: 1, REPLY: 2, BATCH_REQUEST: 3, BATCH_REPLY: 4, ROUTED: 5 });
export const DIR_IN = 1;
export const DIR_OUT = 2;

const REQUEST_HEADER = 12;
const REPLY_HEADER = 16;
const DESCRIPTOR = 8;
const ARG = 8;
const TWO_32 = 4294967296;

/** One syscall as the kernel sees it after copy_from_user. Arrays are indexed by argument. */
export interface SyscallRequest {
  nr: number;
  /** Argument values as numbers (exact up to 2^53; a buffer argument's slot holds 0). */
  args: number[];
  /** In-buffer bytes by argument index. */
  input: (Uint8Array | undefined)[];
  /** Real capacity of the caller's out-buffer by argument index; −1 where none was passed. */
  outCap: number[];
}

/** The result: `ret` (negative errno on failure) and out-buffer bytes by argument index. */
export interface SyscallReply {
  ret: number;
  output?: (Uint8Array | undefined)[];
}

function writeI64(view: DataView, off: number, value: number): void {
  const lo = value % TWO_32;
  const hi = Math.floor(value / TWO_32);
  view.setUint32(off, lo < 0 ? lo + TWO_32 : lo, true);
  view.setInt32(off + 4, hi, true);
}

function readI64(view: DataView, off: number): number {
  return view.getInt32(off + 4, true) * TWO_32 + view.getUint32(off, true);
}

function header(view: DataView, type: number): void {
  view.setUint16(0, FRAME_MAGIC, true);
  view.setUint8(2, ABI_VERSION);
  view.setUint8(3, type);
}

/** Checks magic, version and type; returns 0 or a negative errno. */
export function checkHeader(bytes: Uint8Array, type: number, minLength: number): number {
  if (bytes.length > LIMITS.MAX_FRAME) return -E.E2BIG;
  if (bytes.length < 4) return -E.EFAULT;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (view.getUint16(0, true) !== FRAME_MAGIC) return -E.EINVAL;
  if (view.getUint8(2) !== ABI_VERSION) return -E.EINVAL;
  if (view.getUint8(3) !== type) return -E.EINVAL;
  if (bytes.length < minLength) return -E.EFAULT;
  return 0;
}

export function encodeRequest(req: SyscallRequest): Uint8Array {
  const nargs = req.args.length;
  let nbufs = 0;
  let payload = 0;
  for (let i = 0; i < nargs; i++) {
    const data = req.input[i];
    if (data !== undefined) {
      nbufs++;
      payload += data.length;
    } else if (req.outCap[i] >= 0) {
      nbufs++;
    }
  }
  const descStart = REQUEST_HEADER + nargs * ARG;
  const bytes = new Uint8Array(descStart + nbufs * DESCRIPTOR + payload);
  const view = new DataView(bytes.buffer);
  header(view, FRAME_TYPE.REQUEST);
  view.setInt32(4, req.nr, true);
  view.setUint8(8, nargs);
  view.setUint8(9, nbufs);
  let desc = descStart;
  let data = descStart + nbufs * DESCRIPTOR;
  for (let i = 0; i < nargs; i++) {
    writeI64(view, REQUEST_HEADER + i * ARG, req.args[i]);
    const input = req.input[i];
    if (input !== undefined) {
      view.setUint8(desc, i);
      view.setUint8(desc + 1, DIR_IN);
      view.setUint32(desc + 4, input.length, true);
      bytes.set(input, data);
      data += input.length;
      desc += DESCRIPTOR;
    } else if (req.outCap[i] >= 0) {
      view.setUint8(desc, i);
      view.setUint8(desc + 1, DIR_OUT);
      view.setUint32(desc + 4, req.outCap[i], true);
      desc += DESCRIPTOR;
    }
  }
  return bytes;
}

/** Decodes a request frame starting at `offset` (a routed envelope precedes it). */
export function decodeRequest(bytes: Uint8Array, offset = 0): SyscallRequest | number {
  const frame = offset === 0 ? bytes : bytes.subarray(offset);
  const bad = checkHeader(frame, FRAME_TYPE.REQUEST, REQUEST_HEADER);
  if (bad < 0) return bad;
  const view = new DataView(frame.buffer, frame.byteOffset, frame.byteLength);
  const nargs = view.getUint8(8);
  const nbufs = view.getUint8(9);
  if (view.getUint16(10, true) !== 0) return -E.EINVAL;
  if (nargs > LIMITS.MAX_ARGS || nbufs > LIMITS.MAX_ARGS) return -E.E2BIG;
  const descStart = REQUEST_HEADER + nargs * ARG;
  let data = descStart + nbufs * DESCRIPTOR;
  if (frame.length < data) return -E.EFAULT;
  const args = new Array<number>(nargs);
  const input = new Array<Uint8Array | undefined>(nargs);
  const outCap = new Array<number>(nargs).fill(-1);
  for (let i = 0; i < nargs; i++) args[i] = readI64(view, REQUEST_HEADER + i * ARG);
  let totalOut = 0;
  for (let b = 0; b < nbufs; b++) {
    const d = descStart + b * DESCRIPTOR;
    const index = view.getUint8(d);
    const dir = view.getUint8(d + 1);
    const length = view.getUint32(d + 4, true);
    if (view.getUint16(d + 2, true) !== 0) return -E.EINVAL;
    if (index >= nargs || input[index] !== undefined || outCap[index] >= 0) return -E.EINVAL;
    if (length > LIMITS.MAX_XFER) return -E.E2BIG;
    if (dir === DIR_IN) {
      if (data + length > frame.length) return -E.EFAULT;
      input[index] = frame.subarray(data, data + length);
      data += length;
    } else if (dir === DIR_OUT) {
      totalOut += length;
      if (totalOut > LIMITS.MAX_XFER) return -E.E2BIG;
      outCap[index] = length;
    } else {
      return -E.EINVAL;
    }
  }
  if (data !== frame.length) return -E.EINVAL;
  return { nr: view.getInt32(4, true), args, input, outCap };
}

/** Bytes a reply frame with one out-buffer puts in front of that buffer's data. */
const ONE_BUFFER_HEAD = REPLY_HEADER + DESCRIPTOR;

/**
 * An out-buffer of `length` bytes with room in front for its reply frame's header: a reply whose
 * only out-buffer is one of these is encoded around it instead of copied into a new frame (a
 * read's data, which is the whole frame but its first 24 bytes).
 */
export function replyBuffer(length: number): Uint8Array {
  return new Uint8Array(new ArrayBuffer(ONE_BUFFER_HEAD + length), ONE_BUFFER_HEAD, length);
}

const hasHeadroom = (o: Uint8Array) => o.byteOffset === ONE_BUFFER_HEAD && o.buffer.byteLength === ONE_BUFFER_HEAD + o.length && o.buffer instanceof ArrayBuffer;

export function encodeReply(reply: SyscallReply): Uint8Array {
  const output = reply.output;
  let nbufs = 0;
  let payload = 0;
  let last: Uint8Array | undefined;
  if (output) {
    for (let i = 0; i < output.length; i++) {
      const o = output[i];
      if (o !== undefined) {
        nbufs++;
        payload += o.length;
        last = o;
      }
    }
  }
  const bytes = nbufs === 1 && hasHeadroom(last!) ? new Uint8Array(last!.buffer) : new Uint8Array(REPLY_HEADER + nbufs * DESCRIPTOR + payload);
  const view = new DataView(bytes.buffer);
  header(view, FRAME_TYPE.REPLY);
  view.setUint8(7, nbufs);
  writeI64(view, 8, reply.ret);
  if (output) {
    let desc = REPLY_HEADER;
    let data = REPLY_HEADER + nbufs * DESCRIPTOR;
    for (let i = 0; i < output.length; i++) {
      const o = output[i];
      if (o === undefined) continue;
      view.setUint8(desc, i);
      view.setUint8(desc + 1, DIR_OUT);
      view.setUint32(desc + 4, o.length, true);
      if (o.buffer !== bytes.buffer) bytes.set(o, data);
      data += o.length;
      desc += DESCRIPTOR;
    }
  }
  return bytes;
}

export function decodeReply(bytes: Uint8Array): SyscallReply | number {
  const bad = checkHeader(bytes, FRAME_TYPE.REPLY, REPLY_HEADER);
  if (bad < 0) return bad;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (view.getUint8(4) !== 0 || view.getUint16(5, true) !== 0) return -E.EINVAL;
  const nbufs = view.getUint8(7);
  if (nbufs > LIMITS.MAX_ARGS) return -E.E2BIG;
  const ret = readI64(view, 8);
  if (nbufs === 0) return bytes.length === REPLY_HEADER ? { ret } : -E.EINVAL;
  let data = REPLY_HEADER + nbufs * DESCRIPTOR;
  if (bytes.length < data) return -E.EFAULT;
  const output: (Uint8Array | undefined)[] = [];
  for (let b = 0; b < nbufs; b++) {
    const d = REPLY_HEADER + b * DESCRIPTOR;
    const index = view.getUint8(d);
    const length = view.getUint32(d + 4, true);
    if (view.getUint8(d + 1) !== DIR_OUT || view.getUint16(d + 2, true) !== 0) return -E.EINVAL;
    if (index >= LIMITS.MAX_ARGS || output[index] !== undefined) return -E.EINVAL;
    if (length > LIMITS.MAX_XFER) return -E.E2BIG;
    if (data + length > bytes.length) return -E.EFAULT;
    output[index] = bytes.subarray(data, data + length);
    data += length;
  }
  if (data !== bytes.length) return -E.EINVAL;
  return { ret, output };
}

/** A reply carrying only an errno or a value: the common case, kept cheap. */
export function encodeResult(ret: number): Uint8Array {
  return encodeReply({ ret });
}
