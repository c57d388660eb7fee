/**
 * Module hooks for `natix run` (registered with node:module's register()):
 * - `natix/libc` and `natix/kernel` always resolve to this natix, wherever the program lives, so
 *   the program's libc is the very module whose process the runner created;
 * - a program written in TypeScript (.ts/.mts) is transpiled on load (types are stripped, not
 *   checked), and `./x.js` finds `./x.ts` as tsc's convention expects.
 */
import { readFile } from "node:fs/promises";
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";

const OWN: Record<string, string> = {
  "natix/libc": new URL("../client-libc/mod.js", import.meta.url).href,
  "natix/kernel": new URL("../kernel-core/mod.js", import.meta.url).href,
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

export async function load(url: string, context: object, next: NextLoad) {
  if (!/\.m?ts$/.test(url) || !url.startsWith("file:")) return next(url, context);
  const ts = (await import("typescript")).default;
  const file = fileURLToPath(url);
  const out = ts.transpileModule(await readFile(file, "utf8"), {
    fileName: file,
    compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022, sourceMap: false },
  });
  return { format: "module", source: out.outputText, shortCircuit: true };
}
