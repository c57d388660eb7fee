// Writes 2 MiB to a file in one write(2) call, for the strace test (tests/whole-xfer.test.ts):
// the trace must show that one call, whole.
import { open, write, close, unlink, O_CREAT, O_WRONLY, O_TRUNC } from "natix/libc";

export default async function main(argv) {
  const path = argv[1] ?? "/tmp/strace-2m";
  const fd = await open(path, O_CREAT | O_WRONLY | O_TRUNC, 0o644);
  const n = await write(fd, new Uint8Array(2 * 1024 * 1024).fill(0x61), 2 * 1024 * 1024);
  await close(fd);
  await unlink(path);
  return n === 2 * 1024 * 1024 ? 0 : 1;
}
