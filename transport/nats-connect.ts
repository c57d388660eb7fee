/**
 * Every natix connection to NATS starts here: the servers (a comma-separated list is a
 * cluster), the credentials (found as credentials.ts says, unless given), and the inbox prefix
 * the bus lets this user read (from the credentials' user name, unless given; the
 * administrator's without credentials).
 */
import { connect, errors, type NatsConnection } from "@nats-io/transport-node";
import { inboxOfUser } from "../kernel-core/abi/subjects.js";
import { credentialsName, findCredentials, type FoundCredentials } from "./credentials.js";
import { credsFileAuthenticator, nkeyJwtAuthenticator } from "./nkey-auth.js";

export interface ConnectNatsOptions {
  /** A .creds file's bytes; null connects without credentials; absent: found as credentials.ts says. */
  creds?: Uint8Array | null;
  /** Where to find them instead (--creds FILE). */
  credsPath?: string;
  /** A process's own user: its JWT and the seed only it holds. */
  user?: { jwt: string; seed: Uint8Array };
  inboxPrefix?: string;
}

export async function connectNats(url: string, name: string, opts: ConnectNatsOptions = {}): Promise<NatsConnection> {
  let found: FoundCredentials | undefined;
  if (opts.creds) found = { bytes: opts.creds, source: "the given credentials" };
  else if (opts.creds === undefined && opts.user === undefined) found = findCredentials(url, opts.credsPath);
  const user = found ? credentialsName(found.bytes) : undefined;
  const authenticator = opts.user ? nkeyJwtAuthenticator(opts.user.jwt, opts.user.seed) : found ? credsFileAuthenticator(found.bytes) : undefined;
  try {
    return await connect({
      servers: url.split(",").map((u) => u.trim()),
      noRandomize: true,
      name,
      noAsyncTraces: true,
      maxReconnectAttempts: -1,
      reconnectTimeWait: 250,
      timeout: 5000,
      authenticator,
      // Without credentials (an open bus) a caller that names no inbox is an administrator's tool.
      inboxPrefix: opts.inboxPrefix ?? inboxOfUser(user ?? "admin"),
      // A restarted nats-server may refuse a process until the kernel has pushed the account
      // again: keep trying (libc gives up on its own when its credentials are gone for good).
      ignoreAuthErrorAbort: true,
    });
  } catch (err) {
    if (err instanceof errors.AuthorizationError || /Authorization Violation/.test(String((err as Error).message))) {
      const why = found
        ? `the credentials from ${found.source} were refused (stale, or for another system?)`
        : opts.user
          ? "the process's credentials were refused"
          : "it wants credentials: run as the user who started `natix up` on this machine, or pass --creds FILE (or NATIX_CREDS=FILE)";
      throw new Error(`natix: NATS at ${url} refused the connection: ${why}`);
    }
    throw new Error(`natix: cannot connect to NATS at ${url}: ${(err as Error).message}`);
  }
}
