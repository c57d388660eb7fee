/**
 * natix demo (what `npm start` runs): boots a private nats-server and the micro topology, runs
 * the chapter's examples through it as separate programs, shows their output, shuts everything
 * down. Exits 0 when every example behaved as the chapter says.
 */
import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { relative } from "node:path";
import { startSystem } from "../launcher.js";

const root = fileURLToPath(new URL("../../../", import.meta.url));
const cli = fileURLToPath(new URL("../../../bin/natix.js", import.meta.url));

interface Example {
  title: string;
  file: string;
  args: string[];
  /** The exit status the chapter's program has. */
  status: number;
}

const EXAMPLES: Example[] = [
  { title: "Example 11.1: write(2) called directly, syscall(1, 1, \"Hello World!\\n\", 13)", file: "examples/ex11_1.mjs", args: [], status: 0 },
  { title: "Example 11.2: the hello_world syscall, syscall(999, \"Kam\", 4, message, 64)", file: "examples/ex11_2.mjs", args: [], status: 0 },
  { title: "Example 11.2 with an 84-byte name: str_len >= 64 fails with -1", file: "examples/ex11_2_long.mjs", args: [], status: 1 },
];

function runExample(natsUrl: string, ex: Example): Promise<number> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [cli, "run", "--nats", natsUrl, fileURLToPath(new URL(ex.file, `file://${root}`)), ...ex.args], {
      stdio: ["ignore", "inherit", "inherit"],
    });
    child.once("exit", (code) => resolve(code ?? 1));
  });
}

export async function demo(): Promise<number> {
  const say = (line: string) => process.stdout.write(`${line}\n`);
  say("natix: starting a private nats-server and the microkernel (kernel, tty, hello, vfs)...");
  const system = await startSystem({ mode: "micro" });
  say(`natix: up at ${system.natsUrl}\n`);
  let failures = 0;
  try {
    for (const ex of EXAMPLES) {
      say(`== ${ex.title}`);
      say(`$ natix run ${relative(root, fileURLToPath(new URL(ex.file, `file://${root}`)))}${ex.args.map((a) => ` ${a}`).join("")}`);
      const status = await runExample(system.natsUrl, ex);
      say(`[exit status ${status}]\n`);
      if (status !== ex.status) failures++;
    }
  } finally {
    await system.stop();
  }
  say(failures === 0 ? "natix: all examples behaved as in the chapter; every process stopped." : `natix: ${failures} example(s) misbehaved`);
  return failures === 0 ? 0 : 1;
}
