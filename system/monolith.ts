/**
 * The monolithic build: kernel-core, every server and every driver in one process, calling each
 * other directly where the microkernel sends a message. Same code, different wiring. Used by
 * `natix up --mode mono` (programs still come over NATS) and by embedded mode (no NATS at all).
 */
import type { Logger } from "pino";
import type { SyscallReply, SyscallRequest } from "../kernel-core/abi/frame.js";
import type { TerminalDirectory } from "../servers/tty/driver.js";
import type { BlockDevice } from "../servers/blk/device.js";
import { Kernel, type KernelEvents } from "../kernel-core/kernel.js";
import { createDispatcher, type Dispatcher, type ServerDefinition, type ServerLinks } from "../kernel-core/server-runtime.js";
import { createTtyDriver } from "../servers/tty/driver.js";
import { E } from "../kernel-core/errno.js";
import { DEFAULT_DEADLINE_MS } from "../kernel-core/abi/limits.js";
import { DRIVERS, SERVERS } from "./server-catalog.js";
import { timings } from "./timing.js";
import { importModule, moduleNameRefusal, moduleSize, unloadedText, type ModuleLoader } from "./modules.js";
import { moduleServer } from "../kernel-core/module-api.js";
import { deliver, deliverBatch, type Delivery } from "../kernel-core/deliver.js";
import type { SyscallMeter } from "../kernel-core/meter.js";

export interface MonolithOptions {
  /** A logger per component (kernel, vfs, tty, ...). */
  logger: (component: string) => Logger;
  terminals: TerminalDirectory;
  /** The disk, linked in: the image file itself. */
  blk: BlockDevice;
  deadlineMs?: number;
  /** Extra listener for kernel events (the NATS edge publishes them for modules). */
  events?: KernelEvents;
  /** Records every call the kernel and each server answer (published by the NATS edge). */
  meter?: SyscallMeter;
  /** Bus credentials for spawned children (mono over an isolated bus). */
  mint?: (pid: number, key: string) => Promise<string>;
}

export interface Monolith {
  readonly kernel: Kernel;
  /** Modules are imported into this process. */
  readonly modules: ModuleLoader;
  /** Servers linked into this process, by name. */
  readonly local: ReadonlyMap<string, Dispatcher>;
  /** One syscall from `pid`, all the way through, by direct calls. */
  syscall(pid: number, request: SyscallRequest): SyscallReply | Promise<SyscallReply>;
  /** A batch from `pid` (a chain when `linked`): the replies in order. */
  syscalls(pid: number, requests: SyscallRequest[], linked?: boolean): Promise<SyscallReply[]>;
  stop(): Promise<void>;
}

export async function createMonolith(opts: MonolithOptions): Promise<Monolith> {
  const t = timings(opts.deadlineMs ?? DEFAULT_DEADLINE_MS);
  const defs: ServerDefinition[] = [];
  const log = opts.logger("kernel");
  const tty = createTtyDriver({ log: opts.logger("tty"), terminals: opts.terminals, readSliceMs: t.readSliceMs });
  const kernel: Kernel = new Kernel({
    log,
    peer: (server, op, args) => links.peer(server, op, args),
    deadlineMs: t.deadlineMs,
    routing: "mediate",
    meter: opts.meter,
    mint: opts.mint,
    events: {
      processExited(pid, status, wait) {
        for (const d of defs) void d.processExited?.(pid, wait);
        opts.events?.processExited(pid, status, wait);
      },
      processChanged(pid, record) {
        for (const d of defs) d.processChanged?.(pid, record);
        opts.events?.processChanged?.(pid, record);
      },
      signal: (pid, sig, notice) => opts.events?.signal?.(pid, sig, notice),
    },
  });
  const local = new Map<string, Dispatcher>();
  const byName = new Map<string, ServerDefinition>();
  const kernelPeer = kernel.peerHandlers();
  // Servers reach each other by direct calls; looked up at call time, so creation order is free.
  const links: ServerLinks = {
    call: async (server, caller, request) => (await local.get(server)?.dispatch(caller, request)) ?? { ret: -E.ENOSYS },
    peer: async (server, op, args) => {
      const handler = server === "kernel" ? kernelPeer[op] : byName.get(server)?.peer?.[op];
      if (handler === undefined) throw new Error(`${server} has no peer operation ${op}`);
      return handler(args);
    },
  };
  for (const row of SERVERS) {
    const serverLog = opts.logger(row.name);
    const def = await row.create({ log: serverLog, timings: t, drivers: { tty, blk: opts.blk }, links });
    byName.set(def.name, def);
    const dispatcher = createDispatcher(def, serverLog, opts.meter);
    defs.push(def);
    local.set(def.name, dispatcher);
    const err = kernel.registry.register({ name: def.name, kind: "server", instance: "mono", syscalls: dispatcher.numbers });
    if (err) throw new Error(err);
  }
  for (const name of DRIVERS) kernel.registry.register({ name, kind: "driver", instance: "mono", syscalls: [] });

  const modules: ModuleLoader = {
    async insmod(path) {
      const mod = await importModule(path);
      if (typeof mod === "string") return `insmod: ERROR: ${mod}`;
      const refusal = moduleNameRefusal(mod.name, (n) => kernel.registry.list().some((s) => s.name === n));
      if (refusal) return `insmod: ERROR: could not insert module ${path}: ${refusal}`;
      const modLog = opts.logger(mod.name);
      const api = { printk: (message: string) => modLog.info(message) };
      const server = moduleServer(mod, api, () => {});
      await mod.init?.(api);
      const dispatcher = createDispatcher(server, modLog, opts.meter);
      const error = kernel.register({
        name: mod.name,
        kind: "module",
        instance: "mono",
        syscalls: dispatcher.numbers,
        definitions: server.syscalls ? [...server.syscalls] : undefined,
        module: { size: moduleSize(path), proc: Object.keys(mod.proc ?? {}) },
      });
      if (error) return `insmod: ERROR: could not insert module ${path}: ${error}`;
      local.set(mod.name, dispatcher);
      byName.set(mod.name, server);
      return undefined;
    },
    async rmmod(name) {
      const server = byName.get(name);
      if (!kernel.modules.get(name) || server === undefined) return unloadedText(name);
      await server.peer?.exit?.({});
      kernel.unloadModule(name);
      local.delete(name);
      byName.delete(name);
      return undefined;
    },
  };

  const delivery: Delivery<undefined> = { router: kernel, linked: local };
  return {
    kernel,
    modules,
    local,
    syscall(pid, request) {
      return deliver(delivery, pid, request, undefined) ?? { ret: -E.EIO };
    },
    syscalls(pid, requests, linked) {
      return deliverBatch(delivery, pid, requests, linked);
    },
    async stop() {
      for (const d of defs) await d.stop?.();
    },
  };
}
