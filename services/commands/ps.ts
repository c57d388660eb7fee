/**
 * natix ps [--nats URL] — the emulated processes, as `ps -ef` lists them:
 * UID PID PPID C STIME TTY TIME CMD.
 */
import { parseArgs } from "node:util";
import { connectNats } from "../../client-libc/transport/nats-port.js";
import { SUBJECTS } from "../../kernel-core/abi/subjects.js";
import { natsUrlFrom } from "./dmesg.js";

export const usage = "natix ps [--nats URL]";

interface ProcessRow {
  pid: number;
  ppid: number;
  uid: number;
  argv: string[];
  startedWall: number;
}

const user = (uid: number) => (uid === 0 ? "root" : String(uid));
const hhmm = (ms: number) => new Date(ms).toTimeString().slice(0, 5);

/** One line of `ps -ef`, with its column widths. */
export function psLine(uid: string, pid: string, ppid: string, c: string, stime: string, tty: string, time: string, cmd: string): string {
  return `${uid.padEnd(8)} ${pid.padStart(7)} ${ppid.padStart(7)} ${c.padStart(2)} ${stime.padEnd(5)} ${tty.padEnd(8)} ${time.padStart(8)} ${cmd}`;
}

export async function ps(argv: string[]): Promise<number> {
  const { values } = parseArgs({ args: argv, options: { nats: { type: "string" }, e: { type: "boolean" }, f: { type: "boolean" } } });
  const nc = await connectNats(natsUrlFrom(values.nats), "natix-ps");
  try {
    const status = (await nc.request(SUBJECTS.status, "", { timeout: 5000 })).json<{ uptimeMs: number; processes: ProcessRow[] }>();
    const lines = [psLine("UID", "PID", "PPID", "C", "STIME", "TTY", "TIME", "CMD")];
    lines.push(psLine("root", "1", "0", "0", hhmm(Date.now() - status.uptimeMs), "?", "00:00:00", "[natix-kernel]"));
    for (const p of status.processes.sort((a, b) => a.pid - b.pid)) {
      lines.push(psLine(user(p.uid), String(p.pid), String(p.ppid), "0", hhmm(p.startedWall), "console", "00:00:00", p.argv.join(" ")));
    }
    process.stdout.write(lines.join("\n") + "\n");
    return 0;
  } finally {
    await nc.close();
  }
}
