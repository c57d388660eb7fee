/**
 * The JWTs nats-server trusts (operator, system account, NATIX account), the configuration that
 * trusts them, and user JWTs minted from the role table. nats-server 2.9 admits no connection
 * to an account whose JWT leaves its limits unset, so every account states them (−1: none).
 */
import { encodeAccount, encodeOperator, encodeUser, fmtCreds, newScopedSigner, type SigningKey } from "@nats-io/jwt";
import { createUser, type KeyPair } from "@nats-io/nkeys";
import type { BusGrant } from "../../kernel-core/bus-roles.js";
import type { BusKeys } from "./keys.js";

export const UNLIMITED = { conn: -1, subs: -1, data: -1, payload: -1, imports: -1, exports: -1, leaf: -1, wildcards: true };
export const ACCOUNT_NAME = "NATIX";

export function operatorJwt(keys: BusKeys): Promise<string> {
  return encodeOperator("natix", keys.operator, { system_account: keys.system.getPublicKey(), signing_keys: [keys.operatorSigning.getPublicKey()] });
}

export function systemAccountJwt(keys: Pick<BusKeys, "system" | "operatorSigning">): Promise<string> {
  return encodeAccount("SYS", keys.system, { limits: UNLIMITED }, { signer: keys.operatorSigning });
}

export interface AccountState {
  /** Scoped signing keys (process generations) besides the component signing key. */
  scoped?: SigningKey[];
  /** User public key → seconds: JWTs of that user issued at or before are revoked. */
  revocations?: Record<string, number>;
}

/** The NATIX account's JWT: its limits, its signing keys, its revocations. */
export function natixAccountJwt(keys: Pick<BusKeys, "account" | "accountSigning" | "operatorSigning">, state: AccountState = {}): Promise<string> {
  return encodeAccount(
    ACCOUNT_NAME,
    keys.account,
    {
      limits: UNLIMITED,
      signing_keys: [keys.accountSigning.getPublicKey(), ...(state.scoped ?? [])],
      ...(state.revocations && Object.keys(state.revocations).length ? { revocations: state.revocations } : {}),
    },
    { signer: keys.operatorSigning },
  );
}

/** A scoped signing key whose users get exactly `grant` (with {{name()}} for the user's name). */
export function scopedSigner(key: KeyPair, role: string, grant: BusGrant): SigningKey {
  return newScopedSigner(key, role, { pub: { allow: grant.pub }, sub: { allow: grant.sub }, ...(grant.answers ? { resp: { max: 1, ttl: 0 } } : {}) });
}

/** nats-server's configuration lines that trust these keys (operator mode, memory resolver). */
export async function operatorModeConfig(keys: BusKeys): Promise<string> {
  const [op, sys, acc] = await Promise.all([operatorJwt(keys), systemAccountJwt(keys), natixAccountJwt(keys)]);
  return [
    `operator: ${op}`,
    `system_account: ${keys.system.getPublicKey()}`,
    `resolver: MEMORY`,
    `resolver_preload: {`,
    `  ${keys.system.getPublicKey()}: ${sys}`,
    `  ${keys.account.getPublicKey()}: ${acc}`,
    `}`,
  ].join("\n");
}

export interface Credentials {
  jwt: string;
  seed: Uint8Array;
}

/** A user of the NATIX account with `grant`, signed by the component signing key. */
export async function mintUser(keys: Pick<BusKeys, "account" | "accountSigning">, name: string, grant: BusGrant, user: KeyPair = createUser()): Promise<Credentials> {
  const jwt = await encodeUser(
    name,
    user,
    keys.account,
    { pub: { allow: grant.pub }, sub: { allow: grant.sub }, ...(grant.answers ? { resp: { max: 1, ttl: 0 } } : {}) },
    { signer: keys.accountSigning },
  );
  return { jwt, seed: user.getSeed() };
}

/** A system-account user that may only push NATIX account updates. */
export async function mintAccountPusher(keys: Pick<BusKeys, "system" | "account">): Promise<Credentials> {
  const user = createUser();
  const subject = `$SYS.REQ.ACCOUNT.${keys.account.getPublicKey()}.CLAIMS.UPDATE`;
  const jwt = await encodeUser("natix-kernel-sys", user, keys.system, { pub: { allow: [subject] }, sub: { allow: ["_INBOX.>"] } });
  return { jwt, seed: user.getSeed() };
}

/** The .creds file text NATS tools read. */
export function credsText(c: Credentials): Uint8Array {
  return fmtCreds(c.jwt, { getSeed: () => c.seed } as unknown as KeyPair);
}
