/**
 * The micro kernel's module loader. `natix insmod` asks the kernel (natix.kernel.insmod); in
 * micro mode the loader starts the module as a server process of its own and waits until it has
 * registered (in mono and embedded mode the monolith imports it into its process:
 * system/monolith.ts). `rmmod` runs the module's exit hook, takes its syscalls and /proc entries
 * away, and ends it.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import type { Logger } from "pino";
import type { Kernel } from "../kernel-core/kernel.js";
import type { PeerCall } from "../kernel-core/server-runtime.js";
import type { Registration } from "../kernel-core/registry.js";
import { moduleNameOf, moduleNameRefusal, unloadedText, type ModuleLoader } from "../system/modules.js";

/** Micro mode: each module a process of its own, started by the kernel. */
export interface ModuleCredentials {
  /** The .creds file the module's process connects with. */
  file: string;
  /** Revokes them (the module was unloaded or failed to load). */
  revoke(): void;
}

export function processLoader(opts: {
  kernel: Kernel;
  peer: PeerCall;
  log: Logger;
  env: NodeJS.ProcessEnv;
  /** Mints a module's bus credentials (absent when the bus is not isolated). */
  credentials?: (name: string) => Promise<ModuleCredentials>;
}) {
  const children = new Map<string, { child: ChildProcess; creds?: ModuleCredentials }>();
  const loading = new Set<string>();
  const waiting = new Map<string, (reg: Registration) => void>();
  const script = fileURLToPath(new URL("./module-main.js", import.meta.url));
  let counter = 0;

  const load = async (path: string, name: string): Promise<string | undefined> => {
    const instance = `module-${process.pid}-${++counter}`;
    const creds = await opts.credentials?.(name);
    // The module gets its own credentials and nothing of the kernel's keys.
    const env: NodeJS.ProcessEnv = { ...opts.env, NATIX_MODULE_INSTANCE: instance, NATIX_MODULE_NAME: name };
    delete env.NATIX_KEYS;
    delete env.NATIX_CREDS;
    if (creds) env.NATIX_CREDS = creds.file;
    const child = spawn(process.execPath, [script, path], { env, stdio: ["ignore", "inherit", "inherit"] });
    const outcome = await new Promise<string | Registration>((done) => {
      const timer = setTimeout(() => done("the module did not register within 15 s"), 15_000);
      waiting.set(instance, (reg) => {
        clearTimeout(timer);
        done(reg);
      });
      child.once("exit", (code) => {
        clearTimeout(timer);
        done(`the module exited during load (status ${code})`);
      });
    });
    waiting.delete(instance);
    if (typeof outcome === "string") {
      child.kill("SIGKILL");
      creds?.revoke();
      return `insmod: ERROR: could not insert module ${path}: ${outcome}`;
    }
    children.set(outcome.name, { child, creds });
    return undefined;
  };

  const loader: ModuleLoader & { onRegister(reg: Registration): void; stopAll(): Promise<void> } = {
    onRegister(reg) {
      waiting.get(reg.instance)?.(reg);
    },
    async insmod(path) {
      if (!existsSync(path)) return `insmod: ERROR: could not load module ${path}: No such file or directory`;
      const name = moduleNameOf(path);
      const refusal = moduleNameRefusal(name, (n) => loading.has(n) || opts.kernel.registry.list().some((s) => s.name === n));
      if (refusal) return `insmod: ERROR: could not insert module ${path}: ${refusal}`;
      loading.add(name);
      try {
        return await load(path, name);
      } finally {
        loading.delete(name);
      }
    },
    async rmmod(name) {
      if (!opts.kernel.modules.get(name)) return unloadedText(name);
      await opts.peer(name, "exit", {}).catch((err) => opts.log.warn({ err: String(err) }, `rmmod ${name}: exit hook failed`));
      opts.kernel.unloadModule(name);
      const loaded = children.get(name);
      children.delete(name);
      const child = loaded?.child;
      if (child && child.exitCode === null) {
        const timer = setTimeout(() => child.kill("SIGKILL"), 5000);
        await new Promise((r) => child.once("exit", r));
        clearTimeout(timer);
      }
      // Its credentials end with it.
      loaded?.creds?.revoke();
      return undefined;
    },
    async stopAll() {
      await Promise.all(
        [...children.values()].map(
          ({ child: c }) =>
            new Promise((r) => {
              if (c.exitCode !== null) return r(undefined);
              c.once("exit", r);
              c.kill("SIGTERM");
            }),
        ),
      );
    },
  };
  return loader;
}

