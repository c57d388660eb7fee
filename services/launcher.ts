/**
 * Boots a natix system: a nats-server (private, unless a URL is given), then in micro mode the
 * kernel and one process per server and driver, or in mono mode one process with everything.
 * Ready means the kernel reports every component registered. Used by `natix up`, the demo,
 * the tests and the benchmarks.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { fileURLToPath } from "node:url";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import type { RoutingMode } from "../kernel-core/kernel.js";
import { SUBJECTS, serviceName } from "../kernel-core/abi/subjects.js";
import { Svcm } from "@nats-io/services";
import { connectNats } from "../client-libc/transport/nats-port.js";
import { startNatsServer, type NatsServer } from "./nats-server.js";
import { DRIVERS, MICRO_COMPONENTS } from "./server-catalog.js";

export type Mode = "micro" | "mono";

export interface SystemOptions {
  mode: Mode;
  /** Use this NATS server instead of starting one. */
  nats?: string;
  dataDir?: string;
  deadlineMs?: number;
  routing?: RoutingMode;
  logLevel?: string;
  readyTimeoutMs?: number;
  /** Called when a component process ends while the system runs. */
  onExit?: (name: string, code: number | null, signal: NodeJS.Signals | null) => void;
}

export interface RunningSystem {
  readonly natsUrl: string;
  readonly mode: Mode;
  /** Where the disk image is. */
  readonly dataDir: string;
  /** Component processes by name (kernel, vfs, tty, ... or mono). */
  readonly children: ReadonlyMap<string, ChildProcess>;
  /** Starts component `name` again (after it died or was killed); resolves once it serves. */
  restart(name: string): Promise<ChildProcess>;
  stop(): Promise<void>;
}

interface Component {
  name: string;
  script: string;
  args: string[];
}

const script = (file: string) => fileURLToPath(new URL(file, import.meta.url));

function componentsOf(mode: Mode): Component[] {
  if (mode === "mono") return [{ name: "mono", script: script("./mono-main.js"), args: [] }];
  return [
    { name: "kernel", script: script("./kernel-main.js"), args: [] },
    ...MICRO_COMPONENTS.map((c) => ({
      name: c.name,
      script: script(c.kind === "driver" ? "./driver-main.js" : "./server-main.js"),
      args: [c.name],
    })),
  ];
}

const exited = (child: ChildProcess) =>
  new Promise<void>((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) resolve();
    else child.once("exit", () => resolve());
  });

export async function startSystem(opts: SystemOptions): Promise<RunningSystem> {
  // Without --data the disk image lives in a temporary directory, removed at stop.
  const dataDir = opts.dataDir ? resolve(opts.dataDir) : await mkdtemp(join(tmpdir(), "natix-data-"));
  const temporaryData = !opts.dataDir;
  const nats: NatsServer | undefined = opts.nats ? undefined : await startNatsServer().catch(async (err) => {
    if (temporaryData) await rm(dataDir, { recursive: true, force: true });
    throw err;
  });
  const natsUrl = opts.nats ?? nats!.url;
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    NATS_URL: natsUrl,
    NATIX_DEADLINE_MS: String(opts.deadlineMs ?? 5000),
    NATIX_ROUTING: opts.routing ?? "forward",
  };
  if (opts.logLevel) env.NATIX_LOG_LEVEL = opts.logLevel;
  env.NATIX_DATA_DIR = dataDir;

  const children = new Map<string, ChildProcess>();
  const components = componentsOf(opts.mode);
  let stopping = false;
  let startFailure: ((err: Error) => void) | undefined;
  const launch = (c: Component): ChildProcess => {
    const child = spawn(process.execPath, [c.script, ...c.args], { env, stdio: ["ignore", "inherit", "inherit"] });
    children.set(c.name, child);
    child.once("exit", (code, signal) => {
      if (stopping) return;
      startFailure?.(new Error(`natix: ${c.name} exited during start-up (${signal ?? `code ${code}`})`));
      opts.onExit?.(c.name, code, signal);
    });
    return child;
  };
  for (const c of components) launch(c);

  const restart = async (name: string): Promise<ChildProcess> => {
    const c = components.find((x) => x.name === name);
    if (c === undefined) throw new Error(`natix: no component named ${name}`);
    const old = children.get(name);
    if (old && old.exitCode === null && old.signalCode === null) {
      old.kill("SIGKILL");
      await exited(old);
    }
    const child = launch(c);
    if (name === "mono" || name === "kernel") await waitUntilReady(natsUrl, opts.readyTimeoutMs ?? 30_000);
    else await waitForService(natsUrl, name, child.pid!, opts.readyTimeoutMs ?? 30_000);
    return child;
  };

  // Shut down from the top: servers first (the vfs commits its log through the blk driver),
  // then drivers, then the kernel.
  const stop = async () => {
    stopping = true;
    const rank = (name: string) => (name === "kernel" ? 2 : DRIVERS.includes(name as never) ? 1 : 0);
    for (const level of [0, 1, 2]) {
      const group = [...children].filter(([name]) => rank(name) === level).map(([, child]) => child);
      for (const child of group) if (child.exitCode === null && child.signalCode === null) child.kill("SIGTERM");
      const timer = setTimeout(() => group.forEach((c) => c.exitCode === null && c.signalCode === null && c.kill("SIGKILL")), 5000);
      await Promise.all(group.map(exited));
      clearTimeout(timer);
    }
    await nats?.stop();
    if (temporaryData) await rm(dataDir, { recursive: true, force: true });
  };

  try {
    await new Promise<void>((resolve, reject) => {
      startFailure = reject;
      waitUntilReady(natsUrl, opts.readyTimeoutMs ?? 30_000).then(resolve, reject);
    });
  } catch (err) {
    await stop();
    throw err;
  } finally {
    startFailure = undefined;
  }
  return { natsUrl, mode: opts.mode, dataDir, children, restart, stop };
}

/** Waits until the NATS micro service of component `name` answers from OS process `pid`. */
async function waitForService(natsUrl: string, name: string, pid: number, timeoutMs: number): Promise<void> {
  const nc = await connectNats(natsUrl, "natix-launcher");
  const until = Date.now() + timeoutMs;
  try {
    while (Date.now() < until) {
      try {
        const pings = await new Svcm(nc).client({ strategy: "timer", maxWait: 300 }).ping(serviceName(name));
        for await (const p of pings) if (p.metadata?.pid === String(pid)) return;
      } catch {
        // no instance answers yet
      }
      await new Promise((r) => setTimeout(r, 50));
    }
    throw new Error(`natix: ${name} did not come back within ${timeoutMs} ms`);
  } finally {
    await nc.close();
  }
}

/** Polls the kernel's status until every server and driver has registered. */
export async function waitUntilReady(natsUrl: string, timeoutMs: number): Promise<void> {
  const nc = await connectNats(natsUrl, "natix-launcher");
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
