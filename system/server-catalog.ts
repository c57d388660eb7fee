/**
 * The servers and drivers natix is made of, and how to build each from what it depends on.
 * One table for every way of running them: the micro launcher starts one process per row, the
 * monolith builds every row into one process.
 */
import type { Logger } from "pino";
import type { ServerDefinition, ServerLinks } from "../kernel-core/server-runtime.js";
import type { TtyDevice } from "../servers/tty/driver.js";
import type { BlockDevice } from "../servers/blk/device.js";
import type { Timings } from "./timing.js";
import { createHelloServer } from "../servers/hello/server.js";
import { createVfsServer } from "../servers/vfs/server.js";
import { createMemServer } from "../servers/mem/server.js";
import { createPmServer } from "../servers/pm/server.js";

/** What a server may be given: its logger, the drivers below it, the other servers, the deadline's shares. */
export interface ServerEnv {
  log: Logger;
  drivers: { tty: TtyDevice; blk: BlockDevice };
  links: ServerLinks;
  timings: Timings;
}

export interface ServerRow {
  name: string;
  create(env: ServerEnv): ServerDefinition | Promise<ServerDefinition>;
}

export const SERVERS: readonly ServerRow[] = [
  { name: "hello", create: (env) => createHelloServer({ log: env.log }) },
  {
    name: "vfs",
    create: (env) =>
      createVfsServer({ log: env.log, tty: env.drivers.tty, blk: env.drivers.blk, diskBudgetMs: env.timings.driverMs, readSliceMs: env.timings.readSliceMs, peer: env.links.peer }),
  },
  { name: "mem", create: (env) => createMemServer({ log: env.log, totalBytes: memTotalMiB() * 1024 * 1024, ...env.links }) },
  { name: "pm", create: (env) => createPmServer({ log: env.log, peer: env.links.peer, waitSliceMs: env.timings.readSliceMs }) },
];

/** Drivers, each a process of its own in micro mode. */
export const DRIVERS = ["tty", "blk"] as const;
export type DriverName = (typeof DRIVERS)[number];

/** Every process `natix up --mode micro` starts besides the kernel. */
export const MICRO_COMPONENTS: readonly { name: string; kind: "server" | "driver" }[] = [
  ...DRIVERS.map((name) => ({ name, kind: "driver" as const })),
  ...SERVERS.map((s) => ({ name: s.name, kind: "server" as const })),
];

/** The system's memory, MiB (NATIX_MEM_MIB; /proc/meminfo's MemTotal). */
export function memTotalMiB(): number {
  const v = Number(process.env.NATIX_MEM_MIB);
  return Number.isFinite(v) && v >= 16 ? v : 1024;
}

/** The smallest and largest disk image natix makes, MiB. */
export const DISK_MIB = Object.freeze({ min: 8, max: 1024 * 1024, default: 128 });

/**
 * A disk size as the CLI takes it: MiB, or with a unit as truncate(1) and mkfs take it —
 * `128`, `128M`, `128MiB`, `2G`, `2GiB`, `1T` (binary units, whole MiB). Undefined when it is
 * not one, or outside DISK_MIB.
 */
export function parseSizeMiB(text: string): number | undefined {
  const m = /^(\d+)\s*(?:([MGT])(?:i?B)?)?$/i.exec(text.trim());
  if (m === null) return undefined;
  const mib = Number(m[1]) * { M: 1, G: 1024, T: 1024 * 1024 }[(m[2] ?? "M").toUpperCase() as "M" | "G" | "T"];
  return Number.isSafeInteger(mib) && mib >= DISK_MIB.min && mib <= DISK_MIB.max ? mib : undefined;
}

/** Size of a new disk image, MiB (NATIX_DISK_MIB, a SIZE as parseSizeMiB takes it). */
export function diskSizeMiB(): number {
  return parseSizeMiB(process.env.NATIX_DISK_MIB ?? "") ?? DISK_MIB.default;
}
