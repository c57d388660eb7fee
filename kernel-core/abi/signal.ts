/**
 * Signals as Linux x86-64 numbers them, their default actions (signal(7)), the wait status
 * encoding of <sys/wait.h>, and the sigaction/sigset layouts rt_sigaction and rt_sigprocmask
 * carry. One table: kill's checks, the process manager's delivery, strace and libc all read it.
 */
export type DefaultAction = "term" | "core" | "ign" | "stop" | "cont";

/** What a program's libc is told of a signal: run the handler; the kernel ended it; stopped; continued. */
export const SIGNAL_NOTICES = ["handle", "terminate", "stop", "continue"] as const;
export type SignalNotice = (typeof SIGNAL_NOTICES)[number];

/** [number, name, default action], as signal(7) lists them. */
const SIGNALS: ReadonlyArray<readonly [number, string, DefaultAction]> = [
  [1, "SIGHUP", "term"],
  [2, "SIGINT", "term"],
  [3, "SIGQUIT", "core"],
  [4, "SIGILL", "core"],
  [5, "SIGTRAP", "core"],
  [6, "SIGABRT", "core"],
  [7, "SIGBUS", "core"],
  [8, "SIGFPE", "core"],
  [9, "SIGKILL", "term"],
  [10, "SIGUSR1", "term"],
  [11, "SIGSEGV", "core"],
  [12, "SIGUSR2", "term"],
  [13, "SIGPIPE", "term"],
  [14, "SIGALRM", "term"],
  [15, "SIGTERM", "term"],
  [16, "SIGSTKFLT", "term"],
  [17, "SIGCHLD", "ign"],
  [18, "SIGCONT", "cont"],
  [19, "SIGSTOP", "stop"],
  [20, "SIGTSTP", "stop"],
  [21, "SIGTTIN", "stop"],
  [22, "SIGTTOU", "stop"],
  [23, "SIGURG", "ign"],
  [24, "SIGXCPU", "core"],
  [25, "SIGXFSZ", "core"],
  [26, "SIGVTALRM", "term"],
  [27, "SIGPROF", "term"],
  [28, "SIGWINCH", "ign"],
  [29, "SIGIO", "term"],
  [30, "SIGPWR", "term"],
  [31, "SIGSYS", "core"],
];

/** The highest signal number (real-time signals 34..64 terminate by default). */
export const NSIG = 64;

/** Signal numbers by name: SIG.TERM === 15. */
export const SIG: Readonly<Record<string, number>> = Object.freeze(Object.fromEntries(SIGNALS.map(([n, name]) => [name.slice(3), n])));

const BY_NR = new Map(SIGNALS.map(([n, name, action]) => [n, { name, action }]));

export function signalName(sig: number): string | undefined {
  if (BY_NR.has(sig)) return BY_NR.get(sig)!.name;
  if (sig >= 34 && sig <= NSIG) return sig === 34 ? "SIGRTMIN" : `SIGRT_${sig - 34}`;
  return undefined;
}

export function signalByName(name: string): number | undefined {
  const bare = name.toUpperCase().replace(/^SIG/, "");
  return SIG[bare];
}

export function defaultAction(sig: number): DefaultAction {
  return BY_NR.get(sig)?.action ?? "term";
}

export function validSignal(sig: number): boolean {
  return Number.isInteger(sig) && sig >= 1 && sig <= NSIG && sig !== 32 && sig !== 33;
}

/** strsignal(3)'s descriptions (glibc's), as sh reports a job that a signal ended. */
const DESCRIPTIONS: Record<number, string> = {
  1: "Hangup", 2: "Interrupt", 3: "Quit", 4: "Illegal instruction", 5: "Trace/breakpoint trap", 6: "Aborted",
  7: "Bus error", 8: "Floating point exception", 9: "Killed", 10: "User defined signal 1", 11: "Segmentation fault",
  12: "User defined signal 2", 13: "Broken pipe", 14: "Alarm clock", 15: "Terminated", 16: "Stack fault",
  17: "Child exited", 18: "Continued", 19: "Stopped (signal)", 20: "Stopped", 21: "Stopped (tty input)",
  22: "Stopped (tty output)", 23: "Urgent I/O condition", 24: "CPU time limit exceeded", 25: "File size limit exceeded",
  26: "Virtual timer expired", 27: "Profiling timer expired", 28: "Window changed", 29: "I/O possible",
  30: "Power failure", 31: "Bad system call",
};

export function describeSignal(sig: number): string {
  return DESCRIPTIONS[sig] ?? (sig >= 34 && sig <= NSIG ? `Real-time signal ${sig - 34}` : `Unknown signal ${sig}`);
}

/** SIGKILL and SIGSTOP can be neither caught, ignored nor blocked. */
export const UNCATCHABLE = (sig: number) => sig === 9 || sig === 19;

// <sys/wait.h>: how wait4 reports what happened to a child.
export const WAIT = Object.freeze({ NOHANG: 1, UNTRACED: 2, CONTINUED: 8, __WNOTHREAD: 0x20000000, __WALL: 0x40000000, __WCLONE: 0x80000000 });
export const exitedStatus = (code: number) => (code & 0xff) << 8;
export const signaledStatus = (sig: number, core = false) => (sig & 0x7f) | (core ? 0x80 : 0);
export const stoppedStatus = (sig: number) => 0x7f | ((sig & 0xff) << 8);
export const CONTINUED_STATUS = 0xffff;
export const WIFEXITED = (s: number) => (s & 0x7f) === 0;
export const WEXITSTATUS = (s: number) => (s >> 8) & 0xff;
export const WIFSIGNALED = (s: number) => ((s & 0x7f) + 1) >> 1 > 0 && (s & 0x7f) !== 0x7f;
export const WTERMSIG = (s: number) => s & 0x7f;
export const WCOREDUMP = (s: number) => (s & 0x80) !== 0;
export const WIFSTOPPED = (s: number) => (s & 0xff) === 0x7f;
export const WSTOPSIG = (s: number) => (s >> 8) & 0xff;
export const WIFCONTINUED = (s: number) => s === CONTINUED_STATUS;

/** The exit status a shell reports for a wait status: the code, or 128 + the signal. */
export const shellStatus = (s: number) => (WIFSIGNALED(s) ? 128 + WTERMSIG(s) : WIFSTOPPED(s) ? 128 + WSTOPSIG(s) : WEXITSTATUS(s));

// sigaction: what rt_sigaction carries (the kernel's struct: handler, flags, restorer, mask).
export const SIG_DFL = 0;
export const SIG_IGN = 1;
/** Any other handler value: the program installed a function (libc keeps the function itself). */
export const SIG_HANDLER = 2;
export const SA = Object.freeze({ NOCLDSTOP: 0x1, NOCLDWAIT: 0x2, SIGINFO: 0x4, ONSTACK: 0x08000000, RESTART: 0x10000000, NODEFER: 0x40000000, RESETHAND: 0x80000000, RESTORER: 0x04000000 });
export const SIGACTION_SIZE = 32;
export const SIGSET_SIZE = 8;
export const SIG_HOW = Object.freeze({ BLOCK: 0, UNBLOCK: 1, SETMASK: 2 });

/** A signal set as a bigint: bit (sig − 1). */
export const sigbit = (sig: number) => 1n << BigInt(sig - 1);
/** What may never be blocked. */
export const UNBLOCKABLE = sigbit(9) | sigbit(19);

export interface KSigaction {
  handler: number;
  flags: number;
  mask: bigint;
}

export function encodeSigaction(a: KSigaction): Uint8Array {
  const b = new Uint8Array(SIGACTION_SIZE);
  const v = new DataView(b.buffer);
  v.setBigUint64(0, BigInt(a.handler), true);
  v.setBigUint64(8, BigInt(a.flags >>> 0), true);
  v.setBigUint64(24, a.mask, true);
  return b;
}

export function decodeSigaction(b: Uint8Array): KSigaction | undefined {
  if (b.length < SIGACTION_SIZE) return undefined;
  const v = new DataView(b.buffer, b.byteOffset, b.byteLength);
  return { handler: Number(v.getBigUint64(0, true)), flags: Number(v.getBigUint64(8, true) & 0xffffffffn), mask: v.getBigUint64(24, true) };
}

export function encodeSigset(set: bigint): Uint8Array {
  const b = new Uint8Array(SIGSET_SIZE);
  new DataView(b.buffer).setBigUint64(0, set, true);
  return b;
}

export function decodeSigset(b: Uint8Array): bigint | undefined {
  if (b.length < SIGSET_SIZE) return undefined;
  return new DataView(b.buffer, b.byteOffset, b.byteLength).getBigUint64(0, true);
}

/** The signals of a set, as strace lists them ([INT TERM]). */
export function sigsetNames(set: bigint): string[] {
  const out: string[] = [];
  for (let s = 1; s <= NSIG; s++) if (set & sigbit(s)) out.push((signalName(s) ?? String(s)).replace(/^SIG/, ""));
  return out;
}
