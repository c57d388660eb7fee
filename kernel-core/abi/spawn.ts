/**
 * What natix_spawn carries (docs/abi.md, "Processes"): posix_spawn's whole request in one
 * binary buffer — argv, envp, file actions, attributes and the child's public key — and the
 * NUL-separated string lists execve takes. Every count and length is checked against the
 * buffer and a limit before anything is built from it.
 */
import { decodeUtf8, utf8 } from "./strings.js";

/** Linux's ARG_MAX-like bound on argv + envp + actions, in bytes. */
export const SPAWN_MAX_BYTES = 256 * 1024;
export const SPAWN_MAX_ACTIONS = 256;
export const SPAWN_MAX_STRINGS = 8192;

/** posix_spawnattr flags (glibc's values). */
export const POSIX_SPAWN = Object.freeze({ RESETIDS: 0x01, SETPGROUP: 0x02, SETSIGDEF: 0x04, SETSIGMASK: 0x08, SETSCHEDPARAM: 0x10, SETSCHEDULER: 0x20, USEVFORK: 0x40, SETSID: 0x80 });

export type FileAction =
  | { op: "open"; fd: number; path: string; oflag: number; mode: number }
  | { op: "close"; fd: number }
  | { op: "dup2"; fd: number; newfd: number }
  | { op: "chdir"; path: string };

const OPS = ["open", "close", "dup2", "chdir"] as const;

export interface SpawnSpec {
  argv: string[];
  envp: string[];
  actions: FileAction[];
  flags: number;
  pgroup: number;
  sigmask: bigint;
  sigdefault: bigint;
  /** The child's public nkey (its bus credentials are minted for it); "" on an open bus. */
  key: string;
}

/** Strings, each followed by a NUL (as /proc/<pid>/cmdline holds argv). */
export function encodeStrings(list: readonly string[]): Uint8Array {
  return utf8(list.map((s) => `${s}\0`).join(""));
}

/** The strings of a NUL-separated list; undefined if it is not one (no final NUL, a bound passed). */
export function decodeStrings(b: Uint8Array): string[] | undefined {
  if (b.length === 0) return [];
  if (b[b.length - 1] !== 0) return undefined;
  const out: string[] = [];
  let start = 0;
  for (let i = 0; i < b.length; i++) {
    if (b[i] !== 0) continue;
    out.push(decodeUtf8(b.subarray(start, i)));
    start = i + 1;
    if (out.length > SPAWN_MAX_STRINGS) return undefined;
  }
  return out;
}

export function encodeSpawn(s: SpawnSpec): Uint8Array {
  const parts: Uint8Array[] = [];
  const head = new DataView(new ArrayBuffer(28));
  head.setUint32(0, s.flags >>> 0, true);
  head.setInt32(4, s.pgroup | 0, true);
  head.setBigUint64(8, s.sigmask, true);
  head.setBigUint64(16, s.sigdefault, true);
  head.setUint32(24, s.actions.length, true);
  parts.push(new Uint8Array(head.buffer));
  for (const a of s.actions) {
    const rec = new DataView(new ArrayBuffer(20));
    const path = "path" in a ? utf8(a.path) : new Uint8Array(0);
    rec.setUint8(0, OPS.indexOf(a.op));
    rec.setInt32(4, "fd" in a ? a.fd : -1, true);
    rec.setInt32(8, a.op === "dup2" ? a.newfd : a.op === "open" ? a.oflag : 0, true);
    rec.setUint32(12, a.op === "open" ? a.mode : 0, true);
    rec.setUint32(16, path.length, true);
    parts.push(new Uint8Array(rec.buffer), path);
  }
  for (const list of [s.argv, s.envp, [s.key]]) {
    const bytes = encodeStrings(list);
    const len = new DataView(new ArrayBuffer(4));
    len.setUint32(0, bytes.length, true);
    parts.push(new Uint8Array(len.buffer), bytes);
  }
  const total = parts.reduce((n, p) => n + p.length, 0);
  const out = new Uint8Array(total);
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/** The request, or the errno it is refused with (EINVAL malformed, E2BIG too large). */
export function decodeSpawn(b: Uint8Array): SpawnSpec | "EINVAL" | "E2BIG" {
  if (b.length > SPAWN_MAX_BYTES) return "E2BIG";
  if (b.length < 28) return "EINVAL";
  const v = new DataView(b.buffer, b.byteOffset, b.byteLength);
  const count = v.getUint32(24, true);
  if (count > SPAWN_MAX_ACTIONS) return "E2BIG";
  let at = 28;
  const actions: FileAction[] = [];
  for (let i = 0; i < count; i++) {
    if (at + 20 > b.length) return "EINVAL";
    const op = OPS[v.getUint8(at)];
    const fd = v.getInt32(at + 4, true);
    const second = v.getInt32(at + 8, true);
    const mode = v.getUint32(at + 12, true);
    const len = v.getUint32(at + 16, true);
    at += 20;
    if (op === undefined || at + len > b.length) return "EINVAL";
    const path = decodeUtf8(b.subarray(at, at + len));
    at += len;
    if (op === "open") actions.push({ op, fd, path, oflag: second, mode });
    else if (op === "close") actions.push({ op, fd });
    else if (op === "dup2") actions.push({ op, fd, newfd: second });
    else actions.push({ op, path });
  }
  const lists: string[][] = [];
  for (let k = 0; k < 3; k++) {
    if (at + 4 > b.length) return "EINVAL";
    const len = v.getUint32(at, true);
    at += 4;
    if (at + len > b.length) return "EINVAL";
    const list = decodeStrings(b.subarray(at, at + len));
    if (list === undefined) return "EINVAL";
    lists.push(list);
    at += len;
  }
  if (at !== b.length || lists[2].length !== 1) return "EINVAL";
  return { flags: v.getUint32(0, true), pgroup: v.getInt32(4, true), sigmask: v.getBigUint64(8, true), sigdefault: v.getBigUint64(16, true), actions, argv: lists[0], envp: lists[1], key: lists[2][0] };
}
