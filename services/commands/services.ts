/**
 * natix kill SERVICE [--signal KILL] [--replica N] [--nats URL]   signals a component's process
 * natix restart SERVICE [--nats URL]                               starts it afresh
 * Both act through the reincarnation supervisor of a running `natix up`, or, where none runs
 * the system (docker compose), through the component's own kill switch.
 */
import { parseArgs } from "node:util";
import { connectNats } from "../../transport/nats-connect.js";
import { MICRO_COMPONENTS } from "../../system/server-catalog.js";
import type { NatsConnection } from "@nats-io/transport-node";
import { killService, restartService } from "../nats/service-control.js";
import { TARGET_OPTIONS, natsUrlFrom, useCreds } from "./target.js";
import { UsageError } from "./usage-error.js";

export const usages = {
  kill: "natix kill SERVICE [--signal KILL] [--replica N] [--nats URL] [--creds FILE]",
  restart: "natix restart SERVICE [--nats URL] [--creds FILE]",
};

async function act(url: string, run: (nc: NatsConnection) => Promise<string | undefined>): Promise<number> {
  const nc = await connectNats(url, "natix-rsctl");
  try {
    const error = await run(nc);
    if (error) {
      process.stderr.write(`natix: ${error}\n`);
      return 1;
    }
    return 0;
  } finally {
    await nc.close();
  }
}

export async function kill(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    options: { ...TARGET_OPTIONS, signal: { type: "string", short: "s", default: "TERM" }, replica: { type: "string", default: "0" } },
    allowPositionals: true,
  });
  useCreds(values.creds);
  if (positionals.length !== 1) throw new UsageError(`give one service (kernel, ${MICRO_COMPONENTS.map((c) => c.name).join(", ")}, or mono)`);
  return act(natsUrlFrom(values.nats), (nc) => killService(nc, positionals[0], values.signal, Number(values.replica)));
}

export async function restart(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({ args: argv, options: TARGET_OPTIONS, allowPositionals: true });
  useCreds(values.creds);
  if (positionals.length !== 1) throw new UsageError("give one service");
  return act(natsUrlFrom(values.nats), (nc) => restartService(nc, positionals[0]));
}
