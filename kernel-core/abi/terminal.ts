/**
 * The console's last hop: the tty driver asking a program's terminal (natix.tty.<pid>, served
 * by the program's own libc, which holds the real stdin/stdout/stderr) to move bytes.
 *
 * request: op u8 (1 write, 2 read, 3 isatty, 4 ping: is the program still there?) | stream u8 (1 stdout, 2 stderr, 0 stdin) | reserved u16
 *          | max u32 (read: most bytes wanted) | waitMs u32 (read: how long to wait) | data
 * reply:   status u8 (0 done, 1 nothing yet, 2 failed) | reserved u8×3 | count u32 | data
 * A read that is "done" with no data is end of file; isatty answers count 1 (a terminal) or 0.
 */
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
export const TERM_STATUS = Object.freeze({ DONE: 0, AGAIN: 1, FAILED: 2 });
const HEADER = 12;
const REPLY_HEADER = 8;

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
  const bytes = new Uint8Array(HEADER + r.data.length);
  const view = new DataView(bytes.buffer);
  view.setUint8(0, r.op);
  view.setUint8(1, r.stream);
  view.setUint32(4, r.max, true);
  view.setUint32(8, r.waitMs, true);
  bytes.set(r.data, HEADER);
  return bytes;
}

export function decodeTerminalRequest(bytes: Uint8Array): TerminalRequest | undefined {
  if (bytes.length < HEADER) return undefined;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const op = view.getUint8(0);
  if (op < TERM_OP.WRITE || op > TERM_OP.PING) return undefined;
  return { op, stream: view.getUint8(1), max: view.getUint32(4, true), waitMs: view.getUint32(8, true), data: bytes.subarray(HEADER) };
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
