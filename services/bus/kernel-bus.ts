/**
 * What the kernel process holds of the bus: with NATIX_KEYS (a keys directory, see keys.ts) it
 * is the bus's authority — it mints process and module credentials and revokes them; without,
 * the bus is open (a nats-server not in operator mode) and the kernel says so, loudly.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Logger } from "pino";
import { loadKeys } from "./keys.js";
import { startBusAuthority, type BusAuthority } from "./authority.js";
import type { ModuleCredentials } from "../module-loader.js";

export interface KernelBus {
  authority?: BusAuthority;
  /** Credentials for a module's process, as a private file. */
  moduleCredentials?: (name: string) => Promise<ModuleCredentials>;
  stop(): Promise<void>;
}

export const OPEN_BUS_WARNING =
  "bus not isolated: NATS is not in operator mode, so any client may act as any process or component (start `natix up` without --nats, or give it --keys DIR)";

export async function kernelBus(url: string, log: Logger, env: NodeJS.ProcessEnv = process.env): Promise<KernelBus> {
  const dir = env.NATIX_KEYS;
  if (!dir) {
    log.warn(OPEN_BUS_WARNING);
    return { stop: async () => {} };
  }
  const authority = await startBusAuthority({ url, keys: loadKeys(dir), log, chaos: env.NATIX_CHAOS === "1" });
  const private_ = mkdtempSync(join(tmpdir(), "natix-kernel-"));
  let n = 0;
  return {
    authority,
    async moduleCredentials(name) {
      const minted = await authority.mintComponent("module", name);
      const file = join(private_, `${name}-${++n}.creds`);
      writeFileSync(file, minted.creds, { mode: 0o600 });
      return {
        file,
        revoke() {
          minted.revoke();
          rmSync(file, { force: true });
        },
      };
    },
    async stop() {
      await authority.stop();
      rmSync(private_, { recursive: true, force: true });
    },
  };
}
