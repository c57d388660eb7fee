// Example 11.2 with the chapter's long name: an 84-byte char array, so str_len is 84 (≥ 64)
// and the kernel refuses with -1 before copying anything.
import { syscall, write } from "natix/libc";

export default async function main() {
  const name = new Uint8Array(84);
  name.set(new TextEncoder().encode("A very very long message! It is really hard to produce a big string!"));
  const message = new Uint8Array(64);
  const ret = await syscall(999, name, 84, message, 64);
  if (ret < 0) {
    await write(1, `[ERR] Ret val: ${ret}\n`);
    return 1;
  }
  await write(1, `Message: ${new TextDecoder().decode(message.subarray(0, message.indexOf(0)))}\n`);
  return 0;
}
