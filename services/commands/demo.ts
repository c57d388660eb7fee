/**
 * natix demo (what `npm start` runs): boots a private nats-server and the micro topology, runs
 * the chapter's examples through it as separate programs, loads and unloads the hwkm module,
 * shows the kernel log and a trace, then shuts everything down. Exits 0 when everything
 * behaved as the chapter says.
 */
import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { startSystem } from "../launcher.js";

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

function runStep(natsUrl: string, step: Step): Promise<number> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [cli, ...step.args, ...(step.args[0] === "run" || step.args[0] === "strace" ? [] : ["--nats", natsUrl])], {
      cwd: root,
      env: { ...process.env, NATS_URL: natsUrl },
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

export async function demo(): Promise<number> {
  const say = (line: string) => process.stdout.write(`${line}\n`);
  say("natix: starting a private nats-server and the microkernel (kernel, tty, blk, hello, vfs, mem)...");
  const system = await startSystem({ mode: "micro" });
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
