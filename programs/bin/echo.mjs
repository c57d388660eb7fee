// echo(1), as GNU's /bin/echo: writes its arguments separated by spaces and a newline.
//   -n no newline; -e interprets backslash escapes; -E does not (the default). Options are only
//   recognised as a leading argument made entirely of the letters n, e and E.
import { EPIPE, strerror } from "natix/libc";
import { warner, writeAll } from "natix/coreutils";

const enc = new TextEncoder();

/** The bytes of `s` with -e's escapes interpreted; `stop` is set by \c. */
function escapes(s, state) {
  const bytes = [];
  const raw = enc.encode(s);
  for (let i = 0; i < raw.length; i++) {
    const c = raw[i];
    if (c !== 92 || i + 1 >= raw.length) {
      bytes.push(c);
      continue;
    }
    const e = String.fromCharCode(raw[++i]);
    const simple = { a: 7, b: 8, e: 27, f: 12, n: 10, r: 13, t: 9, v: 11, "\\": 92 };
    if (e in simple) bytes.push(simple[e]);
    else if (e === "c") {
      state.stop = true;
      break;
    } else if (e === "x" && i + 1 < raw.length && isHex(raw[i + 1])) {
      let v = 0;
      for (let k = 0; k < 2 && i + 1 < raw.length && isHex(raw[i + 1]); k++) v = v * 16 + parseInt(String.fromCharCode(raw[++i]), 16);
      bytes.push(v);
    } else if (e === "0") {
      let v = 0;
      for (let k = 0; k < 3 && i + 1 < raw.length && raw[i + 1] >= 48 && raw[i + 1] <= 55; k++) v = v * 8 + raw[++i] - 48;
      bytes.push(v & 255);
    } else if (e >= "1" && e <= "7") {
      // GNU echo reads \NNN (without the leading 0) as octal too.
      let v = raw[i] - 48;
      for (let k = 0; k < 2 && i + 1 < raw.length && raw[i + 1] >= 48 && raw[i + 1] <= 55; k++) v = v * 8 + raw[++i] - 48;
      bytes.push(v & 255);
    } else bytes.push(92, raw[i]);
  }
  return bytes;
}

const isHex = (c) => (c >= 48 && c <= 57) || (c >= 65 && c <= 70) || (c >= 97 && c <= 102);

export default async function main(argv) {
  let args = argv.slice(1);
  let newline = true;
  let interpret = false;
  while (args.length > 0 && /^-[neE]+$/.test(args[0])) {
    for (const c of args[0].slice(1)) {
      if (c === "n") newline = false;
      else interpret = c === "e";
    }
    args = args.slice(1);
  }
  const state = { stop: false };
  const bytes = [];
  for (let i = 0; i < args.length && !state.stop; i++) {
    if (i > 0) bytes.push(32);
    if (interpret) bytes.push(...escapes(args[i], state));
    else bytes.push(...enc.encode(args[i]));
  }
  if (newline && !state.stop) bytes.push(10);
  const failed = await writeAll(1, Uint8Array.from(bytes));
  if (failed) {
    if (failed !== EPIPE) await warner("echo")(`write error: ${strerror(failed)}`);
    return 1;
  }
  return 0;
}
