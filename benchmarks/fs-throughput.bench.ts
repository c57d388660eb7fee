/**
 * Filesystem throughput: a file written sequentially in 1 MiB writes then fsync'd, read back
 * sequentially (natix from its block cache, the host from its page cache), and small files
 * created (1 KiB each, then sync) — on every natix path and on the host with node:fs.
 */
import { closeSync, fsyncSync, mkdirSync, openSync, readSync, rmSync, writeSync } from "node:fs";
import { join } from "node:path";
import { AT_FDCWD, O_CREAT, O_RDONLY, O_TRUNC, O_WRONLY, SYS, batch_result, type Proc } from "../client-libc/mod.js";
import { median } from "./lib/measure.js";
import type { PathName } from "./lib/paths.js";
import { BULK_PATHS, type NatixPath } from "./lib/env.js";
import { Collector, type Config, type Scenario } from "./lib/scenario.js";

const CHUNK = 1024 * 1024;
const pathsOf = (c: Config): PathName[] => [...(c.paths.includes("node-fs") ? (["node-fs"] as const) : []), ...BULK_PATHS.filter((p) => c.paths.includes(p))];

interface Run {
  write: number;
  read: number;
  files: number;
  /** The same files each made by one linked batch (openat, write, close in one message); natix only. */
  linked?: number;
}

const seconds = (t0: number) => (performance.now() - t0) / 1000;
const pattern = () => new Uint8Array(CHUNK).map((_, i) => i & 255);

async function natixRun(p: Proc, mib: number, files: number, rep: number): Promise<Run> {
  const file = `/tmp/fsbench-${rep}.dat`;
  const dir = `/tmp/fsbench-${rep}`;
  const chunk = pattern();
  let t0 = performance.now();
  const fd = await p.open(file, O_CREAT | O_WRONLY | O_TRUNC, 0o644);
  for (let i = 0; i < mib; i++) {
    for (let done = 0; done < CHUNK; ) {
      const n = await p.write(fd, chunk.subarray(done), CHUNK - done);
      if (n <= 0) throw new Error(`write failed: errno ${p.errno}`);
      done += n;
    }
  }
  if ((await p.fsync(fd)) !== 0) throw new Error(`fsync failed: errno ${p.errno}`);
  await p.close(fd);
  const write = mib / seconds(t0);

  t0 = performance.now();
  const rfd = await p.open(file, O_RDONLY);
  const buf = new Uint8Array(CHUNK);
  let total = 0;
  for (let n; (n = await p.read(rfd, buf, CHUNK)) > 0; ) total += n;
  await p.close(rfd);
  if (total !== mib * CHUNK) throw new Error(`read back ${total} of ${mib * CHUNK} bytes`);
  const read = mib / seconds(t0);

  const small = new Uint8Array(1024).fill(7);
  await p.mkdir(dir, 0o755);
  t0 = performance.now();
  for (let i = 0; i < files; i++) {
    const f = await p.open(`${dir}/f${i}`, O_CREAT | O_WRONLY, 0o644);
    await p.write(f, small, small.length);
    await p.close(f);
  }
  await p.sync();
  const filesPerSec = files / seconds(t0);

  const ldir = `${dir}-linked`;
  await p.mkdir(ldir, 0o755);
  t0 = performance.now();
  for (let i = 0; i < files; i++) {
    const r = await p.batch(
      [
        [SYS.openat, AT_FDCWD, `${ldir}/f${i}`, O_CREAT | O_WRONLY, 0o644],
        [SYS.write, batch_result(0), small, small.length],
        [SYS.close, batch_result(0)],
      ],
      { link: true },
    );
    if (r[2] !== 0) throw new Error(`linked create failed: ${r.join(", ")}`);
  }
  await p.sync();
  const linked = files / seconds(t0);

  // Room for the next repetition: natix's disk is small.
  for (const d of [dir, ldir]) {
    for (let i = 0; i < files; i++) await p.unlink(`${d}/f${i}`);
    await p.rmdir(d);
  }
  await p.unlink(file);
  return { write, read, files: filesPerSec, linked };
}

function hostRun(tmp: string, mib: number, files: number, rep: number): Run {
  const dir = join(tmp, `fsbench-${rep}`);
  mkdirSync(dir);
  try {
    const chunk = Buffer.from(pattern());
    let t0 = performance.now();
    const fd = openSync(join(dir, "bench.dat"), "w");
    for (let i = 0; i < mib; i++) writeSync(fd, chunk);
    fsyncSync(fd);
    closeSync(fd);
    const write = mib / seconds(t0);
    t0 = performance.now();
    const rfd = openSync(join(dir, "bench.dat"), "r");
    const buf = Buffer.alloc(CHUNK);
    while (readSync(rfd, buf, 0, CHUNK, null) > 0);
    closeSync(rfd);
    const read = mib / seconds(t0);
    const small = Buffer.alloc(1024, 7);
    t0 = performance.now();
    for (let i = 0; i < files; i++) {
      const f = openSync(join(dir, `f${i}`), "w");
      writeSync(f, small);
      closeSync(f);
    }
    const d = openSync(dir, "r");
    fsyncSync(d);
    closeSync(d);
    return { write, read, files: files / seconds(t0) };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export const scenario: Scenario = {
  name: "fs",
  steps: (c) => c.reps * pathsOf(c).length,
  async run({ config, progress, results, env }) {
    const reps = new Collector<{ path: PathName }, Run>();
    for (let rep = 1; rep <= config.reps; rep++) {
      for (const path of pathsOf(config)) {
        progress.step(`filesystem ${path} (${rep}/${config.reps})`);
        const run = path === "node-fs" ? hostRun(env.tmp, config.fsMiB, config.fsFiles, rep) : await natixRun(await env.proc(path as NatixPath), config.fsMiB, config.fsFiles, rep);
        reps.add({ path }, run);
      }
    }
    for (const { key, values } of reps.entries()) {
      const med = (f: (r: Run) => number) => Math.round(median(values.map(f)) * 10) / 10;
      const linked = values.every((r) => r.linked !== undefined) ? { small_files_linked_per_sec: med((r) => r.linked!) } : {};
      results.fs.push({ ...key, write_mb_per_sec: med((r) => r.write), read_mb_per_sec: med((r) => r.read), small_files_per_sec: med((r) => r.files), ...linked, mib: config.fsMiB, files: config.fsFiles, reps: values.length });
    }
  },
};
