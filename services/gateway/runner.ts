/**
 * Runs a shipped example as a natix process — `natix run` (or `natix strace`) in a child OS
 * process, as a user would, with the administrator's credentials that only this route uses.
 * Output is capped and the run time limited: a run that outlives it is killed and reported with
 * what it had printed.
 */
import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PROGRAMS, ROOT, type ProgramName } from "./programs.js";

export interface RunLimits {
  timeoutMs: number;
  /** Bytes kept of stdout and of stderr each. */
  capBytes: number;
}

export const DEFAULT_LIMITS: RunLimits = { timeoutMs: 15_000, capBytes: 64 * 1024 };

export interface RunResult {
  /** Exit status; null when the run was killed for taking too long. */
  status: number | null;
  stdout: string;
  stderr: string;
  timedOut: boolean;
  truncated: boolean;
}

export interface RunTarget {
  natsUrl: string;
  /** The administrator's .creds file (absent on an open bus). */
  adminCreds?: string;
}

export type Chunk = { stream: "stdout" | "stderr"; text: string };

const cli = join(ROOT, "bin", "natix.js");

function launch(target: RunTarget, argv: string[], limits: RunLimits, onChunk?: (c: Chunk) => void): Promise<RunResult> {
  const env: NodeJS.ProcessEnv = { ...process.env, NATS_URL: target.natsUrl, NATIX_CREDS: target.adminCreds, NATIX_LOG_LEVEL: "error" };
  if (!target.adminCreds) delete env.NATIX_CREDS;
  const child = spawn(process.execPath, [cli, ...argv], { cwd: ROOT, env, stdio: ["ignore", "pipe", "pipe"] });
  const kept = { stdout: "", stderr: "" };
  let truncated = false;
  const take = (stream: "stdout" | "stderr") => (d: Buffer) => {
    const text = d.toString();
    const room = limits.capBytes - Buffer.byteLength(kept[stream]);
    if (room <= 0) return void (truncated = true);
    const part = Buffer.byteLength(text) > room ? Buffer.from(text).subarray(0, room).toString() : text;
    if (part.length < text.length) truncated = true;
    kept[stream] += part;
    onChunk?.({ stream, text: part });
  };
  child.stdout!.on("data", take("stdout"));
  child.stderr!.on("data", take("stderr"));
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    child.kill("SIGKILL");
  }, limits.timeoutMs);
  return new Promise((resolve) => {
    child.once("close", (code) => {
      clearTimeout(timer);
      resolve({ status: timedOut ? null : code, ...kept, timedOut, truncated });
    });
  });
}

export function runProgram(target: RunTarget, program: ProgramName, args: string[], limits = DEFAULT_LIMITS, onChunk?: (c: Chunk) => void): Promise<RunResult> {
  return launch(target, ["run", PROGRAMS[program].file, ...args], limits, onChunk);
}

/** The program under strace: its output, and the trace lines (strace -o keeps them apart). */
export async function straceProgram(target: RunTarget, program: ProgramName, args: string[], limits = DEFAULT_LIMITS): Promise<RunResult & { trace: string[] }> {
  const dir = mkdtempSync(join(tmpdir(), "natix-gateway-strace-"));
  try {
    const out = join(dir, "trace");
    const r = await launch(target, ["strace", "-o", out, PROGRAMS[program].file, ...args], limits);
    let trace: string[] = [];
    try {
      trace = readFileSync(out, "utf8").split("\n").filter(Boolean);
    } catch {
      // no trace written (the run failed to start)
    }
    return { ...r, trace };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
