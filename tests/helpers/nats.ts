/**
 * One private NATS server per suite: a real nats-server on a free loopback port (or, with
 * NATIX_TEST_CONTAINERS=1 and a Docker engine, testcontainers' NATS module). Never a mock.
 */
import { startNatsServer, type NatsServer } from "../../build/services/nats-server.js";

export interface TestNats {
  url: string;
  stop(): Promise<void>;
  /** The nats-server process when it runs locally (so a test can kill it). */
  server?: NatsServer;
}

export async function startTestNats(): Promise<TestNats> {
  if (process.env.NATIX_TEST_CONTAINERS === "1") {
    const { NatsContainer } = await import("@testcontainers/nats");
    const container = await new NatsContainer("nats:2.10").start();
    const url = `nats://${container.getHost()}:${container.getMappedPort(4222)}`;
    return { url, stop: async () => void (await container.stop()) };
  }
  const server = await startNatsServer();
  return { url: server.url, server, stop: () => server.stop() };
}

import { createServer } from "node:net";

/** A free loopback TCP port (for cluster routes, which must be known in advance). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const port = (srv.address() as { port: number }).port;
      srv.close(() => resolve(port));
    });
  });
}

/** A NATS cluster of `n` nodes on loopback, each routing to the others. */
export async function startTestCluster(n = 3): Promise<{ nodes: NatsServer[]; urls: string; stop(): Promise<void> }> {
  const routePorts = await Promise.all(Array.from({ length: n }, () => freePort()));
  const routes = routePorts.map((p) => `nats-route://127.0.0.1:${p}`);
  const nodes = await Promise.all(
    routePorts.map((port, i) => startNatsServer({ cluster: { name: "natix-test", port, routes: routes.filter((_, j) => j !== i) } })),
  );
  return { nodes, urls: nodes.map((s) => s.url).join(","), stop: async () => void (await Promise.all(nodes.map((s) => s.stop()))) };
}
