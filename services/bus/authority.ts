/**
 * The kernel's authority over the bus, as a kernel's over the MMU: it mints each process's
 * credentials and takes them back when the process ends.
 *
 * Processes are signed by scoped signing keys of the NATIX account whose template is the role
 * table's process row, so a process user can do exactly that row, whatever the minting code
 * asked for. Keys come in generations of GENERATION_SIZE processes: an exited process's user is
 * revoked at once (the account JWT lists it; nats-server drops its connection and refuses the
 * key from then on), and a generation none of whose processes lives is retired — its key leaves
 * the account, which refuses every user it signed, so its revocations can go too and the
 * account JWT stays small however many processes come and go. A kernel that restarts starts
 * with fresh generations: the processes of the previous kernel (which it no longer knows) are
 * refused from then on.
 *
 * Account updates go through the system account ($SYS.REQ.ACCOUNT.<id>.CLAIMS.UPDATE), one at
 * a time, the latest state each time; nats-server keeps them in memory only, so they are pushed
 * again whenever the connection comes back (a restarted nats-server).
 */
import { encodeUser } from "@nats-io/jwt";
import { createAccount, createUser, fromPublic, type KeyPair } from "@nats-io/nkeys";
import type { NatsConnection } from "@nats-io/transport-node";
import type { Logger } from "pino";
import { grantOf, type RoleName } from "../../kernel-core/bus-roles.js";
import { connectNats } from "../../transport/nats-connect.js";
import { credsText, mintAccountPusher, mintUser, natixAccountJwt, scopedSigner, type Credentials } from "./account.js";
import type { BusKeys } from "./keys.js";
import { nativeSigner } from "./native-signing.js";

/** Processes signed by one generation key. */
export const GENERATION_SIZE = 128;

interface Generation {
  id: number;
  key: KeyPair;
  minted: number;
  live: Set<number>;
  /** User key → revocation time (s), for exited processes of this generation. */
  revoked: Map<string, number>;
}

export interface BusAuthority {
  /** A JWT for process `pid` whose user key is `userKey` (the process holds the seed). */
  mintProcess(pid: number, userKey: string): Promise<string>;
  /** Process `pid` ended: its user is revoked. */
  processExited(pid: number): void;
  /** Credentials for a component the kernel starts (a module's process), revoked by `revoke`. */
  mintComponent(role: RoleName, name: string): Promise<{ creds: Uint8Array; revoke(): void }>;
  /** Resolves when every update so far has been applied by nats-server. */
  settled(): Promise<void>;
  stop(): Promise<void>;
}

export class BadUserKeyError extends Error {}

const nowSeconds = () => Math.floor(Date.now() / 1000);

export async function startBusAuthority(opts: { url: string; keys: BusKeys; log: Logger; chaos: boolean }): Promise<BusAuthority> {
  const { keys, log } = opts;
  const pusher = await mintAccountPusher(keys);
  const sys: NatsConnection = await connectNats(opts.url, "natix-kernel-authority", { creds: credsText(pusher), inboxPrefix: "_INBOX.natix-authority" });
  const updateSubject = `$SYS.REQ.ACCOUNT.${keys.account.getPublicKey()}.CLAIMS.UPDATE`;
  const processGrant = grantOf("process", { pid: "{{name()}}" });

  let nextId = 0;
  const newGeneration = (): Generation => ({ id: nextId++, key: nativeSigner(createAccount()), minted: 0, live: new Set(), revoked: new Map() });
  const generations: Generation[] = [newGeneration(), newGeneration()];
  /** The generation minting now; the one after it is already in the account, ready to take over. */
  let current = generations[0];
  const users = new Map<number, { gen: Generation; userKey: string }>();
  /** Component users the kernel minted (modules) and revoked: they never retire. */
  const revokedComponents = new Map<string, number>();
  /** Generation keys nats-server has applied: a key is used only once it is there. */
  const applied = new Set<number>();

  const accountJwt = () => {
    const revocations: Record<string, number> = Object.fromEntries(revokedComponents);
    for (const g of generations) for (const [k, t] of g.revoked) revocations[k] = t;
    return natixAccountJwt(keys, { scoped: generations.map((g) => scopedSigner(g.key, "process", processGrant)), revocations });
  };

  // One push at a time, always of the latest state; waiters resolve when a push that started
  // after they asked has been applied.
  let pushing: Promise<void> | undefined;
  let dirty = false;
  const push = (): Promise<void> => {
    dirty = true;
    pushing ??= (async () => {
      try {
        while (dirty) {
          dirty = false;
          const ids = generations.map((g) => g.id);
          const jwt = await accountJwt();
          const reply = await sys.request(updateSubject, jwt, { timeout: 5000 });
          const body = reply.json<{ data?: { code?: number }; error?: { description?: string } }>();
          if (body.data?.code !== 200) throw new Error(`nats-server refused the account update: ${body.error?.description ?? reply.string()}`);
          applied.clear();
          for (const id of ids) applied.add(id);
        }
      } finally {
        pushing = undefined;
      }
    })();
    return pushing;
  };
  const pushLogged = () => void push().catch((err) => log.error({ err: String(err) }, "bus: account update failed"));

  await push();
  log.info(`bus: isolated (operator mode); process credentials in generations of ${GENERATION_SIZE}`);
  // nats-server keeps pushed accounts in memory only: push again after it comes back.
  void (async () => {
    for await (const s of sys.status()) if (s.type === "reconnect") pushLogged();
  })();

  const retire = () => {
    let changed = false;
    for (let i = generations.length - 1; i >= 0; i--) {
      const g = generations[i];
      if (g === current || g === generations[generations.length - 1] || g.live.size > 0) continue;
      generations.splice(i, 1);
      changed = true;
    }
    return changed;
  };

  return {
    async mintProcess(pid, userKey) {
      let user: KeyPair;
      try {
        user = fromPublic(userKey);
        if (!userKey.startsWith("U")) throw new Error("not a user key");
      } catch {
        throw new BadUserKeyError(`key must be a user's public nkey`);
      }
      if (current.minted >= GENERATION_SIZE) {
        current = generations[generations.indexOf(current) + 1];
        generations.push(newGeneration());
        if (retire()) log.debug("bus: retired a generation with no live process");
        pushLogged();
      }
      const gen = current;
      gen.minted++;
      gen.live.add(pid);
      users.set(pid, { gen, userKey });
      while (!applied.has(gen.id)) await push();
      return encodeUser(String(pid), user, keys.account, {}, { signer: gen.key, scopedUser: true });
    },
    processExited(pid) {
      const u = users.get(pid);
      if (u === undefined) return;
      users.delete(pid);
      u.gen.live.delete(pid);
      u.gen.revoked.set(u.userKey, nowSeconds());
      retire();
      pushLogged();
    },
    async mintComponent(role, name) {
      const user = createUser();
      const creds: Credentials = await mintUser(keys, name, grantOf(role, { name, chaos: opts.chaos }), user);
      return {
        creds: credsText(creds),
        revoke: () => {
          revokedComponents.set(user.getPublicKey(), nowSeconds());
          pushLogged();
        },
      };
    },
    async settled() {
      while (pushing || dirty) await (pushing ?? push());
    },
    async stop() {
      await pushing?.catch(() => {});
      await sys.close();
    },
  };
}
