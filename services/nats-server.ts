/**
 * Starts a private nats-server: a temporary config, a free loopback port (port −1, read back
 * from the ports file, as nats.js's own test helper does), and a clean stop. Used by
 * `natix up` when no --nats is given, and by the test suites.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtemp, readFile, readdir, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createServer } from "node:net";

export interface NatsServerOptions {
  /** Binary to run (default: nats-server on PATH, or NATS_SERVER_BIN). */
  binary?: string;
  /** Port to listen on; −1 (default) picks a free one. */
  port?: number;
  /** Cluster settings, for a multi-node loopback cluster. */
  cluster?: { name: string; port: number; routes: string[] };
  /** Extra config lines. */
  extra?: string;
  startTimeoutMs?: number;
}

export interface NatsServer {
  readonly url: string;
  readonly port: number;
  readonly pid: number;
  readonly process: ChildProcess;
  /** SIGTERM, then SIGKILL if it lingers; removes the temporary directory. */
  stop(): Promise<void>;
}

export class NatsServerMissingError extends Error {
  constructor(binary: string) {
    super(`${binary} not found on PATH: install it (Debian/Ubuntu: apt-get install -y nats-server) or pass --nats URL`);
  }
}

const exited = (child: ChildProcess) =>
  new Promise<void>((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) resolve();
    else child.once("exit", () => resolve());
  });

export async function startNatsServer(opts: NatsServerOptions = {}): Promise<NatsServer> {
  const binary = opts.binary ?? process.env.NATS_SERVER_BIN ?? "nats-server";
  const dir = await mkdtemp(join(tmpdir(), "natix-nats-"));
  const lines = [
    `host: "127.0.0.1"`,
    `port: ${opts.port ?? -1}`,
    `ports_file_dir: "${dir}"`,
    `pid_file: "${join(dir, "nats.pid")}"`,
  ];
  if (opts.cluster) {
    lines.push(
      `cluster {`,
      `  name: "${opts.cluster.name}"`,
      `  listen: "127.0.0.1:${opts.cluster.port}"`,
      `  routes: [${opts.cluster.routes.map((r) => `"${r}"`).join(", ")}]`,
      `}`,
    );
  }
  if (opts.extra) lines.push(opts.extra);
  const config = join(dir, "nats.conf");
  await writeFile(config, lines.join("\n") + "\n");

  const child = spawn(binary, ["-c", config], { stdio: ["ignore", "ignore", "pipe"] });
  let stderr = "";
  child.stderr!.on("data", (d: Buffer) => {
    stderr = (stderr + d.toString()).slice(-4000);
  });
  const failed = new Promise<never>((_, reject) => {
    child.once("error", (err: NodeJS.ErrnoException) =>
      reject(err.code === "ENOENT" ? new NatsServerMissingError(binary) : err),
    );
    child.once("exit", (code, signal) =>
      reject(new Error(`nats-server exited during start-up (${signal ?? code}): ${stderr.trim()}`)),
    );
  });
  failed.catch(() => {});

  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill("SIGTERM");
      const timer = setTimeout(() => child.kill("SIGKILL"), 3000);
      await exited(child);
      clearTimeout(timer);
    }
    await rm(dir, { recursive: true, force: true });
  };

  try {
    const url = await Promise.race([readPortsFile(dir, opts.startTimeoutMs ?? 10_000), failed]);
    const port = Number(new URL(url).port);
    child.removeAllListeners("exit");
    return { url, port, pid: child.pid!, process: child, stop };
  } catch (err) {
    await stop();
    throw err;
  }
}

async function readPortsFile(dir: string, timeoutMs: number): Promise<string> {
  const until = Date.now() + timeoutMs;
  while (Date.now() < until) {
    const name = (await readdir(dir)).find((f) => f.endsWith(".ports"));
    if (name) {
      try {
        const ports = JSON.parse(await readFile(join(dir, name), "utf8")) as { nats?: string[] };
        if (ports.nats?.[0]) return ports.nats[0];
      } catch {
        // written but not complete yet
      }
    }
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error(`nats-server did not report its port within ${timeoutMs} ms`);
}

/** A free loopback TCP port (for a cluster's routes, or a server in a container, known in advance). */
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
