// ps(1): every process, as procps's ps prints them with no options: PID, TTY (natix's
// processes have none it can name: "?"), cumulative CPU TIME (not kept: 00:00:00) and CMD
// (the name in /proc/<pid>/status). Read from /proc, one directory per process.
import { open, read, close, opendir, readdir, closedir, O_RDONLY, EPIPE, errno, strerror } from "natix/libc";
import { warner, writeAll } from "natix/coreutils";

const enc = new TextEncoder();
const warn = warner("ps");
const dec = new TextDecoder();

/** A whole (small) file's text, or null. */
async function slurp(path) {
  const fd = await open(path, O_RDONLY);
  if (fd < 0) return null;
  const buf = new Uint8Array(16 * 1024);
  let text = "";
  for (let n; (n = await read(fd, buf, buf.length)) > 0; ) text += dec.decode(buf.subarray(0, n), { stream: true });
  await close(fd);
  return text + dec.decode();
}

export default async function main(argv) {
  if (argv.length > 1) {
    await warn(`unsupported option (natix's ps takes none): ${argv[1]}`);
    return 1;
  }
  const dir = await opendir("/proc");
  if (dir === null) {
    await warn(`/proc: ${strerror(errno)}`);
    return 1;
  }
  const pids = [];
  for (let e; (e = await readdir(dir)) !== null; ) if (/^\d+$/.test(e.d_name)) pids.push(Number(e.d_name));
  await closedir(dir);
  pids.sort((a, b) => a - b);
  let text = "    PID TTY          TIME CMD\n";
  for (const pid of pids) {
    const status = await slurp(`/proc/${pid}/status`);
    if (status === null) continue; // gone since the listing
    const name = /^Name:\t(.*)$/m.exec(status)?.[1] ?? "?";
    text += `${String(pid).padStart(7)} ${"?".padEnd(8)} 00:00:00 ${name}\n`;
  }
  const failed = await writeAll(1, enc.encode(text));
  if (failed) {
    if (failed !== EPIPE) await warn(`write error: ${strerror(failed)}`);
    return 1;
  }
  return 0;
}
