/**
 * A program's terminal: the real stdin/stdout/stderr of the program's OS process (or streams a
 * test hands in). The tty driver reaches it directly (embedded) or through natix.tty.<pid>.
 * A write resolves once the stream has taken the bytes, which is what lets write(2) return
 * only after delivery.
 */
import type { Readable, Writable } from "node:stream";
import type { Terminal } from "../kernel-core/abi/terminal.js";
import { E } from "../kernel-core/errno.js";

export interface TerminalStreams {
  stdin?: Readable;
  stdout?: Writable;
  stderr?: Writable;
}

/** Host streams whose errors are answered as write results, not thrown. */
const QUIET = new WeakSet<Writable>();

export class LocalTerminal implements Terminal {
  private readonly stdin?: Readable;
  private readonly stdout: Writable;
  private readonly stderr: Writable;
  private pending: Buffer[] = [];
  private ended = false;
  private listening = false;
  private waiter: (() => void) | undefined;

  constructor(streams: TerminalStreams = {}) {
    this.stdin = streams.stdin ?? process.stdin;
    this.stdout = streams.stdout ?? process.stdout;
    this.stderr = streams.stderr ?? process.stderr;
  }

  write(stream: number, data: Uint8Array): Promise<number> {
    const target = stream === 2 ? this.stderr : stream === 1 ? this.stdout : undefined;
    if (target === undefined) return Promise.resolve(-E.EBADF);
    if (data.length === 0) return Promise.resolve(0);
    // Copy: the caller's frame buffer may be reused once this returns.
    const chunk = Buffer.from(data);
    return new Promise((resolve) => {
      // A host stream whose reader has gone (natix run ... | head) fails the write with EPIPE, as
      // a pipe would; without a listener its 'error' event would end this OS process.
      if (!QUIET.has(target)) {
        QUIET.add(target);
        target.on("error", () => {});
      }
      if (target.destroyed) return resolve(-E.EPIPE);
      target.write(chunk, (err) => resolve(err ? ((err as NodeJS.ErrnoException).code === "EPIPE" ? -E.EPIPE : -E.EIO) : data.length));
    });
  }

  async read(max: number, waitMs: number): Promise<Uint8Array | null> {
    if (this.stdin === undefined) return new Uint8Array(0);
    this.listen();
    if (this.pending.length === 0 && !this.ended) {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(() => {
          this.waiter = undefined;
          resolve();
        }, waitMs);
        this.waiter = () => {
          clearTimeout(timer);
          this.waiter = undefined;
          resolve();
        };
      });
    }
    if (this.pending.length === 0) return this.ended ? new Uint8Array(0) : null;
    return this.take(max);
  }

  async isatty(stream: number): Promise<boolean> {
    const s = stream === 0 ? this.stdin : stream === 1 ? this.stdout : stream === 2 ? this.stderr : undefined;
    return (s as { isTTY?: boolean } | undefined)?.isTTY === true;
  }

  /** Stops reading stdin so the OS process can exit. */
  close(): void {
    if (this.listening) this.stdin?.pause();
  }

  private take(max: number): Uint8Array {
    const out: Buffer[] = [];
    let size = 0;
    while (this.pending.length > 0 && size < max) {
      const head = this.pending[0];
      const room = max - size;
      if (head.length <= room) {
        out.push(head);
        size += head.length;
        this.pending.shift();
      } else {
        out.push(head.subarray(0, room));
        this.pending[0] = head.subarray(room);
        size += room;
      }
    }
    if (this.pending.length === 0 && !this.ended) this.stdin?.pause();
    return new Uint8Array(Buffer.concat(out, size));
  }

  // stdin is only touched once the program reads it, so a program that never reads does not
  // hold its OS process open or swallow input meant for someone else.
  private listen(): void {
    const stdin = this.stdin!;
    if (!this.listening) {
      this.listening = true;
      if (stdin.readableEnded || stdin.destroyed) this.ended = true;
      stdin.on("data", (chunk: Buffer | string) => {
        this.pending.push(typeof chunk === "string" ? Buffer.from(chunk) : chunk);
        stdin.pause();
        this.waiter?.();
      });
      stdin.on("end", () => {
        this.ended = true;
        this.waiter?.();
      });
    }
    if (this.pending.length === 0 && !this.ended) stdin.resume();
  }
}
