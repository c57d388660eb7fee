/**
 * What a running shell knows: its variables, positional parameters, $?, $!, the children it
 * started in the background, and how it words its messages ("sh: LINE: ...").
 */
import { write, getpid, environ } from "./libc.js";
import type { Command } from "./ast.js";

/** Thrown to leave the shell: by `exit`, and by errors dash treats as fatal. */
export class ExitRequest {
  constructor(readonly status: number) {}
}

/** A command's failure after its message was printed; dash's status for it (2, 126, 127). */
export class CommandError {
  constructor(readonly status: number) {}
}

/** Thrown by break and continue, caught by the loop `levels` out. */
export class LoopControl {
  constructor(
    readonly kind: "break" | "continue",
    readonly levels: number,
  ) {}
}

interface Var {
  value: string;
  exported: boolean;
}

/**
 * Set in the environment of a child shell that stands for a subshell: the parent's $$, $?, $!
 * and the names of its variables that were not exported, so `( echo $$ $? )` sees what dash's
 * forked subshell would.
 */
export const SUBSHELL_ENV = "NATIX_SH_SUBSHELL";
/** Set for a child shell when functions are defined: their definitions' text, which it defines again first. */
export const FUNCTIONS_ENV = "NATIX_SH_FUNCTIONS";

/** Thrown by `return`, caught by the function call (or, outside one, ends the shell as exit does). */
export class ReturnRequest {
  constructor(readonly status: number) {}
}

const encoder = new TextEncoder();

export class Shell {
  private readonly vars = new Map<string, Var>();
  /** $0: what messages are prefixed with. */
  name = "sh";
  /** $1 ... */
  args: string[] = [];
  /** $? */
  status = 0;
  /** $! */
  lastBackground: number | undefined;
  /** $$ */
  pid = 0;
  /** The line of the command being run, for messages. */
  line = 1;
  /** How many loops are running: break and continue outside one do nothing, as in dash. */
  loopDepth = 0;
  /** Children started with & and not waited for yet. */
  readonly jobs = new Set<number>();
  /** Defined functions: their body, and the definition's text (for child shells). */
  readonly functions = new Map<string, { body: Command; src: string }>();
  /** Function definitions a child shell was given (FUNCTIONS_ENV), run before its command. */
  inheritedFunctions: string | undefined;
  /** Runs a command substitution's text and returns its output (set by the executor). */
  commandOutput: (src: string) => Promise<string> = async () => "";

  async init(): Promise<void> {
    this.pid = await getpid();
    let subshell: string | undefined;
    for (const entry of environ()) {
      const eq = entry.indexOf("=");
      if (eq <= 0) continue;
      const name = entry.slice(0, eq);
      if (name === SUBSHELL_ENV) subshell = entry.slice(eq + 1);
      else if (name === FUNCTIONS_ENV) this.inheritedFunctions = entry.slice(eq + 1);
      else this.vars.set(name, { value: entry.slice(eq + 1), exported: true });
    }
    if (subshell !== undefined) this.inherit(subshell);
  }

  /** Takes over the parent's $$, $?, $! and unexported names (see SUBSHELL_ENV). */
  private inherit(state: string): void {
    const [pid, status, last, ...local] = state.split(" ");
    this.pid = Number(pid) || this.pid;
    this.status = Number(status) || 0;
    if (last !== "-") this.lastBackground = Number(last);
    for (const name of local) {
      const v = this.vars.get(name);
      if (v) v.exported = false;
    }
  }

  /** The state a child shell standing for a subshell inherits. */
  subshellState(): string {
    const local = [...this.vars].filter(([, v]) => !v.exported).map(([k]) => k);
    return [this.pid, this.status, this.lastBackground ?? "-", ...local].join(" ");
  }

  get(name: string): string | undefined {
    return this.vars.get(name)?.value;
  }

  set(name: string, value: string): void {
    const v = this.vars.get(name);
    if (v) v.value = value;
    else this.vars.set(name, { value, exported: false });
  }

  /** export NAME[=VALUE]: a name without a value is marked and stays unset until assigned. */
  export(name: string, value?: string): void {
    const v = this.vars.get(name);
    if (value !== undefined) this.vars.set(name, { value, exported: true });
    else if (v) v.exported = true;
    else this.exportedUnset.add(name);
  }

  /** Names exported before they had a value (dash's `export B`): shown by `export -p`, not passed on. */
  readonly exportedUnset = new Set<string>();

  unset(name: string): void {
    this.vars.delete(name);
    this.exportedUnset.delete(name);
  }

  /** The environment of a child: exported variables, then the command's own assignments. */
  environment(extra: [string, string][] = [], everything = false): string[] {
    const env = new Map<string, string>();
    for (const [k, v] of this.vars) if (v.exported || everything) env.set(k, v.value);
    for (const [k, v] of extra) env.set(k, v);
    return [...env].map(([k, v]) => `${k}=${v}`);
  }

  /** Every variable with a value, sorted by name (for `set`). */
  variables(): [string, string][] {
    return [...this.vars].map(([k, v]) => [k, v.value] as [string, string]).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  }

  /** Every variable, in dash's `export -p` form, for exported ones. */
  exportedList(): string[] {
    const names = [...[...this.vars].filter(([, v]) => v.exported).map(([k]) => k), ...this.exportedUnset].sort();
    return names.map((k) => {
      const v = this.vars.get(k);
      return v ? `export ${k}=${quoteForShell(v.value)}` : `export ${k}`;
    });
  }

  /** Output goes straight to the descriptor: no buffer to flush, so it interleaves right with children. */
  async print(fd: number, text: string): Promise<boolean> {
    const bytes = encoder.encode(text);
    for (let off = 0; off < bytes.length; ) {
      const n = await write(fd, bytes.subarray(off), bytes.length - off);
      if (n <= 0) return false;
      off += n;
    }
    return true;
  }

  /** "sh: LINE: MESSAGE" on stderr, as dash words its errors. */
  async error(message: string): Promise<void> {
    await this.print(2, `${this.name}: ${this.line}: ${message}\n`);
  }
}

/** 'value' with each ' written as '"'"', as dash's export -p does. */
export function quoteForShell(value: string): string {
  return `'${value.replace(/'/g, `'"'"'`)}'`;
}
