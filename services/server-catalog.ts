/**
 * The servers and drivers natix is made of, and how to build each from what it depends on.
 * One table for every way of running them: the micro launcher starts one process per row, the
 * monolith builds every row into one process.
 */
import type { Logger } from "pino";
import type { ServerDefinition } from "../kernel-core/server-runtime.js";
import type { TtyDevice } from "../servers/tty/driver.js";
import { createHelloServer } from "../servers/hello/server.js";
import { createVfsServer } from "../servers/vfs/server.js";

/** What a server may be given: its logger and the drivers below it. */
export interface ServerEnv {
  log: Logger;
  drivers: { tty: TtyDevice };
}

export interface ServerRow {
  name: string;
  create(env: ServerEnv): ServerDefinition;
}

export const SERVERS: readonly ServerRow[] = [
  { name: "hello", create: (env) => createHelloServer({ log: env.log }) },
  { name: "vfs", create: (env) => createVfsServer({ log: env.log, tty: env.drivers.tty }) },
];

/** Drivers, each a process of its own in micro mode. */
export const DRIVERS = ["tty"] as const;
export type DriverName = (typeof DRIVERS)[number];

/** Every process `natix up --mode micro` starts besides the kernel. */
export const MICRO_COMPONENTS: readonly { name: string; kind: "server" | "driver" }[] = [
  ...DRIVERS.map((name) => ({ name, kind: "driver" as const })),
  ...SERVERS.map((s) => ({ name: s.name, kind: "server" as const })),
];
