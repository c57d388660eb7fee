/**
 * natix up [--mode micro|mono] [--nats URL [--keys DIR]] [--data DIR] [--deadline-ms N]
 *          [--routing direct|forward|mediate] [--disk-size SIZE] [--replicas NAME=N]... [--standby NAME,...|none]
 *          [--chaos] [--http PORT] [--log-level LEVEL]
 * Runs the system in the foreground, every component under the reincarnation supervisor, on a
 * bus it isolates: its private nats-server runs in operator mode (with --nats, give --keys DIR
 * made by `natix keys init`), and every component and process has credentials of its own.
 * Prints `NATS_URL=nats://HOST:PORT` once syscalls are accepted (and, with --http, the gateway's
 * `HTTP_URL=http://127.0.0.1:PORT` once it answers); SIGINT/SIGTERM stops every
 * process it started and exits 0. An existing image that does not mount is left untouched
 * and natix up exits 1 naming `natix fsck`.
 */
import { parseArgs } from "node:util";
import { standbyList, startSystem, type Mode } from "../launcher.js";
import { ROUTING_MODES, type RoutingMode } from "../../kernel-core/kernel.js";
import { DISK_MIB, MICRO_COMPONENTS, parseSizeMiB } from "../../system/server-catalog.js";
import { UsageError } from "./usage-error.js";

export const usage =
  "natix up [--mode micro|mono] [--nats URL [--keys DIR]] [--data DIR] [--deadline-ms N] [--routing direct|forward|mediate] [--disk-size SIZE] [--replicas NAME=N] [--standby NAME,...|none] [--chaos] [--http PORT] [--log-level LEVEL]";

export async function up(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      mode: { type: "string", default: "micro" },
      nats: { type: "string" },
      data: { type: "string" },
      "deadline-ms": { type: "string" },
      routing: { type: "string", default: "direct" },
      "log-level": { type: "string" },
      replicas: { type: "string", multiple: true },
      keys: { type: "string" },
      chaos: { type: "boolean", default: false },
      http: { type: "string" },
      "disk-size": { type: "string" },
      standby: { type: "string", multiple: true },
    },
  });
  const httpPort = values.http === undefined ? undefined : Number(values.http);
  if (httpPort !== undefined && !(Number.isInteger(httpPort) && httpPort >= 0 && httpPort < 65536)) throw new UsageError("--http takes a TCP port (0: any free one)");
  if (values.mode !== "micro" && values.mode !== "mono") throw new UsageError(`--mode must be micro or mono, not ${values.mode}`);
  if (!ROUTING_MODES.includes(values.routing as RoutingMode)) throw new UsageError(`--routing must be ${ROUTING_MODES.join(", ").replace(/, (?=[^,]*$)/, " or ")}`);
  const diskMiB = values["disk-size"] === undefined ? undefined : parseSizeMiB(values["disk-size"]);
  if (values["disk-size"] !== undefined && diskMiB === undefined) throw new UsageError(`--disk-size takes a size from ${DISK_MIB.min} MiB to 1 TiB (128, 128M, 2G), not ${JSON.stringify(values["disk-size"])}`);
  const deadline = values["deadline-ms"] === undefined ? undefined : Number(values["deadline-ms"]);
  if (deadline !== undefined && !(deadline > 0)) throw new UsageError("--deadline-ms must be a positive number");

  const replicas: Record<string, number> = {};
  for (const item of (values.replicas ?? []).flatMap((v) => v.split(","))) {
    const m = /^([a-z]+)=(\d+)$/.exec(item.trim());
    if (!m || Number(m[2]) < 1 || Number(m[2]) > 16) throw new UsageError(`--replicas takes NAME=N (1..16), not ${item}`);
    replicas[m[1]] = Number(m[2]);
  }
  const standby = values.standby === undefined ? undefined : standbyOf(values.standby, values.mode as Mode);
  // Told to stop from the first moment: a SIGTERM that comes while it starts (or just as it
  // says it is ready) stops the system once started, rather than killing this process and
  // leaving its components behind.
  // `on`, not `once`: a library's signal-exit handler (testcontainers', on the Docker path) kills
  // the process again with the signal when it finds itself the only listener left.
  const stopAsked = new Promise<void>((resolve) => {
    process.on("SIGINT", resolve);
    process.on("SIGTERM", resolve);
  });
  const system = await startSystem({
    mode: values.mode as Mode,
    nats: values.nats,
    dataDir: values.data,
    deadlineMs: deadline,
    routing: values.routing as RoutingMode,
    logLevel: values["log-level"],
    replicas,
    keys: values.keys,
    chaos: values.chaos,
    http: httpPort === undefined ? undefined : { port: httpPort },
    diskMiB,
    standby,
  });
  process.stdout.write(`NATS_URL=${system.natsUrl}\n`);
  if (system.http) process.stdout.write(`HTTP_URL=${system.http.url}\n`);
  await stopAsked;
  await system.stop();
  return 0;
}

/** --standby blk,hello (or none): components of micro mode that get a warm standby. */
function standbyOf(items: string[], mode: Mode): string[] {
  const names = standbyList(items);
  const known = MICRO_COMPONENTS.map((c) => c.name);
  for (const n of names) if (!known.includes(n)) throw new UsageError(`--standby takes components of micro mode (${known.join(", ")}) or none, not ${n}`);
  if (mode !== "micro" && names.length > 0) throw new UsageError("--standby is for micro mode: in mono mode the kernel process holds every component");
  return names;
}
