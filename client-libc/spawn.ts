/**
 * <spawn.h>, <sys/wait.h> and execve for programs: posix_spawn builds its whole request (argv,
 * envp, file actions, attributes) into one natix_spawn call — the kernel makes the child, the
 * vfs server runs the file actions as the child — and then starts the child's program.
 * posix_spawn returns an error number and leaves errno alone, as POSIX says; wait4/waitpid
 * follow the −1-and-errno convention.
 */
import type { Process } from "./process.js";
import { SYS } from "../kernel-core/syscalls/table.js";
import { E } from "../kernel-core/errno.js";
import { POSIX_SPAWN, encodeSpawn, type FileAction } from "../kernel-core/abi/spawn.js";
import { SIG, WAIT } from "../kernel-core/abi/signal.js";
import { decodeUtf8, untilNul } from "../kernel-core/abi/strings.js";
import { SPAWN_CREDS_BYTES } from "../kernel-core/pm/syscalls.js";
import { execve } from "./exec.js";
import type { SigSet } from "./signal-calls.js";

/** posix_spawn_file_actions_t: the actions, run in order in the child before its program. */
export interface SpawnFileActions {
  actions: FileAction[];
}

/** posix_spawnattr_t. */
export interface SpawnAttr {
  flags: number;
  pgroup: number;
  sigmask: bigint;
  sigdefault: bigint;
}

export const posix_spawn_file_actions_init = (): SpawnFileActions => ({ actions: [] });
export const posix_spawn_file_actions_destroy = (fa: SpawnFileActions): number => ((fa.actions.length = 0), 0);
const add = (fa: SpawnFileActions, a: FileAction, ...fds: number[]): number => (fds.some((fd) => !Number.isInteger(fd) || fd < 0 || fd >= 1024) ? E.EBADF : (fa.actions.push(a), 0));
export const posix_spawn_file_actions_addopen = (fa: SpawnFileActions, fd: number, path: string, oflag: number, mode: number) => add(fa, { op: "open", fd, path, oflag, mode }, fd);
export const posix_spawn_file_actions_addclose = (fa: SpawnFileActions, fd: number) => add(fa, { op: "close", fd }, fd);
export const posix_spawn_file_actions_adddup2 = (fa: SpawnFileActions, fd: number, newfd: number) => add(fa, { op: "dup2", fd, newfd }, fd, newfd);
export const posix_spawn_file_actions_addchdir_np = (fa: SpawnFileActions, path: string) => add(fa, { op: "chdir", path });

export const posix_spawnattr_init = (): SpawnAttr => ({ flags: 0, pgroup: 0, sigmask: 0n, sigdefault: 0n });
export const posix_spawnattr_destroy = (_a: SpawnAttr): number => 0;
export const posix_spawnattr_setflags = (a: SpawnAttr, flags: number): number => ((a.flags = flags), 0);
export const posix_spawnattr_getflags = (a: SpawnAttr, out: number[]): number => ((out[0] = a.flags), 0);
export const posix_spawnattr_setpgroup = (a: SpawnAttr, pgroup: number): number => ((a.pgroup = pgroup), 0);
export const posix_spawnattr_setsigmask = (a: SpawnAttr, set: SigSet): number => ((a.sigmask = set.bits), 0);
export const posix_spawnattr_setsigdefault = (a: SpawnAttr, set: SigSet): number => ((a.sigdefault = set.bits), 0);

export const { RESETIDS: POSIX_SPAWN_RESETIDS, SETPGROUP: POSIX_SPAWN_SETPGROUP, SETSIGDEF: POSIX_SPAWN_SETSIGDEF, SETSIGMASK: POSIX_SPAWN_SETSIGMASK, SETSID: POSIX_SPAWN_SETSID } = POSIX_SPAWN;

type PidOut = number[] | Int32Array | null;

/** The process's environment as envp ("NAME=value"). */
export const environOf = (p: Process): string[] => [...p.env].map(([k, v]) => `${k}=${v}`);

async function spawnAt(p: Process, pidOut: PidOut, path: string, fa: SpawnFileActions | null, attr: SpawnAttr | null, argv: string[], envp: string[]): Promise<number> {
  if (!p.port.launch) return E.ENOSYS;
  const key = p.port.childKey?.() ?? null;
  const spec = encodeSpawn({
    argv,
    envp,
    actions: fa?.actions ?? [],
    flags: attr?.flags ?? 0,
    pgroup: attr?.pgroup ?? 0,
    sigmask: attr?.sigmask ?? 0n,
    sigdefault: attr?.sigdefault ?? 0n,
    key: key?.publicKey ?? "",
  });
  const creds = new Uint8Array(SPAWN_CREDS_BYTES);
  const pid = await p.rawSyscall(SYS.natix_spawn, path, spec, spec.length, creds, creds.length);
  if (pid < 0) return -pid;
  const jwt = decodeUtf8(untilNul(creds));
  try {
    await p.port.launch({ info: { ...p.port.info, pid, ppid: p.pid }, jwt, seed: key?.seed, path, argv, envp });
  } catch {
    // The child exists but its program could not start here: end it, and say so.
    await p.rawSyscall(SYS.kill, pid, SIG.KILL);
    await p.rawSyscall(SYS.wait4, pid, null, 0, null);
    return E.EAGAIN;
  }
  if (pidOut) pidOut[0] = pid;
  return 0;
}

/** Where posix_spawnp and execvp look: PATH, or glibc's default. */
function searchPath(p: Process, envp: string[] | undefined): string[] {
  const fromEnv = envp?.find((kv) => kv.startsWith("PATH="))?.slice(5) ?? p.env.get("PATH");
  return (fromEnv ?? "/bin:/usr/bin").split(":").map((d) => d || ".");
}

export function spawnCalls(p: Process) {
  const envOr = (envp?: string[]) => envp ?? environOf(p);
  /** wait4(2): the child's pid with its status in status[0]; 0 (WNOHANG); −1 and errno. */
  const wait4 = async (pid: number, status: PidOut, options = 0, rusage: Uint8Array | null = null) => {
    const buf = status ? new Uint8Array(4) : null;
    const r = await p.syscall(SYS.wait4, pid, buf, options, rusage);
    if (r > 0 && status && buf) status[0] = new DataView(buf.buffer).getInt32(0, true);
    return r;
  };
  return {
    /** posix_spawn(3): 0 with the child's pid in pidOut[0], or an error number (errno untouched). */
    posix_spawn: (pidOut: PidOut, path: string, fa: SpawnFileActions | null, attr: SpawnAttr | null, argv: string[], envp?: string[]) =>
      spawnAt(p, pidOut, path, fa, attr, argv, envOr(envp)),
    /** posix_spawnp(3): as posix_spawn, looking `file` up in PATH when it has no slash. */
    posix_spawnp: async (pidOut: PidOut, file: string, fa: SpawnFileActions | null, attr: SpawnAttr | null, argv: string[], envp?: string[]) => {
      if (file.includes("/")) return spawnAt(p, pidOut, file, fa, attr, argv, envOr(envp));
      if (file === "") return E.ENOENT;
      let seenEacces = false;
      for (const dir of searchPath(p, envp)) {
        const r = await spawnAt(p, pidOut, `${dir}/${file}`, fa, attr, argv, envOr(envp));
        if (r === E.EACCES) seenEacces = true;
        else if (r !== E.ENOENT && r !== E.ENOTDIR) return r;
      }
      return seenEacces ? E.EACCES : E.ENOENT;
    },
    wait4,
    waitpid: (pid: number, status: PidOut, options = 0) => wait4(pid, status, options),
    wait: (status: PidOut) => wait4(-1, status, 0),
    /** execve(2): −1 and errno when the program cannot run; otherwise it never returns. */
    execve: async (path: string, argv: string[], envp?: string[]) => p.result(await execve(p, path, argv, envOr(envp), { ownsHostProcess: p.ownsHostProcess })),
    execv: async (path: string, argv: string[]) => p.result(await execve(p, path, argv, environOf(p), { ownsHostProcess: p.ownsHostProcess })),
    /** execvp(3): PATH search as posix_spawnp's. */
    execvp: async (file: string, argv: string[]) => {
      if (file.includes("/")) return p.result(await execve(p, file, argv, environOf(p), { ownsHostProcess: p.ownsHostProcess }));
      let last = -E.ENOENT;
      for (const dir of searchPath(p, undefined)) {
        const r = await execve(p, `${dir}/${file}`, argv, environOf(p), { ownsHostProcess: p.ownsHostProcess });
        if (r !== -E.ENOENT && r !== -E.ENOTDIR) last = r;
        if (r !== -E.ENOENT && r !== -E.ENOTDIR && r !== -E.EACCES) break;
      }
      return p.result(last);
    },
    setpgid: (pid: number, pgid: number) => p.syscall(SYS.setpgid, pid, pgid),
    getpgid: (pid: number) => p.syscall(SYS.getpgid, pid),
    getpgrp: () => p.syscall(SYS.getpgrp),
    setsid: () => p.syscall(SYS.setsid),
    getsid: (pid: number) => p.syscall(SYS.getsid, pid),
  };
}

// <sys/wait.h>'s macros, over the Linux-encoded status.
export { WIFEXITED, WEXITSTATUS, WIFSIGNALED, WTERMSIG, WCOREDUMP, WIFSTOPPED, WSTOPSIG, WIFCONTINUED } from "../kernel-core/abi/signal.js";
export const { NOHANG: WNOHANG, UNTRACED: WUNTRACED, CONTINUED: WCONTINUED } = WAIT;
