/**
 * Which emulated process the running code is. Several may share one OS process (embedded mode's
 * children): the one a program's named `natix/libc` calls act on is the one whose code is running,
 * carried across awaits. Shared through globalThis: a program loaded from the filesystem may get
 * its own copy of libc's modules (under a test runner's module loader, say) and must still see the
 * process it runs as.
 */
import { AsyncLocalStorage } from "node:async_hooks";
import type { Process } from "./process.js";

const KEY = Symbol.for("natix.libc.running");
const store = ((globalThis as Record<symbol, unknown>)[KEY] ??= new AsyncLocalStorage<Process>()) as AsyncLocalStorage<Process>;

/** Runs `fn` (a program's main) as process `p`. */
export function runAs<T>(p: Process, fn: () => T): T {
  return store.run(p, fn);
}

/** The process whose program is running here, if one was started with runAs. */
export function runningProcess(): Process | undefined {
  return store.getStore();
}
