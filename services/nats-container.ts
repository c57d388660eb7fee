/**
 * NATS in a container, for a machine without nats-server on PATH but with a Docker engine: the
 * image named by NATIX_NATS_IMAGE, else the local base image (natix-base:local, made by npm run
 * compose:local from the host's own binaries) when there is one, else the official nats:2.10
 * Alpine image. Started by testcontainers (Ryuk off: the stop below removes it), on the host's
 * network, listening on 127.0.0.1 with the configuration natix gives a private server.
 */
import { spawnSync } from "node:child_process";
import { freePort, type NatsServer } from "./nats-server.js";

export class NoContainerEngineError extends Error {}

/** Whether a Docker engine answers here. */
export function dockerAnswers(): boolean {
  return spawnSync("docker", ["info"], { stdio: "ignore", timeout: 10_000 }).status === 0;
}

const imageExists = (name: string) => spawnSync("docker", ["image", "inspect", name], { stdio: "ignore" }).status === 0;

export async function startNatsContainer(extraConfig = ""): Promise<NatsServer & { image: string }> {
  if (!dockerAnswers()) throw new NoContainerEngineError("no Docker engine answers");
  process.env.TESTCONTAINERS_RYUK_DISABLED ??= "true";
  // Containers share the host's network (dockerd may run with no bridge at all): reach them here.
  process.env.TESTCONTAINERS_HOST_OVERRIDE ??= "127.0.0.1";
  let testcontainers: typeof import("testcontainers");
  try {
    testcontainers = await import("testcontainers");
  } catch {
    throw new NoContainerEngineError("testcontainers is not installed (a production install): install nats-server");
  }
  const image = process.env.NATIX_NATS_IMAGE ?? (imageExists("natix-base:local") ? "natix-base:local" : "nats:2.10-alpine");
  const port = await freePort();
  const config = `host: "127.0.0.1"\nport: ${port}\n${extraConfig}\n`;
  let container = new testcontainers.GenericContainer(image)
    .withNetworkMode("host")
    .withCopyContentToContainer([{ content: config, target: "/tmp/natix-nats.conf" }])
    .withCommand(["-c", "/tmp/natix-nats.conf"])
    .withWaitStrategy(testcontainers.Wait.forLogMessage(/Server is ready/))
    .withStartupTimeout(60_000);
  if (image.startsWith("natix-base")) container = container.withEntrypoint(["/usr/local/bin/nats-server"]);
  const started = await container.start();
  return {
    url: `nats://127.0.0.1:${port}`,
    port,
    pid: 0,
    image,
    process: undefined as never,
    async stop() {
      await started.stop({ remove: true, timeout: 5000 });
    },
  };
}
