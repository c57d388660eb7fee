/**
 * Pipes, as Linux's fs/pipe.c keeps them: a 64 KiB buffer between a read end and a write end,
 * each end a description that dup'd descriptors share. A read takes what is there (EOF once
 * every writer has closed); a write of up to PIPE_BUF bytes goes in whole or not at all, a larger
 * one takes what fits; O_NONBLOCK turns a wait into EAGAIN, and a write with no reader left is
 * EPIPE. A wait lasts one slice and then answers ERESTARTSYS, so libc asks again (as the console's
 * reads do): a call never holds a server's request open for longer than its deadline.
 */
import { E } from "../../kernel-core/errno.js";

/** Bytes a pipe holds (Linux's default pipe size, 16 pages). */
export const PIPE_SIZE = 64 * 1024;
/** Writes up to this size are atomic (POSIX PIPE_BUF on Linux). */
export const PIPE_BUF = 4096;
/** Pipes the server holds at once, all processes together: past it, pipe() is ENFILE. */
export const MAX_PIPES = 4096;
/** Pipe inode numbers start here (pipefs's own numbers, apart from natixfs's). */
const FIRST_INO = 1 << 24;

export class Pipe {
  private chunks: Uint8Array[] = [];
  private size = 0;
  readers = 1;
  writers = 1;
  /** Those waiting for a change (bytes, room, or an end closed): woken all at once. */
  private waiting: (() => void)[] = [];

  constructor(readonly ino: number) {}

  get buffered(): number {
    return this.size;
  }

  /** Up to `max` bytes; an empty array at end of file; −EAGAIN or −ERESTARTSYS when it would wait. */
  async read(max: number, nonblock: boolean, sliceMs: number): Promise<Uint8Array | number> {
    if (this.size === 0) {
      if (this.writers === 0) return new Uint8Array(0);
      if (nonblock) return -E.EAGAIN;
      await this.change(sliceMs);
      if (this.size === 0) return this.writers === 0 ? new Uint8Array(0) : -E.ERESTARTSYS;
    }
    const out = new Uint8Array(Math.min(max, this.size));
    let at = 0;
    while (at < out.length) {
      const head = this.chunks[0];
      const n = Math.min(head.length, out.length - at);
      out.set(head.subarray(0, n), at);
      at += n;
      if (n === head.length) this.chunks.shift();
      else this.chunks[0] = head.subarray(n);
    }
    this.size -= out.length;
    this.wake();
    return out;
  }

  /** Bytes written, or −EPIPE, −EAGAIN, −ERESTARTSYS (nothing written yet: ask again). */
  async write(data: Uint8Array, nonblock: boolean, sliceMs: number): Promise<number> {
    if (this.readers === 0) return -E.EPIPE;
    // A small write goes in whole; a large one takes whatever room there is.
    const need = data.length <= PIPE_BUF ? data.length : 1;
    if (PIPE_SIZE - this.size < need) {
      if (nonblock) return -E.EAGAIN;
      await this.change(sliceMs);
      if (this.readers === 0) return -E.EPIPE;
      if (PIPE_SIZE - this.size < need) return -E.ERESTARTSYS;
    }
    const n = Math.min(data.length, PIPE_SIZE - this.size);
    // A copy: the caller's bytes may be a view into a transport's message buffer.
    this.chunks.push(data.slice(0, n));
    this.size += n;
    this.wake();
    return n;
  }

  /** One end's last description closed. */
  close(end: "read" | "write"): void {
    if (end === "read") this.readers--;
    else this.writers--;
    if (this.readers === 0) {
      this.chunks = []; // nobody can read them any more
      this.size = 0;
    }
    this.wake();
  }

  private change(sliceMs: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(done, sliceMs);
      function done() {
        clearTimeout(timer);
        resolve();
      }
      this.waiting.push(done);
    });
  }

  private wake(): void {
    const waiting = this.waiting;
    this.waiting = [];
    for (const w of waiting) w();
  }
}

/** Every pipe of the server: numbers them and bounds how many exist. */
export class Pipes {
  private next = FIRST_INO;
  private readonly live = new Set<Pipe>();

  /** A new pipe, or undefined when the server holds MAX_PIPES already. */
  create(): Pipe | undefined {
    if (this.live.size >= MAX_PIPES) return undefined;
    const pipe = new Pipe(this.next++);
    this.live.add(pipe);
    return pipe;
  }

  /** Forgets a pipe both of whose ends are closed. */
  closed(pipe: Pipe): void {
    if (pipe.readers === 0 && pipe.writers === 0) this.live.delete(pipe);
  }

  get count(): number {
    return this.live.size;
  }
}
