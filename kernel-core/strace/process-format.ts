/**
 * strace's rendering of the process calls' arguments: signal numbers and sets, sigaction,
 * wait4's status, execve's argv and environment, and natix_spawn's request.
 */
import { SA, WAIT, SIG_DFL, SIG_IGN, WCOREDUMP, WEXITSTATUS, WIFCONTINUED, WIFEXITED, WIFSIGNALED, WIFSTOPPED, WSTOPSIG, WTERMSIG, decodeSigaction, decodeSigset, signalName, sigsetNames } from "../abi/signal.js";
import { decodeSpawn, decodeStrings } from "../abi/spawn.js";
import { flagNames, hex, quote } from "./quote.js";

const pairs = (o: Record<string, number>, prefix: string) => Object.entries(o).map(([k, v]) => [v, prefix + k] as const);

/** Flag sets these calls take, by the table's format name. */
export const PROCESS_FLAGS: Record<string, ReadonlyArray<readonly [number, string]>> = {
  wait: Object.entries(WAIT).map(([k, v]) => [v, k.startsWith("__") ? k : `W${k}`] as const),
  sa: pairs(SA, "SA_"),
};

/** A scalar shown by name: a signal, or rt_sigprocmask's how. */
export function processScalar(fmt: string, v: number): string | undefined {
  if (fmt === "signal") return signalName(v) ?? String(v);
  if (fmt === "sighow") return ["SIG_BLOCK", "SIG_UNBLOCK", "SIG_SETMASK"][v] ?? String(v);
  if (fmt === "wait") return v === 0 ? "0" : flagNames(v >>> 0, PROCESS_FLAGS.wait);
  return undefined;
}

const sigset = (set: bigint) => `[${sigsetNames(set).join(" ")}]`;
const list = (items: string[], strsize: number) => `[${items.map((s) => quote(new TextEncoder().encode(s), strsize, false)).join(", ")}]`;
const vars = (n: number) => `${hex(0x7ffffffde800)} /* ${n} var${n === 1 ? "" : "s"} */`;

/** wait4's status as strace decodes it. */
function wstatus(s: number): string {
  if (WIFEXITED(s)) return `[{WIFEXITED(s) && WEXITSTATUS(s) == ${WEXITSTATUS(s)}}]`;
  if (WIFSIGNALED(s)) return `[{WIFSIGNALED(s) && WTERMSIG(s) == ${signalName(WTERMSIG(s)) ?? WTERMSIG(s)}${WCOREDUMP(s) ? " && WCOREDUMP(s)" : ""}}]`;
  if (WIFCONTINUED(s)) return "[{WIFCONTINUED(s)}]";
  if (WIFSTOPPED(s)) return `[{WIFSTOPPED(s) && WSTOPSIG(s) == ${signalName(WSTOPSIG(s)) ?? WSTOPSIG(s)}}]`;
  return `[${s}]`;
}

/** A struct or list argument of a process call; undefined when `kind` is not one of them. */
export function processStruct(kind: string, bytes: Uint8Array, strsize: number): string | undefined {
  switch (kind) {
    case "sigaction": {
      const a = decodeSigaction(bytes);
      if (!a) return undefined;
      const handler = a.handler === SIG_DFL ? "SIG_DFL" : a.handler === SIG_IGN ? "SIG_IGN" : hex(a.handler);
      const flags = a.flags === 0 ? "0" : flagNames(a.flags >>> 0, PROCESS_FLAGS.sa);
      return `{sa_handler=${handler}, sa_mask=${sigset(a.mask)}, sa_flags=${flags}}`;
    }
    case "sigset": {
      const s = decodeSigset(bytes);
      return s === undefined ? undefined : sigset(s);
    }
    case "wstatus":
      return bytes.length < 4 ? undefined : wstatus(new DataView(bytes.buffer, bytes.byteOffset, 4).getInt32(0, true));
    case "rusage":
      return "{ru_utime={tv_sec=0, tv_usec=0}, ru_stime={tv_sec=0, tv_usec=0}, ...}";
    case "argv": {
      const l = decodeStrings(bytes);
      return l === undefined ? undefined : list(l, strsize);
    }
    case "envp": {
      const l = decodeStrings(bytes);
      return l === undefined ? undefined : vars(l.length);
    }
    case "spawn": {
      const s = decodeSpawn(bytes);
      if (typeof s === "string") return undefined;
      const actions = s.actions.map((a) =>
        a.op === "close" ? `close(${a.fd})` : a.op === "dup2" ? `dup2(${a.fd}, ${a.fd === a.newfd ? a.fd : a.newfd})` : a.op === "chdir" ? `chdir(${quote(new TextEncoder().encode(a.path), strsize, false)})` : `open(${a.fd}, ${quote(new TextEncoder().encode(a.path), strsize, false)})`,
      );
      return `{argv=${list(s.argv, strsize)}, envp=${vars(s.envp.length)}${actions.length ? `, actions=[${actions.join(", ")}]` : ""}${s.flags ? `, flags=${hex(s.flags)}` : ""}}`;
    }
    case "creds":
      return "{jwt=...}";
    default:
      return undefined;
  }
}
