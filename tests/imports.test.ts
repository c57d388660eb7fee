/**
 * The shape of the code, read from the sources: no import cycles, and each layer imports only
 * what is below it. kernel-core is the bottom; servers are transport-free; transport/ is the NATS
 * both libc and the services use; system/ links kernel-core and the servers into one process
 * without NATS, so libc can start an embedded kernel without importing services/.
 *
 * Every import counts: `import type` too (a type cycle still ties two files together), re-exports,
 * dynamic `import("...")` and `import("...")` types. A dynamic import of a computed name (a
 * module's path given at run time) names no file and is not checked.
 */
import { describe, expect, it } from "vitest";
import ts from "typescript";
import { readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const ROOT = fileURLToPath(new URL("..", import.meta.url));
const SOURCE_DIRS = ["kernel-core", "servers", "client-libc", "transport", "system", "services", "benchmarks", "modules"];

/** One import: the file that makes it, what it says, and the repository file it names (if any). */
interface Edge {
  from: string;
  specifier: string;
  /** Repository-relative .ts path for a relative specifier; undefined for a package. */
  to?: string;
}

/** Every specifier a source file imports, statically or dynamically, values or types. */
function specifiersOf(fileName: string, text: string): string[] {
  const source = ts.createSourceFile(fileName, text, ts.ScriptTarget.Latest, false, ts.ScriptKind.TS);
  const out: string[] = [];
  const visit = (node: ts.Node): void => {
    if ((ts.isImportDeclaration(node) || ts.isExportDeclaration(node)) && node.moduleSpecifier && ts.isStringLiteral(node.moduleSpecifier)) {
      out.push(node.moduleSpecifier.text);
    } else if (ts.isImportEqualsDeclaration(node) && ts.isExternalModuleReference(node.moduleReference) && ts.isStringLiteral(node.moduleReference.expression)) {
      out.push(node.moduleReference.expression.text);
    } else if (ts.isCallExpression(node) && node.expression.kind === ts.SyntaxKind.ImportKeyword) {
      const arg = node.arguments[0];
      if (arg !== undefined && ts.isStringLiteralLike(arg)) out.push(arg.text);
    } else if (ts.isImportTypeNode(node) && ts.isLiteralTypeNode(node.argument) && ts.isStringLiteral(node.argument.literal)) {
      out.push(node.argument.literal.text);
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return out;
}

function sourceFiles(): string[] {
  const files: string[] = [];
  const walk = (dir: string): void => {
    for (const name of readdirSync(dir)) {
      const path = join(dir, name);
      if (statSync(path).isDirectory()) walk(path);
      else if (name.endsWith(".ts") && !name.endsWith(".d.ts")) files.push(relative(ROOT, path));
    }
  };
  for (const dir of SOURCE_DIRS) walk(join(ROOT, dir));
  return files.sort();
}

function edgesOf(file: string, text: string): Edge[] {
  return specifiersOf(file, text).map((specifier) => {
    if (!specifier.startsWith(".")) return { from: file, specifier };
    const to = relative(ROOT, resolve(ROOT, dirname(file), specifier)).replace(/\.js$/, ".ts");
    return { from: file, specifier, to };
  });
}

/** One cycle through each strongly connected group of files (Tarjan), as a path a → b → … → a. */
function findCycles(graph: ReadonlyMap<string, readonly string[]>): string[][] {
  let counter = 0;
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const groups: string[][] = [];
  const connect = (v: string): void => {
    index.set(v, counter);
    low.set(v, counter++);
    stack.push(v);
    onStack.add(v);
    for (const w of graph.get(v) ?? []) {
      if (!graph.has(w)) continue;
      if (!index.has(w)) {
        connect(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (onStack.has(w)) low.set(v, Math.min(low.get(v)!, index.get(w)!));
    }
    if (low.get(v) === index.get(v)) {
      const group: string[] = [];
      let w: string;
      do {
        w = stack.pop()!;
        onStack.delete(w);
        group.push(w);
      } while (w !== v);
      if (group.length > 1 || (graph.get(v) ?? []).includes(v)) groups.push(group);
    }
  };
  for (const v of [...graph.keys()].sort()) if (!index.has(v)) connect(v);
  // A path inside each group from its first file back to itself (breadth-first: a shortest one).
  return groups.map((group) => {
    const members = new Set(group);
    const start = [...group].sort()[0];
    const previous = new Map<string, string>();
    const queue = [start];
    while (queue.length > 0) {
      const v = queue.shift()!;
      for (const w of graph.get(v) ?? []) {
        if (!members.has(w)) continue;
        if (w === start) {
          const path = [v];
          while (path[0] !== start) path.unshift(previous.get(path[0])!);
          return [...path, start];
        }
        if (!previous.has(w)) {
          previous.set(w, v);
          queue.push(w);
        }
      }
    }
    return [start, start];
  });
}

/** A layering rule: files under `layer` must not import what `forbidden` matches. */
interface Rule {
  name: string;
  layer: string;
  forbidden: (edge: Edge) => boolean;
}

const under = (dir: string) => (edge: Edge) => edge.to !== undefined && edge.to.startsWith(`${dir}/`);
const natsPackage = (edge: Edge) => edge.specifier.startsWith("@nats-io/");
const any = (...tests: ((edge: Edge) => boolean)[]) => (edge: Edge) => tests.some((t) => t(edge));

const RULES: readonly Rule[] = [
  {
    name: "kernel-core imports nothing above it (servers, system, transport, libc, services) and no NATS",
    layer: "kernel-core",
    forbidden: any(under("servers"), under("services"), under("client-libc"), under("transport"), under("system"), natsPackage),
  },
  {
    name: "servers import no NATS, no service, no libc",
    layer: "servers",
    forbidden: any(under("services"), under("client-libc"), under("transport"), under("system"), natsPackage),
  },
  { name: "client-libc imports nothing from services/", layer: "client-libc", forbidden: under("services") },
  { name: "services take their NATS helpers from transport/, not from libc's", layer: "services", forbidden: under("client-libc/transport") },
  {
    name: "system/ (one process, no NATS) imports no service, no transport, no NATS",
    layer: "system",
    forbidden: any(under("services"), under("transport"), natsPackage),
  },
  {
    name: "transport/ imports only kernel-core (and NATS)",
    layer: "transport",
    forbidden: any(under("servers"), under("services"), under("client-libc"), under("system")),
  },
];

function violations(edges: readonly Edge[], rule: Rule): string[] {
  return edges.filter((e) => e.from.startsWith(`${rule.layer}/`) && rule.forbidden(e)).map((e) => `${e.from} imports ${e.specifier}`);
}

const edges = sourceFiles().flatMap((file) => edgesOf(file, readFileSync(join(ROOT, file), "utf8")));

describe("imports between natix's sources", () => {
  it("reads every layer's files", () => {
    for (const dir of SOURCE_DIRS) expect(edges.some((e) => e.from.startsWith(`${dir}/`)), dir).toBe(true);
  });

  it("have no cycles", () => {
    const graph = new Map<string, string[]>();
    for (const e of edges) {
      if (!graph.has(e.from)) graph.set(e.from, []);
      if (e.to !== undefined) graph.get(e.from)!.push(e.to);
    }
    const cycles = findCycles(graph).map((c) => c.join(" → "));
    expect(cycles, `import cycles:\n${cycles.join("\n")}`).toEqual([]);
  });

  for (const rule of RULES) {
    it(rule.name, () => {
      const found = violations(edges, rule);
      expect(found, `${rule.name}:\n${found.join("\n")}`).toEqual([]);
    });
  }
});

describe("the checker itself", () => {
  it("finds every kind of import, values and types, static and dynamic", () => {
    const text = [
      `import a from "./a.js";`,
      `import type { B } from "./b.js";`,
      `export { c } from "./c.js";`,
      `export type * from "./d.js";`,
      `const e = await import("./e.js");`,
      `type F = import("./f.js").F;`,
      `import "@nats-io/transport-node";`,
      `const computed = await import(somePath);`,
    ].join("\n");
    expect(specifiersOf("x.ts", text)).toEqual(["./a.js", "./b.js", "./c.js", "./d.js", "./e.js", "./f.js", "@nats-io/transport-node"]);
  });

  it("reports a cycle as its path, and only cycles", () => {
    const graph = new Map([
      ["a.ts", ["b.ts"]],
      ["b.ts", ["c.ts", "d.ts"]],
      ["c.ts", ["a.ts"]],
      ["d.ts", []],
      ["e.ts", ["e.ts"]],
    ]);
    expect(findCycles(graph)).toEqual([["a.ts", "b.ts", "c.ts", "a.ts"], ["e.ts", "e.ts"]]);
    expect(findCycles(new Map([["a.ts", ["b.ts"]], ["b.ts", []]]))).toEqual([]);
  });

  it("each layering rule catches what it forbids", () => {
    const bad: Record<string, Edge> = {
      "kernel-core": { from: "kernel-core/x.ts", specifier: "@nats-io/transport-node" },
      servers: { from: "servers/x/y.ts", specifier: "../../services/z.js", to: "services/z.ts" },
      "client-libc": { from: "client-libc/connect.ts", specifier: "../services/embedded.js", to: "services/embedded.ts" },
      services: { from: "services/x.ts", specifier: "../client-libc/transport/resend.js", to: "client-libc/transport/resend.ts" },
      system: { from: "system/x.ts", specifier: "../services/y.js", to: "services/y.ts" },
      transport: { from: "transport/x.ts", specifier: "../client-libc/y.js", to: "client-libc/y.ts" },
    };
    for (const rule of RULES) expect(violations([bad[rule.layer]], rule), rule.name).toHaveLength(1);
  });
});
