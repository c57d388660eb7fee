/**
 * The natix command line: up, run, demo, strace, dmesg, ps, insmod, rmmod, lsmod, fsck, mkfs,
 * keys, gateway, kill, restart.
 */
import { up, usage as upUsage, UsageError } from "./commands/up.js";
import { run, usage as runUsage } from "./commands/run.js";
import { demo } from "./commands/demo.js";
import { fsck, usage as fsckUsage } from "./commands/fsck.js";
import { dmesg, usage as dmesgUsage } from "./commands/dmesg.js";
import { ps, usage as psUsage } from "./commands/ps.js";
import { insmod, rmmod, lsmod, usages as moduleUsages } from "./commands/modules.js";
import { strace, usage as straceUsage } from "./commands/strace.js";
import { kill, restart, usages as rsUsages } from "./commands/services.js";
import { keys, usage as keysUsage } from "./commands/keys.js";
import { mkfsCommand, usage as mkfsUsage } from "./commands/mkfs.js";
import { gateway, usage as gatewayUsage } from "./commands/gateway.js";
import { component, health, usages as componentUsages } from "./commands/component.js";

const COMMANDS: Record<string, { usage: string; main: (argv: string[]) => Promise<number> }> = {
  up: { usage: upUsage, main: up },
  run: { usage: runUsage, main: run },
  demo: { usage: "natix demo", main: () => demo() },
  fsck: { usage: fsckUsage, main: fsck },
  mkfs: { usage: mkfsUsage, main: mkfsCommand },
  keys: { usage: keysUsage, main: keys },
  gateway: { usage: gatewayUsage, main: gateway },
  component: { usage: componentUsages.component, main: component },
  health: { usage: componentUsages.health, main: health },
  dmesg: { usage: dmesgUsage, main: dmesg },
  ps: { usage: psUsage, main: ps },
  insmod: { usage: moduleUsages.insmod, main: insmod },
  rmmod: { usage: moduleUsages.rmmod, main: rmmod },
  lsmod: { usage: moduleUsages.lsmod, main: lsmod },
  strace: { usage: straceUsage, main: strace },
  kill: { usage: rsUsages.kill, main: kill },
  restart: { usage: rsUsages.restart, main: restart },
};

function help(): string {
  return ["usage:", ...Object.values(COMMANDS).map((c) => `  ${c.usage}`)].join("\n") + "\n";
}

export async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === "help" || name === "--help" || name === "-h") {
    process.stdout.write(help());
    return name === undefined ? 2 : 0;
  }
  const command = COMMANDS[name];
  if (command === undefined) {
    process.stderr.write(`natix: unknown command ${JSON.stringify(name)}\n${help()}`);
    return 2;
  }
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
