/**
 * Signals the host sends an OS process that is one emulated process (natix run, natix sh, a
 * spawned child): Ctrl-C's SIGINT, SIGTERM, SIGHUP, SIGQUIT become the same signal sent to the
 * emulated process through the kernel, which decides what it does (the default ends it with
 * 128 + N, a handler runs, an ignored one is ignored) — instead of node ending the OS process
 * behind the kernel's back. If the kernel cannot be asked, the OS process ends as the default would.
 */
import type { Process } from "./process.js";
import { SYS } from "../kernel-core/syscalls/table.js";

const FORWARDED: readonly [NodeJS.Signals, number][] = [
  ["SIGHUP", 1],
  ["SIGINT", 2],
  ["SIGQUIT", 3],
  ["SIGTERM", 15],
];

export function forwardHostSignals(p: Process): void {
  for (const [name, sig] of FORWARDED) {
    process.on(name, () => {
      void p.rawSyscall(SYS.kill, p.pid, sig).then(
        (r) => r < 0 && process.exit(128 + sig),
        () => process.exit(128 + sig),
      );
    });
  }
}
