/**
 * The tty driver: the console device. A write returns only once the program's terminal has
 * handed the bytes to its real stdout/stderr, so output is never lost or reordered at exit.
 * A read waits a bounded slice for input, then answers ERESTARTSYS so libc issues it again:
 * no call outlives the syscall deadline, and no input is consumed without being delivered.
 */
import type { Logger } from "pino";
import { E } from "../../kernel-core/errno.js";
import type { Terminal } from "../../kernel-core/abi/terminal.js";

export interface TerminalDirectory {
  terminal(pid: number): Terminal;
}

/** What the vfs server needs of the console. */
export interface TtyDevice {
  write(pid: number, stream: number, data: Uint8Array): Promise<number>;
  /** Bytes read, or a negative errno (−ERESTARTSYS: nothing yet, ask again). */
  read(pid: number, max: number): Promise<Uint8Array | number>;
  /** 1 when the program's stream is a real terminal, 0 when not, or a negative errno. */
  isatty(pid: number, stream: number): Promise<number>;
}

export interface TtyOptions {
  log: Logger;
  terminals: TerminalDirectory;
  /** How long one read waits for input before asking to be restarted. */
  readSliceMs?: number;
}

export function createTtyDriver(opts: TtyOptions): TtyDevice {
  const slice = opts.readSliceMs ?? 1000;
  return {
    async write(pid, stream, data) {
      try {
        return await opts.terminals.terminal(pid).write(stream, data);
      } catch (err) {
        opts.log.warn({ pid, err: String(err) }, "tty: terminal unreachable on write");
        return -E.EIO;
      }
    },
    async isatty(pid, stream) {
      try {
        return (await opts.terminals.terminal(pid).isatty(stream)) ? 1 : 0;
      } catch {
        return -E.EIO;
      }
    },
    async read(pid, max) {
      try {
        const data = await opts.terminals.terminal(pid).read(max, slice);
        return data ?? -E.ERESTARTSYS;
      } catch (err) {
        opts.log.warn({ pid, err: String(err) }, "tty: terminal unreachable on read");
        return -E.EIO;
      }
    },
  };
}
