/**
 * natix strace [-f] [-o FILE] [-s STRSIZE] [-a COLUMN] [--nats URL | --embedded [--data DIR]] PROGRAM [ARGS...]
 * natix strace [-o FILE] [--nats URL] -p PID
 *
 * Prints every syscall a program makes, as strace does. The trace is taken by the kernel, not
 * by the program's libc: the runner asks for it when the process is created, the kernel
 * formats each call from the syscall table when it completes, and the program cannot hide a
 * call. -f is accepted (natix programs do not fork). Lines go to stderr (or FILE).
 */
import { spawn } from "node:child_process";
import { randomUUID } from "node:crypto";
import { openSync, writeSync, closeSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { connectNats } from "../../transport/nats-connect.js";
import { connect } from "../../client-libc/connect.js";
import { SUBJECTS } from "../../kernel-core/abi/subjects.js";
import { createEmbeddedSystem } from "../../system/embedded.js";
import { runProgram } from "./run.js";
import { UsageError } from "./usage-error.js";

export const usage =
  "natix strace [-f] [-o FILE] [-s STRSIZE] [-a COLUMN] [--nats URL [--creds FILE] | --embedded [--data DIR]] (PROGRAM [ARGS...] | -p PID)";

interface StraceOptions {
  output?: string;
  style: { strsize?: number; column?: number };
  nats?: string;
  embedded: boolean;
  dataDir?: string;
  pid?: number;
  program?: string;
  args: string[];
}

function parse(argv: string[]): StraceOptions {
  const o: StraceOptions = { style: {}, embedded: false, args: [] };
  let i = 0;
  const value = (flag: string) => {
    const v = argv[++i];
    if (v === undefined) throw new UsageError(`${flag} needs a value`);
    return v;
  };
  const count = (flag: string) => {
    const n = Number(value(flag));
    if (!Number.isInteger(n) || n < 0) throw new UsageError(`${flag} needs a non-negative integer`);
    return n;
  };
  for (; i < argv.length && argv[i].startsWith("-"); i++) {
    const a = argv[i];
    if (a === "--") {
      i++;
      break;
    }
    if (a === "-f" || a === "-ff") continue;
    else if (a === "-o") o.output = value(a);
    else if (a === "-s") o.style.strsize = count(a);
    else if (a === "-a") o.style.column = count(a);
    else if (a === "-p") o.pid = count(a);
    else if (a === "--nats") o.nats = value(a);
    else if (a === "--embedded") o.embedded = true;
    else if (a === "--creds") process.env.NATIX_CREDS = value(a);
    else if (a === "--data") o.dataDir = value(a);
    else throw new UsageError(`unknown option ${a}`);
  }
  o.program = argv[i];
  o.args = argv.slice(i + 1);
  if ((o.program === undefined) === (o.pid === undefined)) throw new UsageError("give a PROGRAM to run, or -p PID to attach to");
  if (o.embedded && o.pid !== undefined) throw new UsageError("-p attaches over NATS; an embedded kernel lives inside its program");
  return o;
}

/** Where trace lines go: stderr, or the -o file. */
function output(path?: string): { line(text: string): void; close(): void } {
  if (path === undefined) return { line: (t) => void process.stderr.write(t + "\n"), close: () => {} };
  const fd = openSync(path, "w");
  return { line: (t) => void writeSync(fd, t + "\n"), close: () => closeSync(fd) };
}

export async function strace(argv: string[]): Promise<number> {
  const o = parse(argv);
  const out = output(o.output);
  try {
    if (o.embedded) {
      const system = await createEmbeddedSystem({ dataDir: o.dataDir });
      try {
        return await runProgram({
          program: o.program!,
          args: o.args,
          connect: { embedded: system, trace: { sink: (l) => l !== null && out.line(l), style: o.style } },
        });
      } finally {
        await system.stop();
      }
    }
    const url = o.nats ?? process.env.NATS_URL;
    if (!url) throw new UsageError("no system to trace: pass --nats URL or set NATS_URL (or use --embedded)");
    return await traceOverNats(url, o, out.line);
  } finally {
    out.close();
  }
}

async function traceOverNats(url: string, o: StraceOptions, line: (t: string) => void): Promise<number> {
  const nc = await connectNats(url, "natix-strace");
  // The tracer is a process too, so the traced one's TracerPid names it.
  const self = await connect({ nats: url, argv: ["strace"] });
  const token = randomUUID().replace(/-/g, "");
  let finish!: () => void;
  const ended = new Promise<void>((r) => (finish = r));
  const sub = nc.subscribe(SUBJECTS.traceOut(token), {
    callback: (err, msg) => {
      if (err) return;
      if (msg.data.length === 0) finish();
      else line(msg.string());
    },
  });
  await nc.flush();
  const trace = { token, style: o.style, tracer: self.pid };
  try {
    if (o.pid !== undefined) {
      const reply = (await nc.request(SUBJECTS.trace, JSON.stringify({ pid: o.pid, ...trace }), { timeout: 5000 })).json<{ error?: string }>();
      if (reply.error) {
        process.stderr.write(`strace: attach: ptrace(PTRACE_SEIZE, ${o.pid}): ${reply.error === "ESRCH" ? "No such process" : reply.error}\n`);
        return 1;
      }
      process.stderr.write(`strace: Process ${o.pid} attached\n`);
      const detach = () => void nc.request(SUBJECTS.trace, JSON.stringify({ pid: o.pid, detach: true }), { timeout: 2000 }).catch(() => {}).finally(finish);
      process.once("SIGINT", detach);
      process.once("SIGTERM", detach);
      await ended;
      return 0;
    }
    const cli = fileURLToPath(new URL("../../../bin/natix.js", import.meta.url));
    const child = spawn(process.execPath, [cli, "run", "--nats", url, o.program!, ...o.args], {
      env: { ...process.env, NATIX_TRACE: JSON.stringify(trace) },
      stdio: "inherit",
    });
    const status = await new Promise<number>((r) => child.once("exit", (code, signal) => r(code ?? (signal ? 128 + 9 : 1))));
    // The kernel's last line ("+++ exited with N +++") may still be on its way.
    await Promise.race([ended, new Promise((r) => setTimeout(r, 3000))]);
    return status;
  } finally {
    sub.unsubscribe();
    await self.exit(0).catch(() => {});
    await nc.close();
  }
}
