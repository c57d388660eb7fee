// The chapter's fread story: the C library keeps a buffer in the program, so reading a file one
// byte at a time with fgetc costs one read(2) per 8 KiB, not one per byte. Try it under strace.
import { fopen, fclose, fgetc, fputs, printf, EOF, errno, strerror } from "natix/libc";

export default async function main(argv) {
  const path = argv[1] ?? "/tmp/fread-demo.txt";
  const out = await fopen(path, "w");
  if (out === null) {
    await printf("fopen %s: %s\n", path, strerror(errno));
    return 1;
  }
  for (let i = 0; i < 1000; i++) await fputs(`line ${i} of a file written through stdio\n`, out);
  await fclose(out);

  const f = await fopen(path, "r");
  let bytes = 0;
  let lines = 0;
  for (let c = await fgetc(f); c !== EOF; c = await fgetc(f)) {
    bytes++;
    if (c === 10) lines++;
  }
  await fclose(f);
  await printf("%s: %d bytes, %d lines, read one byte at a time through an 8 KiB buffer\n", path, bytes, lines);
  return 0;
}
