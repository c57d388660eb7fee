/**
 * Throughput with 1, 2, 4 client processes, each making one call at a time as a program
 * making blocking syscalls does, on every path a separate process can reach (embedded is a
 * kernel inside its caller, so it has no second client). Each process runs the window
 * concurrently; their histograms are merged and their rates summed.
 */
import { fork, type ChildProcess } from "node:child_process";
import { fileURLToPath } from "node:url";
import { mergeRuns, type EncodedRun, type Measured } from "./lib/measure.js";
import { MESSAGE_PATHS, type PathName } from "./lib/paths.js";
import { Collector, rowOf, type Config, type Scenario } from "./lib/scenario.js";
import type { FromWorker, ToWorker, WorkerTarget } from "./lib/client-worker.js";

const pathsOf = (c: Config) => c.paths.filter((p) => MESSAGE_PATHS.includes(p) && p !== "embedded");

class Worker {
  private readonly child: ChildProcess;
  private pending?: { resolve(m: FromWorker): void; reject(e: Error): void };
  readonly ready: Promise<FromWorker>;

  constructor(target: WorkerTarget) {
    this.child = fork(fileURLToPath(new URL("./lib/client-worker.js", import.meta.url)), [JSON.stringify(target)], { stdio: ["ignore", "ignore", "inherit", "ipc"] });
    this.child.on("message", (m: FromWorker) => this.pending?.resolve(m));
    this.child.on("exit", (code, signal) => this.pending?.reject(new Error(`client worker exited (${code ?? signal})`)));
    this.ready = this.answer();
  }

  private answer(): Promise<FromWorker> {
    return new Promise((resolve, reject) => (this.pending = { resolve, reject }));
  }

  async run(m: ToWorker): Promise<EncodedRun> {
    const answer = this.answer();
    this.child.send(m);
    const reply = await answer;
    if (reply.type === "error") throw new Error(`client worker: ${reply.message}`);
    return reply;
  }

  async stop(): Promise<void> {
    const gone = new Promise((r) => this.child.once("exit", r));
    this.child.send({ type: "exit" } satisfies ToWorker);
    await Promise.race([gone, new Promise((r) => setTimeout(r, 3000))]);
    this.child.kill("SIGKILL");
  }
}

export const scenario: Scenario = {
  name: "clients",
  steps: (c) => c.reps * c.workloads.clients.length * pathsOf(c).length * c.clients.length,
  async run({ config, progress, results, env }) {
    if (pathsOf(config).length === 0 || config.workloads.clients.length === 0) return;
    const target: WorkerTarget = { natsUrls: env.urls, rawNatsUrl: env.rawNatsUrl, tcpPort: env.tcpPort };
    const workers = Array.from({ length: Math.max(...config.clients) }, () => new Worker(target));
    try {
      await Promise.all(workers.map((w) => w.ready));
      const reps = new Collector<{ path: PathName; workload: string; clients: number }, Measured>();
      for (let rep = 1; rep <= config.reps; rep++) {
        for (const name of config.workloads.clients) {
          for (const path of pathsOf(config)) {
            for (const n of config.clients) {
              progress.step(`clients ${name} ${path} ×${n} processes (${rep}/${config.reps})`);
              const m: ToWorker = { type: "run", path, workload: name, inFlight: 1, ms: config.windowMs };
              const runs = await Promise.all(workers.slice(0, n).map((w) => w.run(m)));
              reps.add({ path, workload: name, clients: n }, mergeRuns(runs));
            }
          }
        }
      }
      for (const { key, values } of reps.entries()) results.results.push(rowOf({ scenario: "clients", ...key, concurrency: 1 }, values));
    } finally {
      await Promise.all(workers.map((w) => w.stop()));
    }
  },
};
