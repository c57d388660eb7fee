/**
 * Everything a benchmark run measures against, booted once: natix in micro mode with reply
 * forwarding and with full mediation, in mono mode (each on its own nats-server, in operator
 * mode with per-process credentials, as `natix up` runs it), embedded in
 * this process; the raw transport floors (a bare nats.js responder, a TCP echo) in a process of
 * their own; and the native C program, built here with cc when there is one.
 */
import type { RoutingMode } from "../../kernel-core/kernel.js";
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { connect as natsConnect, type NatsConnection } from "@nats-io/transport-node";
import { TcpPinger } from "./tcp-pinger.js";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { connect, type Proc } from "../../client-libc/mod.js";
import { startSystem, type RunningSystem } from "../../services/launcher.js";
import { createEmbeddedSystem, type EmbeddedSystem } from "../../system/embedded.js";
import { startNatsServer, type NatsServer } from "../../services/nats-server.js";

export const NATIX_PATHS = ["embedded", "mono", "micro", "micro-forward", "micro-mediated"] as const;
/**
 * Paths of the scenarios that move bulk bytes (fs): the natix paths and micro with every byte in
 * messages (no shared segment), the comparison that shows what the segment is worth.
 */
export const BULK_PATHS = [...NATIX_PATHS, "micro-bus"] as const;
export type NatixPath = (typeof BULK_PATHS)[number];

export interface Env {
  /** NATS URL of each natix system booted (only those the run measures). */
  urls: Partial<Record<Exclude<NatixPath, "embedded">, string>>;
  embedded: EmbeddedSystem;
  /** A natix process per path (made on first use). */
  proc(path: NatixPath): Promise<Proc>;
  rawNats: NatsConnection;
  rawNatsUrl: string;
  /** A TCP ping-pong connection to the echo server, and its port. */
  tcp(): Promise<TcpPinger>;
  tcpPort: number;
  /** The native C program, or undefined without cc. */
  nativeBin?: string;
  tmp: string;
  /** The host file the native and node:fs paths read and write. */
  hostFile: string;
  stop(): Promise<void>;
}

/** Boots what measuring `paths` needs (the raw floors and embedded always: they are cheap). */
export async function bootEnv(paths: readonly string[]): Promise<Env> {
  const tmp = mkdtempSync(join(tmpdir(), "natix-bench-"));
  writeFileSync(join(tmp, "bench.dat"), Buffer.alloc(4096, 7));
  const systems: RunningSystem[] = [];
  const servers: NatsServer[] = [];
  // Each system on a private nats-server of its own, isolated as natix runs (operator mode).
  const boot = async (mode: "micro" | "mono", routing: RoutingMode, segments = true) => {
    const sys = await startSystem({ mode, routing, segments });
    systems.push(sys);
    return sys.natsUrl;
  };
  const urls: Env["urls"] = {};
  if (paths.includes("micro")) urls.micro = await boot("micro", "direct");
  if (paths.includes("micro-bus")) urls["micro-bus"] = await boot("micro", "direct", false);
  if (paths.includes("micro-forward")) urls["micro-forward"] = await boot("micro", "forward");
  if (paths.includes("micro-mediated")) urls["micro-mediated"] = await boot("micro", "mediate");
  if (paths.includes("mono")) urls.mono = await boot("mono", "direct");
  const embedded = await createEmbeddedSystem();

  const rawServer = await startNatsServer();
  servers.push(rawServer);
  const responder: ChildProcess = spawn(process.execPath, [fileURLToPath(new URL("./echo-responder.js", import.meta.url)), rawServer.url], {
    stdio: ["ignore", "pipe", "inherit"],
  });
  const tcpPort = await new Promise<number>((resolve) => responder.stdout!.once("data", (d: Buffer) => resolve(Number(d.toString().split(" ")[1]))));
  const rawNats = await natsConnect({ servers: rawServer.url, noAsyncTraces: true });

  let nativeBin: string | undefined;
  const source = fileURLToPath(new URL("../../../benchmarks/native/bench.c", import.meta.url));
  if (spawnSync("cc", ["-O2", "-o", join(tmp, "bench"), source]).status === 0) nativeBin = join(tmp, "bench");

  const procs = new Map<NatixPath, Promise<Proc>>();
  const pingers: TcpPinger[] = [];
  return {
    urls,
    embedded,
    proc(path) {
      let p = procs.get(path);
      if (p === undefined) {
        const url = path === "embedded" ? undefined : urls[path];
        if (path !== "embedded" && url === undefined) throw new Error(`${path} was not booted for this run`);
        // micro-bus: a micro system without shared segments, and a process without one.
        p = connect(url === undefined ? { embedded, argv: ["bench"] } : { nats: url, argv: ["bench"], segmentBytes: path === "micro-bus" ? 0 : undefined });
        procs.set(path, p);
      }
      return p;
    },
    rawNats,
    rawNatsUrl: rawServer.url,
    tcpPort,
    async tcp() {
      const pinger = await TcpPinger.connect(tcpPort);
      pingers.push(pinger);
      return pinger;
    },
    nativeBin,
    tmp,
    hostFile: join(tmp, "bench.dat"),
    async stop() {
      for (const p of procs.values()) await (await p).exit(0).catch(() => {});
      pingers.forEach((p) => p.close());
      await rawNats.close();
      responder.kill("SIGTERM");
      await embedded.stop();
      for (const s of systems) await s.stop();
      for (const s of servers) await s.stop();
      rmSync(tmp, { recursive: true, force: true });
    },
  };
}
