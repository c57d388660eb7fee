/**
 * natix gateway [--nats URL] [--creds FILE] [--host HOST] [--port PORT]
 * Runs the HTTP gateway in the foreground against a running system, as the administrator (the
 * credentials natix up left for the URL, or --creds): it watches with them and acts with them.
 * `natix up --http PORT` starts it with the rest instead, with a role of its own.
 */
import { parseArgs } from "node:util";
import { connectNats } from "../../transport/nats-connect.js";
import { findCredentials } from "../../transport/credentials.js";
import { createLogger } from "../../system/logger.js";
import { startGateway } from "../gateway/start.js";
import { TARGET_OPTIONS, natsUrlFrom, useCreds } from "./target.js";
import { UsageError } from "./usage-error.js";

export const usage = "natix gateway [--nats URL] [--creds FILE] [--host HOST] [--port PORT]";

export async function gateway(argv: string[]): Promise<number> {
  const { values } = parseArgs({ args: argv, options: { ...TARGET_OPTIONS, host: { type: "string" }, port: { type: "string" } } });
  useCreds(values.creds);
  const url = natsUrlFrom(values.nats);
  const port = values.port === undefined ? undefined : Number(values.port);
  if (port !== undefined && !(Number.isInteger(port) && port >= 0 && port < 65536)) throw new UsageError("--port takes a TCP port");
  const log = createLogger({ name: "gateway", level: process.env.NATIX_LOG_LEVEL ?? "info" });
  const nc = await connectNats(url, "natix-gateway");
  const creds = findCredentials(url);
  const gw = await startGateway({ nc, log, natsUrl: url, adminCreds: creds?.source === "the given credentials" ? undefined : creds?.source, host: values.host, port });
  process.stdout.write(`natix gateway: ${gw.url}\n`);
  await new Promise<void>((resolve) => {
    process.once("SIGINT", resolve);
    process.once("SIGTERM", resolve);
  });
  await gw.stop();
  await nc.close();
  return 0;
}
