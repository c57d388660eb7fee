/**
 * What the gateway knows of syscalls: every component's latest cumulative snapshot
 * (natix.metrics.<name>, kernel-core/meter.ts), added up over instances — a dead or restarted
 * instance's last counts stay, so totals only grow, as Prometheus counters must. It also keeps a
 * sample of the totals each second, for the dashboard's calls per second and p50/p99 per server
 * over the last few seconds, and counts restarts it saw (a new instance of a component).
 */
import { DURATION_BUCKETS_S, type CallCount, type CallDurations } from "../../kernel-core/meter.js";
import type { MetricsMessage } from "../nats/meter-publisher.js";

/** Instances remembered per component (a crash-looping one cannot grow the store without bound). */
const MAX_INSTANCES = 64;
const WINDOW_S = 5;

export interface ServerStats {
  server: string;
  callsPerSec: number;
  p50Ms: number | null;
  p99Ms: number | null;
  errorsPerSec: number;
}

interface Sample {
  at: number;
  perServer: Map<string, { calls: number; errors: number; buckets: number[] }>;
}

export class MetricsStore {
  private readonly latest = new Map<string, Map<string, MetricsMessage>>();
  private readonly samples: Sample[] = [];

  ingest(m: MetricsMessage): void {
    let instances = this.latest.get(m.component);
    if (instances === undefined) this.latest.set(m.component, (instances = new Map()));
    instances.set(`${m.instance}@${m.startedWall}`, m);
    if (instances.size > MAX_INSTANCES) instances.delete(instances.keys().next().value!);
  }

  /** Restarts seen of each component: instances beyond the first. */
  restartsSeen(): Map<string, number> {
    return new Map([...this.latest].map(([c, instances]) => [c, instances.size - 1]));
  }

  calls(): CallCount[] {
    const sum = new Map<string, CallCount>();
    for (const m of this.messages())
      for (const c of m.snapshot.calls) {
        const key = `${c.server}\u0000${c.syscall}\u0000${c.result}`;
        const have = sum.get(key);
        if (have) have.count += c.count;
        else sum.set(key, { ...c });
      }
    return [...sum.values()];
  }

  durations(): CallDurations[] {
    const sum = new Map<string, CallDurations>();
    for (const m of this.messages())
      for (const d of m.snapshot.durations) {
        const key = `${d.server}\u0000${d.syscall}`;
        const have = sum.get(key);
        if (have === undefined) sum.set(key, { ...d, buckets: [...d.buckets] });
        else {
          d.buckets.forEach((n, i) => (have.buckets[i] += n));
          have.sumSeconds += d.sumSeconds;
          have.count += d.count;
        }
      }
    return [...sum.values()];
  }

  /** Takes the sample the rates are computed from (the gateway calls it every second). */
  sample(now = Date.now()): void {
    const perServer = new Map<string, { calls: number; errors: number; buckets: number[] }>();
    const of = (server: string) => {
      let s = perServer.get(server);
      if (s === undefined) perServer.set(server, (s = { calls: 0, errors: 0, buckets: new Array(DURATION_BUCKETS_S.length + 1).fill(0) }));
      return s;
    };
    for (const c of this.calls()) {
      of(c.server).calls += c.count;
      if (c.result !== "ok") of(c.server).errors += c.count;
    }
    for (const d of this.durations()) d.buckets.forEach((n, i) => (of(d.server).buckets[i] += n));
    this.samples.push({ at: now, perServer });
    while (this.samples.length > WINDOW_S + 1) this.samples.shift();
  }

  /** Calls per second, errors per second and p50/p99 per server over the last few seconds. */
  stats(): ServerStats[] {
    if (this.samples.length < 2) return [];
    const first = this.samples[0];
    const last = this.samples[this.samples.length - 1];
    const secs = Math.max(0.001, (last.at - first.at) / 1000);
    return [...last.perServer].map(([server, now]) => {
      const then = first.perServer.get(server) ?? { calls: 0, errors: 0, buckets: now.buckets.map(() => 0) };
      const delta = now.buckets.map((n, i) => Math.max(0, n - (then.buckets[i] ?? 0)));
      return {
        server,
        callsPerSec: round((now.calls - then.calls) / secs),
        errorsPerSec: round((now.errors - then.errors) / secs),
        p50Ms: quantileMs(delta, 0.5),
        p99Ms: quantileMs(delta, 0.99),
      };
    });
  }

  private *messages(): Iterable<MetricsMessage> {
    for (const instances of this.latest.values()) yield* instances.values();
  }
}

const round = (x: number) => Math.round(x * 10) / 10;

/** A quantile from bucket counts, interpolated within its bucket (as Prometheus's histogram_quantile). */
export function quantileMs(buckets: number[], q: number): number | null {
  const total = buckets.reduce((a, b) => a + b, 0);
  if (total === 0) return null;
  const rank = q * total;
  let seen = 0;
  for (let i = 0; i < buckets.length; i++) {
    if (seen + buckets[i] >= rank) {
      const lower = i === 0 ? 0 : DURATION_BUCKETS_S[i - 1];
      const upper = i < DURATION_BUCKETS_S.length ? DURATION_BUCKETS_S[i] : DURATION_BUCKETS_S[DURATION_BUCKETS_S.length - 1];
      const within = buckets[i] === 0 ? 0 : (rank - seen) / buckets[i];
      return Math.round((lower + (upper - lower) * within) * 1e6) / 1000;
    }
    seen += buckets[i];
  }
  return null;
}
