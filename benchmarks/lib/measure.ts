/**
 * The measurements: latency one in flight (HDR histograms, nanoseconds), throughput with K in
 * flight (with the latency each call saw meanwhile), and open-loop latency at a fixed offered
 * rate measured from each request's intended send time, so queueing is not hidden by
 * coordinated omission.
 */
import * as hdr from "hdr-histogram-js";

export type Op = () => Promise<unknown>;

export interface Percentiles {
  p50_us: number;
  p90_us: number;
  p99_us: number;
  p999_us: number;
  max_us: number;
}

export interface Measured extends Percentiles {
  ops_per_sec: number;
  /** Latency CDF: [percentile, µs] points, for the chart. */
  cdf: [number, number][];
}

/** Where the CDF is sampled: dense in the tail, where paths differ. */
const CDF_AT = [0, 1, 5, 10, 20, 30, 40, 50, 60, 70, 80, 90, 95, 97.5, 99, 99.5, 99.9, 99.99, 100];

const newHistogram = () => hdr.build({ lowestDiscernibleValue: 1, highestTrackableValue: 120_000_000_000, numberOfSignificantValueDigits: 3 });
/** Nanoseconds to µs with two decimals (native calls take a fraction of a µs). */
const us = (ns: number) => Math.round(ns / 10) / 100;

function summarize(h: hdr.Histogram, opsPerSec: number): Measured {
  const m = {
    p50_us: us(h.getValueAtPercentile(50)),
    p90_us: us(h.getValueAtPercentile(90)),
    p99_us: us(h.getValueAtPercentile(99)),
    p999_us: us(h.getValueAtPercentile(99.9)),
    max_us: us(h.maxValue),
    ops_per_sec: Math.round(opsPerSec),
    cdf: CDF_AT.map((q): [number, number] => [q, us(q === 0 ? h.minNonZeroValue : h.getValueAtPercentile(q))]),
  };
  h.destroy();
  return m;
}

/** Latencies measured elsewhere (the native program), summarized the same way. */
export function fromSamples(latenciesNs: ArrayLike<number | bigint>, elapsedNs: number): Measured {
  const h = newHistogram();
  for (let i = 0; i < latenciesNs.length; i++) h.recordValue(Math.max(1, Number(latenciesNs[i])));
  return summarize(h, latenciesNs.length / (elapsedNs / 1e9));
}

/** `samples` calls one after another, after `warmup` unrecorded ones. */
export async function latency(op: Op, samples: number, warmup: number): Promise<Measured> {
  for (let i = 0; i < warmup; i++) await op();
  const h = newHistogram();
  const start = process.hrtime.bigint();
  for (let i = 0; i < samples; i++) {
    const t0 = process.hrtime.bigint();
    await op();
    h.recordValue(Math.max(1, Number(process.hrtime.bigint() - t0)));
  }
  return summarize(h, samples / (Number(process.hrtime.bigint() - start) / 1e9));
}

/**
 * `inFlight` calls outstanding at all times: a warm-up of a quarter of the window (at most
 * 300 ms), then `ms` counted; each counted call's latency is recorded too.
 */
export async function throughput(op: Op, inFlight: number, ms: number): Promise<Measured> {
  const { h, done, secs } = await keepInFlight(op, inFlight, ms);
  return summarize(h, done / secs);
}

/** A throughput run in another process: its histogram travels encoded, to be merged. */
export interface EncodedRun {
  histogram: string;
  ops_per_sec: number;
}

export async function throughputEncoded(op: Op, inFlight: number, ms: number): Promise<EncodedRun> {
  const { h, done, secs } = await keepInFlight(op, inFlight, ms);
  const run = { histogram: hdr.encodeIntoCompressedBase64(h), ops_per_sec: done / secs };
  h.destroy();
  return run;
}

/** Several processes' concurrent runs as one: histograms merged, rates summed. */
export function mergeRuns(runs: EncodedRun[]): Measured {
  const h = newHistogram();
  for (const r of runs) {
    const part = hdr.decodeFromCompressedBase64(r.histogram);
    h.add(part);
    part.destroy();
  }
  return summarize(h, runs.reduce((sum, r) => sum + r.ops_per_sec, 0));
}

async function keepInFlight(op: Op, inFlight: number, ms: number) {
  const h = newHistogram();
  // Deadlines are read from the clock, not set by timers: an in-process path (embedded) can
  // complete every call in microtasks, and a timer would then never get to fire.
  const countFrom = performance.now() + Math.min(300, ms / 4);
  const end = countFrom + ms;
  let done = 0;
  const loops = Array.from({ length: inFlight }, async () => {
    for (let now = performance.now(); now < end; now = performance.now()) {
      const t0 = process.hrtime.bigint();
      await op();
      const completed = performance.now();
      // A rate counts completions inside the window, whenever the call started.
      if (completed >= countFrom && completed <= end) {
        done++;
        h.recordValue(Math.max(1, Number(process.hrtime.bigint() - t0)));
      }
    }
  });
  await Promise.all(loops);
  return { h, done, secs: ms / 1000 };
}

export interface OpenLoopRun extends Percentiles {
  offered_per_sec: number;
  achieved_per_sec: number;
}

/**
 * Sends at `rate` per second for `ms` whether or not answers come; each latency is measured
 * from the request's intended send time. Calls still unanswered 10 s after the last send are
 * left out of the histogram and show as achieved < offered.
 */
export async function openLoop(op: Op, rate: number, ms: number): Promise<OpenLoopRun> {
  const h = newHistogram();
  const start = performance.now();
  const total = Math.max(1, Math.floor((rate * ms) / 1000));
  let sent = 0;
  let completed = 0;
  const pending: Promise<void>[] = [];
  while (sent < total) {
    const now = performance.now();
    // Everything whose intended time has come goes now (in bursts when timers are coarse).
    while (sent < total && start + (sent * 1000) / rate <= now) {
      const intended = start + (sent * 1000) / rate;
      pending.push(
        op().then(() => {
          completed++;
          h.recordValue(Math.max(1, Math.round((performance.now() - intended) * 1e6)));
        }),
      );
      sent++;
    }
    await sleep(Math.max(0, Math.min(start + (sent * 1000) / rate - performance.now(), 5)));
  }
  await Promise.race([Promise.all(pending), sleep(10_000)]);
  const secs = (performance.now() - start) / 1000;
  const { cdf: _cdf, ops_per_sec: _ops, ...percentiles } = summarize(h, 0);
  return { offered_per_sec: Math.round(rate), achieved_per_sec: Math.round(completed / secs), ...percentiles };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Median of numbers. */
export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length === 0 ? 0 : s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
}
