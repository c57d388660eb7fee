/** The machine a run measured: what a reader needs to compare two runs. */
import { cpus, hostname, release, totalmem } from "node:os";
import { spawnSync } from "node:child_process";

export interface MachineInfo {
  cpu: string;
  cores: number;
  memory_gib: number;
  os: string;
  host: string;
  node: string;
  nats_server: string;
  cc: string | null;
}

export function machineInfo(): MachineInfo {
  const version = (cmd: string, args: string[]) => {
    const r = spawnSync(cmd, args, { encoding: "utf8" });
    return r.status === 0 ? (r.stdout || r.stderr).split("\n")[0].trim() : null;
  };
  return {
    cpu: cpus()[0]?.model ?? "unknown",
    cores: cpus().length,
    memory_gib: Math.round(totalmem() / 2 ** 30),
    os: `Linux ${release()}`,
    host: hostname(),
    node: process.version,
    nats_server: version("nats-server", ["--version"]) ?? "unknown",
    cc: version("cc", ["--version"]),
  };
}
