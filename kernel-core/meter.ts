/**
 * Syscall accounting where calls are seen: each server's dispatcher records every call it ran
 * (server, syscall, result, how long its handler took), and kernel-core records the calls it
 * refused itself (unknown number, bad arguments, no such process). A snapshot is cumulative,
 * as Prometheus counters are; whoever collects snapshots (the gateway) adds instances up.
 * Unknown numbers are all "unknown": a hostile process cannot make the label set grow.
 *
 * Recording is on the syscall path, so it costs no allocation: a dispatcher takes one slot per
 * syscall when it is built, a slot counts by return value (every success under one key), and
 * results get their names only when a snapshot is taken.
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

/** One syscall of one server: its calls by result, and their durations. */
export class MeterSlot {
  /** 0 for every success, the negative errno otherwise. */
  readonly results = new Map<number, number>();
  readonly buckets: number[] = new Array(DURATION_BUCKETS_S.length + 1).fill(0);
  sumSeconds = 0;
  count = 0;

  constructor(
    readonly server: string,
    readonly syscall: string,
    private readonly onRecord: () => void,
  ) {}

  record(ret: number, seconds: number): void {
    const key = ret >= 0 ? 0 : ret;
    this.results.set(key, (this.results.get(key) ?? 0) + 1);
    let i = 0;
    while (i < DURATION_BUCKETS_S.length && seconds > DURATION_BUCKETS_S[i]) i++;
    this.buckets[i]++;
    this.sumSeconds += seconds;
    this.count++;
    this.onRecord();
  }
}

export class SyscallMeter {
  private readonly slots = new Map<string, MeterSlot>();
  private changed = false;
  private readonly touched = () => {
    this.changed = true;
  };

  /** The slot of `syscall` as `server` runs it (take it once, record into it per call). */
  slot(server: string, syscall: string): MeterSlot {
    const key = `${server}\u0000${syscall}`;
    let s = this.slots.get(key);
    if (s === undefined) this.slots.set(key, (s = new MeterSlot(server, syscall, this.touched)));
    return s;
  }

  /** For paths that record rarely (kernel-core's refusals). */
  record(server: string, syscall: string, ret: number, seconds: number): void {
    this.slot(server, syscall).record(ret, seconds);
  }

  /** Everything so far; `onlyIfChanged` returns undefined when nothing was recorded since the last. */
  snapshot(onlyIfChanged = false): MeterSnapshot | undefined {
    if (onlyIfChanged && !this.changed) return undefined;
    this.changed = false;
    // Slots are taken when a dispatcher is built; one never called is not reported.
    const slots = [...this.slots.values()].filter((s) => s.count > 0);
    return {
      calls: slots.flatMap((s) => [...s.results].map(([ret, count]) => ({ server: s.server, syscall: s.syscall, result: resultLabel(ret), count }))),
      durations: slots.map((s) => ({ server: s.server, syscall: s.syscall, buckets: [...s.buckets], sumSeconds: s.sumSeconds, count: s.count })),
    };
  }
}
