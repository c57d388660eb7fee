/**
 * Loadable kernel modules: what a module is, and how the kernel turns one into a server.
 *
 * A module is an ES module whose default export is a KernelModule. It may add syscalls (new
 * numbers, with their table entries) and /proc entries, and has init/exit hooks that run on
 * load and unload — the chapter's module_init/module_exit. In micro mode it runs as a server
 * process the kernel's loader starts; in mono and embedded mode it is imported into the
 * kernel's process. Either way it is the same object.
 */
import type { ArgSpec, SyscallDef, SyscallFlag } from "./syscalls/types.js";
import type { ServerDefinition, SyscallHandler } from "./server-runtime.js";

export interface ModuleSyscall {
  nr: number;
  name: string;
  args: ArgSpec[];
  flags?: SyscallFlag[];
  handler: SyscallHandler;
}

/** What a module may call: printk (the kernel log) is all the chapter's module needs. */
export interface ModuleKernelApi {
  printk(message: string): void;
}

export interface KernelModule {
  name: string;
  description?: string;
  syscalls?: ModuleSyscall[];
  /** /proc/<name> entries: each read returns the text. */
  proc?: Record<string, () => string | Promise<string>>;
  init?(k: ModuleKernelApi): void | Promise<void>;
  exit?(k: ModuleKernelApi): void | Promise<void>;
}

/** A module's registration facts (sent with its server's registration). */
export interface ModuleFacts {
  size: number;
  proc: string[];
}

export function isKernelModule(v: unknown): v is KernelModule {
  return typeof v === "object" && v !== null && typeof (v as KernelModule).name === "string" && /^[a-z][a-z0-9_]{0,30}$/.test((v as KernelModule).name);
}

/** The module as a server: its syscalls become handlers and table entries, its /proc entries peer answers. */
export function moduleServer(mod: KernelModule, api: ModuleKernelApi, onExit: () => void): ServerDefinition {
  const defs: SyscallDef[] = (mod.syscalls ?? []).map((s) => ({ nr: s.nr, name: s.name, owner: mod.name, args: s.args, flags: s.flags }));
  return {
    name: mod.name,
    handlers: Object.fromEntries((mod.syscalls ?? []).map((s) => [s.name, s.handler])),
    syscalls: defs,
    peer: {
      proc: async ({ entry }) => {
        const read = mod.proc?.[String(entry)];
        if (read === undefined) throw new Error(`${mod.name} has no /proc/${String(entry)}`);
        return read();
      },
      exit: async () => {
        await mod.exit?.(api);
        onExit();
        return true;
      },
    },
  };
}
