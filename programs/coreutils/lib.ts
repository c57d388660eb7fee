/**
 * What natix's utilities share (`natix/coreutils`, as GNU's share gnulib): quoting names in
 * messages as coreutils does under LC_ALL=C, "PROG: message" on stderr, and a standard output
 * that gathers small writes. Each utility is a program of its own stored in /bin, which can
 * import only natix's own modules by name; this is one of them.
 */
import { errno, write } from "../../client-libc/mod.js";

export * from "./regex.js";

const enc = new TextEncoder();

/** A name in a message, as coreutils' quote() prints it: 'name', or "it's" when it has a quote. */
export function quote(s: string): string {
  if (!s.includes("'")) return `'${s}'`;
  return `"${s.replace(/(["\\$`])/g, "\\$1")}"`;
}

/** A file name in a message, as quotef(): bare when nothing in it needs quoting. */
export function quotef(s: string): string {
  if (s.length > 0 && !/[^A-Za-z0-9_./:,+@%=~^-]/.test(s)) return s;
  return quote(s);
}

/** warn("...") writes "PROG: ...\n" to standard error. */
export function warner(prog: string): (msg: string) => Promise<void> {
  return async (msg) => {
    const b = enc.encode(`${prog}: ${msg}\n`);
    await write(2, b, b.length);
  };
}

/** Writes all of `bytes` to `fd`, short writes resumed: 0, or the errno of the write that failed. */
export async function writeAll(fd: number, bytes: Uint8Array): Promise<number> {
  for (let off = 0; off < bytes.length; ) {
    const n = await write(fd, off ? bytes.subarray(off) : bytes, bytes.length - off);
    if (n < 0) return errno;
    off += n;
  }
  return 0;
}

/**
 * Standard output gathering what is emitted until `threshold` bytes (0: written at once), as
 * stdio's full buffering off a terminal. Once a write fails, `failed` holds its errno and
 * nothing more is written.
 */
export class Output {
  private chunks: Uint8Array[] = [];
  private size = 0;
  failed = 0;

  constructor(private readonly threshold = 64 * 1024) {}

  async emit(bytes: Uint8Array): Promise<number> {
    if (bytes.length === 0) return 0;
    this.chunks.push(bytes.slice());
    this.size += bytes.length;
    return this.size >= this.threshold ? this.flush() : 0;
  }

  /** Writes out what was gathered: 0, or −1 once a write failed. */
  async flush(): Promise<number> {
    if (this.failed) return -1;
    if (this.size === 0) return 0;
    const all = new Uint8Array(this.size);
    let o = 0;
    for (const c of this.chunks) all.set(c, o), (o += c.length);
    this.chunks = [];
    this.size = 0;
    this.failed = await writeAll(1, all);
    return this.failed ? -1 : 0;
  }
}
