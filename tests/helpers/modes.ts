/**
 * The three ways to run natix, behind one interface, so a table of cases runs against all of
 * them: micro (one process per component, NATS between), mono (one kernel process, programs
 * over NATS), embedded (the kernel in this process, no NATS).
 */
import type { RoutingMode } from "../../build/kernel-core/kernel.js";
import { startSystem, type RunningSystem } from "../../build/services/launcher.js";
import { createEmbeddedSystem, type EmbeddedSystem } from "../../build/system/embedded.js";
import { connect, type Proc, type ConnectOptions } from "../../build/client-libc/mod.js";
import { startTestNats, type TestNats } from "./nats.js";
import { Capture } from "./capture.js";

export type ModeName = "micro" | "mono" | "embedded";
export const MODES: ModeName[] = ["micro", "mono", "embedded"];

export interface TestSystem {
  mode: ModeName;
  natsUrl?: string;
  /** The suite's nats-server (operator mode), to mint test users and component credentials. */
  nats?: TestNats;
  system?: RunningSystem;
  embedded?: EmbeddedSystem;
  /** A new process with captured stdout/stderr. */
  spawn(opts?: Partial<ConnectOptions>): Promise<TestProc>;
  stop(): Promise<void>;
}

export interface TestProc {
  proc: Proc;
  stdout: Capture;
  stderr: Capture;
}

export async function bootMode(
  mode: ModeName,
  opts: { deadlineMs?: number; routing?: RoutingMode; supervise?: boolean; replicas?: Record<string, number>; openBus?: boolean; standby?: readonly string[] } = {},
): Promise<TestSystem> {
  let nats: TestNats | undefined;
  let system: RunningSystem | undefined;
  let embedded: EmbeddedSystem | undefined;
  if (mode === "embedded") {
    embedded = await createEmbeddedSystem({ deadlineMs: opts.deadlineMs });
  } else {
    nats = await startTestNats({ open: opts.openBus });
    system = await startSystem({ mode, nats: nats.url, keys: nats.keysDir, deadlineMs: opts.deadlineMs, routing: opts.routing, supervise: opts.supervise, replicas: opts.replicas, standby: opts.standby });
  }
  const procs: Proc[] = [];
  return {
    mode,
    natsUrl: nats?.url,
    nats,
    system,
    embedded,
    async spawn(extra = {}) {
      const stdout = new Capture();
      const stderr = new Capture();
      const target = embedded ? { embedded } : { nats: nats!.url };
      const proc = await connect({ argv: ["test"], uid: 0, gid: 0, stdout, stderr, ...target, ...extra });
      procs.push(proc);
      return { proc, stdout, stderr };
    },
    async stop() {
      await Promise.all(procs.map((p) => p.exit(0).catch(() => {})));
      await system?.stop();
      await nats?.stop();
      await embedded?.stop();
    },
  };
}
