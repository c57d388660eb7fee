/**
 * A chaos run: boots a supervised system, runs the load, kills the target N times at random
 * moments (SIGKILL of the process that runs it, or an injected crash inside its code), lets
 * the supervisor bring it back, and measures what programs lost. At the end the system is
 * stopped, the image checked with fsck, and every acknowledged record read back.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pino from "pino";
import { connectNats } from "../../transport/nats-connect.js";
import { connect, O_RDONLY } from "../../client-libc/mod.js";
import { DEFAULT_STANDBY, startSystem, type Mode } from "../launcher.js";
import type { RoutingMode } from "../../kernel-core/kernel.js";
import { createEmbeddedSystem } from "../../system/embedded.js";
import { openImage } from "../../servers/blk/image.js";
import { fsck } from "../../servers/fs/fsck.js";
import { errnoName } from "../../kernel-core/errno.js";
import { faultSubject } from "../fault.js";
import { Recorder } from "./record.js";
import { seededRandom } from "./random.js";
import { consoleWriter, helloCaller, memoryCaller, processCaller, writer, SEQ_SPAN, type LoadState } from "./load.js";
import { parseRecords } from "./records.js";
import { percentiles, p99, type ChaosReport } from "./report.js";

export const TARGETS = ["blk", "vfs", "tty", "hello", "mem", "pm"] as const;
export type Target = (typeof TARGETS)[number];

export interface ChaosOptions {
  mode: Mode;
  /** How calls travel in micro mode (default direct). */
  routing?: RoutingMode;
  /** Components with a warm standby (micro; default the launcher's: blk). */
  standby?: readonly string[];
  target: Target;
  kills: number;
  /** Stop killing after this many seconds even if fewer kills were done. */
  durationS: number;
  fault: "kill" | "crash";
  seed: number;
  writers?: number;
  /** Progress lines (one per kill). */
  progress?: (line: string) => void;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export async function runChaos(o: ChaosOptions): Promise<ChaosReport> {
  const random = seededRandom(o.seed);
  const dataDir = await mkdtemp(join(tmpdir(), "natix-chaos-"));
  const started = performance.now();
  // Started for chaos: components listen for fault injection (admin credentials publish it).
  const sys = await startSystem({ mode: o.mode, routing: o.routing, dataDir, chaos: true, standby: o.standby });
  const rec = new Recorder();
  const state: LoadState = { running: true, acked: new Map(), lost: { fds: 0, processes: 0 } };
  const files = Array.from({ length: o.writers ?? 3 }, (_, i) => `/tmp/chaos-${i}.log`);
  const load = Promise.all([
    ...files.map((f, i) => writer(sys.natsUrl, rec, state, f, i * SEQ_SPAN)),
    helloCaller(sys.natsUrl, rec, state),
    memoryCaller(sys.natsUrl, rec, state),
    processCaller(sys.natsUrl, rec, state),
    consoleWriter(sys.natsUrl, rec, state),
  ]);
  // Which calls need the killed code: in mono mode every call needs the one kernel process.
  const needsTarget = (needs: readonly string[]) => o.mode === "mono" || needs.includes(o.target);
  const process = o.mode === "mono" ? "mono" : o.target;
  const killTimes: number[] = [];
  const recoveries: number[] = [];
  const outages: number[] = [];
  const windows: [number, number][] = [];
  const nc = await connectNats(sys.natsUrl, "natix-chaos");
  try {
    await sleep(1500);
    for (let k = 0; k < o.kills && (performance.now() - started) / 1000 < o.durationS; k++) {
      await sleep(1200 + random() * 1300);
      const at = performance.now();
      // The fault counts from the moment it is dealt, but the target is back only with a call
      // that started after its process died: an injected crash takes effect when the message
      // arrives, and a call answered in between proves nothing.
      const victim = sys.supervisor.child(process);
      const died = new Promise<number>((r) => (victim ? victim.once("exit", () => r(performance.now())) : r(at)));
      let deathAt: number | undefined;
      for (let attempt = 0; deathAt === undefined && attempt < 5; attempt++) {
        // A fault published while the target's process is still starting reaches nobody: again.
        if (o.fault === "crash") nc.publish(faultSubject(o.target), "");
        else victim?.kill("SIGKILL");
        deathAt = await Promise.race([died, sleep(2000).then(() => undefined)]);
      }
      killTimes.push(at);
      // Back when a call that needs it succeeds again (the supervisor restarts it).
      let back: number | undefined;
      const since = deathAt ?? at;
      while (back === undefined && performance.now() - at < 60_000) {
        await sleep(20);
        back = rec.firstSuccessAfter(at, (c) => c.t0 > since && needsTarget(c.needs))?.t1;
      }
      const recovered = (back ?? performance.now()) - at;
      recoveries.push(recovered);
      windows.push([at, at + recovered]);
      const any = rec.firstSuccessAfter(at, (c) => c.t0 > at);
      outages.push(any ? Math.max(0, any.t1 - at) : recovered);
      o.progress?.(`kill ${k + 1}/${o.kills}: ${o.target} back after ${recovered.toFixed(0)} ms`);
    }
    await sleep(1000);
  } finally {
    state.running = false;
    await load;
    await nc.close();
  }
  const kernelRestarts = sys.supervisor.restarts(o.mode === "mono" ? "mono" : "kernel");
  const targetRestarts = sys.supervisor.restarts(process);
  await sys.stop();

  // fsck of the image, then every acknowledged record, read back through natix.
  const image = await openImage({ dataDir });
  const check = await fsck(image, pino({ level: "silent" }));
  await image.close();
  let ackedTotal = 0;
  let lost = 0;
  let misplaced = 0;
  const reader = await createEmbeddedSystem({ dataDir });
  try {
    const p = await connect({ embedded: reader, argv: ["chaos-check"] });
    for (const [path, acked] of state.acked) {
      ackedTotal += acked.size;
      const fd = await p.open(path, O_RDONLY);
      const size = fd < 0 ? 0 : ((await p.fstat(fd)) as { st_size: number }).st_size;
      const bytes = new Uint8Array(size);
      for (let at = 0; at < size; ) {
        const n = await p.pread(fd, bytes.subarray(at), Math.min(512 * 1024, size - at), at);
        if (n <= 0) break;
        at += n;
      }
      const seqs = parseRecords(bytes).seqs;
      const present = new Set(seqs);
      for (const seq of acked) if (!present.has(seq)) lost++;
      const first = files.indexOf(path) * SEQ_SPAN;
      misplaced += seqs.filter((s) => s < first || s >= first + SEQ_SPAN).length;
    }
    await p.exit(0);
  } finally {
    await reader.stop();
    await rm(dataDir, { recursive: true, force: true });
  }

  const failedCalls = rec.calls.filter((c) => !c.ok);
  const count = (keys: string[]) => keys.reduce<Record<string, number>>((m, k) => ((m[k] = (m[k] ?? 0) + 1), m), {});
  const inWindow = (t: number) => windows.some(([a, b]) => t >= a && t <= b);
  const unaffected = o.mode === "mono" ? [] : rec.calls.filter((c) => c.ok && !c.needs.includes(o.target) && !c.needs.includes("vfs"));
  const outageDetail = percentiles(outages);
  return {
    mode: o.mode,
    routing: o.routing ?? "direct",
    standby: o.mode === "micro" ? [...(o.standby ?? DEFAULT_STANDBY)] : [],
    target: o.target,
    fault: o.fault,
    seed: o.seed,
    kills: killTimes.length,
    duration_s: Math.round((performance.now() - started) / 100) / 10,
    syscalls: rec.calls.length,
    failed: failedCalls.length,
    failed_by_server: { kernel: 0, vfs: 0, hello: 0, mem: 0, pm: 0, ...count(failedCalls.map((c) => c.server)) },
    failed_by_errno: count(failedCalls.map((c) => errnoName(c.errno) ?? String(c.errno))),
    acked_records: ackedTotal,
    acked_lost: lost,
    misplaced_records: misplaced,
    fsck_clean: check.clean,
    fsck_problems: check.problems,
    kernel_restarts: kernelRestarts,
    target_restarts: targetRestarts,
    recovery_ms: percentiles(recoveries),
    outage_ms: outageDetail.p50,
    outage_detail_ms: outageDetail,
    unaffected_p99_ms: {
      during: p99(unaffected.filter((c) => inWindow(c.t0))),
      outside: p99(unaffected.filter((c) => !inWindow(c.t0))),
    },
    state_lost: state.lost,
  };
}
