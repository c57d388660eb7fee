/**
 * The console's two hops, one codec. The vfs server asks the tty driver (natix.drv.tty), and the
 * tty driver asks the program's terminal (natix.tty.<pid>, served by the program's own libc,
 * which holds the real stdin/stdout/stderr). Both requests share one header and one table of
 * operations; they differ in the two words after it, because the driver must be told whose
 * terminal (the terminal's subject already names the pid) and the terminal how long to wait.
 *
 * request: op u8 (1 write, 2 read, 3 isatty, 4 ping) | stream u8 (1 stdout, 2 stderr, 0 stdin)
 *          | reserved u16 | word u32 | word u32 | data
 *   natix.drv.tty:   pid | max (read: most bytes wanted; write: the length)
 *   natix.tty.<pid>: max | waitMs (read: how long to wait)
 * reply, natix.drv.tty:   result i32 (count, or −errno) | data (read)
 * reply, natix.tty.<pid>: status u8 (0 done, 1 nothing yet, 2 failed) | reserved u8×3 | count u32 | data
 *
 * Ping (is the program still there?) is the terminal's only: the driver answers it EINVAL. A
 * terminal read that is "done" with no data is end of file; isatty answers count 1 (a terminal)
 * or 0.
 */
import { E } from "../errno.js";

/** A program's terminal, wherever it is (in the program's process, or behind natix.tty.<pid>). */
export interface Terminal {
  /** Writes all of `data` to stdout (1) or stderr (2); the count, or a negative errno. */
  write(stream: number, data: Uint8Array): Promise<number>;
  /** Up to `max` bytes of stdin; null when none came within `waitMs`; empty at end of file. */
  read(max: number, waitMs: number): Promise<Uint8Array | null>;
  /** Is this stream (0, 1, 2) of the program a real terminal? (isatty, line buffering) */
  isatty(stream: number): Promise<boolean>;
}

export const TERM_OP = Object.freeze({ WRITE: 1, READ: 2, ISATTY: 3, PING: 4 });
export const TERM_STATUS = Object.freeze({ DONE: 0, AGAIN: 1, FAILED: 2, /** the host stream's reader is gone (EPIPE) */ BROKEN: 3 });
const HEADER = 12;
const REPLY_HEADER = 8;
const TTY_REPLY_HEADER = 4;
const EMPTY = new Uint8Array(0);

function encodeHeader(op: number, stream: number, word1: number, word2: number, data: Uint8Array): Uint8Array {
  const bytes = new Uint8Array(HEADER + data.length);
  const view = new DataView(bytes.buffer);
  view.setUint8(0, op);
  view.setUint8(1, stream);
  view.setUint32(4, word1, true);
  view.setUint32(8, word2, true);
  bytes.set(data, HEADER);
  return bytes;
}

function decodeHeader(bytes: Uint8Array): { op: number; stream: number; word1: number; word2: number; data: Uint8Array } | undefined {
  if (bytes.length < HEADER) return undefined;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const op = view.getUint8(0);
  if (op < TERM_OP.WRITE || op > TERM_OP.PING) return undefined;
  return { op, stream: view.getUint8(1), word1: view.getUint32(4, true), word2: view.getUint32(8, true), data: bytes.subarray(HEADER) };
}

// natix.tty.<pid>: the tty driver and the program's libc.

export interface TerminalRequest {
  op: number;
  stream: number;
  max: number;
  waitMs: number;
  data: Uint8Array;
}

export interface TerminalReply {
  status: number;
  count: number;
  data: Uint8Array;
}

export function encodeTerminalRequest(r: TerminalRequest): Uint8Array {
  return encodeHeader(r.op, r.stream, r.max, r.waitMs, r.data);
}

export function decodeTerminalRequest(bytes: Uint8Array): TerminalRequest | undefined {
  const h = decodeHeader(bytes);
  return h && { op: h.op, stream: h.stream, max: h.word1, waitMs: h.word2, data: h.data };
}

export function encodeTerminalReply(r: TerminalReply): Uint8Array {
  const bytes = new Uint8Array(REPLY_HEADER + r.data.length);
  const view = new DataView(bytes.buffer);
  view.setUint8(0, r.status);
  view.setUint32(4, r.count, true);
  bytes.set(r.data, REPLY_HEADER);
  return bytes;
}

export function decodeTerminalReply(bytes: Uint8Array): TerminalReply | undefined {
  if (bytes.length < REPLY_HEADER) return undefined;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  return { status: view.getUint8(0), count: view.getUint32(4, true), data: bytes.subarray(REPLY_HEADER) };
}

// natix.drv.tty: the vfs server and the tty driver.

export interface TtyRequest {
  op: number;
  stream: number;
  pid: number;
  max: number;
  data: Uint8Array;
}

export interface TtyReply {
  /** A count (bytes moved; isatty: 1 or 0), or a negative errno. */
  result: number;
  data: Uint8Array;
}

export function encodeTtyRequest(r: TtyRequest): Uint8Array {
  return encodeHeader(r.op, r.stream, r.pid, r.max, r.data);
}

export function decodeTtyRequest(bytes: Uint8Array): TtyRequest | undefined {
  const h = decodeHeader(bytes);
  return h && { op: h.op, stream: h.stream, pid: h.word1, max: h.word2, data: h.data };
}

export function encodeTtyReply(result: number, data: Uint8Array = EMPTY): Uint8Array {
  const bytes = new Uint8Array(TTY_REPLY_HEADER + data.length);
  new DataView(bytes.buffer).setInt32(0, result, true);
  bytes.set(data, TTY_REPLY_HEADER);
  return bytes;
}

/** A reply too short to hold a result is the driver failing: EIO. */
export function decodeTtyReply(bytes: Uint8Array): TtyReply {
  if (bytes.length < TTY_REPLY_HEADER) return { result: -E.EIO, data: EMPTY };
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  return { result: view.getInt32(0, true), data: bytes.subarray(TTY_REPLY_HEADER) };
}
