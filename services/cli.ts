/**
 * The natix command line: up, run, sh, cp, demo, strace, dmesg, ps, insmod, rmmod, lsmod, fsck, mkfs,
 * keys, gateway, kill, restart.
 */
import { UsageError } from "./commands/usage-error.js";

interface Command {
  usage: string;
  main: (argv: string[]) => Promise<number>;
}

/**
 * Each command's module is loaded when that command runs: a component's container or a health
 * check starts without loading the gateway's web server or the launcher (half a second of a busy
 * machine's time that a restarted driver would otherwise spend before it serves).
 */
const COMMANDS: Record<string, () => Promise<Command>> = {
  up: async () => { const m = await import("./commands/up.js"); return { usage: m.usage, main: m.up }; },
  run: async () => { const m = await import("./commands/run.js"); return { usage: m.usage, main: m.run }; },
  sh: async () => { const m = await import("./commands/sh.js"); return { usage: m.usage, main: m.sh }; },
  cp: async () => { const m = await import("./commands/cp.js"); return { usage: m.usage, main: m.cp }; },
  demo: async () => { const m = await import("./commands/demo.js"); return { usage: "natix demo", main: () => m.demo() }; },
  fsck: async () => { const m = await import("./commands/fsck.js"); return { usage: m.usage, main: m.fsck }; },
  mkfs: async () => { const m = await import("./commands/mkfs.js"); return { usage: m.usage, main: m.mkfsCommand }; },
  keys: async () => { const m = await import("./commands/keys.js"); return { usage: m.usage, main: m.keys }; },
  gateway: async () => { const m = await import("./commands/gateway.js"); return { usage: m.usage, main: m.gateway }; },
  component: async () => { const m = await import("./commands/component.js"); return { usage: m.usage, main: m.component }; },
  health: async () => { const m = await import("./commands/health.js"); return { usage: m.usage, main: m.health }; },
  dmesg: async () => { const m = await import("./commands/dmesg.js"); return { usage: m.usage, main: m.dmesg }; },
  ps: async () => { const m = await import("./commands/ps.js"); return { usage: m.usage, main: m.ps }; },
  insmod: async () => { const m = await import("./commands/modules.js"); return { usage: m.usages.insmod, main: m.insmod }; },
  rmmod: async () => { const m = await import("./commands/modules.js"); return { usage: m.usages.rmmod, main: m.rmmod }; },
  lsmod: async () => { const m = await import("./commands/modules.js"); return { usage: m.usages.lsmod, main: m.lsmod }; },
  strace: async () => { const m = await import("./commands/strace.js"); return { usage: m.usage, main: m.strace }; },
  kill: async () => { const m = await import("./commands/services.js"); return { usage: m.usages.kill, main: m.kill }; },
  restart: async () => { const m = await import("./commands/services.js"); return { usage: m.usages.restart, main: m.restart }; },
};

async function help(): Promise<string> {
  const commands = await Promise.all(Object.values(COMMANDS).map((load) => load()));
  return ["usage:", ...commands.map((c) => `  ${c.usage}`)].join("\n") + "\n";
}

export async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === "help" || name === "--help" || name === "-h") {
    process.stdout.write(await help());
    return name === undefined ? 2 : 0;
  }
  const load = Object.hasOwn(COMMANDS, name) ? COMMANDS[name] : undefined;
  if (load === undefined) {
    process.stderr.write(`natix: unknown command ${JSON.stringify(name)}\n${await help()}`);
    return 2;
  }
  const command = await load();
  try {
    return await command.main(rest);
  } catch (err) {
    if (err instanceof UsageError || (err as NodeJS.ErrnoException).code?.startsWith("ERR_PARSE_ARGS")) {
      process.stderr.write(`natix ${name}: ${(err as Error).message}\nusage: ${command.usage}\n`);
      return 2;
    }
    process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
    return 1;
  }
}
