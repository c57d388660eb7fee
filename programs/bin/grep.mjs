// grep(1): prints the lines of each FILE (or standard input) that match PATTERNS.
//   grep [-EFGivcnqslLHhxwo] [-m NUM] [-e PATTERNS]... [-f FILE]... [PATTERNS] [FILE]...
// Basic regular expressions by default (-G), extended with -E, fixed strings with -F, with
// POSIX's and GNU's meanings (natix/coreutils' regex translates them). Input is read as UTF-8. Exit 0 when
// a line was selected, 1 when none, 2 on an error (unless -q and a line was selected).
import { open, read, write, close, errno, O_RDONLY, EPIPE, strerror } from "natix/libc";
import { quote, quotef, warner, Output, PatternError, compile, longestMatches } from "natix/coreutils";

const PROG = "grep";
const warn = warner(PROG);
const enc = new TextEncoder();
const dec = new TextDecoder("utf-8");

async function usage() {
  const b = enc.encode("Usage: grep [OPTION]... PATTERNS [FILE]...\nTry 'grep --help' for more information.\n");
  await write(2, b, b.length);
}

export default async function main(argv) {
  const o = { mode: "G", i: false, v: false, c: false, n: false, q: false, s: false, l: false, L: false, H: null, x: false, w: false, o: false, max: Infinity };
  const patterns = [];
  let patternGiven = false;
  const operands = [];
  const args = argv.slice(1);
  const needsArg = new Set(["e", "f", "m"]);
  const longs = {
    "--extended-regexp": "E", "--fixed-strings": "F", "--basic-regexp": "G", "--ignore-case": "i", "--invert-match": "v",
    "--count": "c", "--line-number": "n", "--quiet": "q", "--silent": "q", "--no-messages": "s", "--files-with-matches": "l",
    "--files-without-match": "L", "--with-filename": "H", "--no-filename": "h", "--line-regexp": "x", "--word-regexp": "w",
    "--only-matching": "o", "--regexp": "e", "--file": "f", "--max-count": "m",
  };
  const setFlag = async (f, value) => {
    switch (f) {
      case "E": case "F": case "G": o.mode = f; break;
      case "i": case "y": o.i = true; break;
      case "h": o.H = false; break;
      case "H": o.H = true; break;
      case "e": patterns.push(...value.split("\n")); patternGiven = true; break;
      case "f": {
        const text = await slurp(value);
        if (text === null) {
          await warn(`${quotef(value)}: ${strerror(errno)}`);
          return false;
        }
        const lines = text.split("\n");
        if (lines[lines.length - 1] === "") lines.pop();
        patterns.push(...lines);
        patternGiven = true;
        break;
      }
      case "m": {
        if (!/^-?\d+$/.test(value)) {
          await warn(`invalid max count`);
          return false;
        }
        o.max = Number(value) < 0 ? Infinity : Number(value);
        break;
      }
      default:
        if (!(f in o)) {
          await warn(`invalid option -- '${f}'`);
          await usage();
          return false;
        }
        o[f] = true;
    }
    return true;
  };
  let endOfOptions = false;
  for (let k = 0; k < args.length; k++) {
    const arg = args[k];
    if (endOfOptions || arg === "-" || !arg.startsWith("-")) {
      operands.push(arg);
      continue;
    }
    if (arg === "--") {
      endOfOptions = true;
      continue;
    }
    if (arg.startsWith("--")) {
      const [name, value] = arg.includes("=") ? [arg.slice(0, arg.indexOf("=")), arg.slice(arg.indexOf("=") + 1)] : [arg, undefined];
      const f = longs[name];
      if (f === undefined) {
        await warn(`unrecognized option '${arg}'`);
        await usage();
        return 2;
      }
      let v = value;
      if (needsArg.has(f) && v === undefined) {
        if (k + 1 >= args.length) {
          await warn(`option '${name}' requires an argument`);
          await usage();
          return 2;
        }
        v = args[++k];
      }
      if (!(await setFlag(f, v))) return 2;
      continue;
    }
    for (let j = 1; j < arg.length; j++) {
      const f = arg[j];
      if (needsArg.has(f)) {
        let v = arg.slice(j + 1);
        if (v === "") {
          if (k + 1 >= args.length) {
            await warn(`option requires an argument -- '${f}'`);
            await usage();
            return 2;
          }
          v = args[++k];
        }
        if (!(await setFlag(f, v))) return 2;
        break;
      }
      if (!(await setFlag(f))) return 2;
    }
  }
  if (!patternGiven) {
    if (operands.length === 0) {
      await usage();
      return 2;
    }
    patterns.push(...operands.shift().split("\n"));
  }
  const files = operands.length > 0 ? operands : ["-"];
  const showNames = o.H ?? files.length > 1;

  let re;
  try {
    re = compile(patterns, o);
  } catch (e) {
    if (!(e instanceof PatternError)) throw e;
    await warn(e.message);
    return 2;
  }

  const out = new Output();
  const flush = () => out.flush();
  const emit = (bytes) => out.emit(bytes);

  let selectedAny = false;
  let error = false;
  const buf = new Uint8Array(64 * 1024);
  for (const name of files) {
    const shown = name === "-" ? "(standard input)" : name;
    const fd = name === "-" ? 0 : await open(name, O_RDONLY);
    if (fd < 0) {
      if (!o.s) await warn(`${quotef(name)}: ${strerror(errno)}`);
      error = true;
      continue;
    }
    const prefix = showNames ? shown + ":" : "";
    let count = 0;
    let lineNo = 0;
    let binary = false;
    let stop = false;
    let rest = new Uint8Array(0);
    const onLine = async (bytes) => {
      lineNo++;
      const text = dec.decode(bytes);
      const matched = re.test(text);
      if (matched === o.v) return;
      count++;
      selectedAny = true;
      if (o.q) {
        stop = true;
        return;
      }
      if (o.l || o.L) {
        stop = true;
        return;
      }
      if (!o.c) {
        if (binary) {
          await flush();
          await warn(`${quotef(shown)}: binary file matches`);
          stop = true;
          return;
        }
        const lead = prefix + (o.n ? `${lineNo}:` : "");
        if (o.o) {
          if (o.v) return;
          for (const m of longestMatches(re, text)) await emit(enc.encode(`${lead}${m}\n`));
        } else {
          if (lead) await emit(enc.encode(lead));
          await emit(bytes.slice());
          await emit(NEWLINE);
        }
      }
      if (count >= o.max) stop = true;
    };
    if (o.max <= 0) stop = true;
    while (!stop) {
      const n = await read(fd, buf, buf.length);
      if (n < 0) {
        if (!o.s) await warn(`${quotef(name === "-" ? "(standard input)" : name)}: ${strerror(errno)}`);
        error = true;
        break;
      }
      if (n === 0) {
        if (rest.length > 0) await onLine(rest);
        break;
      }
      const chunk = new Uint8Array(rest.length + n);
      chunk.set(rest);
      chunk.set(buf.subarray(0, n), rest.length);
      if (!binary && buf.subarray(0, n).includes(0)) binary = true;
      let start = 0;
      for (let nl; !stop && (nl = chunk.indexOf(10, start)) >= 0; start = nl + 1) await onLine(chunk.subarray(start, nl));
      rest = stop ? new Uint8Array(0) : chunk.slice(start);
    }
    if (fd !== 0) await close(fd);
    if (o.q && selectedAny) break;
    if (o.c) await emit(enc.encode(`${prefix}${count}\n`));
    if (o.l && count > 0) await emit(enc.encode(`${shown}\n`));
    if (o.L && count === 0) await emit(enc.encode(`${shown}\n`));
    if (out.failed) break;
  }
  await flush();
  if (out.failed) {
    if (out.failed !== EPIPE) await warn(`write error: ${strerror(out.failed)}`);
    return 2;
  }
  if (o.q && selectedAny) return 0;
  if (error) return 2;
  return selectedAny ? 0 : 1;
}

const NEWLINE = new Uint8Array([10]);

/** A whole file as text, or null with errno set. */
async function slurp(name) {
  const fd = name === "-" ? 0 : await open(name, O_RDONLY);
  if (fd < 0) return null;
  const parts = [];
  const buf = new Uint8Array(64 * 1024);
  for (let n; (n = await read(fd, buf, buf.length)) > 0; ) parts.push(dec.decode(buf.subarray(0, n), { stream: true }));
  if (fd !== 0) await close(fd);
  return parts.join("") + dec.decode();
}
