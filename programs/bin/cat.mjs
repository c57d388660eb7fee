// cat(1): concatenates FILEs (or standard input; "-" is standard input) to standard output.
//   cat [-nbsEAT...] [FILE]...   -n numbers all lines, -b non-empty ones, -s squeezes blank lines,
//   -E shows $ at line ends, -T shows tabs as ^I, -v/-A/-e/-t as GNU's (non-printing as ^X, M-X).
import { open, read, write, close, fstat, errno, strerror, S_ISDIR, O_RDONLY, EPIPE } from "natix/libc";
import { quotef, warner, Output } from "natix/coreutils";

const PROG = "cat";
const warn = warner(PROG);
// Standard output: what one read brought is written before the next read, as GNU cat does — a
// reader at the other end of a pipe (or a terminal) sees each piece as it comes.
const out = new Output(0);
const flush = () => out.flush();
const emit = (bytes) => out.emit(bytes);
const enc = new TextEncoder();

function usage(msg) {
  return warn(`${msg}\nTry 'cat --help' for more information.`);
}

export default async function main(argv) {
  const opt = { n: false, b: false, s: false, E: false, T: false, v: false };
  const files = [];
  let endOfOptions = false;
  for (const arg of argv.slice(1)) {
    if (endOfOptions || arg === "-" || !arg.startsWith("-")) {
      files.push(arg);
      continue;
    }
    if (arg === "--") {
      endOfOptions = true;
      continue;
    }
    const long = {
      "--number": "n", "--number-nonblank": "b", "--squeeze-blank": "s", "--show-ends": "E", "--show-tabs": "T",
      "--show-nonprinting": "v", "--show-all": "A",
    };
    const letters = arg.startsWith("--") ? (long[arg] ?? null) : arg.slice(1);
    if (letters === null) {
      await usage(`unrecognized option '${arg}'`);
      return 1;
    }
    for (const c of letters) {
      if (c === "A") opt.v = opt.E = opt.T = true;
      else if (c === "e") opt.v = opt.E = true;
      else if (c === "t") opt.v = opt.T = true;
      else if (c === "u") continue;
      else if (c in opt) opt[c] = true;
      else {
        await usage(`invalid option -- '${c}'`);
        return 1;
      }
    }
  }
  if (opt.b) opt.n = true;
  if (files.length === 0) files.push("-");
  const plain = !(opt.n || opt.s || opt.E || opt.T || opt.v);

  // State carried across files, as GNU's cat does (numbering goes on from one file to the next).
  const st = { line: 0, atLineStart: true, blanks: 0 };
  const buf = new Uint8Array(128 * 1024);
  let status = 0;
  for (const name of files) {
    const fd = name === "-" ? 0 : await open(name, O_RDONLY);
    if (fd < 0) {
      await warn(`${quotef(name)}: ${strerror(errno)}`);
      status = 1;
      continue;
    }
    const shown = name === "-" ? "-" : quotef(name);
    for (;;) {
      const n = await read(fd, buf, buf.length);
      if (n < 0) {
        await warn(`${shown}: ${strerror(errno)}`);
        status = 1;
        break;
      }
      if (n === 0) break;
      const chunk = buf.slice(0, n);
      if ((await emit(plain ? chunk : transform(chunk, opt, st))) < 0) break;
    }
    if (fd !== 0) await close(fd);
    if (out.failed) break;
  }
  await flush();
  if (out.failed) {
    if (out.failed !== EPIPE) await warn(`write error: ${strerror(out.failed)}`);
    return 1;
  }
  return status;
}

/** The formatting options on one chunk, with the line state carried in `st`. */
function transform(chunk, opt, st) {
  const parts = [];
  for (let i = 0; i < chunk.length; i++) {
    const c = chunk[i];
    if (st.atLineStart) {
      if (c === 10) {
        st.blanks++;
        if (opt.s && st.blanks > 1) continue;
      } else st.blanks = 0;
      if (opt.n && !(opt.b && c === 10)) parts.push(...enc.encode(`${String(++st.line).padStart(6)}\t`));
      st.atLineStart = false;
    }
    if (c === 10) {
      if (opt.E) parts.push(36);
      parts.push(10);
      st.atLineStart = true;
    } else if (c === 9) {
      if (opt.T) parts.push(94, 73);
      else parts.push(9);
    } else if (opt.v) {
      let x = c;
      if (x >= 128) parts.push(77, 45), (x -= 128);
      if (x < 32) parts.push(94, x + 64);
      else if (x === 127) parts.push(94, 63);
      else parts.push(x);
    } else parts.push(c);
  }
  return Uint8Array.from(parts);
}
