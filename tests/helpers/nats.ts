/**
 * One private NATS server per suite, in operator mode as natix runs it: fresh keys, a real
 * nats-server on a free loopback port (or, with NATIX_TEST_CONTAINERS=1 and a Docker engine, a
 * container started by testcontainers, on the host's network). Never a mock.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { NatsConnection } from "@nats-io/transport-node";
import { freePort, startNatsServer, type NatsServer } from "../../build/services/nats-server.js";

export { freePort };
import { generateKeys, saveKeys, type BusKeys } from "../../build/services/bus/keys.js";
import { credsText, mintUser, operatorModeConfig } from "../../build/services/bus/account.js";
import { connectNats } from "../../build/transport/nats-connect.js";
import { grantOf } from "../../build/kernel-core/bus-roles.js";

export interface TestNats {
  url: string;
  /** The keys the server trusts (give them to startSystem as `keys`). */
  keysDir: string;
  keys: BusKeys;
  stop(): Promise<void>;
  /** The nats-server process when it runs locally (so a test can kill it). */
  server?: NatsServer;
  /** A connection of a test user with these rights (default: everything), inbox _INBOX.test.<name>. */
  connect(name: string, rights?: { pub: string[]; sub: string[] }): Promise<NatsConnection>;
  /** Credentials of a role of the table (e.g. a component's), as a .creds file. */
  credsOf(role: Parameters<typeof grantOf>[0], name?: string): Promise<Uint8Array>;
}

/**
 * `open`: a nats-server not in operator mode (anonymous clients may do anything), for the
 * tests of what natix does on a bus it does not own; keysDir is then undefined.
 */
export async function startTestNats(opts: { open?: boolean } = {}): Promise<TestNats> {
  const keysDir = mkdtempSync(join(tmpdir(), "natix-test-keys-"));
  const keys = generateKeys();
  saveKeys(join(keysDir, "k"), keys);
  const config = await operatorModeConfig(keys);
  if (opts.open) {
    const server = await startNatsServer();
    rmSync(keysDir, { recursive: true, force: true });
    const connect = (name: string) => connectNats(server.url, `test-${name}`, { creds: null });
    return { url: server.url, keysDir: undefined as unknown as string, keys, server, connect, credsOf: async () => new Uint8Array(0), stop: () => server.stop() };
  }
  const helpers = (url: string) => ({
    async connect(name: string, rights = { pub: [">"], sub: [">"] }) {
      const inbox = `_INBOX.test.${name}`;
      const creds = credsText(await mintUser(keys, `test-${name}`, { ...rights, sub: [...rights.sub, `${inbox}.>`], answers: true, inbox }));
      return connectNats(url, `test-${name}`, { creds, inboxPrefix: inbox });
    },
    async credsOf(role: Parameters<typeof grantOf>[0], name?: string) {
      return credsText(await mintUser(keys, name ?? role, grantOf(role, { name: name ?? role })));
    },
  });
  if (process.env.NATIX_TEST_CONTAINERS === "1") {
    process.env.TESTCONTAINERS_RYUK_DISABLED ??= "true";
    process.env.TESTCONTAINERS_HOST_OVERRIDE ??= "127.0.0.1";
    const { GenericContainer } = await import("testcontainers");
    const port = await freePort();
    const image = process.env.NATIX_NATS_IMAGE ?? "nats:2.10";
    let generic = new GenericContainer(image)
      .withNetworkMode("host")
      .withCopyContentToContainer([{ content: `host: "127.0.0.1"\nport: ${port}\n${config}\n`, target: "/natix.conf" }])
      .withCommand(["-c", "/natix.conf"]);
    if (image.startsWith("natix-base")) generic = generic.withEntrypoint(["/usr/local/bin/nats-server"]);
    const container = await generic.start();
    const url = `nats://127.0.0.1:${port}`;
    return { url, keysDir: join(keysDir, "k"), keys, ...helpers(url), stop: async () => void (await container.stop(), rmSync(keysDir, { recursive: true, force: true })) };
  }
  const server = await startNatsServer({ extra: config });
  return {
    url: server.url,
    keysDir: join(keysDir, "k"),
    keys,
    server,
    ...helpers(server.url),
    stop: async () => {
      await server.stop();
      rmSync(keysDir, { recursive: true, force: true });
    },
  };
}

/** A NATS cluster of `n` nodes on loopback, each routing to the others, all trusting one set of keys. */
export async function startTestCluster(n = 3): Promise<{ nodes: NatsServer[]; urls: string; keysDir: string; stop(): Promise<void> }> {
  const keysDir = mkdtempSync(join(tmpdir(), "natix-test-keys-"));
  const keys = generateKeys();
  saveKeys(join(keysDir, "k"), keys);
  const config = await operatorModeConfig(keys);
  const routePorts = await Promise.all(Array.from({ length: n }, () => freePort()));
  const routes = routePorts.map((p) => `nats-route://127.0.0.1:${p}`);
  const nodes = await Promise.all(
    routePorts.map((port, i) => startNatsServer({ cluster: { name: "natix-test", port, routes: routes.filter((_, j) => j !== i) }, extra: config })),
  );
  return {
    nodes,
    urls: nodes.map((s) => s.url).join(","),
    keysDir: join(keysDir, "k"),
    stop: async () => {
      await Promise.all(nodes.map((s) => s.stop()));
      rmSync(keysDir, { recursive: true, force: true });
    },
  };
}
