/**
 * The launcher's part of the bus (natix up): which keys the system uses, the nats-server
 * configuration that trusts them, and a credentials file per component, minted from the role
 * table into a private run directory and handed to each process as NATIX_CREDS. The kernel (and
 * the monolith) also get the keys directory (NATIX_KEYS): they mint processes and modules.
 *
 * Keys: --keys DIR (made by `natix keys init DIR`); else DIR/keys of a persistent data
 * directory (created there on first use, so the system's identity survives restarts); else
 * fresh ones, removed at stop. With an external nats-server and no --keys the bus is open.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { grantOf, roleOfComponent, type RoleName } from "../../kernel-core/bus-roles.js";
import { credsText, mintUser, operatorModeConfig } from "./account.js";
import { KeysError, generateKeys, hasKeys, loadKeys, loadOrCreateKeys, saveKeys, type BusKeys } from "./keys.js";

export interface SystemBusOptions {
  /** A keys directory made by `natix keys init` (required to isolate an external nats-server). */
  keysDir?: string;
  /** The persistent data directory, if any (its keys/ subdirectory keeps the system's keys). */
  dataDir?: string;
  /** nats-server is the user's (--nats): without keysDir the bus stays open. */
  external: boolean;
  chaos: boolean;
}

export interface SystemBus {
  readonly isolated: boolean;
  /** nats-server configuration lines for a private server (operator mode). */
  readonly serverConfig?: string;
  /** Environment for component `name`'s process: its credentials (and the keys, for the kernel). */
  envFor(name: string): NodeJS.ProcessEnv;
  /** Credentials of the supervisor (the launcher's own connections) and of the administrator. */
  readonly supervisorCreds: Uint8Array | null;
  readonly adminCreds: Uint8Array | null;
  /** The administrator's credentials as a private file (for the gateway's acting routes). */
  readonly adminCredsFile?: string;
  cleanup(): void;
}

/** Components that hold the keys (they mint credentials). */
const AUTHORITIES = new Set(["kernel", "mono"]);

export async function prepareSystemBus(opts: SystemBusOptions, components: readonly string[]): Promise<SystemBus> {
  if (opts.external && !opts.keysDir) {
    return { isolated: false, envFor: () => ({ NATIX_CREDS: undefined, NATIX_KEYS: undefined }), supervisorCreds: null, adminCreds: null, cleanup: () => {} };
  }
  const run = mkdtempSync(join(tmpdir(), "natix-run-"));
  try {
    let keysDir: string;
    let keys: BusKeys;
    if (opts.keysDir) {
      if (!hasKeys(opts.keysDir)) throw new KeysError(`natix: ${opts.keysDir} holds no bus keys (make them with \`natix keys init ${opts.keysDir}\`)`);
      keysDir = opts.keysDir;
      keys = loadKeys(keysDir);
    } else if (opts.dataDir) {
      keysDir = join(opts.dataDir, "keys");
      keys = loadOrCreateKeys(keysDir);
    } else {
      keysDir = join(run, "keys");
      keys = generateKeys();
      saveKeys(keysDir, keys);
    }
    const mint = async (role: RoleName, name: string) => credsText(await mintUser(keys, name, grantOf(role, { name, chaos: opts.chaos })));
    const files = new Map<string, string>();
    for (const name of components) {
      const file = join(run, `${name}.creds`);
      writeFileSync(file, await mint(roleOfComponent(name), name), { mode: 0o600 });
      files.set(name, file);
    }
    const adminCreds = await mint("admin", "admin");
    const adminCredsFile = join(run, "admin.creds");
    writeFileSync(adminCredsFile, adminCreds, { mode: 0o600 });
    return {
      isolated: true,
      serverConfig: opts.external ? undefined : await operatorModeConfig(keys),
      envFor: (name) => ({ NATIX_CREDS: files.get(name), NATIX_KEYS: AUTHORITIES.has(name) ? keysDir : undefined }),
      supervisorCreds: await mint("supervisor", "rs"),
      adminCreds,
      adminCredsFile,
      cleanup: () => rmSync(run, { recursive: true, force: true }),
    };
  } catch (err) {
    rmSync(run, { recursive: true, force: true });
    throw err;
  }
}
