/**
 * Which server answers which syscall, learned at run time: servers register at start-up with
 * the numbers they serve (and modules with the table entries they add). A number whose server
 * has not registered is ENOSYS; a server that registered stays the route even while it is down,
 * so its callers get the deadline's errno rather than a misleading ENOSYS.
 */
import type { SyscallDef } from "./syscalls/types.js";
import { SYSCALL_TABLE } from "./syscalls/table.js";

export type ComponentKind = "server" | "driver" | "module";

export interface Registration {
  name: string;
  kind: ComponentKind;
  /** One id per running process of the server (replicas register separately). */
  instance: string;
  syscalls: number[];
  /** Table entries the server adds (modules); numbers must not collide with existing ones. */
  definitions?: SyscallDef[];
  /** A module's facts for /proc/modules: its size and the /proc entries it adds. */
  module?: { size: number; proc: string[] };
}

interface ServerEntry {
  kind: ComponentKind;
  instances: Set<string>;
  numbers: number[];
  added: SyscallDef[];
}

export class Registry {
  private readonly defs = new Map<number, SyscallDef>(SYSCALL_TABLE.map((d) => [d.nr, d]));
  private readonly routes = new Map<number, string>();
  private readonly servers = new Map<string, ServerEntry>();

  definition(nr: number): SyscallDef | undefined {
    return this.defs.get(nr);
  }

  /** The registered server for a number, if any. */
  route(nr: number): string | undefined {
    return this.routes.get(nr);
  }

  /** Registers (or re-registers) an instance; returns an error text on a conflict. */
  register(reg: Registration): string | undefined {
    for (const def of reg.definitions ?? []) {
      const known = this.defs.get(def.nr);
      if (known !== undefined && known.owner !== reg.name) return `syscall ${def.nr} already exists (${known.name})`;
    }
    for (const nr of reg.syscalls) {
      const def = this.defs.get(nr) ?? reg.definitions?.find((d) => d.nr === nr);
      if (def === undefined) return `syscall ${nr} is not in the table`;
      if (def.owner !== reg.name) return `syscall ${nr} (${def.name}) belongs to ${def.owner}, not ${reg.name}`;
    }
    for (const def of reg.definitions ?? []) this.defs.set(def.nr, def);
    const entry = this.servers.get(reg.name) ?? { kind: reg.kind, instances: new Set(), numbers: [], added: [] };
    entry.instances.add(reg.instance);
    entry.numbers = reg.syscalls;
    entry.added = reg.definitions ?? [];
    this.servers.set(reg.name, entry);
    for (const nr of reg.syscalls) this.routes.set(nr, reg.name);
    return undefined;
  }

  /** Forgets a component and every instance of it (rmmod). */
  remove(name: string): void {
    for (const instance of [...(this.servers.get(name)?.instances ?? [])]) this.unregister(name, instance);
  }

  /** An instance leaves cleanly; when the last one leaves, its calls become ENOSYS again. */
  unregister(name: string, instance: string): void {
    const entry = this.servers.get(name);
    if (entry === undefined) return;
    entry.instances.delete(instance);
    if (entry.instances.size > 0) return;
    this.servers.delete(name);
    for (const nr of entry.numbers) this.routes.delete(nr);
    for (const def of entry.added) this.defs.delete(def.nr);
  }

  /** Registered servers and drivers with their instance counts. */
  list(): { name: string; kind: string; instances: number; syscalls: number[] }[] {
    return [...this.servers].map(([name, e]) => ({
      name,
      kind: e.kind,
      instances: e.instances.size,
      syscalls: e.numbers,
    }));
  }

  hasInstance(name: string, instance: string): boolean {
    return this.servers.get(name)?.instances.has(instance) ?? false;
  }

  has(name: string): boolean {
    return this.servers.has(name);
  }
}
