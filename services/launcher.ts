/**
 * Boots a natix system: its disk (created and formatted if new, checked if not), the bus's keys
 * and every component's credentials, a nats-server (private and in operator mode, unless a URL
 * is given), then in micro mode the kernel and one process per server and driver (replicas as
 * asked), or in mono mode one process with everything — all under the reincarnation
 * supervisor. Ready means the kernel reports every component registered; then the
 * administrator's credentials are left in the per-user runtime directory for the CLI. Used by
 * `natix up`, the demo, the tests and the benchmarks.
 */
import type { ChildProcess } from "node:child_process";
import { fileURLToPath } from "node:url";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import type { NatsConnection } from "@nats-io/transport-node";
import { Svcm } from "@nats-io/services";
import type { RoutingMode } from "../kernel-core/kernel.js";
import { INBOX, SUBJECTS, serviceName } from "../kernel-core/abi/subjects.js";
import { DEFAULT_DEADLINE_MS } from "../kernel-core/abi/limits.js";
import { connectNats } from "../transport/nats-connect.js";
import { credsFileFor, saveAdminCredentials } from "../transport/credentials.js";
import { prepareSystemBus } from "./bus/system-bus.js";
import { DiskRefusedError, prepareDisk, unmountableMessage } from "../system/disk.js";
import { UNMOUNTABLE_STATUS } from "../servers/fs/filesystem.js";
import { diskSizeMiB } from "../system/server-catalog.js";
import { NatsServerMissingError, startNatsServer, type NatsServer } from "./nats-server.js";
import { NoContainerEngineError, startNatsContainer } from "./nats-container.js";
import { DRIVERS, MICRO_COMPONENTS } from "../system/server-catalog.js";
import { Supervisor, type ComponentSpec } from "./supervisor.js";
import { coalescedLines, createLogger, KmsgSink } from "../system/logger.js";
import { hostSupervisor } from "./nats/host-supervisor.js";

export type Mode = "micro" | "mono";

export interface SystemOptions {
  mode: Mode;
  /** Use this NATS server (or comma-separated cluster URLs) instead of starting one. */
  nats?: string;
  dataDir?: string;
  deadlineMs?: number;
  routing?: RoutingMode;
  logLevel?: string;
  readyTimeoutMs?: number;
  /** Instances per component (`--replicas hello=2`): same queue group, separate processes. */
  replicas?: Record<string, number>;
  /** Restart components that die or hang (default true). */
  supervise?: boolean;
  /** Called when a component process dies while the system runs. */
  onExit?: (name: string, how: string) => void;
  /** A keys directory (`natix keys init`): required to isolate an external nats-server. */
  keys?: string;
  /** Started for chaos runs: components listen for fault injection (natix.fault.*). */
  chaos?: boolean;
  /**
   * false: no memory segments shared on this host (transport/segment-door.ts), every byte of
   * every call in NATS messages — for comparisons (NATIX_SEGMENT_MIB=0 in its components).
   */
  segments?: boolean;
  /** Also run the HTTP gateway, on this port (0: any free one) of 127.0.0.1 or `host`. */
  http?: { port: number; host?: string };
  /** Size of a new disk image, MiB (default NATIX_DISK_MIB, or 128); an existing image keeps its own. */
  diskMiB?: number;
  /** Components kept with a warm standby (micro mode; default DEFAULT_STANDBY, [] for none). */
  standby?: readonly string[];
}

/** The components that have a warm standby unless told otherwise: the disk driver. */
export const DEFAULT_STANDBY: readonly string[] = ["blk"];

/** A --standby option as the CLI and the chaos runner take it: NAME,NAME (repeatable), or none. */
export function standbyList(items: readonly string[]): string[] {
  const names = items.flatMap((v) => v.split(",")).map((v) => v.trim()).filter(Boolean);
  return names.length === 1 && names[0] === "none" ? [] : names;
}

export interface RunningSystem {
  readonly natsUrl: string;
  readonly mode: Mode;
  /** Where the disk image is. */
  readonly dataDir: string;
  /** The current process of each component (replica 0), by name (kernel, vfs, ... or mono). */
  readonly children: ReadonlyMap<string, ChildProcess>;
  readonly supervisor: Supervisor;
  /** Whether the bus is isolated (operator mode, per-component and per-process credentials). */
  readonly isolated: boolean;
  /** The administrator's credentials (.creds), or null on an open bus. */
  readonly adminCreds: Uint8Array | null;
  /** The gateway's URL and its admin token, when it runs (http option). */
  readonly http?: { url: string; tokenFile: string };
  /** Starts component `name` afresh (after it died, or now); resolves once it serves. */
  restart(name: string): Promise<ChildProcess>;
  stop(): Promise<void>;
}

const script = (file: string) => fileURLToPath(new URL(file, import.meta.url));

const GATEWAY: ComponentSpec = { name: "gateway", script: script("./gateway/main.js"), args: [], replicas: 1, rank: 0, service: "gateway" };

function componentsOf(mode: Mode, replicas: Record<string, number>, http: boolean, standby: readonly string[]): ComponentSpec[] {
  const core = coreComponentsOf(mode, replicas).map((c) => (mode === "micro" && standby.includes(c.name) ? { ...c, standby: true } : c));
  return [...core, ...(http ? [{ ...GATEWAY }] : [])];
}

function coreComponentsOf(mode: Mode, replicas: Record<string, number>): ComponentSpec[] {
  if (mode === "mono") return [{ name: "mono", script: script("./mono-main.js"), args: [], replicas: 1, rank: 2, service: "kernel" }];
  return [
    { name: "kernel", script: script("./kernel-main.js"), args: [], replicas: 1, rank: 2, service: "kernel" },
    ...MICRO_COMPONENTS.map((c) => ({
      name: c.name,
      script: script(c.kind === "driver" ? "./driver-main.js" : "./server-main.js"),
      args: [c.name],
      replicas: Math.max(1, replicas[c.name] ?? 1),
      rank: DRIVERS.includes(c.name as never) ? 1 : 0,
      service: c.name,
    })),
  ];
}

export async function startSystem(opts: SystemOptions): Promise<RunningSystem> {
  // Without --data the disk image lives in a temporary directory, removed at stop.
  const dataDir = opts.dataDir ? resolve(opts.dataDir) : await mkdtemp(join(tmpdir(), "natix-data-"));
  const temporaryData = !opts.dataDir;
  const kmsg = new KmsgSink();
  const log = createLogger({ name: "rs", level: opts.logLevel, kmsg });
  const specs = componentsOf(opts.mode, opts.replicas ?? {}, opts.http !== undefined, opts.standby ?? DEFAULT_STANDBY);
  const cleanups: (() => Promise<void> | void)[] = [];
  const undo = async () => {
    for (const c of cleanups.reverse()) await c();
    if (temporaryData) await rm(dataDir, { recursive: true, force: true });
  };

  let natsUrl: string;
  let nats: NatsServer | undefined;
  let bus: Awaited<ReturnType<typeof prepareSystemBus>>;
  try {
    await prepareDisk(dataDir, opts.diskMiB ?? diskSizeMiB(), log);
    bus = await prepareSystemBus({ keysDir: opts.keys, dataDir: opts.dataDir ? dataDir : undefined, external: opts.nats !== undefined, chaos: opts.chaos ?? false }, specs.map((s) => s.name));
    cleanups.push(() => bus.cleanup());
    if (!bus.isolated) {
      await refuseIfCredentialsNeeded(opts.nats!);
      log.warn(`bus not isolated: ${opts.nats} is used without --keys, so any client may act as any process or component`);
    }
    nats = opts.nats ? undefined : await privateNats(bus.serverConfig, log);
    if (nats) cleanups.push(() => nats!.stop());
    natsUrl = opts.nats ?? nats!.url;
  } catch (err) {
    await undo();
    throw err;
  }
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    NATS_URL: natsUrl,
    NATIX_DEADLINE_MS: String(opts.deadlineMs ?? DEFAULT_DEADLINE_MS),
    NATIX_ROUTING: opts.routing ?? "direct",
    NATIX_DATA_DIR: dataDir,
    NATIX_CHAOS: opts.chaos ? "1" : undefined,
  };
  if (opts.logLevel) env.NATIX_LOG_LEVEL = opts.logLevel;
  if (opts.segments === false) env.NATIX_SEGMENT_MIB = "0";
  for (const spec of specs) spec.env = bus.envFor(spec.name);
  // The gateway: where it listens, the administrator's credentials for the routes that act, and
  // its token kept beside the credentials the CLI finds (made by the gateway on first start).
  const tokenFile = opts.http ? credsFileFor(natsUrl.split(",")[0]).replace(/\.creds$/, ".token") : undefined;
  const gateway = specs.find((s) => s.name === "gateway");
  if (gateway && opts.http) {
    gateway.env = { ...gateway.env, NATIX_HTTP_PORT: String(opts.http.port), NATIX_HTTP_HOST: opts.http.host ?? "127.0.0.1", NATIX_ADMIN_CREDS: bus.adminCredsFile, NATIX_TOKEN_FILE: tokenFile };
    cleanups.push(() => rm(tokenFile!, { force: true }));
  }
  const own = { creds: bus.supervisorCreds, inboxPrefix: INBOX.component("rs") };

  let startFailure: ((err: Error) => void) | undefined;
  const supervisor = new Supervisor(specs, env, log, (name, how) => {
    // A filesystem that does not mount will not mount on a restart either: say what to do.
    const unmountable = (name === "vfs" || name === "mono") && how === `status ${UNMOUNTABLE_STATUS}`;
    startFailure?.(new Error(unmountable ? unmountableMessage(dataDir, "see the log above") : `natix: ${name} exited during start-up (${how})`));
    opts.onExit?.(name, how);
  });
  let nc: NatsConnection | undefined;
  let stopControl: (() => Promise<void>) | undefined;
  let http: RunningSystem["http"];
  const stop = async () => {
    await stopControl?.();
    await supervisor.stop();
    await nc?.close();
    await undo();
  };

  supervisor.start();
  try {
    await new Promise<void>((resolve, reject) => {
      startFailure = reject;
      waitUntilReady(natsUrl, opts.readyTimeoutMs ?? 30_000, own).then(resolve, reject);
    });
    startFailure = undefined;
    nc = await connectNats(natsUrl, "natix-rs", own);
    const conn = nc;
    kmsg.connect(coalescedLines((batch) => conn.publish(SUBJECTS.kmsg("rs"), batch)));
    if (opts.supervise !== false) supervisor.watch(nc);
    else supervisor.holdRestarts();
    stopControl = await hostSupervisor(nc, supervisor);
    // The CLI (same machine, same user) finds the administrator's credentials by URL.
    if (bus.adminCreds) cleanups.push(saveAdminCredentials(natsUrl, bus.adminCreds));
    if (gateway) {
      // The gateway's micro service says where it listens (port 0 picks any free one).
      const answer = await waitForService(natsUrl, "gateway", undefined, opts.readyTimeoutMs ?? 30_000, own);
      if (!answer.url) throw new Error("natix: the gateway answered without its URL");
      http = { url: answer.url, tokenFile: tokenFile! };
    }
  } catch (err) {
    startFailure = undefined;
    await stop();
    throw err;
  }

  const children = new Map<string, ChildProcess>();
  return {
    natsUrl,
    mode: opts.mode,
    dataDir,
    supervisor,
    isolated: bus.isolated,
    adminCreds: bus.adminCreds,
    http,
    get children() {
      children.clear();
      for (const name of supervisor.names()) {
        const c = supervisor.child(name);
        if (c) children.set(name, c);
      }
      return children;
    },
    async restart(name) {
      const [child] = await supervisor.restart(name);
      const service = name === "mono" ? "kernel" : name;
      if (service === "kernel") await waitUntilReady(natsUrl, opts.readyTimeoutMs ?? 30_000, own);
      else await waitForService(natsUrl, service, child.pid!, opts.readyTimeoutMs ?? 30_000, own);
      return child;
    },
    stop,
  };
}

export { DiskRefusedError };

/** Neither nats-server on PATH nor a container engine: natix has no bus to run on here. */
export class NoNatsError extends Error {}

/** The private nats-server: on PATH, else in a container where a Docker engine answers. */
async function privateNats(config: string | undefined, log: ReturnType<typeof createLogger>): Promise<NatsServer> {
  try {
    return await startNatsServer({ extra: config });
  } catch (err) {
    if (!(err instanceof NatsServerMissingError)) throw err;
    try {
      const c = await startNatsContainer(config);
      log.warn(`nats-server is not on PATH: NATS runs in a container (${c.image}) at ${c.url}`);
      return c;
    } catch (why) {
      if (why instanceof NoContainerEngineError) throw new NoNatsError(`${err.message}; and ${why.message} to run it in a container`);
      throw why;
    }
  }
}

/** A nats-server that wants credentials, used without --keys: say so before anything starts. */
async function refuseIfCredentialsNeeded(url: string): Promise<void> {
  const nc = await connectNats(url, "natix-probe", { creds: null }).catch((err: Error) => {
    if (/refused the connection/.test(err.message)) {
      throw new Error(`natix: NATS at ${url} wants credentials (operator mode): give natix up the keys it trusts (--keys DIR, made by \`natix keys init DIR\`)`);
    }
    throw err;
  });
  await nc.close();
}

type Own = Parameters<typeof connectNats>[2];

/**
 * Waits until the NATS micro service of component `name` answers (from OS process `pid`, when
 * given), and returns the metadata that instance published (pid, host, and the gateway's url).
 */
export async function waitForService(natsUrl: string, name: string, pid: number | undefined, timeoutMs: number, own?: Own): Promise<Record<string, string>> {
  const nc = await connectNats(natsUrl, "natix-launcher", own);
  const until = Date.now() + timeoutMs;
  try {
    while (Date.now() < until) {
      try {
        const pings = await new Svcm(nc).client({ strategy: "timer", maxWait: 300 }).ping(serviceName(name));
        for await (const p of pings) if (pid === undefined || p.metadata?.pid === String(pid)) return p.metadata ?? {};
      } catch {
        // no instance answers yet
      }
      await new Promise((r) => setTimeout(r, 50));
    }
    throw new Error(`natix: ${name} did not answer within ${timeoutMs} ms`);
  } finally {
    await nc.close();
  }
}

/** Polls the kernel's status until every server and driver has registered. */
export async function waitUntilReady(natsUrl: string, timeoutMs: number, own?: Own): Promise<void> {
  const nc = await connectNats(natsUrl, "natix-launcher", own);
  const expected = MICRO_COMPONENTS.map((c) => c.name);
  const until = Date.now() + timeoutMs;
  try {
    while (Date.now() < until) {
      try {
        const m = await nc.request(SUBJECTS.status, "", { timeout: 1000 });
        const status = m.json<{ servers: { name: string }[] }>();
        const have = new Set(status.servers.map((s) => s.name));
        if (expected.every((n) => have.has(n))) return;
      } catch {
        // kernel not up yet
      }
      await new Promise((r) => setTimeout(r, 50));
    }
    throw new Error(`natix: the system was not ready within ${timeoutMs} ms`);
  } finally {
    await nc.close();
  }
}
