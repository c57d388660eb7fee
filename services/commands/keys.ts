/**
 * natix keys init DIR — makes the bus's keys (operator, system account, NATIX account; nkey
 * seeds, mode 0600 in a 0700 directory) and prints the nats-server configuration that trusts
 * them, so a user can run their own nats-server (or cluster) securely and start natix on it
 * with `natix up --nats URL --keys DIR`. The configuration is also written to DIR/nats-server.conf.
 */
import { existsSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { generateKeys, hasKeys, saveKeys } from "../bus/keys.js";
import { operatorModeConfig } from "../bus/account.js";
import { UsageError } from "./up.js";

export const usage = "natix keys init DIR";

export async function keys(argv: string[]): Promise<number> {
  const [verb, dir, ...rest] = argv;
  if (verb !== "init" || dir === undefined || rest.length > 0) throw new UsageError("natix keys init DIR");
  if (hasKeys(dir) || existsSync(join(dir, "nats-server.conf"))) {
    process.stderr.write(`natix keys: ${dir} already holds keys; refusing to replace them (a system's keys are its identity)\n`);
    return 1;
  }
  const k = generateKeys();
  saveKeys(dir, k);
  const config = [
    "# nats-server configuration that trusts natix's keys (operator mode, memory resolver).",
    "# Add your own listen/cluster settings; every server of a cluster needs these lines.",
    await operatorModeConfig(k),
    "",
  ].join("\n");
  writeFileSync(join(dir, "nats-server.conf"), config, { mode: 0o600 });
  process.stdout.write(config);
  process.stderr.write(`natix keys: wrote the keys and nats-server.conf to ${dir}; then: natix up --nats URL --keys ${dir}\n`);
  return 0;
}
