// cat(1): copies each file named on the command line (or stdin) to stdout, as the chapter's
// `cat /proc/hwkm` does.
import { open, read, write, close, perror, O_RDONLY } from "natix/libc";

export default async function main(argv) {
  const files = argv.length > 1 ? argv.slice(1) : [null];
  const buf = new Uint8Array(64 * 1024);
  let status = 0;
  for (const name of files) {
    const fd = name === null ? 0 : await open(name, O_RDONLY);
    if (fd < 0) {
      await perror(`cat: ${name}`);
      status = 1;
      continue;
    }
    for (let n; (n = await read(fd, buf, buf.length)) > 0; ) await write(1, buf, n);
    if (fd !== 0) await close(fd);
  }
  return status;
}
