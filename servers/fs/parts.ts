/**
 * A read or write larger than one filesystem operation should take, as several operations back
 * to back: a write's 512 KiB operations each fit the log with their metadata, a read's 4 MiB ones
 * each get their own device budget. What one operation does is the caller's (filesystem.ts);
 * this is only the splitting, and the rule that a failure after some bytes is a short count.
 */
import { replyBuffer } from "../../kernel-core/abi/frame.js";

/** Bytes of a write one operation takes. */
export const WRITE_PART = 512 * 1024;
/** Bytes one read operation takes. */
export const READ_PART = 4 * 1024 * 1024;

/**
 * Writes `data` in parts. `one(part, at)` writes one part at `at` (undefined for the first: the
 * operation decides, as an append does) and says where it started and how much it wrote.
 */
export async function writeInParts(
  data: Uint8Array,
  one: (part: Uint8Array, at: number | undefined) => Promise<{ from: number; count: number } | number>,
): Promise<{ count: number; end: number } | number> {
  let at: number | undefined;
  let done = 0;
  for (;;) {
    const part = data.subarray(done, done + WRITE_PART);
    const r = await one(part, at);
    if (typeof r === "number") return done > 0 ? { count: done, end: at! } : r;
    at = r.from + r.count;
    done += r.count;
    // Done, or short (the disk full, the largest file reached): stop there.
    if (done === data.length || r.count < part.length) return { count: done, end: at };
  }
}

/** Reads up to `length` bytes in parts; `one(skip, want)` reads `want` bytes `skip` bytes in. */
export async function readInParts(length: number, one: (skip: number, want: number) => Promise<Uint8Array | number>): Promise<Uint8Array | number> {
  const parts: Uint8Array[] = [];
  let got = 0;
  for (;;) {
    const want = Math.min(READ_PART, length - got);
    const r = await one(got, want);
    if (typeof r === "number") {
      if (got === 0) return r;
      break;
    }
    parts.push(r);
    got += r.length;
    if (got === length || r.length < want) break;
  }
  if (parts.length === 1) return parts[0];
  const out = replyBuffer(got);
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}
