/**
 * Starting children and waiting for them. JavaScript cannot fork, so every child is a
 * posix_spawn: an external program found on PATH, or — for a subshell, or a builtin that must
 * run in a child — natix's own /bin/sh given the command's source text.
 */
import {
  posix_spawn, posix_spawnp, posix_spawn_file_actions_init, posix_spawn_file_actions_addopen,
  posix_spawn_file_actions_addclose, posix_spawn_file_actions_adddup2,
  waitpid, WIFEXITED, WEXITSTATUS, WIFSIGNALED, WTERMSIG, strsignal, strerror, errno, E, O_RDONLY, SIGINT, SIGPIPE,
} from "./libc.js";
import type { FdStep } from "./redirect.js";
import { FUNCTIONS_ENV, SUBSHELL_ENV, type Shell } from "./state.js";

/** Where the child shell lives in natix's filesystem. */
export const SH_PATH = "/bin/sh";

export interface ChildSpec {
  argv: string[];
  env: string[];
  /** Pipe plumbing, then the command's redirections, in order. */
  steps: FdStep[];
  /** The parent's other pipe ends, which this child must not keep open (or readers never see EOF). */
  closeFds: number[];
  /** A background command without job control reads /dev/null, as dash's does. */
  background: boolean;
}

/** Either a child's pid, or the status of one that could not start (its message already printed). */
export type Started = { pid: number } | { status: number };

export async function spawnChild(sh: Shell, spec: ChildSpec): Promise<Started> {
  const fa = posix_spawn_file_actions_init();
  if (spec.background && !spec.steps.some((s) => s.target === 0)) posix_spawn_file_actions_addopen(fa, 0, "/dev/null", O_RDONLY, 0);
  for (const s of spec.steps) {
    if (s.source === null) posix_spawn_file_actions_addclose(fa, s.target);
    else if (s.source !== s.target) posix_spawn_file_actions_adddup2(fa, s.source, s.target);
  }
  for (const fd of spec.closeFds) if (!spec.steps.some((s) => s.target === fd)) posix_spawn_file_actions_addclose(fa, fd);
  const pidOut = [0];
  const name = spec.argv[0];
  const rc = name.includes("/")
    ? await posix_spawn(pidOut, name, fa, null, spec.argv, spec.env)
    : await posix_spawnp(pidOut, name, fa, null, spec.argv, spec.env);
  if (rc === 0) return { pid: pidOut[0] };
  // dash's words: a missing program is "not found" (127), one that will not run is 126. dash
  // says so from the forked child, after its redirections: so to where the child's stderr was to go.
  const errFd = childStderr(spec.steps);
  const say = (msg: string) => (errFd === null ? Promise.resolve(true) : sh.print(errFd, `${sh.name}: ${sh.line}: ${msg}\n`));
  if (rc === E.ENOENT || rc === E.ENOTDIR) {
    await say(`${name}: not found`);
    return { status: 127 };
  }
  await say(`${name}: ${rc === E.EACCES ? "Permission denied" : strerror(rc)}`);
  return { status: 126 };
}

/** Which of our descriptors the child's fd 2 would have been after its steps (null: closed). */
function childStderr(steps: FdStep[]): number | null {
  const fds = new Map<number, number | null>();
  for (const s of steps) fds.set(s.target, s.source === null ? null : fds.has(s.source) ? fds.get(s.source)! : s.source);
  return fds.has(2) ? fds.get(2)! : 2;
}

/** argv and environment of a child shell that runs `src` as a subshell of this one would. */
export function childShell(sh: Shell, src: string): { argv: string[]; env: string[] } {
  return {
    argv: ["sh", "-c", src, sh.name, ...sh.args],
    // Every variable (a subshell sees unexported ones too), which of them were unexported, and
    // the functions it must define again (a fork would have them).
    env: sh.environment([[SUBSHELL_ENV, sh.subshellState()], ...functionsEnv(sh)], true),
  };
}

function functionsEnv(sh: Shell): [string, string][] {
  if (sh.functions.size === 0) return [];
  return [[FUNCTIONS_ENV, [...sh.functions.values()].map((f) => f.src).join("\n")]];
}

/** A wait status as the shell's $?: the exit status, or 128 + the signal that ended it. */
export function statusOf(raw: number): number {
  if (WIFEXITED(raw)) return WEXITSTATUS(raw);
  if (WIFSIGNALED(raw)) return 128 + WTERMSIG(raw);
  return raw & 0xff;
}

/** Waits for one child (retrying after EINTR); its raw status, or -1 when it is not ours. */
export async function reap(pid: number): Promise<number> {
  const st = [0];
  for (;;) {
    const r = await waitpid(pid, st, 0);
    if (r === pid) return st[0];
    if (r < 0 && errno === E.EINTR) continue;
    return -1;
  }
}

/**
 * Waits for a foreground pipeline's children, in order; the status is the last one's. As
 * dash does, a child killed by a signal other than SIGINT or SIGPIPE is reported ("Killed").
 */
export async function waitForeground(sh: Shell, started: Started[]): Promise<number> {
  let status = 0;
  let report: string | undefined;
  for (const s of started) {
    if ("status" in s) {
      status = s.status;
      continue;
    }
    const raw = await reap(s.pid);
    if (raw < 0) {
      status = 127;
      continue;
    }
    if (WIFSIGNALED(raw) && WTERMSIG(raw) !== SIGINT && WTERMSIG(raw) !== SIGPIPE) report ??= strsignal(WTERMSIG(raw));
    status = statusOf(raw);
  }
  if (report !== undefined) await sh.print(2, `${report}\n`);
  return status;
}
