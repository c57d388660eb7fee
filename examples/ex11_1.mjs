// Example 11.1 of the chapter: Hello World through a raw write(2), no stdio.
// syscall(1, fd 1, buffer, 13 bytes) goes to kernel-core, which routes it to the vfs server;
// the tty driver hands the bytes to this program's stdout and write returns 13.
import { syscall, SYS } from "natix/libc";

export default async function main() {
  const ret = await syscall(SYS.write, 1, "Hello World!\n", 13);
  return ret === 13 ? 0 : 1;
}
