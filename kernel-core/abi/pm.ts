/**
 * What the process manager and kernel-core tell each other about a process, as JSON (peer
 * messages): the PM's half of a process — parent, group, session, stop state, signal mask,
 * pending set and dispositions. The PM owns these; kernel-core keeps a copy the PM sends after
 * every change, so /proc and `natix ps` read them without a round trip and a restarted PM
 * takes them back (as MINIX's servers keep their state in the data store).
 */
import type { Disposition } from "../processes.js";

export interface PmFields {
  pid: number;
  ppid: number;
  pgid: number;
  sid: number;
  stopped: boolean;
  sigmask: bigint;
  pending: bigint;
  actions: Map<number, Disposition>;
}

/** The kernel's view of one process for a (re)starting PM: its fields, credentials and state. */
export interface PmSnapshotEntry extends PmFields {
  uid: number;
  euid: number;
  suid: number;
  /** running, or ended and not yet reaped (zombie); its wait status once ended. */
  state: "running" | "zombie";
  waitStatus?: number;
}

export interface PmSnapshot {
  /** Which kernel boot this is: a PM that outlived its kernel forgets the processes of the old one. */
  boot: string;
  procs: PmSnapshotEntry[];
}

type Wire = Record<string, unknown>;

/** Masks travel as hex strings (JSON has no 64-bit integers). */
export const maskToWire = (n: bigint) => n.toString(16);
export const maskFromWire = (x: unknown): bigint | undefined => (typeof x === "string" && /^[0-9a-f]{1,16}$/.test(x) ? BigInt(`0x${x}`) : undefined);
const hex = maskToWire;
const big = maskFromWire;
const int = (x: unknown, min = 0): number | undefined => (Number.isSafeInteger(x) && (x as number) >= min ? (x as number) : undefined);

export function encodePmFields(p: PmFields): Wire {
  return {
    pid: p.pid,
    ppid: p.ppid,
    pgid: p.pgid,
    sid: p.sid,
    stopped: p.stopped,
    sigmask: hex(p.sigmask),
    pending: hex(p.pending),
    actions: [...p.actions].map(([sig, a]) => [sig, a.handler, a.flags, hex(a.mask)]),
  };
}

/** Fields from JSON; undefined when anything is missing or malformed (never trusted blindly). */
export function decodePmFields(x: unknown): PmFields | undefined {
  const w = x as Wire | null;
  if (w === null || typeof w !== "object") return undefined;
  const pid = int(w.pid, 1);
  const ppid = int(w.ppid);
  const pgid = int(w.pgid, 1);
  const sid = int(w.sid, 1);
  const sigmask = big(w.sigmask);
  const pending = big(w.pending);
  if (pid === undefined || ppid === undefined || pgid === undefined || sid === undefined || sigmask === undefined || pending === undefined) return undefined;
  if (!Array.isArray(w.actions)) return undefined;
  const actions = new Map<number, Disposition>();
  for (const a of w.actions as unknown[]) {
    if (!Array.isArray(a) || a.length !== 4) return undefined;
    const [sig, handler, flags, mask] = [int(a[0], 1), int(a[1]), int(a[2]), big(a[3])];
    if (sig === undefined || sig > 64 || handler === undefined || flags === undefined || mask === undefined) return undefined;
    actions.set(sig, { handler, flags, mask });
  }
  return { pid, ppid, pgid, sid, stopped: w.stopped === true, sigmask, pending, actions };
}

export function encodeSnapshotEntry(e: PmSnapshotEntry): Wire {
  return { ...encodePmFields(e), uid: e.uid, euid: e.euid, suid: e.suid, state: e.state, waitStatus: e.waitStatus };
}

export function decodeSnapshotEntry(x: unknown): PmSnapshotEntry | undefined {
  const f = decodePmFields(x);
  const w = x as Wire;
  if (f === undefined) return undefined;
  const [uid, euid, suid] = [int(w.uid), int(w.euid), int(w.suid)];
  if (uid === undefined || euid === undefined || suid === undefined || (w.state !== "running" && w.state !== "zombie")) return undefined;
  const waitStatus = w.waitStatus === undefined ? undefined : int(w.waitStatus);
  return { ...f, uid, euid, suid, state: w.state, waitStatus };
}
