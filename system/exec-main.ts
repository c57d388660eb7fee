/**
 * The OS process of a spawned child (micro and mono): reads its handoff from descriptor 3
 * (client-libc/transport/host-child.ts), becomes its process on the bus with the credentials
 * the kernel minted, and execs its program — which reads the program from natixfs and runs it.
 */
import { readFileSync } from "node:fs";
import { attachOverNats } from "../client-libc/transport/nats-port.js";
import { LocalTerminal } from "../client-libc/terminal.js";
import type { HostChildHandoff } from "../client-libc/transport/host-child.js";
import { processFor } from "../client-libc/connect.js";
import { runChild } from "../client-libc/exec.js";
import { forwardHostSignals } from "../client-libc/host-signals.js";

// No loader hooks: exec binds a stored program's natix imports itself (client-libc/exec.ts), and
// registering hooks would start a thread of their own (~70 ms of every spawn, measured).
const handoff = JSON.parse(readFileSync(3, "utf8")) as HostChildHandoff;
const terminal = new LocalTerminal();
let port;
try {
  port = await attachOverNats({ url: handoff.url, info: handoff.info, jwt: handoff.jwt || undefined, seed: handoff.seed, terminal, name: handoff.argv[0] ?? "?" });
} catch (err) {
  // Killed before its program started: the kernel ended the process and revoked its
  // credentials, so there is nothing left to run (and no one to tell). Anything else is said.
  const why = err instanceof Error ? err.message : String(err);
  if (!/credentials were refused/.test(why)) process.stderr.write(`${why}\n`);
  process.exit(137);
}
const proc = processFor(port, terminal);
forwardHostSignals(proc);
const status = await runChild(proc, handoff, { ownsHostProcess: true });
process.exit(status & 0xff);
