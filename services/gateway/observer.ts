/**
 * What the gateway sees with its own credentials (the gateway role: it watches): the kernel's
 * status, the services (from the supervisor, or, where none runs the system, from NATS micro
 * discovery), health, the kernel log and its follow stream, and every component's syscall
 * metrics. Nothing here changes the system.
 */
import type { NatsConnection } from "@nats-io/transport-node";
import { Svcm } from "@nats-io/services";
import { RS_SUBJECTS, SUBJECTS, serviceName } from "../../kernel-core/abi/subjects.js";
import type { KmsgRecord } from "../../kernel-core/kmsg.js";
import type { InstanceStatus } from "../supervisor.js";
import type { MetricsMessage } from "../nats/meter-publisher.js";
import { DRIVERS, MICRO_COMPONENTS, SERVERS } from "../../system/server-catalog.js";
import { MetricsStore } from "./metrics-store.js";

export interface KernelStatus {
  uptimeMs: number;
  routing: string;
  bus?: string;
  servers: { name: string; kind: string; instances: number; syscalls: number[] }[];
  processes: { pid: number; ppid: number; uid: number; comm: string; argv: string[]; state: string; startedWall: number }[];
}

export interface ServiceRow {
  name: string;
  kind: string;
  replica: number;
  state: string;
  pid: number | null;
  restarts: number;
  uptimeMs: number;
}

export interface Health {
  ok: boolean;
  /** Components that do not answer (kernel-core, servers, drivers). */
  missing: string[];
}

const EXPECTED = ["kernel", ...MICRO_COMPONENTS.map((c) => c.name)];

/** What a component is, by name (anything else the kernel registered is a module). */
export function kindOf(name: string): string {
  if (name === "kernel" || name === "mono") return "kernel";
  if (name === "gateway") return "gateway";
  if ((DRIVERS as readonly string[]).includes(name)) return "driver";
  return SERVERS.some((s) => s.name === name) ? "server" : "module";
}

export class Observer {
  readonly store = new MetricsStore();
  private readonly timer: NodeJS.Timeout;

  constructor(private readonly nc: NatsConnection) {
    nc.subscribe(SUBJECTS.metricsAll, {
      callback: (err, msg) => {
        if (err !== null) return;
        try {
          this.store.ingest(msg.json<MetricsMessage>());
        } catch {
          // not a metrics message: ignored
        }
      },
    });
    this.timer = setInterval(() => this.store.sample(), 1000);
    this.timer.unref();
  }

  async status(timeoutMs = 2000): Promise<KernelStatus | undefined> {
    return this.nc.request(SUBJECTS.status, "", { timeout: timeoutMs }).then((m) => m.json<KernelStatus>(), () => undefined);
  }

  /** The supervisor's view, where one runs the system. */
  async supervised(): Promise<InstanceStatus[] | undefined> {
    return this.nc.request(RS_SUBJECTS.status, "", { timeout: 1000 }).then((m) => m.json<InstanceStatus[]>(), () => undefined);
  }

  /** Every natix component that answers $SRV.PING now: its name, pid, and the kind it says. */
  async answering(): Promise<{ name: string; pid: number | null; kind: string; mode?: string; started?: string }[]> {
    const found: { name: string; pid: number | null; kind: string; mode?: string; started?: string }[] = [];
    try {
      const client = new Svcm(this.nc).client({ strategy: "timer", maxWait: 400 });
      for await (const s of await client.stats()) {
        if (!s.name.startsWith("natix-")) continue;
        const md = (s as unknown as { metadata?: Record<string, string> }).metadata ?? {};
        found.push({ name: s.name.slice(6), pid: md.pid ? Number(md.pid) : null, kind: md.kind ?? (s.name === serviceName("kernel") ? "kernel" : "server"), mode: md.mode, started: s.started });
      }
    } catch {
      // nobody answered
    }
    return found;
  }

  /** The services, with state, pid, restarts and uptime — and the modules the kernel loaded. */
  async services(): Promise<ServiceRow[]> {
    const [supervised, answering, status] = await Promise.all([this.supervised(), this.answering(), this.status(1000)]);
    if (supervised) {
      const rows: ServiceRow[] = supervised.map((s) => ({ name: s.name, kind: kindOf(s.name), replica: s.replica, state: s.state, pid: s.pid, restarts: s.restarts, uptimeMs: s.uptimeMs }));
      // Modules are the kernel's children, not the supervisor's.
      for (const m of status?.servers.filter((x) => x.kind === "module") ?? []) {
        const a = answering.find((x) => x.name === m.name);
        rows.push({ name: m.name, kind: "module", replica: 0, state: "running", pid: a?.pid ?? null, restarts: 0, uptimeMs: a?.started ? Math.max(0, Date.now() - Date.parse(a.started)) : 0 });
      }
      return rows;
    }
    const restarts = this.store.restartsSeen();
    const rows: ServiceRow[] = answering
      .filter((a) => a.name !== "rs")
      .map((a, i, all) => ({
        name: a.name,
        kind: kindOf(a.name),
        replica: all.slice(0, i).filter((b) => b.name === a.name).length,
        state: "running",
        pid: a.pid,
        restarts: restarts.get(a.name) ?? 0,
        uptimeMs: a.started ? Math.max(0, Date.now() - Date.parse(a.started)) : 0,
      }));
    // Registered with the kernel but not answering: down (the kernel itself, if it is silent).
    const up = new Set(rows.map((r) => r.name));
    const mono = answering.some((a) => a.mode === "mono");
    for (const name of mono ? [] : [...new Set([...(status ? status.servers.map((s) => s.name) : []), ...EXPECTED])]) {
      if (!up.has(name)) rows.push({ name, kind: kindOf(name), replica: 0, state: "down", pid: null, restarts: restarts.get(name) ?? 0, uptimeMs: 0 });
    }
    return rows;
  }

  /** Kernel-core and every server and driver answer (in mono mode the kernel is all of them). */
  async health(): Promise<Health> {
    const [status, answering] = await Promise.all([this.status(1500), this.answering()]);
    if (status === undefined) return { ok: false, missing: ["kernel"] };
    if (answering.some((a) => a.mode === "mono")) return { ok: true, missing: [] };
    const names = new Set(answering.map((a) => a.name));
    const missing = EXPECTED.filter((n) => !names.has(n));
    return { ok: missing.length === 0, missing };
  }

  dmesg(): Promise<KmsgRecord[]> {
    return this.nc.request(SUBJECTS.dmesg, "", { timeout: 3000 }).then((m) => m.json<KmsgRecord[]>());
  }

  /** New log records as they come, until the returned function is called. */
  followLog(onRecord: (r: KmsgRecord) => void): () => void {
    const sub = this.nc.subscribe(SUBJECTS.kmsgFollow, { callback: (err, msg) => void (err === null && onRecord(msg.json<KmsgRecord>())) });
    const lease = () => this.nc.request(SUBJECTS.kmsgFollowLease, "", { timeout: 3000 }).catch(() => undefined);
    void lease();
    const renew = setInterval(lease, 2000);
    return () => {
      clearInterval(renew);
      sub.unsubscribe();
    };
  }

  stop(): void {
    clearInterval(this.timer);
  }
}
