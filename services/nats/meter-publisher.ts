/**
 * Publishes a component's syscall meter (kernel-core/meter.ts) on natix.metrics.<name>: every
 * second when something was recorded, and every five seconds regardless, so a collector that
 * starts late (the gateway) has every component's totals within five seconds. Snapshots are
 * cumulative and carry the instance (its OS pid): replicas add up, a restarted one starts over.
 */
import type { NatsConnection } from "@nats-io/transport-node";
import { SUBJECTS } from "../../kernel-core/abi/subjects.js";
import type { MeterSnapshot, SyscallMeter } from "../../kernel-core/meter.js";

export interface MetricsMessage {
  component: string;
  instance: string;
  /** When the instance started (ms since the epoch): a new one means its counters restarted. */
  startedWall: number;
  snapshot: MeterSnapshot;
}

export function publishMeter(nc: NatsConnection, component: string, meter: SyscallMeter): () => void {
  const instance = String(process.pid);
  const startedWall = Date.now();
  let tick = 0;
  const timer = setInterval(() => {
    const snapshot = meter.snapshot(++tick % 5 !== 0);
    if (snapshot === undefined || nc.isClosed()) return;
    const message: MetricsMessage = { component, instance, startedWall, snapshot };
    nc.publish(SUBJECTS.metrics(component), JSON.stringify(message));
  }, 1000);
  timer.unref();
  return () => clearInterval(timer);
}
