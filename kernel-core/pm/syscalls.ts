/**
 * The process manager's syscalls: natix_spawn (posix_spawn's primitive), execve, wait4, kill,
 * rt_sigaction, rt_sigprocmask, and process groups and sessions. Each reads its arguments as
 * the table describes them and answers with Linux's errno; the work is ProcessManager's and,
 * for creating and replacing programs, kernel-core's (`PmKernel`).
 */
import type { ServerDefinition, SyscallContext } from "../server-runtime.js";
import type { ProcessEntry } from "../processes.js";
import type { ProcessManager } from "./manager.js";
import { E } from "../errno.js";
import { STRUCT_SIZES } from "../syscalls/table.js";
import { SIGSET_SIZE, decodeSigaction, decodeSigset, encodeSigaction, encodeSigset } from "../abi/signal.js";
import { decodeSpawn, decodeStrings, type SpawnSpec } from "../abi/spawn.js";
import { utf8 } from "../abi/strings.js";

export interface PmKernel {
  readonly pm: ProcessManager;
  process(pid: number): ProcessEntry | undefined;
  /** Creates `parent`'s child for `spec` (files cloned, actions run, program checked): its pid and bus credentials (JWT, "" on an open bus), or −errno. */
  spawnChild(parent: ProcessEntry, path: string, spec: SpawnSpec): Promise<{ pid: number; jwt: string } | number>;
  /** execve's kernel half: checks the program, closes close-on-exec descriptors, takes the new argv. */
  exec(p: ProcessEntry, path: string, argv: string[]): Promise<number>;
}

/** The room natix_spawn's creds buffer must have (a user JWT is about 1 KiB). */
export const SPAWN_CREDS_BYTES = 8192;

/** A NUL-separated string list from buffer argument i (length in argument i + 1). */
function strings(ctx: SyscallContext, i: number): string[] | number {
  const bytes = ctx.copyIn(i, ctx.size(i + 1));
  if (bytes === null) return -E.EFAULT;
  return decodeStrings(bytes) ?? -E.EINVAL;
}

export function createPmSyscalls(k: PmKernel): ServerDefinition {
  const self = (ctx: SyscallContext) => k.process(ctx.pid)!;
  return {
    name: "kernel",
    handlers: {
      natix_spawn: async (ctx) => {
        const path = ctx.path(0);
        if (typeof path === "number") return path;
        const bytes = ctx.copyIn(1, ctx.size(2));
        if (bytes === null) return -E.EFAULT;
        if (!ctx.fits(3, SPAWN_CREDS_BYTES) || ctx.size(4) < SPAWN_CREDS_BYTES) return -E.EFAULT;
        const spec = decodeSpawn(bytes);
        if (typeof spec === "string") return -E[spec];
        if (spec.argv.length === 0) return -E.EINVAL;
        const r = await k.spawnChild(self(ctx), path, spec);
        if (typeof r === "number") return r;
        ctx.copyOut(3, utf8(`${r.jwt}\0`));
        return r.pid;
      },
      execve: async (ctx) => {
        const path = ctx.path(0);
        if (typeof path === "number") return path;
        const argv = strings(ctx, 1);
        if (typeof argv === "number") return argv;
        const envp = strings(ctx, 3);
        if (typeof envp === "number") return envp;
        return k.exec(self(ctx), path, argv);
      },
      wait4: async (ctx) => {
        const wantsStatus = (ctx.request.outCap[1] ?? -1) >= 0;
        const wantsUsage = (ctx.request.outCap[3] ?? -1) >= 0;
        if (wantsStatus && !ctx.fits(1, STRUCT_SIZES.int)) return -E.EFAULT;
        if (wantsUsage && !ctx.fits(3, STRUCT_SIZES.rusage)) return -E.EFAULT;
        const r = await k.pm.wait(ctx.pid, ctx.int(0), ctx.int(2));
        if (typeof r === "number") return r;
        if (wantsStatus) {
          const b = new Uint8Array(STRUCT_SIZES.int);
          new DataView(b.buffer).setInt32(0, r.status, true);
          ctx.copyOut(1, b);
        }
        // No CPU accounting: rusage is all zeros, as for a child that used no measurable time.
        if (wantsUsage) ctx.copyOut(3, new Uint8Array(STRUCT_SIZES.rusage));
        return r.pid;
      },
      kill: (ctx) => k.pm.kill(ctx.pid, ctx.int(0), ctx.int(1)),
      rt_sigaction: (ctx) => {
        if (ctx.size(3) !== SIGSET_SIZE) return -E.EINVAL;
        let act;
        if (ctx.request.input[1] !== undefined) {
          const bytes = ctx.copyIn(1, STRUCT_SIZES.sigaction);
          act = bytes && decodeSigaction(bytes);
          if (!act) return -E.EFAULT;
        }
        const wantsOld = (ctx.request.outCap[2] ?? -1) >= 0;
        if (wantsOld && !ctx.fits(2, STRUCT_SIZES.sigaction)) return -E.EFAULT;
        const old = k.pm.sigaction(ctx.pid, ctx.int(0), act);
        if (typeof old === "number") return old;
        if (wantsOld) ctx.copyOut(2, encodeSigaction(old));
        return 0;
      },
      rt_sigprocmask: (ctx) => {
        if (ctx.size(3) !== SIGSET_SIZE) return -E.EINVAL;
        let set;
        if (ctx.request.input[1] !== undefined) {
          const bytes = ctx.copyIn(1, SIGSET_SIZE);
          set = bytes && decodeSigset(bytes);
          if (set === undefined || set === null) return -E.EFAULT;
        }
        const wantsOld = (ctx.request.outCap[2] ?? -1) >= 0;
        if (wantsOld && !ctx.fits(2, SIGSET_SIZE)) return -E.EFAULT;
        const how = ctx.int(0);
        if (set !== undefined && (how < 0 || how > 2)) return -E.EINVAL;
        const old = k.pm.sigprocmask(ctx.pid, how, set);
        if (typeof old === "number") return old;
        if (wantsOld) ctx.copyOut(2, encodeSigset(old));
        return 0;
      },
      setpgid: (ctx) => k.pm.setpgid(ctx.pid, ctx.int(0), ctx.int(1)),
      getpgid: (ctx) => k.pm.getpgid(ctx.pid, ctx.int(0)),
      getpgrp: (ctx) => k.pm.getpgid(ctx.pid, 0),
      setsid: (ctx) => k.pm.setsid(ctx.pid),
      getsid: (ctx) => k.pm.getsid(ctx.pid, ctx.int(0)),
    },
  };
}
