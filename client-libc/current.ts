/**
 * The program's own process, which the named exports of natix/libc act on, and its `errno`
 * (a live binding: `import { errno }` always shows the latest value, as C's errno does).
 * `natix run` installs the process; a program started some other way gets one on its first
 * call, from NATS_URL (or NATIX_EMBEDDED=1).
 */
import { connect, type Proc } from "./connect.js";
import { runningProcess } from "./running.js";

/** The process running here (a spawned program's), else the one natix run installed. */
const running = { getStore: () => runningProcess() as Proc | undefined };

export let errno = 0;

let current: Proc | undefined;
let pending: Promise<Proc> | undefined;

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
