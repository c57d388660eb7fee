/**
 * natix kill SERVICE [--signal KILL] [--replica N] [--nats URL]   signals a component's process
 * natix restart SERVICE [--nats URL]                               starts it afresh
 * Both act through the reincarnation supervisor of a running `natix up`.
 */
import { parseArgs } from "node:util";
import { connectNats } from "../../client-libc/transport/nats-port.js";
import { RS_SUBJECTS } from "../../kernel-core/abi/subjects.js";
import { TARGET_OPTIONS, natsUrlFrom, useCreds } from "./target.js";
import { UsageError } from "./up.js";

export const usages = {
  kill: "natix kill SERVICE [--signal KILL] [--replica N] [--nats URL] [--creds FILE]",
  restart: "natix restart SERVICE [--nats URL] [--creds FILE]",
};

async function ask(url: string, subject: string, body: object): Promise<number> {
  const nc = await connectNats(url, "natix-rsctl");
  try {
    const reply = (await nc.request(subject, JSON.stringify(body), { timeout: 20_000 })).json<{ error?: string }>();
    if (reply.error) {
      process.stderr.write(`natix: ${reply.error}\n`);
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
  if (positionals.length !== 1) throw new UsageError("give one service (kernel, tty, blk, hello, vfs, mem, or mono)");
  return ask(natsUrlFrom(values.nats), RS_SUBJECTS.kill, { name: positionals[0], signal: values.signal, replica: Number(values.replica) });
}

export async function restart(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({ args: argv, options: TARGET_OPTIONS, allowPositionals: true });
  useCreds(values.creds);
  if (positionals.length !== 1) throw new UsageError("give one service");
  return ask(natsUrlFrom(values.nats), RS_SUBJECTS.restart, { name: positionals[0] });
}
