/**
 * Processes: what a child costs on each natix path against the same calls as real Linux
 * syscalls (the C program, with the host's /bin/true and /bin/cat), measured in the same run.
 *  - spawn: posix_spawn("/bin/true") then waitpid, one after another (after 3 warm-up spawns);
 *  - pipe: /bin/cat with its stdin and stdout on two pipes, `procMiB` MiB written to it in
 *    64 KiB writes while reading them back (both loops in flight at once), then close and
 *    waitpid; timed from the first write to end of file (the spawn and the wait untimed);
 *  - ping-pong: 1 byte written to /bin/cat and read back, one round trip at a time (cat writes
 *    what each read brought before it reads again, as GNU cat does).
 * In micro and mono a child is an OS process of its own (node starting a module); embedded, it
 * runs in this process.
 */
import { spawnSync } from "node:child_process";
import {
  WEXITSTATUS,
  WIFEXITED,
  posix_spawn_file_actions_addclose,
  posix_spawn_file_actions_adddup2,
  posix_spawn_file_actions_init,
  type Proc,
} from "../client-libc/mod.js";
import { NATIX_PATHS, type Env, type NatixPath } from "./lib/env.js";
import { fromSamples, median, type Measured } from "./lib/measure.js";
import type { PathName } from "./lib/paths.js";
import { Collector, type Config, type Scenario } from "./lib/scenario.js";

const CHUNK = 64 * 1024;
/** Warm-up spawns (fewer when fewer are timed: --spawns 1 is for quick checks). */
const spawnWarmup = (spawns: number) => Math.min(3, spawns);
const PINGPONG_WARMUP = 20;
/**
 * The paths a process runs on: micro's routing variants (forward, mediated) are left out — a
 * spawn, a pipe and a wait cost the same machinery on each, and each variant is minutes of a full run.
 */
const PROCESS_PATHS: readonly NatixPath[] = NATIX_PATHS.filter((p) => p !== "micro-forward" && p !== "micro-mediated");
const pathsOf = (c: Config, env?: Env): PathName[] => [
  ...(c.paths.includes("native") && (env === undefined || env.nativeBin !== undefined) ? (["native"] as const) : []),
  ...PROCESS_PATHS.filter((p) => c.paths.includes(p)),
];

interface Run {
  spawn: Measured;
  /** Unrounded (Measured rounds ops/s to a whole number; a micro spawn takes a good part of a second). */
  spawnsPerSec: number;
  pipeMBps: number;
  pingpong: Measured;
}

const check = (what: string, ok: boolean, p?: Proc) => {
  if (!ok) throw new Error(`processes: ${what} failed${p ? `: errno ${p.errno}` : ""}`);
};

async function waitExit0(p: Proc, pid: number, what: string): Promise<void> {
  const st = [0];
  check(`waitpid(${what})`, (await p.waitpid(pid, st, 0)) === pid, p);
  check(`${what} exiting 0 (status ${st[0]})`, WIFEXITED(st[0]) && WEXITSTATUS(st[0]) === 0);
}

/** `path` with its stdin and stdout on pipes: its pid, and the parent's ends (to write, to read). */
async function spawnPiped(p: Proc, path: string, argv: string[]): Promise<{ pid: number; to: number; from: number }> {
  const inp = [0, 0];
  const out = [0, 0];
  check("pipe", (await p.pipe(inp)) === 0 && (await p.pipe(out)) === 0, p);
  const fa = posix_spawn_file_actions_init();
  posix_spawn_file_actions_adddup2(fa, inp[0], 0);
  posix_spawn_file_actions_adddup2(fa, out[1], 1);
  for (const fd of [...inp, ...out]) if (fd > 1) posix_spawn_file_actions_addclose(fa, fd);
  const pid = [0];
  const r = await p.posix_spawn(pid, path, fa, null, argv);
  check(`posix_spawn(${path}) = ${r}`, r === 0);
  await p.close(inp[0]);
  await p.close(out[1]);
  return { pid: pid[0], to: inp[1], from: out[0] };
}

async function writeAll(p: Proc, fd: number, data: Uint8Array): Promise<void> {
  for (let off = 0; off < data.length; ) {
    const n = await p.write(fd, off ? data.subarray(off) : data, data.length - off);
    check("write to the child", n > 0, p);
    off += n;
  }
}

async function spawnRun(p: Proc, spawns: number): Promise<{ spawn: Measured; spawnsPerSec: number }> {
  const lat: number[] = [];
  const pid = [0];
  let start = 0;
  for (let i = -spawnWarmup(spawns); i < spawns; i++) {
    if (i === 0) start = performance.now();
    const t0 = process.hrtime.bigint();
    const r = await p.posix_spawn(pid, "/bin/true", null, null, ["true"]);
    check(`posix_spawn(/bin/true) = ${r}`, r === 0);
    await waitExit0(p, pid[0], "/bin/true");
    if (i >= 0) lat.push(Number(process.hrtime.bigint() - t0));
  }
  const elapsedNs = (performance.now() - start) * 1e6;
  return { spawn: fromSamples(lat, elapsedNs), spawnsPerSec: spawns / (elapsedNs / 1e9) };
}

/** MiB/s through /bin/cat, the writer and the reader in flight together, timed from the first write to end of file (then the wait, untimed). */
async function pipeRun(p: Proc, mib: number): Promise<number> {
  const c = await spawnPiped(p, "/bin/cat", ["cat"]);
  const chunk = new Uint8Array(CHUNK).map((_, i) => i & 255);
  const total = mib * 1024 * 1024;
  const t0 = performance.now();
  const writer = async () => {
    for (let sent = 0; sent < total; sent += CHUNK) await writeAll(p, c.to, chunk);
    await p.close(c.to);
  };
  const reader = async () => {
    const buf = new Uint8Array(128 * 1024);
    let got = 0;
    for (let n; (n = await p.read(c.from, buf, buf.length)) > 0; ) got += n;
    check(`reading back (${got} of ${total} bytes)`, got === total, p);
  };
  await Promise.all([writer(), reader()]);
  const seconds = (performance.now() - t0) / 1000;
  await waitExit0(p, c.pid, "/bin/cat");
  await p.close(c.from);
  return mib / seconds;
}

async function pingpongRun(p: Proc, roundTrips: number): Promise<Measured> {
  // natix's /bin/cat writes what each read brought before it reads again, as GNU cat does.
  const c = await spawnPiped(p, "/bin/cat", ["cat"]);
  const ping = new Uint8Array([42]);
  const pong = new Uint8Array(1);
  const lat: number[] = [];
  let start = 0;
  for (let i = -PINGPONG_WARMUP; i < roundTrips; i++) {
    if (i === 0) start = performance.now();
    const t0 = process.hrtime.bigint();
    check("ping", (await p.write(c.to, ping, 1)) === 1, p);
    check("pong", (await p.read(c.from, pong, 1)) === 1, p);
    if (i >= 0) lat.push(Number(process.hrtime.bigint() - t0));
  }
  const elapsedNs = (performance.now() - start) * 1e6;
  await p.close(c.to);
  check("EOF from the child", (await p.read(c.from, pong, 1)) === 0, p);
  await waitExit0(p, c.pid, "/bin/cat");
  await p.close(c.from);
  return fromSamples(lat, elapsedNs);
}

async function natixRun(p: Proc, c: Config): Promise<Run> {
  const spawn = await spawnRun(p, c.procSpawns);
  const pipeMBps = await pipeRun(p, c.procMiB);
  const pingpong = await pingpongRun(p, c.procRoundTrips);
  return { ...spawn, pipeMBps, pingpong };
}

/** The C program's op: its elapsed time (ns) and per-iteration latencies. */
function native(env: Env, op: string, n: number, warmup: number): { elapsedNs: number; lat: BigInt64Array } {
  const r = spawnSync(env.nativeBin!, [op, String(n), String(warmup), env.hostFile], { maxBuffer: 8 * (n + 1) + 1024 });
  if (r.status !== 0) throw new Error(`native ${op}: exit ${r.status}: ${r.stderr}`);
  const words = new BigInt64Array(Uint8Array.from(r.stdout).buffer); // copied: Buffers may be unaligned
  return { elapsedNs: Number(words[0]), lat: words.subarray(1) };
}

function nativeRun(env: Env, c: Config): Run {
  const s = native(env, "spawn", c.procSpawns, spawnWarmup(c.procSpawns));
  const pipe = native(env, "pipecat", (c.procMiB * 1024 * 1024) / CHUNK, 0);
  const pp = native(env, "pingpong", c.procRoundTrips, PINGPONG_WARMUP);
  return { spawn: fromSamples(s.lat, s.elapsedNs), spawnsPerSec: c.procSpawns / (s.elapsedNs / 1e9), pipeMBps: c.procMiB / (pipe.elapsedNs / 1e9), pingpong: fromSamples(pp.lat, pp.elapsedNs) };
}

export const scenario: Scenario = {
  name: "processes",
  steps: (c) => c.reps * pathsOf(c).length,
  async run({ config, progress, results, env }) {
    const reps = new Collector<{ path: PathName }, Run>();
    const paths = pathsOf(config, env);
    for (let rep = 1; rep <= config.reps; rep++) {
      for (const path of pathsOf(config)) {
        progress.step(`processes ${path} (${rep}/${config.reps})`);
        if (!paths.includes(path)) continue; // native without cc
        reps.add({ path }, path === "native" ? nativeRun(env, config) : await natixRun(await env.proc(path as NatixPath), config));
      }
    }
    const rows = (results.processes ??= []);
    for (const { key, values } of reps.entries()) {
      const med = (f: (r: Run) => number) => Math.round(median(values.map(f)) * 100) / 100;
      rows.push({
        ...key,
        spawn_per_sec: med((r) => r.spawnsPerSec),
        spawn_p50_us: med((r) => r.spawn.p50_us),
        spawn_p99_us: med((r) => r.spawn.p99_us),
        pipe_mb_per_sec: med((r) => r.pipeMBps),
        pingpong_p50_us: med((r) => r.pingpong.p50_us),
        pingpong_p99_us: med((r) => r.pingpong.p99_us),
        spawns: config.procSpawns,
        mib: config.procMiB,
        round_trips: config.procRoundTrips,
        reps: values.length,
      });
    }
  },
};
