/**
 * Loaded kernel modules, as /proc/modules and lsmod show them, and the /proc entries they
 * added. The module's code runs in its own server process (micro) or in the kernel's process
 * (mono, embedded); this table is only what the kernel knows of it.
 */
export interface LoadedModule {
  name: string;
  /** Size in bytes, as /proc/modules reports it (the module file, in whole pages). */
  size: number;
  /** /proc entries it added (names directly under /proc). */
  proc: string[];
  /** Syscall numbers it added. */
  syscalls: number[];
  loadedAt: number;
}

export class ModuleTable {
  private readonly modules = new Map<string, LoadedModule>();

  add(m: LoadedModule): string | undefined {
    if (this.modules.has(m.name)) return `module ${m.name} is already loaded`;
    for (const other of this.modules.values()) {
      const clash = m.proc.find((e) => other.proc.includes(e));
      if (clash) return `/proc/${clash} already belongs to ${other.name}`;
    }
    this.modules.set(m.name, m);
    return undefined;
  }

  remove(name: string): LoadedModule | undefined {
    const m = this.modules.get(name);
    this.modules.delete(name);
    return m;
  }

  get(name: string): LoadedModule | undefined {
    return this.modules.get(name);
  }

  list(): LoadedModule[] {
    return [...this.modules.values()];
  }

  /** The module that provides /proc/<entry>. */
  ownerOf(entry: string): LoadedModule | undefined {
    return this.list().find((m) => m.proc.includes(entry));
  }
}

/** /proc/modules: "name size refcount deps state address (taint)". */
export function procModulesText(modules: LoadedModule[]): string {
  return modules
    .map((m, i) => `${m.name} ${m.size} 0 - Live 0x${(0xffffffffc0000000n + BigInt(i) * 0x10000n).toString(16)} (O)\n`)
    .join("");
}
