/**
 * Word expansion: parameters, ~, command substitution, field splitting of what came from
 * unquoted expansions, then pathname expansion (glob.ts) of fields with an unquoted wildcard.
 */
import type { Part, Word } from "./ast.js";
import { ExitRequest, type Shell } from "./state.js";
import { escapeRegExp, expandPathname, globToRegExp, hasWildcard } from "./glob.js";
import { ArithError, evaluate } from "./arith.js";

/** Blanks that separate fields: dash's default IFS. A non-blank IFS is not honoured. */
const DEFAULT_IFS = " \t\n";

/** A special or positional parameter's value, or a variable's; undefined when unset. */
export function paramValue(sh: Shell, name: string): string | undefined {
  switch (name) {
    case "?":
      return String(sh.status);
    case "$":
      return String(sh.pid);
    case "!":
      return sh.lastBackground === undefined ? undefined : String(sh.lastBackground);
    case "#":
      return String(sh.args.length);
    case "@":
    case "*":
      return sh.args.length === 0 ? undefined : sh.args.join(" ");
    case "-":
      return "";
    case "0":
      return sh.name;
  }
  if (/^[0-9]+$/.test(name)) return sh.args[Number(name) - 1];
  return sh.get(name);
}

/** Fields being built: `has` says the current field exists even while empty (from ""). */
class Fields {
  readonly list: string[] = [];
  /** For each field, its pathname pattern (quoted characters escaped) when it has an unquoted wildcard. */
  readonly patterns: (string | undefined)[] = [];
  private cur = "";
  private pat = "";
  private has = false;
  constructor(private readonly ifs: string) {}

  quoted(s: string): void {
    this.cur += s;
    this.pat += s.replace(/[\\*?[]/g, "\\$&");
    this.has = true;
  }

  /** Unquoted text from an expansion: split at IFS blanks, runs of them count once. */
  split(s: string): void {
    for (const c of s) {
      if (this.ifs.includes(c)) this.end();
      else this.literal(c);
    }
  }

  /** Unquoted text (the word's own, or an expansion's): never split here, its wildcards active. */
  literal(s: string): void {
    this.cur += s;
    this.pat += s;
    if (s !== "") this.has = true;
  }

  end(): void {
    if (this.has) {
      this.list.push(this.cur);
      this.patterns.push(hasWildcard(this.pat) ? this.pat : undefined);
    }
    this.cur = "";
    this.pat = "";
    this.has = false;
  }
}

/** The value of one part (without splitting), for ${...} arguments and quoted contexts. */
async function partValue(sh: Shell, part: Part): Promise<string> {
  switch (part.k) {
    case "lit":
      return part.s;
    case "tilde":
      return part.user === "" ? (sh.get("HOME") ?? "/") : `~${part.user}`;
    case "cmdsub":
      return stripTrailingNewlines(await sh.commandOutput(part.src));
    case "arith": {
      let text = "";
      for (const p of part.parts) text += await partValue(sh, p);
      try {
        return String(evaluate(text, { get: (n) => sh.get(n), set: (n, v) => sh.set(n, v) }));
      } catch (err) {
        if (!(err instanceof ArithError)) throw err;
        await sh.error(err.message);
        throw new ExitRequest(2);
      }
    }
    case "param":
      return (await paramExpansion(sh, part)) ?? "";
  }
}

/** ${NAME op WORD} and plain $NAME; undefined for an unset parameter with no operator. */
async function paramExpansion(sh: Shell, part: Extract<Part, { k: "param" }>): Promise<string | undefined> {
  const value = paramValue(sh, part.name);
  if (part.len) return String((value ?? "").length);
  if (!part.op) return value;
  const colon = part.op.startsWith(":");
  const missing = value === undefined || (colon && value === "");
  const arg = async () => {
    let s = "";
    for (const p of part.arg ?? []) s += await partValue(sh, p);
    return s;
  };
  if (part.op.startsWith("#") || part.op.startsWith("%")) return removePattern(value ?? "", part.op, await patternOf(sh, part.arg ?? []));
  switch (part.op.replace(":", "")) {
    case "-":
      return missing ? arg() : value;
    case "+":
      return missing ? "" : arg();
    case "=": {
      if (!missing) return value;
      const v = await arg();
      sh.set(part.name, v);
      return v;
    }
    case "?": {
      if (!missing) return value;
      const msg = await arg();
      await sh.error(`${part.name}: ${msg || (value === undefined ? "parameter not set" : "parameter null or not set")}`);
      // As in dash, this ends a non-interactive shell.
      throw new ExitRequest(2);
    }
  }
  return value;
}

/** A ${VAR#pattern} pattern as a regular expression: quoted text matches itself, the rest is a glob. */
export async function patternOf(sh: Shell, parts: Part[]): Promise<RegExp> {
  let re = "";
  for (const p of parts) {
    const text = await partValue(sh, p);
    re += p.k === "lit" || p.k === "param" ? (p.q ? escapeRegExp(text) : globToRegExp(text)) : escapeRegExp(text);
  }
  return new RegExp(`^(?:${re})$`, "s");
}


/** # and %: the shortest matching prefix or suffix removed; ## and %%: the longest. */
function removePattern(value: string, op: string, pattern: RegExp): string {
  const n = value.length;
  const longest = op.length === 2;
  if (op[0] === "#") {
    for (let k = 0; k <= n; k++) {
      const i = longest ? n - k : k;
      if (pattern.test(value.slice(0, i))) return value.slice(i);
    }
  } else {
    for (let k = 0; k <= n; k++) {
      const i = longest ? k : n - k;
      if (pattern.test(value.slice(i))) return value.slice(0, i);
    }
  }
  return value;
}

function stripTrailingNewlines(s: string): string {
  return s.replace(/\n+$/, "");
}

/** Expands words into fields (the arguments of a command). */
export async function expandWords(sh: Shell, words: Word[]): Promise<string[]> {
  const fields = new Fields(sh.get("IFS") ?? DEFAULT_IFS);
  for (const word of words) {
    // "$@" alone is each positional parameter as its own field, and no field at all without any.
    if (isQuotedAt(word)) {
      for (const a of sh.args) {
        fields.quoted(a);
        fields.end();
      }
      continue;
    }
    for (const part of word.parts) {
      if (part.k === "lit") {
        if (part.q) fields.quoted(part.s);
        else fields.literal(part.s);
      } else if (part.k === "tilde") fields.quoted(await partValue(sh, part));
      else if (part.k === "param" && part.q && part.name === "@" && !part.op) {
        sh.args.forEach((a, i) => {
          if (i > 0) fields.end();
          fields.quoted(a);
        });
      } else {
        const v = await partValue(sh, part);
        if (part.q) fields.quoted(v);
        else fields.split(v);
      }
    }
    fields.end();
  }
  // Pathname expansion: a pattern that matches nothing stays as it was.
  const out: string[] = [];
  for (let i = 0; i < fields.list.length; i++) {
    const pattern = fields.patterns[i];
    const matches = pattern === undefined ? [] : await expandPathname(pattern);
    if (matches.length > 0) out.push(...matches);
    else out.push(fields.list[i]);
  }
  return out;
}

function isQuotedAt(word: Word): boolean {
  const [a, b] = word.parts;
  return word.parts.length === 2 && a.k === "lit" && a.q && a.s === "" && b.k === "param" && b.q && b.name === "@" && !b.op;
}

/** Expands one word into one string, with no splitting: assignments' values and redirection targets. */
export async function expandWord(sh: Shell, word: Word): Promise<string> {
  let s = "";
  for (const part of word.parts) s += await partValue(sh, part);
  return s;
}
