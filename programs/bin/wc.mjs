// wc(1): newline, word, character and byte counts of each FILE (or standard input), and a
// total line for several.
//   wc [-clmwL] [FILE]...   default -lwc; columns as wide as GNU's (from the files' sizes).
// Words and characters are read as UTF-8, as GNU's wc in a C.UTF-8 locale: a word is a run of
// printable characters between white space; bytes that are not UTF-8 count as bytes only.
import { open, read, close, stat, fstat, S_ISREG, O_RDONLY, EPIPE, errno, strerror } from "natix/libc";
import { quotef, warner, writeAll } from "natix/coreutils";

const PROG = "wc";
const warn = warner(PROG);
const enc = new TextEncoder();

// White space as glibc's iswspace in a UTF-8 locale (no-break spaces are not white space).
const SPACE = new Set([9, 10, 11, 12, 13, 32, 0x1680, 0x2000, 0x2001, 0x2002, 0x2003, 0x2004, 0x2005, 0x2006, 0x2008, 0x2009, 0x200a, 0x2028, 0x2029, 0x205f, 0x3000]);
const printable = (cp) => cp >= 32 && cp !== 127 && !(cp >= 0x80 && cp < 0xa0);

/** Counting state for one input, fed chunk by chunk (a UTF-8 sequence may span two chunks). */
function counter() {
  const c = { lines: 0, words: 0, chars: 0, bytes: 0, maxlen: 0, inWord: false, pos: 0, pending: [] };
  c.feed = (chunk) => {
    c.bytes += chunk.length;
    let data = chunk;
    if (c.pending.length) {
      data = new Uint8Array(c.pending.length + chunk.length);
      data.set(c.pending);
      data.set(chunk, c.pending.length);
      c.pending = [];
    }
    let i = 0;
    while (i < data.length) {
      const b = data[i];
      let cp;
      let len = 1;
      if (b < 0x80) cp = b;
      else {
        len = b >= 0xf0 && b < 0xf5 ? 4 : b >= 0xe0 ? 3 : b >= 0xc2 && b < 0xe0 ? 2 : 0;
        if (b >= 0xf5) len = 0;
        if (len === 0) {
          i++; // not UTF-8: a byte only
          continue;
        }
        if (i + len > data.length) {
          // Possibly a sequence cut by the chunk's end: keep it for the next chunk.
          let ok = true;
          for (let k = 1; i + k < data.length; k++) if ((data[i + k] & 0xc0) !== 0x80) ok = false;
          if (ok) {
            c.pending = Array.from(data.subarray(i));
            return;
          }
        }
        cp = b & (len === 2 ? 0x1f : len === 3 ? 0x0f : 0x07);
        let valid = true;
        for (let k = 1; k < len; k++) {
          const x = data[i + k];
          if (x === undefined || (x & 0xc0) !== 0x80) {
            valid = false;
            break;
          }
          cp = (cp << 6) | (x & 0x3f);
        }
        if (valid && ((len === 3 && (cp < 0x800 || (cp >= 0xd800 && cp < 0xe000))) || (len === 4 && (cp < 0x10000 || cp > 0x10ffff)))) valid = false;
        if (!valid) {
          i++;
          continue;
        }
      }
      i += len;
      c.chars++;
      c.step(cp);
    }
  };
  c.step = (cp) => {
    if (cp === 10 || cp === 13 || cp === 12) {
      if (cp === 10) c.lines++;
      if (c.pos > c.maxlen) c.maxlen = c.pos;
      c.pos = 0;
    } else if (cp === 9) c.pos += 8 - (c.pos % 8);
    else if (cp === 32) c.pos++;
    else if (cp !== 11) {
      if (!printable(cp)) return;
      c.pos += 1;
      if (!SPACE.has(cp)) {
        c.inWord = true;
        return;
      }
    }
    if (c.inWord) c.words++;
    c.inWord = false;
  };
  c.end = () => {
    if (c.inWord) c.words++;
    c.inWord = false;
    if (c.pos > c.maxlen) c.maxlen = c.pos;
  };
  return c;
}

export default async function main(argv) {
  const want = { l: false, w: false, m: false, c: false, L: false };
  const files = [];
  let endOfOptions = false;
  const long = { "--lines": "l", "--words": "w", "--chars": "m", "--bytes": "c", "--max-line-length": "L" };
  for (const arg of argv.slice(1)) {
    if (endOfOptions || arg === "-" || !arg.startsWith("-")) files.push(arg);
    else if (arg === "--") endOfOptions = true;
    else if (arg.startsWith("--")) {
      if (!(arg in long)) {
        await warn(`unrecognized option '${arg}'\nTry 'wc --help' for more information.`);
        return 1;
      }
      want[long[arg]] = true;
    } else
      for (const ch of arg.slice(1)) {
        if (!(ch in want)) {
          await warn(`invalid option -- '${ch}'\nTry 'wc --help' for more information.`);
          return 1;
        }
        want[ch] = true;
      }
  }
  if (!want.l && !want.w && !want.m && !want.c && !want.L) want.l = want.w = want.c = true;
  const named = files.length > 0;
  if (!named) files.push("-");
  const nCounts = [want.l, want.w, want.m, want.c, want.L].filter(Boolean).length;

  // The column width, as GNU computes it: the digits of the regular files' total size, at
  // least 7 when an input is not a regular file; 1 for a single input with a single count.
  let width = 1;
  if (!(files.length === 1 && nCounts === 1)) {
    let regular = 0;
    let minimum = 1;
    const sts = [];
    for (const f of files) sts.push(f === "-" ? await fstat(0) : await stat(f));
    if (sts[0] !== -1 || true) {
      for (const st of sts) {
        if (st === -1) continue;
        if (!S_ISREG(st.st_mode)) minimum = 7;
        else regular += st.st_size;
      }
      width = Math.max(String(regular).length, minimum);
    }
  }

  let out = "";
  const line = (c, name) => {
    const nums = [];
    if (want.l) nums.push(c.lines);
    if (want.w) nums.push(c.words);
    if (want.m) nums.push(c.chars);
    if (want.c) nums.push(c.bytes);
    if (want.L) nums.push(c.maxlen);
    out += nums.map((n) => String(n).padStart(width)).join(" ") + (name === null ? "" : ` ${quotef(name)}`) + "\n";
  };
  const total = { lines: 0, words: 0, chars: 0, bytes: 0, maxlen: 0 };
  let status = 0;
  const buf = new Uint8Array(128 * 1024);
  for (const name of files) {
    const fd = name === "-" ? 0 : await open(name, O_RDONLY);
    if (fd < 0) {
      await warn(`${quotef(name)}: ${strerror(errno)}`);
      status = 1;
      continue;
    }
    const c = counter();
    for (;;) {
      const n = await read(fd, buf, buf.length);
      if (n < 0) {
        await warn(`${name === "-" ? "-" : quotef(name)}: ${strerror(errno)}`);
        status = 1;
        break;
      }
      if (n === 0) break;
      c.feed(buf.subarray(0, n));
    }
    c.end();
    if (fd !== 0) await close(fd);
    line(c, named ? name : null);
    for (const k of Object.keys(total)) total[k] = k === "maxlen" ? Math.max(total[k], c[k]) : total[k] + c[k];
  }
  if (files.length > 1) line(total, "total");
  const failed = await writeAll(1, enc.encode(out));
  if (failed) {
    if (failed !== EPIPE) await warn(`write error: ${strerror(failed)}`);
    return 1;
  }
  return status;
}
