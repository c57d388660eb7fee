/**
 * The paths a syscall can take, one table: native Linux (the C program), node:fs on the host,
 * natix embedded / mono / micro / micro-mediated, and the two transport floors — a bare
 * nats.js request/reply moving the same bytes as the workload's syscall frames, and a raw
 * Node TCP ping-pong of the same sizes.
 */
import { spawnSync } from "node:child_process";
import type { NatsConnection } from "@nats-io/transport-node";
import type { Env } from "./env.js";
import type { TcpPinger } from "./tcp-pinger.js";
import { fromSamples, type Measured, type Op } from "./measure.js";
import { natixOp, type Workload } from "./workloads.js";
import { requesterOf } from "../../transport/requester.js";

export type PathKind = "native" | "natix" | "transport";

export const PATHS = [
  { name: "native", kind: "native", about: "the same operation as a real Linux syscall, from C" },
  { name: "node-fs", kind: "native", about: "the same operation with node:fs sync calls on the host" },
  { name: "embedded", kind: "natix", about: "natix's mono kernel in the caller's process" },
  { name: "mono", kind: "natix", about: "natix mono: one kernel process with every server, over NATS" },
  { name: "micro", kind: "natix", about: "natix micro, direct routing: the program calls the server, which replies (kernel-core programs the routes)" },
  { name: "micro-forward", kind: "natix", about: "natix micro, reply forwarding: kernel-core routes, the server replies to the caller" },
  { name: "micro-mediated", kind: "natix", about: "natix micro: kernel-core requests the server and replies itself" },
  { name: "micro-bus", kind: "natix", bulkOnly: true, about: "natix micro, direct routing, every byte in NATS messages (no segment shared with the server): filesystem throughput only" },
  { name: "raw-nats", kind: "transport", about: "bare nats.js request/reply with the syscall's frame sizes (through natix's requester, as natix's own calls go)" },
  { name: "raw-tcp", kind: "transport", about: "raw Node TCP ping-pong with the syscall's request sizes" },
] as const satisfies readonly { name: string; kind: PathKind; about: string; bulkOnly?: true }[];

export type PathName = (typeof PATHS)[number]["name"];
export const pathNames = PATHS.map((p) => p.name) as PathName[];
/** Paths only the scenarios moving bulk bytes (fs) measure: small calls never use a segment, so elsewhere they would repeat micro. */
export const BULK_ONLY: readonly PathName[] = PATHS.filter((p) => "bulkOnly" in p).map((p) => p.name);
/** Paths that carry calls as messages (the ones with in-flight concurrency). */
export const MESSAGE_PATHS = PATHS.filter((p) => p.kind !== "native" && !("bulkOnly" in p)).map((p) => p.name) as PathName[];

/**
 * The raw nats.js floor for a workload: each syscall's request out, a reply of its size back —
 * through the same request/reply natix's calls use (transport/requester.ts), so the ratio to it
 * is natix's own work: nats.js's request() would add ~12 µs of the caller's CPU per call.
 */
export function rawNatsOp(nc: NatsConnection, frames: readonly [number, number][]): Op {
  const payloads = frames.map(([req, rep]) => [new Uint8Array(req), `bench.echo.${rep}`] as const);
  const requester = requesterOf(nc);
  return async () => {
    for (const [payload, subject] of payloads) await requester.request(subject, payload, { timeout: 10_000 });
  };
}

/** The raw TCP floor for a workload: each syscall's request size echoed back. */
export function tcpOp(pinger: TcpPinger, frames: readonly [number, number][]): Op {
  const sizes = frames.map(([req]) => req);
  return async () => {
    for (const bytes of sizes) await pinger.ping(bytes);
  };
}

/** The operation `workload` is on a message or node:fs path; undefined where it has none. */
export async function opFor(env: Env, path: PathName, workload: Workload): Promise<Op | undefined> {
  switch (path) {
    case "native":
      return undefined; // measured inside the C program: see measureNative
    case "node-fs":
      return workload.nodeFs?.(env.hostFile);
    case "raw-nats":
      return rawNatsOp(env.rawNats, workload.frames);
    case "raw-tcp":
      return tcpOp(await env.tcp(), workload.frames);
    default:
      return natixOp(workload, await env.proc(path));
  }
}

/** The native C program's run of `workload`, or undefined without cc or such an operation. */
export function measureNative(env: Env, workload: Workload, samples: number, warmup: number): Measured | undefined {
  if (env.nativeBin === undefined || workload.native === undefined) return undefined;
  const r = spawnSync(env.nativeBin, [workload.native, String(samples), String(warmup), env.hostFile], { maxBuffer: 8 * (samples + 1) + 1024 });
  if (r.status !== 0) throw new Error(`native ${workload.native}: exit ${r.status}: ${r.stderr}`);
  const words = new BigInt64Array(Uint8Array.from(r.stdout).buffer); // copied: Buffers may be unaligned
  return fromSamples(words.subarray(1), Number(words[0]));
}
