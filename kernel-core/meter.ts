/**
 * Syscall accounting where calls are seen: each server's dispatcher records every call it ran
 * (server, syscall, result, how long its handler took), and kernel-core records the calls it
 * refused itself (unknown number, bad arguments, no such process). A snapshot is cumulative,
 * as Prometheus counters are; whoever collects snapshots (the gateway) adds instances up.
 * Unknown numbers are all "unknown": a hostile process cannot make the label set grow.
 */
import { errnoName } from "./errno.js";

/** Histogram bucket bounds, seconds (the last bucket, +Inf, is implied). */
export const DURATION_BUCKETS_S = [0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5] as const;

export interface CallCount {
  server: string;
  syscall: string;
  /** "ok", or the errno's name. */
  result: string;
  count: number;
}

export interface CallDurations {
  server: string;
  syscall: string;
  /** Calls per bucket (not cumulative), DURATION_BUCKETS_S then +Inf. */
  buckets: number[];
  sumSeconds: number;
  count: number;
}

export interface MeterSnapshot {
  calls: CallCount[];
  durations: CallDurations[];
}

export const resultLabel = (ret: number) => (ret >= 0 ? "ok" : (errnoName(-ret) ?? `E${-ret}`));

export class SyscallMeter {
  private readonly calls = new Map<string, CallCount>();
  private readonly durations = new Map<string, CallDurations>();
  private changed = false;

  record(server: string, syscall: string, ret: number, seconds: number): void {
    const result = resultLabel(ret);
    const key = `${server}\u0000${syscall}\u0000${result}`;
    const c = this.calls.get(key);
    if (c) c.count++;
    else this.calls.set(key, { server, syscall, result, count: 1 });
    const dkey = `${server}\u0000${syscall}`;
    let d = this.durations.get(dkey);
    if (d === undefined) this.durations.set(dkey, (d = { server, syscall, buckets: new Array(DURATION_BUCKETS_S.length + 1).fill(0), sumSeconds: 0, count: 0 }));
    let i = 0;
    while (i < DURATION_BUCKETS_S.length && seconds > DURATION_BUCKETS_S[i]) i++;
    d.buckets[i]++;
    d.sumSeconds += seconds;
    d.count++;
    this.changed = true;
  }

  /** Everything so far; `onlyIfChanged` returns undefined when nothing was recorded since the last. */
  snapshot(onlyIfChanged = false): MeterSnapshot | undefined {
    if (onlyIfChanged && !this.changed) return undefined;
    this.changed = false;
    return {
      calls: [...this.calls.values()].map((c) => ({ ...c })),
      durations: [...this.durations.values()].map((d) => ({ ...d, buckets: [...d.buckets] })),
    };
  }
}
