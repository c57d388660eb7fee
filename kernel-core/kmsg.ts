/**
 * The kernel log: a size-bounded ring of messages at info level and above from every
 * kernel-side component (printk's buffer). `natix dmesg` prints it as Linux does,
 * "[ SECONDS.MICROS] message", seconds since boot.
 */
export interface KmsgRecord {
  /** Increasing sequence number (to follow the log). */
  seq: number;
  /** Microseconds since boot. */
  usec: number;
  /** pino level (30 info, 40 warn, 50 error, 60 fatal). */
  level: number;
  /** Which component logged it (kernel, vfs, hello, a module...). */
  component: string;
  msg: string;
}

export class KernelLog {
  private readonly records: KmsgRecord[] = [];
  private readonly listeners = new Set<(r: KmsgRecord) => void>();
  private seq = 0;
  private bytes = 0;

  constructor(
    private readonly clockUsec: () => number,
    private readonly capacityBytes = 256 * 1024,
  ) {}

  append(component: string, level: number, msg: string): KmsgRecord {
    const r: KmsgRecord = { seq: ++this.seq, usec: Math.floor(this.clockUsec()), level, component, msg };
    this.records.push(r);
    this.bytes += msg.length + 32;
    while (this.bytes > this.capacityBytes && this.records.length > 1) this.bytes -= this.records.shift()!.msg.length + 32;
    for (const l of this.listeners) l(r);
    return r;
  }

  /** Records after sequence number `seq` (all when 0). */
  since(seq = 0): KmsgRecord[] {
    return this.records.filter((r) => r.seq > seq);
  }

  follow(listener: (r: KmsgRecord) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /**
   * Takes one pino JSON line (a component's log) into the ring, if it is info or above. A line
   * that came over the bus is filed under the `sender` its subject names, whatever name it
   * claims: a component cannot log as another.
   */
  ingest(line: string, sender?: string): void {
    let entry: { level?: number; msg?: string; name?: string };
    try {
      entry = JSON.parse(line);
    } catch {
      return;
    }
    if ((entry.level ?? 0) < 30 || typeof entry.msg !== "string") return;
    this.append(sender ?? entry.name ?? "kernel", entry.level ?? 30, entry.msg);
  }
}

/** One line as dmesg prints it: "[  112.273783] System call fired!". */
export function formatKmsg(r: KmsgRecord): string {
  const sec = Math.floor(r.usec / 1_000_000);
  const micros = String(r.usec % 1_000_000).padStart(6, "0");
  return `[${String(sec).padStart(5, " ")}.${micros}] ${r.msg}`;
}
