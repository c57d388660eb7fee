// A natix program for the embedded crash test: appends records to /data.log, fsyncs each, and
// reports "ack N" on stdout only once fsync said it is durable.
import { open, write, fsync, O_CREAT, O_WRONLY, O_APPEND } from "natix/libc";
import { record } from "./record.mjs";

export default async function main(argv) {
  const fd = await open("/data.log", O_CREAT | O_WRONLY | O_APPEND, 0o644);
  if (fd < 0) return 1;
  for (let seq = Number(argv[1]); ; seq++) {
    if ((await write(fd, record(seq))) !== 64) return 2;
    if ((await fsync(fd)) !== 0) return 3;
    await write(1, `ack ${seq}\n`);
  }
}
