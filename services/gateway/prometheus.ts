/**
 * GET /metrics: Prometheus text from prom-client — the gateway process's own defaults, and
 * natix's metrics, built at scrape time from what the components published (the store) and
 * what the kernel and the supervisor report now. Counters come from counts components kept, not
 * from the gateway's own traffic.
 */
import { Registry, collectDefaultMetrics } from "prom-client";
import { DURATION_BUCKETS_S } from "../../kernel-core/meter.js";
import type { MetricsStore } from "./metrics-store.js";

export interface Reported {
  /** Processes by state, from the kernel's status (undefined when it does not answer). */
  processes(): Promise<Record<string, number> | undefined>;
  /** Restarts by service, from the supervisor (undefined where none runs the system). */
  restarts(): Promise<Record<string, number> | undefined>;
}

interface Value {
  labels: Record<string, string | number>;
  value: number;
  metricName?: string;
}

/** A metric computed when scraped, in the shape prom-client's registry prints. */
const computed = (name: string, help: string, type: "counter" | "gauge" | "histogram", values: () => Value[] | Promise<Value[]>) => ({
  name,
  help,
  type,
  async get() {
    return { name, help, type, aggregator: "sum", values: await values() };
  },
});

export function prometheusRegistry(store: MetricsStore, reported: Reported): Registry {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const metrics = [
    computed("natix_syscalls_total", "Syscalls completed, by syscall, the server that ran it (kernel: answered or refused by kernel-core) and result (ok or the errno's name)", "counter", () =>
      store.calls().map((c) => ({ labels: { syscall: c.syscall, server: c.server, result: c.result }, value: c.count })),
    ),
    computed("natix_syscall_duration_seconds", "Time the owning server's handler took, by syscall", "histogram", () =>
      store.durations().flatMap((d) => {
        const labels = { syscall: d.syscall, server: d.server };
        let cumulative = 0;
        const buckets = d.buckets.map((n, i) => {
          cumulative += n;
          return { metricName: "natix_syscall_duration_seconds_bucket", labels: { ...labels, le: i < DURATION_BUCKETS_S.length ? DURATION_BUCKETS_S[i] : "+Inf" }, value: cumulative };
        });
        return [
          ...buckets,
          { metricName: "natix_syscall_duration_seconds_sum", labels, value: d.sumSeconds },
          { metricName: "natix_syscall_duration_seconds_count", labels, value: d.count },
        ];
      }),
    ),
    computed("natix_service_restarts_total", "Restarts of each component (from the supervisor; without one, the new instances the gateway saw)", "counter", async () => {
      const restarts = (await reported.restarts()) ?? Object.fromEntries(store.restartsSeen());
      return Object.entries(restarts).map(([service, value]) => ({ labels: { service }, value }));
    }),
    computed("natix_processes", "Emulated processes in the kernel's table, by state", "gauge", async () =>
      Object.entries((await reported.processes()) ?? {}).map(([state, value]) => ({ labels: { state }, value })),
    ),
  ];
  for (const m of metrics) registry.registerMetric(m as never);
  return registry;
}
