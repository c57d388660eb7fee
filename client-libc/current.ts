/**
 * The program's own process, which the named exports of natix/libc act on, and its `errno`
 * (a live binding: `import { errno }` always shows the latest value, as C's errno does).
 * `natix run` installs the process; a program started some other way gets one on its first
 * call, from NATS_URL (or NATIX_EMBEDDED=1).
 */
import { AsyncLocalStorage } from "node:async_hooks";
import { connect, type Proc } from "./connect.js";
import type { Process } from "./process.js";

export let errno = 0;

let current: Proc | undefined;
let pending: Promise<Proc> | undefined;

/**
 * Several emulated processes may share one OS process (embedded mode's children): the process a
 * program's calls act on is the one whose code is running, carried across awaits.
 */
const running: AsyncLocalStorage<Proc> = ((globalThis as Record<symbol, unknown>)[Symbol.for("natix.libc.running")] ??= new AsyncLocalStorage<Proc>()) as AsyncLocalStorage<Proc>;
// (Shared through globalThis: a program loaded from the filesystem may get its own copy of this
// module — under a test runner's module loader, say — and must still see the process it runs as.)

/** Runs `fn` (a program's main) as process `p`: the named exports act on it. */
export function runAs<T>(p: Process, fn: () => T): T {
  return running.run(p as Proc, fn);
}

/** Installs the process the named exports act on (used by `natix run`). */
export function setCurrentProcess(proc: Proc): void {
  current = proc;
}

export function currentProcess(): Proc | Promise<Proc> {
  const scoped = running.getStore();
  if (scoped) return scoped;
  if (current) return current;
  pending ??= connect(process.env.NATIX_EMBEDDED === "1" ? { embedded: true } : {}).then((p) => (current = p));
  return pending;
}

type AsyncFn = (...args: never[]) => Promise<unknown>;
type Methods = { [K in keyof Proc]: Proc[K] extends AsyncFn ? K : never }[keyof Proc];

/** A named export that calls method `name` of the current process and mirrors its errno. */
export function forCurrent<K extends Methods>(name: K): Proc[K] {
  const fn = async (...args: unknown[]) => {
    const p = await currentProcess();
    try {
      return await (p[name] as (...a: unknown[]) => Promise<unknown>)(...args);
    } finally {
      errno = p.errno;
    }
  };
  return fn as Proc[K];
}

/**
 * Stream functions that make no syscall: they act on the installed process's streams at once
 * (a program calls them after its first stdio call, so the process is there).
 */
function syncOnCurrent<K extends "feof" | "ferror" | "clearerr" | "fileno" | "setvbuf" | "setbuf" | "ungetc">(name: K): Proc[K] {
  return ((...args: unknown[]) => {
    const p = running.getStore() ?? current;
    if (p === undefined) throw new Error(`natix/libc: ${name}() before the process exists`);
    return (p[name] as (...a: unknown[]) => unknown)(...args);
  }) as Proc[K];
}

/** A function that makes no syscall (the environment), on the running process. */
export function onRunning<K extends "getenv" | "setenv" | "unsetenv" | "environ">(name: K): Proc[K] {
  return ((...args: unknown[]) => {
    const p = running.getStore() ?? current;
    if (p === undefined) throw new Error(`natix/libc: ${name}() before the process exists`);
    return (p[name] as (...a: unknown[]) => unknown)(...args);
  }) as Proc[K];
}

export const feof = syncOnCurrent("feof");
export const ferror = syncOnCurrent("ferror");
export const clearerr = syncOnCurrent("clearerr");
export const fileno = syncOnCurrent("fileno");
export const setvbuf = syncOnCurrent("setvbuf");
export const setbuf = syncOnCurrent("setbuf");
export const ungetc = syncOnCurrent("ungetc");

/**
 * The program's own NATS connection, with exactly its process's rights (null when embedded).
 * `natix run` creates the process before the program runs, so it is there from the start.
 */
export function busConnection(): ReturnType<Proc["busConnection"]> {
  const p = running.getStore() ?? current;
  if (p === undefined) throw new Error("natix/libc: busConnection() before the process exists");
  return p.busConnection();
}

/** Sets errno directly (C lets programs write errno = 0 before a call). */
export function setErrno(value: number): void {
  errno = value;
  const p = running.getStore() ?? current;
  if (p) p.errno = value;
}
