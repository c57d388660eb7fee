/**
 * The cost of isolation: the same calls on a bus natix owns (nats-server in operator mode,
 * JWT-authenticated users with least-privilege permissions, reply subjects checked) and on an
 * open one (anonymous connections, no permissions). Three pairs: bare nats.js request/reply
 * between two clients moving the hello_world frame's bytes, natix micro, and natix mono.
 * Isolated and open are measured alternately, repetition by repetition, so the machine's noise
 * falls on both alike; rows hold medians of repetitions.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import type { NatsConnection } from "@nats-io/transport-node";
import { connect, type Proc } from "../client-libc/mod.js";
import { connectNats } from "../transport/nats-connect.js";
import { startSystem, type RunningSystem } from "../services/launcher.js";
import { startNatsServer, type NatsServer } from "../services/nats-server.js";
import { generateKeys } from "../services/bus/keys.js";
import { credsText, mintUser, operatorModeConfig } from "../services/bus/account.js";
import { latency, median, type Measured, type Op } from "./lib/measure.js";
import { rawNatsOp } from "./lib/paths.js";
import { natixOp, workload } from "./lib/workloads.js";
import type { IsolationRow, Scenario } from "./lib/scenario.js";

export const ISOLATION_PAIRS = ["raw-nats", "micro", "mono"] as const;
type Pair = (typeof ISOLATION_PAIRS)[number];

const responderScript = fileURLToPath(new URL("./lib/echo-responder.js", import.meta.url));

/**
 * A bare nats.js responder (a process of its own) and requester on a nats-server of their own:
 * isolated, both are JWT users of least privilege on a server in operator mode; open, both are
 * anonymous. Everything else is the same code.
 */
async function rawPair(dir: string, isolated: boolean): Promise<{ nc: NatsConnection; stop(): Promise<void> }> {
  const keys = generateKeys();
  const server = await startNatsServer({ extra: isolated ? await operatorModeConfig(keys) : undefined });
  const responderCreds = join(dir, `responder-${isolated}.creds`);
  if (isolated) writeFileSync(responderCreds, credsText(await mintUser(keys, "responder", { pub: [], sub: ["bench.echo.*", "_INBOX.responder.>"], answers: true, inbox: "_INBOX.responder" })), { mode: 0o600 });
  const responder: ChildProcess = spawn(process.execPath, [responderScript, server.url, ...(isolated ? [responderCreds] : [])], { stdio: ["ignore", "pipe", "inherit"] });
  await new Promise((r) => responder.stdout!.once("data", r));
  const creds = isolated ? credsText(await mintUser(keys, "requester", { pub: ["bench.echo.*"], sub: ["_INBOX.requester.>"], answers: false, inbox: "_INBOX.requester" })) : null;
  const nc = await connectNats(server.url, "bench-raw", { creds, inboxPrefix: "_INBOX.requester" });
  return {
    nc,
    async stop() {
      await nc.close();
      responder.kill("SIGTERM");
      await server.stop();
    },
  };
}

/** A natix system on a nats-server that is not in operator mode (the bus as it was before isolation). */
async function openSystem(mode: "micro" | "mono"): Promise<{ proc: Proc; stop(): Promise<void> }> {
  const server: NatsServer = await startNatsServer();
  const sys: RunningSystem = await startSystem({ mode, nats: server.url, logLevel: "error" });
  const proc = await connect({ nats: server.url, argv: ["bench"] });
  return {
    proc,
    async stop() {
      await proc.exit(0).catch(() => {});
      await sys.stop();
      await server.stop();
    },
  };
}

export const scenario: Scenario = {
  name: "isolation",
  steps: (c) => c.reps * c.workloads.isolation.length * pairsOf(c.paths).length * 2,
  async run({ config, progress, results, env }) {
    const pairs = pairsOf(config.paths);
    const dir = mkdtempSync(join(tmpdir(), "natix-bench-isolation-"));
    const stops: (() => Promise<void>)[] = [];
    try {
      const ops = new Map<string, Op>();
      for (const name of config.workloads.isolation) {
        const w = workload(name);
        for (const pair of pairs) {
          if (pair === "raw-nats") {
            for (const side of ["open", "isolated"] as const) {
              const raw = await rawPair(dir, side === "isolated");
              stops.push(raw.stop);
              ops.set(`${pair} ${name} ${side}`, rawNatsOp(raw.nc, w.frames));
            }
          } else {
            const open = await openSystem(pair);
            stops.push(open.stop);
            ops.set(`${pair} ${name} open`, await natixOp(w, open.proc));
            ops.set(`${pair} ${name} isolated`, await natixOp(w, await env.proc(pair)));
          }
        }
      }
      const runs = new Map<string, { open: Measured[]; isolated: Measured[] }>();
      for (let rep = 1; rep <= config.reps; rep++) {
        for (const name of config.workloads.isolation) {
          for (const pair of pairs) {
            const key = `${pair} ${name}`;
            const entry = runs.get(key) ?? { open: [], isolated: [] };
            runs.set(key, entry);
            // Alternate which goes first, so neither always meets a warmer machine.
            const order = rep % 2 ? (["open", "isolated"] as const) : (["isolated", "open"] as const);
            for (const side of order) {
              progress.step(`isolation ${name} ${pair} ${side} (${rep}/${config.reps})`);
              entry[side].push(await latency(ops.get(`${key} ${side}`)!, config.samples, config.warmup));
            }
          }
        }
      }
      for (const [key, m] of runs) {
        const [pair, name] = key.split(" ") as [Pair, string];
        const p = (xs: Measured[], f: (x: Measured) => number) => Math.round(median(xs.map(f)) * 100) / 100;
        const open = p(m.open, (x) => x.p50_us);
        const isolated = p(m.isolated, (x) => x.p50_us);
        const row: IsolationRow = {
          pair,
          workload: name,
          open_p50_us: open,
          isolated_p50_us: isolated,
          overhead_pct: Math.round(((isolated - open) / open) * 1000) / 10,
          open_p99_us: p(m.open, (x) => x.p99_us),
          isolated_p99_us: p(m.isolated, (x) => x.p99_us),
          reps: m.open.length,
        };
        results.isolation.push(row);
      }
    } finally {
      for (const stop of stops) await stop().catch(() => {});
      rmSync(dir, { recursive: true, force: true });
    }
  },
};

/** The pairs a run can measure: raw nats.js always, micro and mono when their paths are in it. */
function pairsOf(paths: readonly string[]): Pair[] {
  return ISOLATION_PAIRS.filter((p) => p === "raw-nats" || paths.includes(p));
}
