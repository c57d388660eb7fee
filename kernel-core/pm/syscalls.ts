/**
 * Making and replacing programs, the two process calls kernel-core answers itself: natix_spawn
 * (posix_spawn's primitive) and execve. They are the kernel's because they create identity —
 * a pid, credentials, bus credentials — and the kernel asks the process manager for its half
 * (kernel-core/pm/create.ts). wait4, kill and the signal and group calls are the PM's
 * (servers/pm/).
 */
import type { ServerDefinition, SyscallContext } from "../server-runtime.js";
import type { ProcessEntry } from "../processes.js";
import { E } from "../errno.js";
import { decodeSpawn, decodeStrings, type SpawnSpec } from "../abi/spawn.js";
import { utf8 } from "../abi/strings.js";

export interface PmKernel {
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
    },
  };
}
