/**
 * Kernel modules as files, in any mode: the name a module gets (its file's), why a name is
 * refused, the size /proc/modules shows, and importing one into this process — what the
 * monolith's insmod does, and what a module's own process does in micro mode
 * (services/module-main.ts). The micro kernel's loader, which starts that process, is
 * services/module-loader.ts.
 */
import { existsSync, statSync } from "node:fs";
import { register } from "node:module";
import { fileURLToPath, pathToFileURL } from "node:url";
import { isAbsolute, resolve } from "node:path";
import { isKernelModule, type KernelModule } from "../kernel-core/module-api.js";
import { COMPONENT_NAME } from "../kernel-core/abi/subjects.js";
import { ROLES } from "../kernel-core/bus-roles.js";

export interface ModuleLoader {
  /** Loads the module at `path`; an error text (as insmod prints it) on failure. */
  insmod(path: string): Promise<string | undefined>;
  rmmod(name: string): Promise<string | undefined>;
}

/** A bare NAME is a module shipped with natix; anything else a path. */
export function resolveModule(arg: string): string {
  if (!arg.includes("/") && !/\.[cm]?[jt]s$/.test(arg)) return fileURLToPath(new URL(`../modules/${arg}.js`, import.meta.url));
  return isAbsolute(arg) ? arg : resolve(arg);
}

/**
 * A module's name is its file's, as on Linux (hwkm.ko is hwkm): the kernel knows it before the
 * module runs, so it can refuse a taken name and mint credentials for exactly that name.
 */
export function moduleNameOf(path: string): string {
  return (path.split("/").pop() ?? "").replace(/\.[cm]?[jt]s$/, "");
}

/** Why a module may not have `name` (it is taken, or not a name), or undefined. */
export function moduleNameRefusal(name: string, taken: (name: string) => boolean): string | undefined {
  if (!COMPONENT_NAME.test(name)) return `${JSON.stringify(name)} is not a module name (a short lowercase word)`;
  if (taken(name) || ROLES.some((r) => r.role === name)) return "File exists";
  return undefined;
}

/** /proc/modules' size: the module file, in whole pages. */
export function moduleSize(path: string): number {
  return Math.max(4096, Math.ceil(statSync(path).size / 4096) * 4096);
}

let hooked = false;

/** Imports a module file (.ts too) and checks it is one. */
export async function importModule(path: string): Promise<KernelModule | string> {
  if (!existsSync(path)) return `could not load module ${path}: No such file or directory`;
  if (!hooked) {
    hooked = true;
    register(new URL("./loader-hooks.js", import.meta.url).href, import.meta.url);
  }
  let mod: unknown;
  try {
    mod = ((await import(pathToFileURL(path).href)) as { default?: unknown }).default;
  } catch (err) {
    return `could not load module ${path}: ${(err as Error).message}`;
  }
  if (!isKernelModule(mod)) return `${path} is not a natix module (its default export needs a lowercase name)`;
  return mod.name === moduleNameOf(path) ? mod : `${path} declares module ${JSON.stringify(mod.name)}; natix names a module after its file`;
}

export const unloadedText = (name: string) => `rmmod: ERROR: Module ${name} is not currently loaded`;
