/** Latency recording with HDR histograms (µs resolution, no coordinated-omission correction). */
import * as hdr from "hdr-histogram-js";

export interface Percentiles {
  p50: number;
  p90: number;
  p99: number;
  p999: number;
  max: number;
  count: number;
}

export function newHistogram(): hdr.Histogram {
  return hdr.build({ lowestDiscernibleValue: 1, highestTrackableValue: 60_000_000, numberOfSignificantValueDigits: 3 });
}

export function percentiles(h: hdr.Histogram): Percentiles {
  return {
    p50: h.getValueAtPercentile(50),
    p90: h.getValueAtPercentile(90),
    p99: h.getValueAtPercentile(99),
    p999: h.getValueAtPercentile(99.9),
    max: h.maxValue,
    count: h.totalCount,
  };
}

/** Runs `op` sequentially (one in flight): `warmup` unrecorded calls, then `n` recorded. */
export async function measureSequential(op: () => Promise<unknown>, n: number, warmup: number): Promise<Percentiles> {
  for (let i = 0; i < warmup; i++) await op();
  const h = newHistogram();
  for (let i = 0; i < n; i++) {
    const t0 = process.hrtime.bigint();
    await op();
    h.recordValue(Math.max(1, Number(process.hrtime.bigint() - t0) / 1000));
  }
  const p = percentiles(h);
  h.destroy();
  return p;
}
