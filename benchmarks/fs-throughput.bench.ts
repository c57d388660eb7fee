/**
 * Filesystem throughput, every mode and the host in one run: sequential write of a file in
 * 1 MiB writes (then fsync), sequential read of it back, and creation of small files.
 *
 *   npm run build && node build/benchmarks/fs-throughput.bench.js [--mib 16] [--files 300]
 *
 * The host reference is node:fs on the machine's own filesystem (a temporary directory).
 * natix reads are served from its block cache (the file was just written), as the host's are
 * from the page cache.
 */
import { parseArgs } from "node:util";
import { closeSync, fsyncSync, mkdtempSync, openSync, readSync, rmSync, writeSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { connect, O_CREAT, O_RDONLY, O_TRUNC, O_WRONLY, type Proc } from "../client-libc/mod.js";
import { startSystem } from "../services/launcher.js";
import { createEmbeddedSystem } from "../services/embedded.js";

const { values } = parseArgs({ options: { mib: { type: "string", default: "16" }, files: { type: "string", default: "300" } } });
const MIB = Number(values.mib);
const FILES = Number(values.files);
const CHUNK = 1024 * 1024;

interface Result {
  label: string;
  writeMBs: number;
  readMBs: number;
  filesPerSec: number;
}

const seconds = (t0: number) => (performance.now() - t0) / 1000;

async function measureNatix(label: string, p: Proc): Promise<Result> {
  const chunk = new Uint8Array(CHUNK).map((_, i) => i & 255);
  let t0 = performance.now();
  const fd = await p.open("/tmp/bench.dat", O_CREAT | O_WRONLY | O_TRUNC, 0o644);
  for (let i = 0; i < MIB; i++) {
    for (let done = 0; done < CHUNK; ) {
      const n = await p.write(fd, chunk.subarray(done), CHUNK - done);
      if (n <= 0) throw new Error(`write failed: errno ${p.errno}`);
      done += n;
    }
  }
  if ((await p.fsync(fd)) !== 0) throw new Error("fsync failed");
  await p.close(fd);
  const writeMBs = MIB / seconds(t0);

  t0 = performance.now();
  const rfd = await p.open("/tmp/bench.dat", O_RDONLY);
  const buf = new Uint8Array(CHUNK);
  let total = 0;
  for (;;) {
    const n = await p.read(rfd, buf, CHUNK);
    if (n <= 0) break;
    total += n;
  }
  await p.close(rfd);
  if (total !== MIB * CHUNK) throw new Error(`read ${total} bytes`);
  const readMBs = MIB / seconds(t0);

  const small = new Uint8Array(1024).fill(7);
  await p.mkdir("/tmp/small", 0o755);
  t0 = performance.now();
  for (let i = 0; i < FILES; i++) {
    const f = await p.open(`/tmp/small/f${i}`, O_CREAT | O_WRONLY, 0o644);
    await p.write(f, small, small.length);
    await p.close(f);
  }
  await p.sync();
  const filesPerSec = FILES / seconds(t0);
  return { label, writeMBs, readMBs, filesPerSec };
}

function measureHost(): Result {
  const dir = mkdtempSync(join(tmpdir(), "natix-fsbench-"));
  try {
    const chunk = Buffer.alloc(CHUNK).map((_, i) => i & 255);
    let t0 = performance.now();
    const fd = openSync(join(dir, "bench.dat"), "w");
    for (let i = 0; i < MIB; i++) writeSync(fd, chunk);
    fsyncSync(fd);
    closeSync(fd);
    const writeMBs = MIB / seconds(t0);
    t0 = performance.now();
    const rfd = openSync(join(dir, "bench.dat"), "r");
    const buf = Buffer.alloc(CHUNK);
    while (readSync(rfd, buf, 0, CHUNK, null) > 0);
    closeSync(rfd);
    const readMBs = MIB / seconds(t0);
    const small = Buffer.alloc(1024, 7);
    t0 = performance.now();
    for (let i = 0; i < FILES; i++) {
      const f = openSync(join(dir, `f${i}`), "w");
      writeSync(f, small);
      closeSync(f);
    }
    const sync = openSync(dir, "r");
    fsyncSync(sync);
    closeSync(sync);
    return { label: "host node:fs (reference)", writeMBs, readMBs, filesPerSec: FILES / seconds(t0) };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const results: Result[] = [measureHost()];
for (const mode of ["micro", "mono"] as const) {
  const sys = await startSystem({ mode });
  try {
    const p = await connect({ nats: sys.natsUrl, argv: ["fs-bench"] });
    results.push(await measureNatix(`${mode} over NATS`, p));
    await p.exit(0);
  } finally {
    await sys.stop();
  }
}
const embedded = await createEmbeddedSystem();
try {
  const p = await connect({ embedded, argv: ["fs-bench"] });
  results.push(await measureNatix("embedded", p));
} finally {
  await embedded.stop();
}

const host = results[0];
console.log(`filesystem throughput: ${MIB} MiB sequential in 1 MiB writes (+fsync) and reads; ${FILES} files of 1 KiB (+sync); node ${process.version}`);
console.log("| path | write MB/s | read MB/s | small files/s | write vs host | read vs host | files vs host |");
console.log("|---|---:|---:|---:|---:|---:|---:|");
for (const r of results) {
  console.log(
    `| ${r.label} | ${r.writeMBs.toFixed(1)} | ${r.readMBs.toFixed(1)} | ${r.filesPerSec.toFixed(0)} | ${(r.writeMBs / host.writeMBs).toFixed(3)} | ${(r.readMBs / host.readMBs).toFixed(3)} | ${(r.filesPerSec / host.filesPerSec).toFixed(3)} |`,
  );
}
