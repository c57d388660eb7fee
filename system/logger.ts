/**
 * Loggers for kernel-side components: pino, to stderr (pretty on a terminal), at the level in
 * NATIX_LOG_LEVEL (default warn, so a program's own output stays readable). Messages at info
 * and above also go to the kernel log (the ring behind dmesg) through a kmsg sink: published
 * on natix.kmsg from another process, or appended directly inside the kernel's own.
 */
import { createRequire } from "node:module";
import pino, { type Logger, type DestinationStream, type StreamEntry } from "pino";
import type PinoPretty from "pino-pretty";

/**
 * pino-pretty is loaded only on a terminal: every component, driver and program process starts
 * with this module, and loading it costs ~50 ms of CPU that a restarted driver would spend
 * before it serves again.
 */
const pretty = (opts: PinoPretty.PrettyOptions): DestinationStream => (createRequire(import.meta.url)("pino-pretty") as typeof PinoPretty)(opts);

export interface LoggerOptions {
  /** Component name, shown on every line (kernel, vfs, blk, ...). */
  name: string;
  level?: string;
  /** Receives each info+ line as pino's JSON, for the kernel log ring. */
  kmsg?: DestinationStream;
}

export function createLogger(opts: LoggerOptions): Logger {
  const level = opts.level ?? process.env.NATIX_LOG_LEVEL ?? "warn";
  // stderr, or stdout where a container runtime collects logs from it (NATIX_LOG_STDOUT=1).
  const fd = process.env.NATIX_LOG_STDOUT === "1" ? 1 : 2;
  const console: DestinationStream = (fd === 1 ? process.stdout : process.stderr).isTTY
    ? pretty({ destination: fd, colorize: true, sync: true })
    : pino.destination({ fd, sync: true });
  const streams: StreamEntry[] = [{ level: level as pino.Level, stream: console }];
  if (opts.kmsg) streams.push({ level: "info", stream: opts.kmsg });
  const lowest = opts.kmsg && pino.levels.values[level] > pino.levels.values.info ? "info" : level;
  return pino({ name: opts.name, level: lowest, base: undefined }, pino.multistream(streams));
}

/**
 * A kmsg sink whose destination is connected later (a component logs before NATS is up):
 * lines wait in a small buffer until `connect()`.
 */
export class KmsgSink implements DestinationStream {
  private pending: string[] = [];
  private target: ((line: string) => void) | undefined;

  write(line: string): void {
    if (this.target) this.target(line);
    else if (this.pending.length < 1000) this.pending.push(line);
  }

  /** Sends lines to `target` from now on (the first connect wins). */
  connect(target: (line: string) => void): void {
    if (this.target) return;
    this.target = target;
    for (const line of this.pending.splice(0)) target(line);
  }
}

/**
 * Log lines as few messages: those of one turn of the event loop always go together (a
 * hello_world call logs two lines), sent in a microtask so the batch leaves in the same socket
 * write as the reply that follows. Under sustained logging — more than `burst` batches within
 * `windowMs`, as when every call of a benchmark logs — the next batch waits for the window's
 * end, so the log costs one message per window instead of one per call. Occasional lines (a
 * server starting, registering) still leave at once, in order with what the component does next.
 */
export function coalescedLines(publish: (batch: string) => void, windowMs = 10, burst = 2): (line: string) => void {
  let lines: string[] = [];
  let scheduled = false;
  let windowStart = -Infinity;
  let batches = 0;
  const flush = () => {
    scheduled = false;
    const batch = lines.join("");
    lines = [];
    publish(batch);
  };
  return (line) => {
    lines.push(line.endsWith("\n") ? line : `${line}\n`);
    if (scheduled) return;
    scheduled = true;
    const now = performance.now();
    if (now - windowStart >= windowMs) {
      windowStart = now;
      batches = 0;
    }
    if (batches++ < burst) queueMicrotask(flush);
    else setTimeout(flush, windowStart + windowMs - now);
  };
}
