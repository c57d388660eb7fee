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
