/**
 * The bus's keys (NATS decentralized auth): an operator with a signing key, a system account
 * (nats-server's own), and the NATIX account every natix connection belongs to, with a signing
 * key that mints component users. Stored as nkey seeds, one file each, mode 0600 in a 0700
 * directory; a key file others can read is refused, as ssh refuses an unprotected private key.
 */
import { createAccount, createOperator, fromSeed, type KeyPair } from "@nats-io/nkeys";
import { chmodSync, existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { nativeSigner } from "./native-signing.js";

export interface BusKeys {
  operator: KeyPair;
  /** Signs account JWTs (the kernel holds it to push account updates). */
  operatorSigning: KeyPair;
  /** nats-server's system account (account updates are pushed through it). */
  system: KeyPair;
  /** The NATIX account: every natix connection is a user of it. */
  account: KeyPair;
  /** Signs component and admin users. */
  accountSigning: KeyPair;
}

const FILES: Record<keyof BusKeys, string> = {
  operator: "operator.nk",
  operatorSigning: "operator-signing.nk",
  system: "system.nk",
  account: "natix.nk",
  accountSigning: "natix-signing.nk",
};

export class KeysError extends Error {}

export function generateKeys(): BusKeys {
  return {
    operator: nativeSigner(createOperator()),
    operatorSigning: nativeSigner(createOperator()),
    system: nativeSigner(createAccount()),
    account: nativeSigner(createAccount()),
    accountSigning: nativeSigner(createAccount()),
  };
}

/** Whether `dir` holds a complete set of keys. */
export function hasKeys(dir: string): boolean {
  return Object.values(FILES).every((f) => existsSync(join(dir, f)));
}

/** Creates `dir` (mode 0700) if needed and writes the seeds, each mode 0600. */
export function saveKeys(dir: string, keys: BusKeys): void {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  chmodSync(dir, 0o700);
  for (const [name, file] of Object.entries(FILES) as [keyof BusKeys, string][]) {
    writeFileSync(join(dir, file), new TextDecoder().decode(keys[name].getSeed()) + "\n", { mode: 0o600, flag: "wx" });
  }
}

/** Reads the seeds in `dir`; refuses files that others may read. */
export function loadKeys(dir: string): BusKeys {
  const read = (file: string): KeyPair => {
    const path = join(dir, file);
    if (!existsSync(path)) throw new KeysError(`natix: ${path}: No such file (create the keys with \`natix keys init ${dir}\`)`);
    const mode = statSync(path).mode & 0o777;
    if ((mode & 0o077) !== 0) throw new KeysError(`natix: ${path} is readable by others (mode ${mode.toString(8)}); chmod 600 it`);
    try {
      return nativeSigner(fromSeed(new TextEncoder().encode(readFileSync(path, "utf8").trim())));
    } catch (err) {
      throw new KeysError(`natix: ${path} does not hold an nkey seed: ${(err as Error).message}`);
    }
  };
  return Object.fromEntries((Object.entries(FILES) as [keyof BusKeys, string][]).map(([name, file]) => [name, read(file)])) as unknown as BusKeys;
}

/** The keys in `dir`, created there first if it has none. */
export function loadOrCreateKeys(dir: string): BusKeys {
  if (!hasKeys(dir)) {
    if (Object.values(FILES).some((f) => existsSync(join(dir, f)))) throw new KeysError(`natix: ${dir} holds some bus keys but not all; refusing to overwrite them`);
    saveKeys(dir, generateKeys());
  }
  return loadKeys(dir);
}
