/** The chaos run's figures, from what the recorder saw and what the kills did. */
import type { CallRecord } from "./record.js";

export interface Percentiles {
  p50: number;
  p99: number;
  max: number;
}

export interface ChaosReport {
  mode: "micro" | "mono";
  /** How calls travelled (micro): direct, forward or mediate. */
  routing: string;
  /** Components that had a warm standby. */
  standby: string[];
  target: string;
  fault: "kill" | "crash";
  seed: number;
  kills: number;
  duration_s: number;
  /** Syscalls issued by the load, and how many failed. */
  syscalls: number;
  failed: number;
  /** Failed syscalls by the server that owns them. */
  failed_by_server: Record<string, number>;
  /** Failed syscalls by errno name. */
  failed_by_errno: Record<string, number>;
  acked_records: number;
  acked_lost: number;
  /** Valid records found in another writer's file (a write that reached the wrong descriptor). */
  misplaced_records: number;
  fsck_clean: boolean;
  fsck_problems: string[];
  /** Restarts of kernel-core (micro) or of the whole monolith (mono). */
  kernel_restarts: number;
  target_restarts: number;
  /** Kill → the next successful syscall needing the killed service. */
  recovery_ms: Percentiles;
  /** Median time, per kill, until a syscall started after the kill succeeded (any server). */
  outage_ms: number;
  outage_detail_ms: Percentiles;
  /** p99 latency of servers the fault does not touch, during fault windows and outside them. */
  unaffected_p99_ms: { during: number | null; outside: number | null };
  /** What the faults took away from programs. */
  state_lost: { fds: number; processes: number };
}

export function percentiles(values: number[]): Percentiles {
  if (values.length === 0) return { p50: 0, p99: 0, max: 0 };
  const s = [...values].sort((a, b) => a - b);
  const at = (q: number) => s[Math.min(s.length - 1, Math.floor(q * s.length))];
  const r = (n: number) => Math.round(n * 10) / 10;
  return { p50: r(at(0.5)), p99: r(at(0.99)), max: r(s[s.length - 1]) };
}

/** p99 of the latencies of `calls` (null when there are none). */
export function p99(calls: CallRecord[]): number | null {
  return calls.length === 0 ? null : percentiles(calls.map((c) => c.t1 - c.t0)).p99;
}

export function markdown(r: ChaosReport): string {
  const rows: [string, string][] = [
    ["mode / routing / target / fault", `${r.mode} / ${r.mode === "mono" ? "linked" : r.routing} / ${r.target} / ${r.fault}`],
    ["warm standby", r.standby.length ? r.standby.join(", ") : "none"],
    ["kills", String(r.kills)],
    ["syscalls issued / failed", `${r.syscalls} / ${r.failed}`],
    ["failed by server", Object.entries(r.failed_by_server).map(([k, v]) => `${k} ${v}`).join(", ") || "none"],
    ["failed by errno", Object.entries(r.failed_by_errno).map(([k, v]) => `${k} ${v}`).join(", ") || "none"],
    ["acknowledged writes / lost", `${r.acked_records} / ${r.acked_lost}`],
    ["records in the wrong file", String(r.misplaced_records)],
    ["fsck", r.fsck_clean ? "clean" : `${r.fsck_problems.length} problem(s)`],
    ["kernel restarts", String(r.kernel_restarts)],
    ["recovery ms p50 / p99 / max", `${r.recovery_ms.p50} / ${r.recovery_ms.p99} / ${r.recovery_ms.max}`],
    ["total-outage ms p50 / p99 / max", `${r.outage_detail_ms.p50} / ${r.outage_detail_ms.p99} / ${r.outage_detail_ms.max}`],
    ["unaffected servers p99 ms during / outside faults", `${r.unaffected_p99_ms.during ?? "-"} / ${r.unaffected_p99_ms.outside ?? "-"}`],
    ["state lost: descriptors / processes", `${r.state_lost.fds} / ${r.state_lost.processes}`],
    ["duration", `${r.duration_s} s (seed ${r.seed})`],
  ];
  return ["| measure | value |", "|---|---|", ...rows.map(([k, v]) => `| ${k} | ${v} |`)].join("\n") + "\n";
}
