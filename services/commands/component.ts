/**
 * natix component NAME [ARGS...] — runs one component in the foreground, as `natix up` starts
 * it (one image runs any component: docker compose says which): kernel, vfs, mem, hello, pm, tty,
 * blk, mono, gateway. Its settings come from the environment (NATS_URL, NATIX_CREDS, ...).
 * (`natix health NAME`, the containers' healthcheck, is commands/health.ts.)
 */
import { SERVERS } from "../../system/server-catalog.js";
import { UsageError } from "./usage-error.js";

export const usage = "natix component kernel|vfs|mem|hello|pm|tty|blk|mono|gateway";

/** The script each component runs (relative to build/services/). */
const MAINS: Record<string, { script: string; args: string[] }> = {
  kernel: { script: "../kernel-main.js", args: [] },
  mono: { script: "../mono-main.js", args: [] },
  gateway: { script: "../gateway/main.js", args: [] },
  tty: { script: "../driver-main.js", args: ["tty"] },
  blk: { script: "../driver-main.js", args: ["blk"] },
  ...Object.fromEntries(SERVERS.map((s) => [s.name, { script: "../server-main.js", args: [s.name] }])),
};

export async function component(argv: string[]): Promise<number> {
  const main = MAINS[argv[0] ?? ""];
  if (main === undefined) throw new UsageError(`give a component: ${Object.keys(MAINS).join(", ")}`);
  // The component's main reads its name from argv[2], as when the supervisor starts it.
  process.argv = [process.argv[0], main.script, ...main.args];
  await import(main.script);
  // Its main keeps the process alive until SIGTERM, and exits itself.
  return new Promise<number>(() => {});
}
