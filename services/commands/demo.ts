/**
 * natix demo (what `npm start` runs): boots a private nats-server and the micro topology, runs
 * the chapter's examples through it as separate programs, loads and unloads the hwkm module,
 * shows the kernel log and a trace, then shuts everything down. Exits 0 when everything
 * behaved as the chapter says. Without nats-server on PATH it runs NATS in a container where a
 * Docker engine answers; with neither, it says so in one line and runs the chapter embedded.
 */
import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { NoNatsError, startSystem } from "../launcher.js";
import { createEmbeddedSystem } from "../../system/embedded.js";
import { resolveModule } from "../../system/modules.js";
import { connect, O_RDONLY } from "../../client-libc/mod.js";
import { formatKmsg } from "../../kernel-core/kmsg.js";
import { MICRO_COMPONENTS } from "../../system/server-catalog.js";

const root = fileURLToPath(new URL("../../../", import.meta.url));
const cli = fileURLToPath(new URL("../../../bin/natix.js", import.meta.url));

interface Step {
  /** A heading printed before the step (a new section). */
  title?: string;
  /** natix arguments (--nats is added). */
  args: string[];
  /** The exit status the step has when natix behaves. */
  status: number;
  /** Show only the last lines of its output (for dmesg). */
  tail?: number;
}

const STEPS: Step[] = [
  { title: 'Example 11.1: write(2) called directly, syscall(1, 1, "Hello World!\\n", 13)', args: ["run", "examples/ex11_1.mjs"], status: 0 },
  { title: 'Example 11.2: the hello_world syscall, syscall(999, "Kam", 4, message, 64)', args: ["run", "examples/ex11_2.mjs"], status: 0 },
  { title: "Example 11.2 with an 84-byte name: str_len >= 64 fails with -1", args: ["run", "examples/ex11_2_long.mjs"], status: 1 },
  { title: "strace: the kernel's view of example 11.2 (trace on stderr)", args: ["strace", "examples/ex11_2.mjs"], status: 0 },
  { title: "Example 11.3: the hwkm kernel module, loaded without a reboot", args: ["insmod", "hwkm"], status: 0 },
  { args: ["lsmod"], status: 0 },
  { args: ["run", "examples/cat.mjs", "/proc/hwkm"], status: 0 },
  { args: ["run", "examples/cat.mjs", "/proc/hwkm"], status: 0 },
  { args: ["rmmod", "hwkm"], status: 0 },
  { title: "The kernel log: the hello_world syscall's and the module's messages", args: ["dmesg"], status: 0, tail: 8 },
];

function runStep(natsUrl: string | undefined, step: Step): Promise<number> {
  // Embedded: programs and traces run with the kernel inside them.
  const args = natsUrl === undefined ? [step.args[0], "--embedded", ...step.args.slice(1)] : [...step.args, ...(step.args[0] === "run" || step.args[0] === "strace" ? [] : ["--nats", natsUrl])];
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [cli, ...args], {
      cwd: root,
      env: natsUrl === undefined ? process.env : { ...process.env, NATS_URL: natsUrl },
      stdio: ["ignore", step.tail ? "pipe" : "inherit", "inherit"],
    });
    let out = "";
    child.stdout?.on("data", (d: Buffer) => (out += d.toString()));
    child.once("exit", (code) => {
      if (step.tail) process.stdout.write(out.split("\n").filter(Boolean).slice(-step.tail).join("\n") + "\n");
      resolve(code ?? 1);
    });
  });
}

const say = (line: string) => process.stdout.write(`${line}\n`);

export async function demo(): Promise<number> {
  say(`natix: starting a private nats-server and the microkernel (kernel, ${MICRO_COMPONENTS.map((c) => c.name).join(", ")})...`);
  let system;
  try {
    system = await startSystem({ mode: "micro" });
  } catch (err) {
    if (!(err instanceof NoNatsError)) throw err;
    say(`natix: ${err.message}: running the chapter with the kernel embedded in each program instead (install nats-server — Debian: apt-get install nats-server — or Docker for the microkernel)`);
    return embeddedDemo();
  }
  say(`natix: up at ${system.natsUrl}`);
  let failures = 0;
  try {
    for (const step of STEPS) {
      if (step.title) say(`\n== ${step.title}`);
      say(`$ natix ${step.args.join(" ")}${step.tail ? ` | tail -n ${step.tail}` : ""}`);
      const status = await runStep(system.natsUrl, step);
      if (step.args[0] === "run" || step.args[0] === "strace") say(`[exit status ${status}]`);
      if (status !== step.status) failures++;
    }
  } finally {
    await system.stop();
  }
  say(failures === 0 ? "\nnatix: everything behaved as in the chapter; every process stopped." : `\nnatix: ${failures} step(s) misbehaved`);
  return failures === 0 ? 0 : 1;
}

/** The chapter without a bus: each program with the kernel inside it; the module in this process. */
async function embeddedDemo(): Promise<number> {
  let failures = 0;
  for (const step of STEPS.filter((s) => s.args[0] === "run" || s.args[0] === "strace").filter((s) => !s.args.includes("/proc/hwkm"))) {
    if (step.title) say(`\n== ${step.title}`);
    say(`$ natix ${step.args[0]} --embedded ${step.args.slice(1).join(" ")}`);
    const status = await runStep(undefined, step);
    say(`[exit status ${status}]`);
    if (status !== step.status) failures++;
  }
  say("\n== Example 11.3: the hwkm kernel module, loaded without a reboot (into this program's kernel)");
  const system = await createEmbeddedSystem();
  try {
    const error = await system.monolith.modules.insmod(resolveModule("hwkm"));
    if (error) throw new Error(error);
    const p = await connect({ embedded: system, argv: ["cat"] });
    const fd = await p.open("/proc/hwkm", O_RDONLY);
    const buf = new Uint8Array(256);
    const n = await p.read(fd, buf, buf.length);
    say(`$ cat /proc/hwkm\n${Buffer.from(buf.subarray(0, Math.max(0, n))).toString().trimEnd()}`);
    if (n <= 0) failures++;
    await p.exit(0);
    await system.monolith.modules.rmmod("hwkm");
    say("\n== The kernel log");
    for (const r of system.monolith.kernel.kmsg.since(0).slice(-4)) say(formatKmsg(r));
  } finally {
    await system.stop();
  }
  say(failures === 0 ? "\nnatix: everything behaved as in the chapter (embedded)." : `\nnatix: ${failures} step(s) misbehaved`);
  return failures === 0 ? 0 : 1;
}
