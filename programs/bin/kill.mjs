// kill(1), as GNU coreutils' kill: sends a signal to processes, or lists signal names.
//   kill [-s SIGNAL | -SIGNAL | -n NUMBER] PID...      (default SIGTERM)
//   kill -l [SIGNAL]...   names for numbers (an exit status above 128 means 128 + signal),
//                         numbers for names; all the names with no SIGNAL.
import * as libc from "natix/libc";
import { warner } from "natix/coreutils";

const { write, strerror } = libc; // errno: read as libc.errno, the live binding
const enc = new TextEncoder();
const warn = warner("kill");
const { kill } = libc;

// The standard signals' names from libc's table (natix's one list of signals), without "SIG";
// 29 is "POLL" where glibc's abbreviation list puts it, and kill -l prints that.
const NAMES = Array.from({ length: 32 }, (_, n) => (n === 0 ? null : n === 29 ? "POLL" : libc.signalName(n).slice(3)));
const SIGRTMIN = 34;
const SIGRTMAX = 64;
const ALIASES = { IOT: 6, IO: 29, CLD: 17, POLL: 29 };

/** A signal's name without "SIG", or null (as gnulib's sig2str). */
function sigName(n) {
  if (n >= 1 && n < NAMES.length) return NAMES[n];
  if (n === SIGRTMIN) return "RTMIN";
  if (n === SIGRTMAX) return "RTMAX";
  if (n > SIGRTMIN && n < SIGRTMAX) return n <= (SIGRTMIN + SIGRTMAX) / 2 ? `RTMIN+${n - SIGRTMIN}` : `RTMAX-${SIGRTMAX - n}`;
  return null;
}

/** A signal number from a name (any case, "SIG" optional) or a number; -1 when there is none. */
function sigNumber(text) {
  if (/^\d+$/.test(text)) {
    const n = Number(text);
    return n === 0 || sigName(n) !== null ? n : -1;
  }
  let name = text.toUpperCase();
  if (name.startsWith("SIG")) name = name.slice(3);
  const i = NAMES.indexOf(name);
  if (i > 0) return i;
  if (name in ALIASES) return ALIASES[name];
  if (name === "RTMIN") return SIGRTMIN;
  if (name === "RTMAX") return SIGRTMAX;
  const rt = /^RT(MIN|MAX)([-+])(\d+)$/.exec(name);
  if (rt) {
    const n = rt[1] === "MIN" && rt[2] === "+" ? SIGRTMIN + Number(rt[3]) : rt[1] === "MAX" && rt[2] === "-" ? SIGRTMAX - Number(rt[3]) : -1;
    if (n >= SIGRTMIN && n <= SIGRTMAX) return n;
  }
  return -1;
}

const quote = (s) => (s.includes("'") ? `"${s}"` : `'${s}'`);

async function usageError(msg) {
  const b = enc.encode(`kill: ${msg}\nTry 'kill --help' for more information.\n`);
  await write(2, b, b.length);
  return 1;
}

async function list(args) {
  let text = "";
  let status = 0;
  if (args.length === 0) {
    for (let n = 1; n <= SIGRTMAX; n++) {
      const name = sigName(n);
      if (name !== null) text += name + "\n";
    }
  }
  for (const arg of args) {
    if (/^\d+$/.test(arg)) {
      let n = Number(arg);
      if (n >= 128) n -= 128;
      const name = sigName(n);
      if (name === null) {
        await warn(`${quote(arg)}: invalid signal`);
        status = 1;
      } else text += name + "\n";
    } else {
      const n = sigNumber(arg);
      if (n <= 0) {
        await warn(`${quote(arg)}: invalid signal`);
        status = 1;
      } else text += n + "\n";
    }
  }
  const b = enc.encode(text);
  if (b.length > 0 && (await write(1, b, b.length)) < 0) return 1;
  return status;
}

export default async function main(argv) {
  const args = argv.slice(1);
  let sig = 15;
  let listing = false;
  let i = 0;
  for (; i < args.length; i++) {
    const a = args[i];
    if (a === "--") {
      i++;
      break;
    }
    if (a === "-l" || a === "--list") {
      listing = true;
      continue;
    }
    if (a === "-s" || a === "-n" || a.startsWith("--signal")) {
      const v = a.startsWith("--signal=") ? a.slice(9) : args[++i];
      if (v === undefined) return usageError(`option requires an argument -- '${a[1]}'`);
      sig = sigNumber(v);
      if (sig < 0) {
        await warn(`${quote(v)}: invalid signal`);
        return 1;
      }
      continue;
    }
    if (/^-\d+$/.test(a) || /^-[A-Za-z]/.test(a)) {
      sig = sigNumber(a.slice(1));
      if (sig < 0) {
        await warn(`${quote(a.slice(1))}: invalid signal`);
        return 1;
      }
      continue;
    }
    break;
  }
  const rest = args.slice(i);
  if (listing) return list(rest);
  if (rest.length === 0) return usageError("no process ID specified");
  let status = 0;
  for (const arg of rest) {
    if (!/^-?\d+$/.test(arg)) {
      await warn(`${quote(arg)}: invalid process id`);
      status = 1;
      continue;
    }
    if ((await kill(Number(arg), sig)) < 0) {
      await warn(`${arg}: ${strerror(libc.errno)}`);
      status = 1;
    }
  }
  return status;
}
