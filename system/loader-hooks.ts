/**
 * Module hooks for `natix run` (registered with node:module's register()):
 * - `natix/libc` and `natix/kernel` always resolve to this natix, wherever the program lives, so
 *   the program's libc is the very module whose process the runner created;
 * - a program written in TypeScript (.ts/.mts) is transpiled on load (types are stripped, not
 *   checked), and `./x.js` finds `./x.ts` as tsc's convention expects;
 * - a .js program written as an ES module runs as one even with no package.json saying so.
 */
import { readFile } from "node:fs/promises";
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";

const OWN: Record<string, string> = {
  "natix/libc": new URL("../client-libc/mod.js", import.meta.url).href,
  "natix/kernel": new URL("../kernel-core/mod.js", import.meta.url).href,
  // The shell's code, which /bin/sh (programs/bin/sh.mjs, stored in natixfs) re-exports.
  "natix/sh": new URL("../programs/sh/main.js", import.meta.url).href,
  // What the utilities in /bin share (programs/coreutils/lib.ts).
  "natix/coreutils": new URL("../programs/coreutils/lib.js", import.meta.url).href,
};

interface ResolveContext {
  parentURL?: string;
}
type NextResolve = (specifier: string, context: ResolveContext) => Promise<{ url: string }>;
type NextLoad = (url: string, context: object) => Promise<{ format?: string; source?: unknown }>;

export async function resolve(specifier: string, context: ResolveContext, next: NextResolve) {
  const own = OWN[specifier];
  if (own) return { url: own, shortCircuit: true };
  try {
    return await next(specifier, context);
  } catch (err) {
    if (specifier.startsWith(".") && specifier.endsWith(".js") && context.parentURL) {
      const ts = new URL(specifier.replace(/\.js$/, ".ts"), context.parentURL);
      if (existsSync(fileURLToPath(ts))) return { url: ts.href, shortCircuit: true };
    }
    throw err;
  }
}

const ESM_SYNTAX = /^\s*(import|export)\s/m;

export async function load(url: string, context: object, next: NextLoad) {
  if (!url.startsWith("file:")) return next(url, context);
  if (url.endsWith(".js")) {
    // A program.js with no package.json around it is ESM by its syntax (Node versions without
    // module detection would take it for CommonJS).
    const loaded = await next(url, context);
    if (loaded.format !== "commonjs" || url.includes("/node_modules/")) return loaded;
    const source = await readFile(fileURLToPath(url), "utf8");
    return ESM_SYNTAX.test(source) ? { format: "module", source, shortCircuit: true } : loaded;
  }
  if (!/\.m?ts$/.test(url)) return next(url, context);
  const ts = (await import("typescript")).default;
  const file = fileURLToPath(url);
  const out = ts.transpileModule(await readFile(file, "utf8"), {
    fileName: file,
    compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022, sourceMap: false },
  });
  return { format: "module", source: out.outputText, shortCircuit: true };
}
