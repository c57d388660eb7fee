// yes(1): writes "y" (or its arguments, separated by spaces) and a newline, forever; ends
// quietly with status 1 once standard output is gone (EPIPE), with GNU's message otherwise.
import { write, errno, strerror, EPIPE } from "natix/libc";

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
    for (let off = 0; off < buf.length; ) {
      const n = await write(1, off ? buf.subarray(off) : buf, buf.length - off);
      if (n < 0) {
        if (errno !== EPIPE) {
          const m = enc.encode(`yes: standard output: ${strerror(errno)}\n`);
          await write(2, m, m.length);
        }
        return 1;
      }
      off += n;
    }
  }
}
