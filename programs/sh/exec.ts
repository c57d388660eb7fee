/**
 * The executor: runs the tree of ast.ts on natix's libc. Builtins and { } groups run in this
 * shell; external programs, subshells, and anything in a pipeline or behind & run as children
 * (spawn.ts). $? is set after every command.
 */
import type { AndOr, Command, List, Pipeline, Redir, Simple, Word } from "./ast.js";
import { BUILTINS, SPECIAL_BUILTINS } from "./builtins.js";
import { runCompound } from "./compound.js";
import { expandWord, expandWords } from "./expand.js";
import { close, pipe, read } from "./libc.js";
import { applyInShell, openRedirections, releaseSteps, type FdStep } from "./redirect.js";
import { childShell, reap, spawnChild, statusOf, waitForeground, SH_PATH, type Started } from "./spawn.js";
import { CommandError, ExitRequest, ReturnRequest, type Shell } from "./state.js";

export class Executor {
  constructor(private readonly sh: Shell) {
    sh.commandOutput = (src) => this.commandOutput(src);
  }

  async runList(list: List): Promise<number> {
    for (const { andOr, background } of list.items) {
      if (background) await this.runBackground(andOr);
      else await this.runAndOr(andOr);
    }
    return this.sh.status;
  }

  private async runAndOr(ao: AndOr): Promise<void> {
    await this.runPipeline(ao.first);
    for (const { op, pipeline } of ao.rest) {
      if ((op === "&&") === (this.sh.status === 0)) await this.runPipeline(pipeline);
    }
  }

  private async runPipeline(p: Pipeline): Promise<void> {
    let status = p.cmds.length === 1 ? await this.runCommand(p.cmds[0]) : await waitForeground(this.sh, await this.startPipeline(p.cmds, false));
    if (p.negate) status = status === 0 ? 1 : 0;
    this.sh.status = status;
  }

  /** cmd &: started and not waited for; $! is its (last) process, `wait` reaps it. */
  private async runBackground(ao: AndOr): Promise<void> {
    this.sh.line = ao.line;
    const single = ao.rest.length === 0 && !ao.first.negate;
    const started = single
      ? await this.startPipeline(ao.first.cmds, true)
      : [await this.startChildShell(withBodies(ao.src, ao), [], [], true)];
    for (const s of started) if ("pid" in s) this.sh.jobs.add(s.pid);
    const last = started[started.length - 1];
    if ("pid" in last) this.sh.lastBackground = last.pid;
    this.sh.status = 0;
  }

  /** Starts each command of a pipeline with a pipe between neighbours; the parent keeps no end open. */
  private async startPipeline(cmds: Command[], background: boolean): Promise<Started[]> {
    const started: Started[] = [];
    let prevRead = -1;
    for (let i = 0; i < cmds.length; i++) {
      const last = i === cmds.length - 1;
      const fds = [-1, -1];
      if (!last && (await pipe(fds)) < 0) throw new CommandError(2);
      const steps: FdStep[] = [];
      const closeFds: number[] = [];
      if (prevRead >= 0) {
        steps.push({ target: 0, source: prevRead, owned: false });
        closeFds.push(prevRead);
      }
      if (!last) {
        steps.push({ target: 1, source: fds[1], owned: false });
        closeFds.push(fds[0], fds[1]);
      }
      started.push(await this.startCommand(cmds[i], steps, closeFds, background));
      if (prevRead >= 0) await close(prevRead);
      if (!last) await close(fds[1]);
      prevRead = fds[0];
    }
    return started;
  }

  /** Starts one command as a child: external programs directly, everything else as `sh -c`. */
  private async startCommand(cmd: Command, pipeSteps: FdStep[], closeFds: number[], background: boolean): Promise<Started> {
    this.sh.line = cmd.line;
    try {
      if (cmd.type === "subshell") {
        const steps = await openRedirections(this.sh, cmd.redirs);
        return await this.startChildShell(withBodies(cmd.inner, innerHeredocs(cmd)), [...pipeSteps, ...steps], closeFds, background, steps);
      }
      if (cmd.type !== "simple" || cmd.words.length === 0 || this.inShellWord(cmd.words[0])) return await this.startChildShell(withBodies(cmd.src, cmd), pipeSteps, closeFds, background);
      const argv = await expandWords(this.sh, cmd.words);
      if (argv.length === 0 || BUILTINS.get(argv[0]) || this.sh.functions.has(argv[0])) return await this.startChildShell(withBodies(cmd.src, cmd), pipeSteps, closeFds, background);
      const env = this.sh.environment(await this.assignments(cmd));
      const steps = await openRedirections(this.sh, cmd.redirs);
      try {
        return await spawnChild(this.sh, { argv, env, steps: [...pipeSteps, ...steps], closeFds, background });
      } finally {
        await releaseSteps(steps);
      }
    } catch (e) {
      if (e instanceof CommandError) return { status: e.status };
      throw e;
    }
  }

  private async startChildShell(src: string, steps: FdStep[], closeFds: number[], background: boolean, owned: FdStep[] = []): Promise<Started> {
    const { argv, env } = childShell(this.sh, src);
    try {
      return await spawnChild(this.sh, { argv: [SH_PATH, ...argv.slice(1)], env, steps, closeFds, background });
    } finally {
      await releaseSteps(owned);
    }
  }

  /** A command in the foreground, outside any pipeline: its status. */
  private async runCommand(cmd: Command): Promise<number> {
    this.sh.line = cmd.line;
    try {
      if (cmd.type === "simple") return await this.runSimple(cmd);
      if (cmd.type === "funcdef") {
        this.sh.functions.set(cmd.name, { body: cmd.body, src: withBodies(cmd.src, cmd) });
        return 0;
      }
      const steps = await openRedirections(this.sh, cmd.redirs);
      if (cmd.type === "subshell") return await waitForeground(this.sh, [await this.startChildShell(withBodies(cmd.inner, innerHeredocs(cmd)), steps, [], false, steps)]);
      const restore = await applyInShell(steps);
      try {
        return cmd.type === "group" ? await this.runList(cmd.body) : await runCompound(this.sh, cmd, (list) => this.runList(list));
      } finally {
        await restore();
      }
    } catch (e) {
      if (e instanceof CommandError) return e.status;
      throw e;
    }
  }

  private async runSimple(cmd: Simple): Promise<number> {
    const argv = await expandWords(this.sh, cmd.words);
    if (argv.length === 0) return this.runAssignmentsOnly(cmd);
    // Special builtins first, then functions, then regular builtins and programs (POSIX 2.9.1).
    const fn = SPECIAL_BUILTINS.has(argv[0]) ? undefined : this.sh.functions.get(argv[0]);
    if (fn) return this.callFunction(fn.body, argv, cmd);
    const builtin = BUILTINS.get(argv[0]);
    if (!builtin) {
      const env = this.sh.environment(await this.assignments(cmd));
      const steps = await openRedirections(this.sh, cmd.redirs);
      let started: Started;
      try {
        started = await spawnChild(this.sh, { argv, env, steps, closeFds: [], background: false });
      } finally {
        await releaseSteps(steps);
      }
      return waitForeground(this.sh, [started]);
    }
    // Assignments before a special builtin stay; before a regular one they last for the command.
    const special = SPECIAL_BUILTINS.has(argv[0]);
    const assigned = await this.assignments(cmd);
    const previous = assigned.map(([k]) => [k, this.sh.get(k)] as const);
    for (const [k, v] of assigned) this.sh.set(k, v);
    let steps: FdStep[];
    try {
      steps = await openRedirections(this.sh, cmd.redirs);
    } catch (e) {
      // A special builtin's redirection error ends a non-interactive dash.
      if (special && e instanceof CommandError) throw new ExitRequest(e.status);
      throw e;
    }
    const restore = await applyInShell(steps);
    try {
      return await builtin(this.sh, argv);
    } finally {
      await restore();
      if (!special) for (const [k, v] of previous) v === undefined ? this.sh.unset(k) : this.sh.set(k, v);
    }
  }

  /** A function call: its arguments are $1..., its redirections and assignments last for the call; `return` ends it. */
  private async callFunction(body: Command, argv: string[], cmd: Simple): Promise<number> {
    const assigned = await this.assignments(cmd);
    const previous = assigned.map(([k]) => [k, this.sh.get(k)] as const);
    for (const [k, v] of assigned) this.sh.set(k, v);
    const restore = await applyInShell(await openRedirections(this.sh, cmd.redirs));
    const args = this.sh.args;
    this.sh.args = argv.slice(1);
    try {
      return await this.runCommand(body);
    } catch (e) {
      if (e instanceof ReturnRequest) return e.status;
      throw e;
    } finally {
      this.sh.args = args;
      await restore();
      for (const [k, v] of previous) v === undefined ? this.sh.unset(k) : this.sh.set(k, v);
    }
  }

  /** A first word that runs in this shell (a builtin or a function) when it is a child's only command. */
  private inShellWord(word: Word): boolean {
    const [p] = word.parts;
    return isBuiltinWord(word) || (word.parts.length === 1 && p.k === "lit" && this.sh.functions.has(p.s));
  }

  /** NAME=value ... with no command: set in this shell; redirections are still made (and undone). */
  private async runAssignmentsOnly(cmd: Simple): Promise<number> {
    const before = this.sh.status;
    this.sh.status = 0;
    // One after another: A=1 B=$A sets B to 1.
    for (const a of cmd.assigns) this.sh.set(a.name, await expandWord(this.sh, a.value));
    await releaseSteps(await openRedirections(this.sh, cmd.redirs));
    // $? is the last command substitution's status, or 0.
    const status = this.sh.status;
    this.sh.status = before;
    return status;
  }

  private async assignments(cmd: Simple): Promise<[string, string][]> {
    const out: [string, string][] = [];
    for (const a of cmd.assigns) out.push([a.name, await expandWord(this.sh, a.value)]);
    return out;
  }

  /** $( ... ): a child shell writing into a pipe; its output, and its status as $?. */
  private async commandOutput(src: string): Promise<string> {
    const fds = [-1, -1];
    if ((await pipe(fds)) < 0) throw new CommandError(2);
    const started = await this.startChildShell(src, [{ target: 1, source: fds[1], owned: false }], [fds[0], fds[1]], false);
    await close(fds[1]);
    const chunks: Buffer[] = [];
    const buf = new Uint8Array(64 * 1024);
    for (let n; (n = await read(fds[0], buf, buf.length)) > 0; ) chunks.push(Buffer.from(buf.subarray(0, n)));
    await close(fds[0]);
    this.sh.status = "pid" in started ? statusOf(await reap(started.pid)) : started.status;
    return Buffer.concat(chunks).toString("utf8");
  }
}

/**
 * A command's text for a child shell, with the bodies of its here-documents after it: they are
 * written on the lines after the command, outside its own text (unless the text spans them, as
 * a multi-line { } does).
 */
function withBodies(text: string, node: { heredocs?: Redir[] }): string {
  const missing = (node.heredocs ?? []).map((r) => r.heredoc?.raw ?? "").filter((raw) => raw !== "" && !text.includes(raw));
  return missing.length === 0 ? text : `${text}\n${missing.join("")}`;
}

/** A subshell's here-documents but its own redirections' (those the parent opens for it). */
function innerHeredocs(cmd: Command & { type: "subshell" }): { heredocs?: Redir[] } {
  return { heredocs: cmd.heredocs?.filter((r) => !cmd.redirs.includes(r)) };
}

/** A first word written plainly that names a builtin: decided without expanding it twice. */
function isBuiltinWord(word: Word): boolean {
  const [p] = word.parts;
  return word.parts.length === 1 && p.k === "lit" && BUILTINS.has(p.s);
}
