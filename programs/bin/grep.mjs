// grep(1): prints the lines of each FILE (or standard input) that match PATTERNS.
//   grep [-EFGivcnqslLHhxwo] [-m NUM] [-e PATTERNS]... [-f FILE]... [PATTERNS] [FILE]...
// Basic regular expressions by default (-G), extended with -E, fixed strings with -F; each is
// translated to a JavaScript RegExp with POSIX's and GNU's meanings (\( \) \{ \} \| \+ \? in a
// BRE, bracket expressions with [:classes:], \< \> \w \b ...). Input is read as UTF-8. Exit 0 when
// a line was selected, 1 when none, 2 on an error (unless -q and a line was selected).
import { open, read, write, close, errno, strerror, O_RDONLY, EPIPE } from "natix/libc";
import { quote, quotef, warner } from "natix/coreutils";

const PROG = "grep";
const warn = warner(PROG);
const enc = new TextEncoder();
const dec = new TextDecoder("utf-8");

class PatternError extends Error {}

const WORD = "[\\p{L}\\p{N}_]";
const NONWORD = "[^\\p{L}\\p{N}_]";
const CLASSES = {
  alpha: "\\p{L}", digit: "0-9", alnum: "\\p{L}0-9", upper: "\\p{Lu}", lower: "\\p{Ll}", space: "\\s", blank: " \\t",
  punct: "!-\\/:-@\\[-`{-~", print: " -~\\u00a0-\\u{10ffff}", graph: "!-~\\u00a1-\\u{10ffff}", cntrl: "\\x00-\\x1f\\x7f",
  xdigit: "0-9A-Fa-f",
};
const UNMATCHED_BRACKET = "Unmatched [, [^, [:, [., or [=";
const SYNTAX = new Set("^$\\.*+?()[]{}|/".split(""));
const escChar = (ch) => (SYNTAX.has(ch) ? "\\" + ch : ch);
const escClass = (ch) => ("\\]^-[".includes(ch) ? "\\" + ch : ch);

/** A bracket expression starting at p[i] === "[": [JS class, index after it]. */
function bracket(p, i) {
  i++;
  let neg = false;
  if (p[i] === "^") (neg = true), i++;
  const parts = [];
  let first = true;
  const element = () => {
    // One character, or a [.x.] / [=x=] naming one; null for a [:class:] (pushed already).
    if (p[i] === "[" && ".=:".includes(p[i + 1] ?? "")) {
      const kind = p[i + 1];
      const end = p.indexOf(kind + "]", i + 2);
      if (end < 0) throw new PatternError(UNMATCHED_BRACKET);
      const name = p.slice(i + 2, end);
      i = end + 2;
      if (kind === ":") {
        if (!(name in CLASSES)) throw new PatternError("Invalid character class name");
        parts.push(CLASSES[name]);
        return null;
      }
      if ([...name].length !== 1) throw new PatternError("Invalid collation character");
      return name;
    }
    const ch = String.fromCodePoint(p.codePointAt(i));
    i += ch.length;
    return ch;
  };
  for (;;) {
    if (i >= p.length) throw new PatternError(UNMATCHED_BRACKET);
    if (p[i] === "]" && !first) {
      i++;
      break;
    }
    first = false;
    const lo = element();
    if (lo === null) continue;
    if (p[i] === "-" && i + 1 < p.length && p[i + 1] !== "]") {
      i++;
      const hi = element();
      if (hi === null || hi.codePointAt(0) < lo.codePointAt(0)) throw new PatternError("Invalid range end");
      parts.push(escClass(lo) + "-" + escClass(hi));
    } else parts.push(escClass(lo));
  }
  return [(neg ? "[^" : "[") + parts.join("") + "]", i];
}

/**
 * One POSIX pattern (BRE, or ERE when `extended`) as JavaScript regex source; its groups are
 * numbered from `base` + 1 (several patterns are joined into one RegExp).
 */
function translate(p, extended, base) {
  let out = "";
  let groups = 0;
  const open = []; // [out index of "(", groups before]
  let atStart = true; // where "*" is literal and (in a BRE) "^" is an anchor
  let lastAtom = -1; // out index where the last quantifiable atom starts (-1: none)
  let quantified = false;
  const atom = (src) => {
    lastAtom = out.length;
    out += src;
    atStart = false;
    quantified = false;
  };
  const quantify = (q) => {
    if (lastAtom < 0) return atom(escChar(q[0]) + q.slice(1));
    if (quantified) out = out.slice(0, lastAtom) + "(?:" + out.slice(lastAtom) + ")";
    out += q;
    quantified = true;
  };
  const interval = (body) => {
    // "m", "m,", "m,n", ",n": a JS quantifier, or null when it is not an interval.
    const m = /^(\d*)(,?)(\d*)$/.exec(body);
    if (!m || (m[1] === "" && m[2] === "") || (m[1] === "" && m[3] === "" && m[2] === ",") && !extended) return null;
    if (m[1] === "" && m[2] === "," && m[3] === "") return "*";
    const lo = m[1] === "" ? 0 : Number(m[1]);
    if (m[3] !== "" && Number(m[3]) < lo) throw new PatternError("Invalid content of \\{\\}");
    if (Math.max(lo, Number(m[3] || 0)) > 32767) throw new PatternError("Regular expression too big");
    return `{${lo}${m[2]}${m[3]}}`;
  };
  const alternation = () => {
    out += "|";
    atStart = true;
    lastAtom = -1;
    quantified = false;
  };
  const openGroup = () => {
    groups++;
    open.push(out.length);
    out += "(";
    atStart = true;
    lastAtom = -1;
  };
  const closeGroup = () => {
    const at = open.pop();
    out += ")";
    lastAtom = at;
    atStart = false;
    quantified = false;
  };
  for (let i = 0; i < p.length; ) {
    const c = p[i];
    if (c === "\\") {
      if (i + 1 >= p.length) throw new PatternError("Trailing backslash");
      const d = p[i + 1];
      i += 2;
      if (!extended && d === "(") openGroup();
      else if (!extended && d === ")") {
        if (open.length === 0) throw new PatternError("Unmatched ) or \\)");
        closeGroup();
      } else if (!extended && d === "|") alternation();
      else if (!extended && d === "{") {
        const end = p.indexOf("\\}", i);
        if (end < 0) throw new PatternError("Unmatched \\{");
        const q = interval(p.slice(i, end));
        if (q === null) throw new PatternError("Invalid content of \\{\\}");
        if (lastAtom < 0) throw new PatternError("Invalid preceding regular expression");
        quantify(q);
        i = end + 2;
      } else if (!extended && (d === "+" || d === "?")) {
        if (atStart) atom("\\" + d);
        else quantify(d);
      } else if (d >= "1" && d <= "9") {
        if (Number(d) > groups) throw new PatternError("Invalid back reference");
        atom(`\\${base + Number(d)}`);
      } else if (d === "<") atom(`(?<!${WORD})(?=${WORD})`);
      else if (d === ">") atom(`(?<=${WORD})(?!${WORD})`);
      else if (d === "b") atom(`(?:(?<=${WORD})(?!${WORD})|(?<!${WORD})(?=${WORD}))`);
      else if (d === "B") atom(`(?:(?<=${WORD})(?=${WORD})|(?<!${WORD})(?!${WORD}))`);
      else if (d === "w") atom(WORD);
      else if (d === "W") atom(NONWORD);
      else if (d === "s") atom("\\s");
      else if (d === "S") atom("\\S");
      else if (d === "`") atom("^");
      else if (d === "'") atom("$");
      else {
        const ch = String.fromCodePoint(p.codePointAt(i - 1));
        i += ch.length - 1;
        atom(escChar(ch));
      }
      continue;
    }
    if (c === "[") {
      const [cls, next] = bracket(p, i);
      i = next;
      atom(cls);
      continue;
    }
    i++;
    if (c === "*") {
      if (atStart) atom("\\*");
      else quantify("*");
    } else if (c === "^") {
      if (extended || atStart) {
        out += "^";
        lastAtom = -1;
      } else atom("\\^");
    } else if (c === "$") {
      const rest = p.slice(i);
      if (extended || rest === "" || rest.startsWith("\\)") || rest.startsWith("\\|")) {
        out += "$";
        lastAtom = -1;
        atStart = false;
      } else atom("\\$");
    } else if (c === ".") atom(".");
    else if (extended && c === "(") openGroup();
    else if (extended && c === ")") {
      if (open.length === 0) atom("\\)");
      else closeGroup();
    } else if (extended && c === "|") alternation();
    else if (extended && (c === "+" || c === "?")) {
      if (atStart) atom("\\" + c);
      else quantify(c);
    } else if (extended && c === "{") {
      const end = p.indexOf("}", i);
      const q = end < 0 ? null : interval(p.slice(i, end));
      if (q === null || lastAtom < 0) atom("\\{");
      else {
        quantify(q);
        i = end + 1;
      }
    } else {
      const ch = String.fromCodePoint(p.codePointAt(i - 1));
      i += ch.length - 1;
      atom(escChar(ch));
    }
  }
  if (open.length > 0) throw new PatternError("Unmatched ( or \\(");
  return { src: out, groups };
}

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

  const out = { chunks: [], size: 0, failed: 0 };
  const flush = async () => {
    if (out.failed || out.size === 0) return;
    const all = new Uint8Array(out.size);
    let at = 0;
    for (const c of out.chunks) all.set(c, at), (at += c.length);
    out.chunks = [];
    out.size = 0;
    for (let off = 0; off < all.length; ) {
      const n = await write(1, off ? all.subarray(off) : all, all.length - off);
      if (n < 0) {
        out.failed = errno;
        return;
      }
      off += n;
    }
  };
  const emit = async (bytes) => {
    out.chunks.push(bytes);
    out.size += bytes.length;
    if (out.size >= 64 * 1024) await flush();
  };

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

/** All patterns as one RegExp (an alternation, back-references renumbered). */
function compile(patterns, o) {
  const alts = [];
  let base = 0;
  for (const p of patterns) {
    if (o.mode === "F") alts.push([...p].map(escChar).join(""));
    else {
      const t = translate(p, o.mode === "E", base);
      base += t.groups;
      alts.push(t.src);
    }
  }
  let src = alts.map((a) => `(?:${a})`).join("|");
  if (o.x) src = `^(?:${src})$`;
  else if (o.w) src = `(?<!${WORD})(?:${src})(?!${WORD})`;
  try {
    return new RegExp(src, o.i ? "sui" : "su");
  } catch (e) {
    throw new PatternError(`Invalid regular expression`);
  }
}

/**
 * The non-empty matches in `text`, left to right, each the longest at its start as POSIX
 * requires (JavaScript takes the first alternative that matches: "ab\\|abc" would give "ab").
 */
function longestMatches(re, text) {
  const found = [];
  const search = new RegExp(re.source, re.flags + "g");
  const exact = new Map(); // n → sticky RegExp matching only when n characters follow the match
  const endingAt = (n) => {
    let r = exact.get(n);
    if (r === undefined) exact.set(n, (r = new RegExp(`(?:${re.source})(?=[\\s\\S]{${n}}$)`, re.flags + "y")));
    return r;
  };
  for (let from = 0; from <= text.length; ) {
    search.lastIndex = from;
    const m = search.exec(text);
    if (m === null) break;
    let end = m.index + m[0].length;
    for (let e = text.length; e > end; e--) {
      const r = endingAt(text.length - e);
      r.lastIndex = m.index;
      if (r.test(text)) {
        end = e;
        break;
      }
    }
    if (end > m.index) found.push(text.slice(m.index, end));
    from = end > m.index ? end : m.index + 1;
  }
  return found;
}

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
