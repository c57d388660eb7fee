/**
 * natix ps [--nats URL] [--forest] — the emulated processes, as `ps -ef` lists them
 * (UID PID PPID C STIME TTY TIME CMD; a zombie as `[comm] <defunct>`), then the services the
 * supervisor runs. --forest orders them as a tree, each child under its parent (procps's
 * `ps -ef --forest`, with its ` \_ ` marks).
 */
import { parseArgs } from "node:util";
import { connectNats } from "../../transport/nats-connect.js";
import { SUBJECTS } from "../../kernel-core/abi/subjects.js";
import { TARGET_OPTIONS, natsUrlFrom, useCreds } from "./target.js";
import { RS_SUBJECTS } from "../../kernel-core/abi/subjects.js";
import { OPEN_BUS_WARNING } from "../bus/kernel-bus.js";
import type { InstanceStatus } from "../supervisor.js";

export const usage = "natix ps [--nats URL] [--creds FILE] [--forest]";

interface ProcessRow {
  pid: number;
  ppid: number;
  uid: number;
  comm?: string;
  argv: string[];
  state?: string;
  startedWall: number;
}

/** The rows in tree order (children after their parent, by pid), each with its depth. */
export function forest(rows: ProcessRow[]): { row: ProcessRow; depth: number }[] {
  const pids = new Set(rows.map((r) => r.pid));
  const kids = new Map<number, ProcessRow[]>();
  for (const r of rows) {
    const parent = pids.has(r.ppid) ? r.ppid : 0;
    kids.set(parent, [...(kids.get(parent) ?? []), r]);
  }
  const out: { row: ProcessRow; depth: number }[] = [];
  const walk = (parent: number, depth: number) => {
    for (const r of (kids.get(parent) ?? []).sort((a, b) => a.pid - b.pid)) {
      out.push({ row: r, depth });
      walk(r.pid, depth + 1);
    }
  };
  walk(0, 0);
  return out;
}

const command = (p: ProcessRow) => (p.state === "zombie" ? `[${p.comm ?? p.argv[0]}] <defunct>` : p.argv.join(" "));

const uptime = (ms: number) => {
  const s = Math.floor(ms / 1000);
  return `${String(Math.floor(s / 3600)).padStart(2, "0")}:${String(Math.floor(s / 60) % 60).padStart(2, "0")}:${String(s % 60).padStart(2, "0")}`;
};
const user = (uid: number) => (uid === 0 ? "root" : String(uid));
const hhmm = (ms: number) => new Date(ms).toTimeString().slice(0, 5);

/** One line of `ps -ef`, with its column widths. */
export function psLine(uid: string, pid: string, ppid: string, c: string, stime: string, tty: string, time: string, cmd: string): string {
  return `${uid.padEnd(8)} ${pid.padStart(7)} ${ppid.padStart(7)} ${c.padStart(2)} ${stime.padEnd(5)} ${tty.padEnd(8)} ${time.padStart(8)} ${cmd}`;
}

export async function ps(argv: string[]): Promise<number> {
  const { values } = parseArgs({ args: argv, options: { ...TARGET_OPTIONS, e: { type: "boolean" }, f: { type: "boolean" }, forest: { type: "boolean" } } });
  useCreds(values.creds);
  const nc = await connectNats(natsUrlFrom(values.nats), "natix-ps");
  try {
    const status = (await nc.request(SUBJECTS.status, "", { timeout: 5000 })).json<{ uptimeMs: number; bus?: string; processes: ProcessRow[] }>();
    // Said first and loudly: on an open bus nothing below is protected.
    if (status.bus === "open") process.stderr.write(`natix: WARNING: ${OPEN_BUS_WARNING}\n`);
    const lines = [psLine("UID", "PID", "PPID", "C", "STIME", "TTY", "TIME", "CMD")];
    lines.push(psLine("root", "1", "0", "0", hhmm(Date.now() - status.uptimeMs), "?", "00:00:00", "[natix-kernel]"));
    const rows = values.forest ? forest(status.processes) : status.processes.sort((a, b) => a.pid - b.pid).map((row) => ({ row, depth: 0 }));
    for (const { row: p, depth } of rows) {
      const mark = depth > 0 ? `${"    ".repeat(depth - 1)} \\_ ` : "";
      lines.push(psLine(user(p.uid), String(p.pid), String(p.ppid), "0", hhmm(p.startedWall), "console", "00:00:00", mark + command(p)));
    }
    // The services the supervisor runs (when there is one): state, pid, restarts, uptime.
    const services = await nc
      .request(RS_SUBJECTS.status, "", { timeout: 2000 })
      .then((m) => m.json<InstanceStatus[]>())
      .catch(() => undefined);
    if (services) {
      // STANDBY: the pid of a warm standby ready to take over (natix up --standby), or -.
      lines.push("", `${"SERVICE".padEnd(10)} ${"STATE".padEnd(8)} ${"PID".padStart(7)} ${"RESTARTS".padStart(8)} ${"UPTIME".padStart(10)} ${"STANDBY".padStart(7)}`);
      for (const s of services) {
        const name = s.replica > 0 ? `${s.name}#${s.replica}` : s.name;
        lines.push(`${name.padEnd(10)} ${s.state.padEnd(8)} ${String(s.pid ?? "-").padStart(7)} ${String(s.restarts).padStart(8)} ${uptime(s.uptimeMs).padStart(10)} ${String(s.standbyPid ?? "-").padStart(7)}`);
      }
    }
    if (status.bus === "open") lines.push("", "BUS: not isolated (NATS is not in operator mode)");
    process.stdout.write(lines.join("\n") + "\n");
    return 0;
  } finally {
    await nc.close();
  }
}
