/**
 * The kernel's control messages (spawn, register) are JSON: they are rare, and readable
 * messages help anyone watching with `nats sub`. Each is checked field by field; a bad one
 * gets an error text, never an exception.
 */
import type { SpawnRequest, TraceRequest } from "../../kernel-core/processes.js";
import type { Registration } from "../../kernel-core/registry.js";
import { COMPONENT_NAME } from "../../kernel-core/abi/subjects.js";

const MAX_ARGV = 256;
const MAX_ARG_BYTES = 4096;

function parse(data: Uint8Array): Record<string, unknown> | string {
  try {
    const v = JSON.parse(new TextDecoder().decode(data));
    return v !== null && typeof v === "object" && !Array.isArray(v) ? v : "expected a JSON object";
  } catch {
    return "malformed JSON";
  }
}

const isId = (v: unknown) => v === undefined || (Number.isInteger(v) && (v as number) >= 0 && (v as number) <= 0xffffffff);

/** A user's public nkey: "U" and 55 base32 characters (its checksum is checked when minting). */
const USER_KEY = /^U[A-Z2-7]{55}$/;

/** A spawn request: the process to create, and the public key its credentials are minted for. */
export type SpawnMessage = SpawnRequest & { key?: string };

export function parseSpawn(data: Uint8Array): SpawnMessage | string {
  const v = parse(data);
  if (typeof v === "string") return v;
  const argv = v.argv;
  if (!Array.isArray(argv) || argv.length > MAX_ARGV || !argv.every((a) => typeof a === "string" && a.length <= MAX_ARG_BYTES)) {
    return `argv must be an array of at most ${MAX_ARGV} strings`;
  }
  if (!isId(v.uid) || !isId(v.gid) || !isId(v.ppid)) return "uid, gid and ppid must be integers in [0, 2^32)";
  const trace = v.trace === undefined ? undefined : traceOf(v.trace);
  if (typeof trace === "string") return trace;
  if (v.key !== undefined && (typeof v.key !== "string" || !USER_KEY.test(v.key))) return "key must be a user's public nkey";
  return { argv, uid: v.uid as number | undefined, gid: v.gid as number | undefined, ppid: v.ppid as number | undefined, trace, key: v.key as string | undefined };
}

function traceOf(v: unknown): TraceRequest | string {
  const t = v as { token?: unknown; style?: { strsize?: unknown; column?: unknown }; tracer?: unknown };
  if (typeof t !== "object" || t === null || typeof t.token !== "string" || !/^[\w-]{1,64}$/.test(t.token)) return "trace.token must be a short word";
  const num = (x: unknown, max: number) => (Number.isInteger(x) && (x as number) >= 0 && (x as number) <= max ? (x as number) : undefined);
  return { token: t.token, style: { strsize: num(t.style?.strsize, 1 << 20), column: num(t.style?.column, 200) }, tracer: num(t.tracer, 0x7fffffff) };
}

export function parseTraceRequest(data: Uint8Array): (TraceRequest & { pid: number; detach?: boolean }) | string {
  const v = parse(data);
  if (typeof v === "string") return v;
  if (!Number.isInteger(v.pid)) return "pid must be an integer";
  if (v.detach === true) return { pid: v.pid as number, token: "", detach: true };
  const t = traceOf(v);
  return typeof t === "string" ? t : { ...t, pid: v.pid as number };
}

export function parseRegistration(data: Uint8Array): Registration | string {
  const v = parse(data);
  if (typeof v === "string") return v;
  if (typeof v.name !== "string" || !COMPONENT_NAME.test(v.name)) return "name must be a short lowercase word";
  if (typeof v.instance !== "string") return "instance must be a string";
  const syscalls = v.syscalls ?? [];
  if (!Array.isArray(syscalls) || !syscalls.every((n) => Number.isInteger(n))) return "syscalls must be integers";
  const kind = v.kind === "driver" || v.kind === "module" ? v.kind : "server";
  const m = v.module as { size?: unknown; proc?: unknown } | undefined;
  const module =
    m && typeof m.size === "number" && Array.isArray(m.proc) && m.proc.every((e) => typeof e === "string" && /^[\w.-]{1,64}$/.test(e))
      ? { size: m.size, proc: m.proc as string[] }
      : undefined;
  return { name: v.name, kind, instance: v.instance, syscalls, definitions: Array.isArray(v.definitions) ? v.definitions : undefined, module };
}
