// Example 11.2 of the chapter: the custom syscall 999, hello_world(name, name_len, buf, buf_len).
// Pass a name as the first argument to try others: a name of 64 bytes or more gets
// "[ERR] Ret val: -1" (glibc's syscall() returns -1 and sets errno to 1).
import { syscall, write } from "natix/libc";

export default async function main(argv) {
  const name = argv[1] ?? "Kam";
  const message = new Uint8Array(64);
  const nameLen = Buffer.byteLength(name) + 1; // with its NUL, as sizeof a char array would be
  const ret = await syscall(999, name, nameLen, message, 64);
  if (ret < 0) {
    await write(1, `[ERR] Ret val: ${ret}\n`);
    return 1;
  }
  const text = new TextDecoder().decode(message.subarray(0, message.indexOf(0)));
  await write(1, `Message: ${text}\n`);
  return 0;
}
