/**
 * Making a child and replacing a program, kernel-core's part: the child's identity is minted
 * here (its parent's credentials, a new pid), the process manager makes its place in the tree
 * (group, session, signal state as posix_spawn's attributes say), the vfs server clones the
 * parent's descriptors and runs the file actions as the child, and the bus credentials are
 * minted for the key the parent's libc made. A failure at any step leaves no trace of the child.
 */
import type { ProcessEntry, ProcessTable } from "../processes.js";
import type { PeerCall } from "../server-runtime.js";
import type { SpawnSpec } from "../abi/spawn.js";
import { POSIX_SPAWN } from "../abi/spawn.js";
import { decodePmFields, maskToWire, type PmFields } from "../abi/pm.js";
import { E } from "../errno.js";

export interface CreateDeps {
  processes: ProcessTable;
  peer: PeerCall;
  /** The PM's fields for a process, into the kernel's copy. */
  apply(fields: PmFields): void;
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

/** The errno a peer answer carries (0 when it succeeded), and the answer. */
async function ask(peer: PeerCall, server: string, op: string, args: Record<string, unknown>): Promise<[number, Record<string, unknown>?]> {
  try {
    const r = (await peer(server, op, args)) as { error?: number } & Record<string, unknown>;
    return [r?.error ? -r.error : 0, r];
  } catch {
    return [-E.EIO];
  }
}

export async function spawnChild(d: CreateDeps, parent: ProcessEntry, path: string, spec: SpawnSpec): Promise<{ pid: number; jwt: string } | number> {
  const started = performance.now();
  const setsid = (spec.flags & POSIX_SPAWN.SETSID) !== 0;
  const setpgroup = (spec.flags & POSIX_SPAWN.SETPGROUP) !== 0;
  if (setpgroup && spec.pgroup < 0) return -E.EINVAL;
  const child = d.processes.spawn({ argv: spec.argv, ppid: parent.pid, inherit: { caller: parent.caller, suid: parent.suid, sgid: parent.sgid } });
  child.launching = true;
  const [made, answer] = await ask(d.peer, "pm", "pm.spawn", {
    parent: parent.pid,
    child: { pid: child.pid, uid: child.caller.uid, euid: child.caller.euid, suid: child.suid },
    setsid,
    pgroup: setpgroup ? spec.pgroup : undefined,
    sigmask: (spec.flags & POSIX_SPAWN.SETSIGMASK) !== 0 ? maskToWire(spec.sigmask) : undefined,
    sigdefault: maskToWire((spec.flags & POSIX_SPAWN.SETSIGDEF) !== 0 ? spec.sigdefault : 0n),
  });
  const fields = decodePmFields(answer?.fields);
  if (made < 0 || fields === undefined || fields.pid !== child.pid) {
    d.discard(child.pid);
    return made < 0 ? made : -E.EIO;
  }
  d.apply(fields);
  d.changed(child.pid);
  const [forked] = await ask(d.peer, "vfs", "proc.fork", { parent: parent.pid, caller: child.caller, actions: spec.actions, path });
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
  const [r] = await ask(d.peer, "vfs", "proc.exec", { caller: p.caller, path });
  if (r < 0) return r;
  p.launching = false;
  p.argv = argv.length > 0 ? argv : [path];
  p.comm = (path.split("/").pop() || path).slice(0, 15);
  // Handled signals go back to their default (the PM's table): past the point of no return, so
  // a PM that cannot be reached does not fail the exec — it is logged where the PM is.
  await ask(d.peer, "pm", "pm.exec", { pid: p.pid });
  return 0;
}
