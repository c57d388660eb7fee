// head(1): the first part of each FILE (or standard input; "-" is standard input).
//   head [-n [-]N | -c [-]N | -N] [-q | -v] [FILE]...   default 10 lines; a negative N prints all
//   but the last N; N may carry GNU's suffixes (b, K, KB, M, MB, G, GB ...). Several files get
//   "==> NAME <==" headers.
import { open, read, write, close, errno, strerror, O_RDONLY, EPIPE } from "natix/libc";
import { quote, warner, Output } from "natix/coreutils";

const PROG = "head";
const warn = warner(PROG);
// Standard output, gathered as stdio does off a terminal (64 KiB).
const out = new Output();
const flush = () => out.flush();
const emit = (bytes) => out.emit(bytes);
const enc = new TextEncoder();

const SUFFIX = { b: 512, k: 1024, K: 1024, KiB: 1024, KB: 1000, M: 1024 ** 2, MiB: 1024 ** 2, MB: 1e6, G: 1024 ** 3, GiB: 1024 ** 3, GB: 1e9, T: 1024 ** 4, TB: 1e12, P: 1024 ** 5, PB: 1e15 };

/** "[-]N[suffix]" as {count, allBut}, or null. */
function parseCount(s) {
  const m = /^([-+]?)(\d+)([A-Za-z]*)$/.exec(s.trim());
  if (!m) return null;
  let mult = 1;
  if (m[3]) {
    if (!(m[3] in SUFFIX)) return null;
    mult = SUFFIX[m[3]];
  }
  return { count: Number(m[2]) * mult, allBut: m[1] === "-" };
}

export default async function main(argv) {
  let mode = "lines";
  let spec = { count: 10, allBut: false };
  let headers = null;
  const files = [];
  const args = argv.slice(1);
  let endOfOptions = false;
  for (let i = 0; i < args.length; i++) {
    const arg = args[i];
    if (endOfOptions || arg === "-" || !arg.startsWith("-")) {
      files.push(arg);
      continue;
    }
    if (arg === "--") {
      endOfOptions = true;
      continue;
    }
    let m;
    if (i === 0 && /^-\d+[bkm]?$/.test(arg)) {
      // The old form -N (lines; GNU also takes a trailing c/b/k/m for bytes, l for lines).
      spec = { count: Number(arg.slice(1).replace(/[bkm]$/, "")), allBut: false };
      continue;
    }
    if ((m = /^(?:-([nc])|--(lines|bytes)(?:=(.*))?)(.*)$/.exec(arg)) && (m[1] || m[2])) {
      const kind = m[1] === "c" || m[2] === "bytes" ? "bytes" : "lines";
      let value = m[1] ? m[4] : m[3];
      if (value === undefined || value === "") {
        if (i + 1 >= args.length) {
          await warn(`option requires an argument -- '${m[1] ?? kind}'\nTry 'head --help' for more information.`);
          return 1;
        }
        value = args[++i];
      }
      const parsed = parseCount(value);
      if (parsed === null) {
        await warn(`invalid number of ${kind}: ${quote(value)}`);
        return 1;
      }
      mode = kind;
      spec = parsed;
      continue;
    }
    if (arg === "-q" || arg === "--quiet" || arg === "--silent") headers = false;
    else if (arg === "-v" || arg === "--verbose") headers = true;
    else {
      await warn(
        (arg.startsWith("--") ? `unrecognized option '${arg}'` : `invalid option -- '${arg[1]}'`) + "\nTry 'head --help' for more information.",
      );
      return 1;
    }
  }
  if (files.length === 0) files.push("-");
  headers ??= files.length > 1;

  let status = 0;
  let first = true;
  const buf = new Uint8Array(64 * 1024);
  for (const name of files) {
    const fd = name === "-" ? 0 : await open(name, O_RDONLY);
    const shown = name === "-" ? "standard input" : name;
    if (fd < 0) {
      await warn(`cannot open ${quote(shown)} for reading: ${strerror(errno)}`);
      status = 1;
      continue;
    }
    if (headers) await emit(enc.encode(`${first ? "" : "\n"}==> ${shown} <==\n`));
    first = false;
    let left = spec.count;
    const kept = []; // for "all but the last N": everything, cut at the end
    for (;;) {
      if (!spec.allBut && left <= 0) break;
      const n = await read(fd, buf, buf.length);
      if (n < 0) {
        await warn(`error reading ${quote(shown)}: ${strerror(errno)}`);
        status = 1;
        break;
      }
      if (n === 0) break;
      const chunk = buf.subarray(0, n);
      if (spec.allBut) {
        kept.push(chunk.slice());
        continue;
      }
      if (mode === "bytes") {
        const take = Math.min(left, n);
        left -= take;
        if ((await emit(chunk.subarray(0, take))) < 0) break;
      } else {
        let end = 0;
        while (end < n && left > 0) if (chunk[end++] === 10) left--;
        if ((await emit(chunk.subarray(0, end))) < 0) break;
      }
    }
    if (spec.allBut) {
      const total = kept.reduce((s, c) => s + c.length, 0);
      const all = new Uint8Array(total);
      let o = 0;
      for (const c of kept) all.set(c, o), (o += c.length);
      let end;
      if (mode === "bytes") end = Math.max(0, total - spec.count);
      else {
        // Drop the last N lines (an unterminated last line counts as one).
        end = total;
        let drop = spec.count;
        if (drop > 0 && end > 0 && all[end - 1] !== 10) {
          while (end > 0 && all[end - 1] !== 10) end--;
          drop--;
        }
        for (; drop > 0 && end > 0; drop--) {
          end--;
          while (end > 0 && all[end - 1] !== 10) end--;
        }
      }
      await emit(all.subarray(0, end));
    }
    if (fd !== 0) await close(fd);
    if (out.failed) break;
  }
  await flush();
  if (out.failed) {
    if (out.failed !== EPIPE) await warn(`error writing 'standard output': ${strerror(out.failed)}`);
    return 1;
  }
  return status;
}
