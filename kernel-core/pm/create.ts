/**
 * Making a child and replacing a program, kernel-core's part: the child's identity is minted
 * here (its parent's credentials, a new pid, its group and session, its signal state as
 * posix_spawn's attributes say), the vfs server clones the parent's descriptors and runs the
 * file actions as the child, and the bus credentials are minted for the key the parent's libc
 * made. A failure at any step leaves no trace of the child.
 */
import type { ProcessEntry, ProcessTable, Disposition } from "../processes.js";
import type { PeerCall } from "../server-runtime.js";
import type { SpawnSpec } from "../abi/spawn.js";
import { POSIX_SPAWN } from "../abi/spawn.js";
import { SIG_IGN, UNBLOCKABLE, sigbit } from "../abi/signal.js";
import { E } from "../errno.js";
import type { ProcessManager } from "./manager.js";

export interface CreateDeps {
  processes: ProcessTable;
  pm: ProcessManager;
  peer: PeerCall;
  /** Bus credentials (a user JWT) for process `pid`'s public key; absent on an open bus. */
  mint?: (pid: number, key: string) => Promise<string>;
  /** Servers hear of a new process (its credentials) before anything is done as it. */
  changed(pid: number): void;
  /** Undoes a child that could not be made: gone, with no zombie and no SIGCHLD. */
  discard(pid: number): void;
  /** The caller's deadline: a spawn that took longer has been given up by libc (ETIMEDOUT). */
  deadlineMs: number;
}

/**
 * The share of the deadline after which a spawn is abandoned here too: the caller's clock started
 * before the request reached the kernel, so the kernel gives up a little earlier than libc does —
 * a child libc never heard of would hold its parent's pipe ends and never run.
 */
const GIVE_UP = 0.8;

/** The errno a peer answer carries, 0 when it succeeded. */
async function ask(peer: PeerCall, op: string, args: Record<string, unknown>): Promise<number> {
  try {
    const r = (await peer("vfs", op, args)) as { error?: number };
    return r?.error ? -r.error : 0;
  } catch {
    return -E.EIO;
  }
}

export async function spawnChild(d: CreateDeps, parent: ProcessEntry, path: string, spec: SpawnSpec): Promise<{ pid: number; jwt: string } | number> {
  const started = performance.now();
  const setsid = (spec.flags & POSIX_SPAWN.SETSID) !== 0;
  const setpgroup = (spec.flags & POSIX_SPAWN.SETPGROUP) !== 0;
  if (setpgroup && spec.pgroup < 0) return -E.EINVAL;
  if (setpgroup && spec.pgroup > 0 && !d.processes.list().some((p) => p.pgid === spec.pgroup && p.sid === parent.sid && p.state === "running")) return -E.EPERM;
  // Ignored signals stay ignored across exec; handled ones return to their default (execve(2)).
  const actions = new Map<number, Disposition>();
  for (const [sig, a] of parent.actions) {
    const reset = (spec.flags & POSIX_SPAWN.SETSIGDEF) !== 0 && (spec.sigdefault & sigbit(sig)) !== 0n;
    if (a.handler === SIG_IGN && !reset) actions.set(sig, { ...a });
  }
  const child = d.processes.spawn({
    argv: spec.argv,
    ppid: parent.pid,
    inherit: { caller: parent.caller, suid: parent.suid, sgid: parent.sgid },
    pgid: setsid ? undefined : setpgroup ? spec.pgroup || undefined : parent.pgid,
    sid: setsid ? undefined : parent.sid,
    sigmask: ((spec.flags & POSIX_SPAWN.SETSIGMASK) !== 0 ? spec.sigmask : parent.sigmask) & ~UNBLOCKABLE,
    actions,
  });
  child.launching = true;
  d.changed(child.pid);
  const forked = await ask(d.peer, "proc.fork", { parent: parent.pid, caller: child.caller, actions: spec.actions, path });
  if (forked < 0) {
    d.discard(child.pid);
    return forked;
  }
  let jwt = "";
  if (d.mint) {
    try {
      jwt = await d.mint(child.pid, spec.key);
    } catch {
      d.discard(child.pid);
      return -E.EAGAIN;
    }
  }
  if (performance.now() - started > d.deadlineMs * GIVE_UP || child.state !== "running") {
    d.discard(child.pid);
    return -E.ETIMEDOUT;
  }
  return { pid: child.pid, jwt };
}

export async function execProgram(d: CreateDeps, p: ProcessEntry, path: string, argv: string[]): Promise<number> {
  const r = await ask(d.peer, "proc.exec", { caller: p.caller, path });
  if (r < 0) return r;
  p.launching = false;
  p.argv = argv.length > 0 ? argv : [path];
  p.comm = (path.split("/").pop() || path).slice(0, 15);
  d.pm.exec(p);
  return 0;
}
