/** Running the natix command from tests. */
import { spawn, spawnSync, type ChildProcess } from "node:child_process";

export const CLI = "bin/natix.js";

export function natix(args: string[], env: NodeJS.ProcessEnv = {}, input?: string) {
  const r = spawnSync(process.execPath, [CLI, ...args], { env: { ...process.env, ...env }, input, encoding: "utf8", timeout: 120_000 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** Starts `natix up ARGS` and resolves once it printed its NATS_URL line. */
export async function natixUp(args: string[], env: NodeJS.ProcessEnv = {}): Promise<{ child: ChildProcess; url: string; stop(): Promise<number | null> }> {
  const child = spawn(process.execPath, [CLI, "up", ...args], { stdio: ["ignore", "pipe", "inherit"], env: { ...process.env, ...env } });
  const url = await new Promise<string>((resolve, reject) => {
    let out = "";
    child.stdout!.on("data", (d: Buffer) => {
      out += d.toString();
      const m = out.match(/^NATS_URL=(nats:\/\/[\d.:]+)\n/m);
      if (m) resolve(m[1]);
    });
    child.once("exit", (code) => reject(new Error(`natix up exited ${code} before printing NATS_URL: ${out}`)));
  });
  return {
    child,
    url,
    stop: () =>
      new Promise((resolve) => {
        child.once("exit", (code) => resolve(code));
        child.kill("SIGTERM");
      }),
  };
}

/** Processes whose command line mentions `marker`. */
export function processesMatching(marker: string): string[] {
  const r = spawnSync("ps", ["-eo", "pid,args"], { encoding: "utf8" });
  return r.stdout.split("\n").filter((l) => l.includes(marker) && !l.includes("ps -eo"));
}

/**
 * natix, without blocking this process (needed when the system's supervisor runs here: a
 * blocking spawnSync would keep it from answering).
 */
export function natixAsync(args: string[], env: NodeJS.ProcessEnv = {}): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [CLI, ...args], { env: { ...process.env, ...env }, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout!.on("data", (d: Buffer) => (stdout += d.toString()));
    child.stderr!.on("data", (d: Buffer) => (stderr += d.toString()));
    child.once("close", (status) => resolve({ status, stdout, stderr }));
  });
}
