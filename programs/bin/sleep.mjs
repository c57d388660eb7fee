// sleep(1): waits for the sum of its arguments, each NUMBER[smhd] (fractions allowed).
import { write } from "natix/libc";
import { warner } from "natix/coreutils";

const enc = new TextEncoder();
const warn = warner("sleep");

export default async function main(argv) {
  const args = argv.slice(1).filter((a, i, all) => !(a === "--" && all.indexOf("--") === i));
  if (args.length === 0) {
    await warn("missing operand\nTry 'sleep --help' for more information.");
    return 1;
  }
  let seconds = 0;
  let bad = false;
  for (const arg of args) {
    const m = /^\s*\+?((?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?|inf|infinity)([smhd]?)$/i.exec(arg);
    if (!m) {
      await warn(`invalid time interval '${arg}'`);
      bad = true;
      continue;
    }
    seconds += Number(/^inf/i.test(m[1]) ? Infinity : m[1]) * { "": 1, s: 1, m: 60, h: 3600, d: 86400 }[m[2]];
  }
  if (bad) {
    const b = enc.encode("Try 'sleep --help' for more information.\n");
    await write(2, b, b.length);
    return 1;
  }
  // setTimeout holds at most 2^31-1 ms: wait in slices.
  for (let left = seconds * 1000; left > 0; left -= 2 ** 31 - 1) {
    await new Promise((resolve) => setTimeout(resolve, Math.min(left, 2 ** 31 - 1)));
  }
  return 0;
}
