// yes(1): writes "y" (or its arguments, separated by spaces) and a newline, forever; ends
// quietly with status 1 once standard output is gone (EPIPE), with GNU's message otherwise.
import { EPIPE, strerror } from "natix/libc";
import { warner, writeAll } from "natix/coreutils";

const enc = new TextEncoder();

export default async function main(argv) {
  let args = argv.slice(1);
  if (args[0] === "--") args = args.slice(1);
  const line = enc.encode((args.length > 0 ? args.join(" ") : "y") + "\n");
  // As GNU's yes: many copies of the line in one buffer, written whole each time.
  const copies = Math.max(1, Math.floor(8192 / line.length));
  const buf = new Uint8Array(line.length * copies);
  for (let i = 0; i < copies; i++) buf.set(line, i * line.length);
  for (;;) {
    const failed = await writeAll(1, buf);
    if (failed) {
      if (failed !== EPIPE) await warner("yes")(`standard output: ${strerror(failed)}`);
      return 1;
    }
  }
}
