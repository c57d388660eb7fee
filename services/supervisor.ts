/**
 * The reincarnation supervisor (MINIX 3's "reincarnation server"): starts every component
 * process, notices one that died (exit) or hangs (three missed NATS micro heartbeats,
 * $SRV.PING), and starts it again with exponential backoff — 100 ms doubling to 5 s for an
 * instance that died within a second of starting, and no more after ten such deaths in a row
 * (a crash loop). Every event goes to the kernel log. Replicas of a component run as separate
 * processes in one queue group. A component may have a warm standby (services/standby.ts): a
 * second process, loaded and connected but serving nothing, promoted the moment the active one
 * dies or hangs; a new standby is then started behind it.
 */
import { spawn, type ChildProcess } from "node:child_process";
import type { NatsConnection } from "@nats-io/transport-node";
import { Svcm } from "@nats-io/services";
import type { Logger } from "pino";
import { serviceName } from "../kernel-core/abi/subjects.js";
import { STANDBY_ENV, type StandbyMessage } from "./standby.js";

export interface ComponentSpec {
  name: string;
  script: string;
  args: string[];
  replicas: number;
  /** Shutdown order: 0 servers, 1 drivers, 2 the kernel. */
  rank: number;
  /** Its NATS micro service name (the monolith answers as the kernel). */
  service: string;
  /** Its own environment on top of the system's (its credentials). */
  env?: NodeJS.ProcessEnv;
  /** Keep a warm standby process for each instance (`natix up --standby NAME`). */
  standby?: boolean;
}

export type InstanceState = "starting" | "running" | "backoff" | "failed" | "stopped";

interface Instance {
  spec: ComponentSpec;
  replica: number;
  child?: ChildProcess;
  state: InstanceState;
  restarts: number;
  startedAt: number;
  quickDeaths: number;
  missed: number;
  timer?: NodeJS.Timeout;
  lastExit?: string;
  /** The warm standby, when the component has one: ready once it said so. */
  standby?: { child: ChildProcess; ready: boolean };
  standbyTimer?: NodeJS.Timeout;
  /** Standbys that died in a row before they were ready (they back off like quick deaths). */
  standbyDeaths: number;
}

export interface InstanceStatus {
  name: string;
  replica: number;
  pid: number | null;
  state: InstanceState;
  restarts: number;
  uptimeMs: number;
  lastExit?: string;
  /** The pid of its warm standby, once that is ready to take over (null: none ready). */
  standbyPid: number | null;
}

/** The supervisor's clock: backoff, crash-loop rule, heartbeats. */
export const RS_TIMING = {
  /**
   * A component that dies after running a while is started again at once, as MINIX's
   * reincarnation server does: its callers are waiting. Only deaths soon after a start back off.
   */
  restartMs: 0,
  backoffMs: 100,
  maxBackoffMs: 5000,
  /** A death this soon after starting counts towards a crash loop. */
  quickMs: 1000,
  crashLoop: 10,
  heartbeatMs: 1000,
  misses: 3,
  /** No heartbeat is expected this soon after starting. */
  graceMs: 3000,
  /** A new standby starts this long after a takeover, not in the middle of the recovery... */
  standbyDelayMs: 300,
  /** ...and this long after the component's first start, not in the middle of the boot. */
  firstStandbyDelayMs: 1500,
};
export type RsTiming = typeof RS_TIMING;

const exited = (child: ChildProcess) =>
  new Promise<void>((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) resolve();
    else child.once("exit", () => resolve());
  });

export class Supervisor {
  private readonly instances: Instance[] = [];
  private stopping = false;
  /** Without supervision (tests of what a dead server means): a death is final. */
  private hold = false;
  private heartbeat: NodeJS.Timeout | undefined;

  private readonly t: RsTiming;

  constructor(
    specs: ComponentSpec[],
    private readonly env: NodeJS.ProcessEnv,
    private readonly log: Logger,
    /** Told of every death (the launcher fails start-up on one). */
    private readonly onDeath?: (name: string, how: string) => void,
    timing: Partial<RsTiming> = {},
  ) {
    this.t = { ...RS_TIMING, ...timing };
    for (const spec of specs) for (let r = 0; r < spec.replicas; r++) this.instances.push({ spec, replica: r, state: "stopped", restarts: 0, startedAt: 0, quickDeaths: 0, missed: 0, standbyDeaths: 0 });
  }

  start(): void {
    for (const inst of this.instances) this.launch(inst);
  }

  /** Starts a process of `inst`: its active one, or (asStandby) its standby, with an IPC channel. */
  private spawnProcess(inst: Instance, asStandby: boolean): ChildProcess {
    // NATIX_NODE_ARGS: node flags for every component, e.g. "--cpu-prof --cpu-prof-dir=DIR" to
    // profile a running system (node refuses --cpu-prof in NODE_OPTIONS).
    const nodeArgs = (this.env.NATIX_NODE_ARGS ?? "").split(/\s+/).filter(Boolean);
    const env: NodeJS.ProcessEnv = { ...this.env, ...inst.spec.env, NATIX_REPLICA: String(inst.replica), [STANDBY_ENV]: asStandby ? "1" : undefined };
    for (const k of Object.keys(env)) if (env[k] === undefined) delete env[k];
    const stdio = asStandby ? (["ignore", "inherit", "inherit", "ipc"] as const) : (["ignore", "inherit", "inherit"] as const);
    const child = spawn(process.execPath, [...nodeArgs, inst.spec.script, ...inst.spec.args], { env, stdio: [...stdio] });
    child.once("exit", (code, signal) => {
      const how = signal ?? `status ${code}`;
      if (inst.child === child) this.died(inst, child, how);
      else if (inst.standby?.child === child) this.standbyDied(inst, child, how);
      // else: an older process of this instance (one a standby replaced)
    });
    return child;
  }

  private launch(inst: Instance): ChildProcess {
    clearTimeout(inst.timer);
    const child = this.spawnProcess(inst, false);
    inst.child = child;
    inst.state = "running";
    inst.startedAt = Date.now();
    inst.missed = 0;
    if (inst.spec.standby && inst.standby === undefined) this.scheduleStandby(inst, inst.restarts === 0 ? this.t.firstStandbyDelayMs : this.t.standbyDelayMs);
    return child;
  }

  /** The wait before the next start after `deaths` quick deaths in a row: doubling, capped. */
  private backoff(deaths: number): number {
    return Math.min(this.t.maxBackoffMs, this.t.backoffMs * 2 ** deaths);
  }

  private label(inst: Instance, pid = inst.child?.pid): string {
    return `${inst.spec.name}${inst.spec.replicas > 1 ? `#${inst.replica}` : ""} (pid ${pid})`;
  }

  private scheduleStandby(inst: Instance, delayMs: number): void {
    clearTimeout(inst.standbyTimer);
    inst.standbyTimer = setTimeout(() => {
      if (this.stopping || this.hold || inst.standby !== undefined || inst.state !== "running") return;
      const child = this.spawnProcess(inst, true);
      const standby = { child, ready: false };
      inst.standby = standby;
      child.on("message", (m: StandbyMessage) => {
        if (m?.type !== "standby-ready" || inst.standby !== standby) return;
        standby.ready = true;
        inst.standbyDeaths = 0;
        this.log.info(`rs: ${inst.spec.name} standby ready (pid ${child.pid})`);
      });
    }, delayMs);
  }

  private standbyDied(inst: Instance, child: ChildProcess, how: string): void {
    inst.standby = undefined;
    if (this.stopping || this.hold || inst.state === "stopped" || inst.state === "failed") return;
    inst.standbyDeaths++;
    const delay = this.backoff(inst.standbyDeaths);
    this.log.warn(`rs: ${inst.spec.name} standby (pid ${child.pid}) died (${how}); starting another in ${delay} ms`);
    this.scheduleStandby(inst, delay);
  }

  /** Hands `inst` to its ready standby, if it has one: the new active process, at once. */
  private promote(inst: Instance, why: string): boolean {
    const standby = inst.standby;
    if (!standby?.ready || !standby.child.connected) return false;
    const old = this.label(inst);
    inst.standby = undefined;
    inst.child = standby.child;
    inst.state = "running";
    inst.startedAt = Date.now();
    inst.missed = 0;
    inst.restarts++;
    standby.child.send({ type: "promote" } satisfies StandbyMessage);
    this.log.info(`rs: ${old} ${why}; standby pid ${standby.child.pid} takes over (restart ${inst.restarts})`);
    this.scheduleStandby(inst, this.t.standbyDelayMs);
    return true;
  }

  private died(inst: Instance, child: ChildProcess, how: string): void {
    inst.lastExit = how;
    if (this.stopping || inst.state === "stopped") {
      inst.state = "stopped";
      return;
    }
    this.onDeath?.(inst.spec.name, how);
    if (this.hold) {
      inst.state = "stopped";
      this.log.info(`rs: ${inst.spec.name} (pid ${child.pid}) died (${how}); not supervised`);
      return;
    }
    const lived = Date.now() - inst.startedAt;
    inst.quickDeaths = lived < this.t.quickMs ? inst.quickDeaths + 1 : 0;
    const label = this.label(inst, child.pid);
    if (inst.quickDeaths >= this.t.crashLoop) {
      inst.state = "failed";
      inst.standby?.child.kill("SIGTERM");
      this.log.error(`rs: ${label} died ${this.t.crashLoop} times within ${this.t.quickMs} ms of starting; not restarting it`);
      return;
    }
    if (this.promote(inst, `died (${how})`)) return;
    if (inst.standby && !inst.standby.ready) {
      // Not ready to take over: a fresh process is as quick, and the standby restarts behind it.
      inst.standby.child.kill("SIGKILL");
      inst.standby = undefined;
    }
    const delay = inst.quickDeaths === 0 ? this.t.restartMs : this.backoff(inst.quickDeaths);
    inst.state = "backoff";
    this.log.info(`rs: ${label} died (${how}); restarting in ${delay} ms`);
    inst.timer = setTimeout(() => {
      if (this.stopping || inst.state !== "backoff") return;
      inst.restarts++;
      const next = this.launch(inst);
      this.log.info(`rs: ${inst.spec.name} restarted as pid ${next.pid} (restart ${inst.restarts})`);
    }, delay);
  }

  /** From now on a component that dies stays dead (until restart() is asked for). */
  holdRestarts(): void {
    this.hold = true;
  }

  /** Pings every component over the NATS micro protocol; kills one that misses three in a row. */
  watch(nc: NatsConnection): void {
    // A whole heartbeat interval to answer in: a busy machine (CI running containers and a browser
    // beside the suites) must not get a healthy but slow component killed.
    const client = new Svcm(nc).client({ strategy: "timer", maxWait: this.t.heartbeatMs - 50 });
    const services = [...new Set(this.instances.map((i) => i.spec.service))];
    this.heartbeat = setInterval(() => {
      for (const service of services) {
        const seen = new Set<string>();
        void (async () => {
          try {
            for await (const p of await client.ping(serviceName(service))) if (p.metadata?.pid) seen.add(p.metadata.pid);
          } catch {
            // nobody answered: every instance missed
          }
          for (const inst of this.instances) {
            if (inst.spec.service !== service || inst.state !== "running" || Date.now() - inst.startedAt < this.t.graceMs) continue;
            if (seen.has(String(inst.child?.pid))) inst.missed = 0;
            else if (++inst.missed >= this.t.misses) {
              const hung = inst.child;
              // The standby takes the image's next epoch as it starts, so the hung process is
              // fenced even if the kill cannot reach it; it is killed all the same.
              if (this.promote(inst, `missed ${this.t.misses} heartbeats`)) this.log.warn(`rs: killing ${inst.spec.name} (pid ${hung?.pid})`);
              else this.log.warn(`rs: ${inst.spec.name} (pid ${hung?.pid}) missed ${this.t.misses} heartbeats; killing it`);
              hung?.kill("SIGKILL");
            }
          }
        })();
      }
    }, this.t.heartbeatMs);
    this.heartbeat.unref();
  }

  /** The running process of component `name` (replica 0 unless given). */
  child(name: string, replica = 0): ChildProcess | undefined {
    return this.instances.find((i) => i.spec.name === name && i.replica === replica)?.child;
  }

  names(): string[] {
    return [...new Set(this.instances.map((i) => i.spec.name))];
  }

  /** Restarts of component `name`, all replicas. */
  restarts(name: string): number {
    return this.instances.filter((i) => i.spec.name === name).reduce((n, i) => n + i.restarts, 0);
  }

  status(): InstanceStatus[] {
    const now = Date.now();
    return this.instances.map((i) => ({
      name: i.spec.name,
      replica: i.replica,
      pid: i.state === "running" ? (i.child?.pid ?? null) : null,
      state: i.state,
      restarts: i.restarts,
      uptimeMs: i.state === "running" ? now - i.startedAt : 0,
      lastExit: i.lastExit,
      standbyPid: i.standby?.ready ? (i.standby.child.pid ?? null) : null,
    }));
  }

  /** Sends `signal` to a component's process (natix kill); the supervisor restarts it as usual. */
  kill(name: string, signal: NodeJS.Signals, replica = 0): string | undefined {
    const inst = this.instances.find((i) => i.spec.name === name && i.replica === replica);
    if (inst === undefined) return `no service ${name}${replica ? `#${replica}` : ""}`;
    if (inst.state !== "running" || inst.child === undefined) return `${name} is not running (${inst.state})`;
    inst.child.kill(signal);
    return undefined;
  }

  /** Starts component `name` afresh now (natix restart): its processes stop, new ones start. */
  async restart(name: string): Promise<ChildProcess[]> {
    const mine = this.instances.filter((i) => i.spec.name === name);
    if (mine.length === 0) throw new Error(`natix: no component named ${name}`);
    const started: ChildProcess[] = [];
    for (const inst of mine) {
      clearTimeout(inst.timer);
      const old = inst.child;
      inst.state = "stopped";
      if (old && old.exitCode === null && old.signalCode === null) {
        old.kill("SIGTERM");
        const timer = setTimeout(() => old.kill("SIGKILL"), 3000);
        await exited(old);
        clearTimeout(timer);
      }
      inst.restarts++;
      inst.quickDeaths = 0;
      started.push(this.launch(inst));
    }
    this.log.info(`rs: ${name} restarted on request`);
    return started;
  }

  /** Ordered shutdown: servers, then drivers, then the kernel. */
  async stop(): Promise<void> {
    this.stopping = true;
    clearInterval(this.heartbeat);
    for (const inst of this.instances) {
      clearTimeout(inst.timer);
      clearTimeout(inst.standbyTimer);
    }
    for (const rank of [0, 1, 2]) {
      const mine = this.instances.filter((i) => i.spec.rank === rank);
      const group = [...mine.flatMap((i) => (i.child ? [i.child] : [])), ...mine.flatMap((i) => (i.standby ? [i.standby.child] : []))];
      for (const c of group) if (c.exitCode === null && c.signalCode === null) c.kill("SIGTERM");
      const timer = setTimeout(() => group.forEach((c) => c.exitCode === null && c.signalCode === null && c.kill("SIGKILL")), 5000);
      await Promise.all(group.map(exited));
      clearTimeout(timer);
    }
    for (const inst of this.instances) inst.state = "stopped";
  }
}
