/**
 * natix keys init DIR — makes the bus's keys (operator, system account, NATIX account; nkey
 * seeds, mode 0600 in a 0700 directory) and prints the nats-server configuration that trusts
 * them, so a user can run their own nats-server (or cluster) securely and start natix on it
 * with `natix up --nats URL --keys DIR`. The configuration is also written to DIR/nats-server.conf.
 */
import { existsSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { generateKeys, hasKeys, loadOrCreateKeys, saveKeys } from "../bus/keys.js";
import { credsText, mintUser, operatorModeConfig } from "../bus/account.js";
import { grantOf, roleOfComponent, type RoleName } from "../../kernel-core/bus-roles.js";
import { readdirSync, statSync } from "node:fs";
import { UsageError } from "./usage-error.js";

export const usage = "natix keys init DIR | natix keys provision ROOT";

export async function keys(argv: string[]): Promise<number> {
  const [verb, dir, ...rest] = argv;
  if (verb === "provision" && dir !== undefined && rest.length === 0) return provision(dir);
  if (verb !== "init" || dir === undefined || rest.length > 0) throw new UsageError(usage);
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

/**
 * natix keys provision ROOT — what a deployment's one-shot key service does (docker compose):
 * ROOT/keys gets the keys (made if missing), ROOT/nats the server's trust configuration
 * (trust.conf), and every other directory under ROOT — one per component, each a volume only
 * that component mounts — a `natix.creds` minted for the role it is named after (`admin` for
 * the administrator's tools; the gateway's also gets the administrator's, `admin.creds`).
 */
async function provision(root: string): Promise<number> {
  const k = loadOrCreateKeys(join(root, "keys"));
  const mint = async (role: RoleName, name: string) => credsText(await mintUser(k, name, grantOf(role, { name, chaos: process.env.NATIX_CHAOS === "1" })));
  const written: string[] = [];
  for (const d of readdirSync(root).filter((d) => statSync(join(root, d)).isDirectory())) {
    if (d === "keys") continue;
    if (d === "nats") {
      writeFileSync(join(root, d, "trust.conf"), (await operatorModeConfig(k)) + "\n", { mode: 0o644 });
    } else {
      const role: RoleName = d === "admin" ? "admin" : roleOfComponent(d);
      writeFileSync(join(root, d, "natix.creds"), await mint(role, d), { mode: 0o600 });
      if (d === "gateway") writeFileSync(join(root, d, "admin.creds"), await mint("admin", "admin"), { mode: 0o600 });
    }
    written.push(d);
  }
  process.stdout.write(`natix keys: provisioned ${written.join(", ")} from ${join(root, "keys")}\n`);
  return 0;
}
