/**
 * if, while/until, for and case, run in this shell (in a pipeline or behind &, they run in a
 * child `sh -c` like any compound command: exec.ts). break and continue unwind to their loop
 * as a LoopControl thrown by the builtin.
 */
import type { Compound, List } from "./ast.js";
import { expandWord, expandWords, patternOf } from "./expand.js";
import { LoopControl, type Shell } from "./state.js";

export async function runCompound(sh: Shell, cmd: Compound, runList: (list: List) => Promise<number>): Promise<number> {
  switch (cmd.type) {
    case "if": {
      for (const { cond, body } of cmd.clauses) {
        if ((await runList(cond)) === 0) return runList(body);
      }
      return cmd.elseBody ? runList(cmd.elseBody) : 0;
    }
    case "loop": {
      let status = 0;
      await loop(sh, async () => {
        if (((await runList(cmd.cond)) === 0) === cmd.until) return false;
        status = await runList(cmd.body);
        return true;
      });
      return status;
    }
    case "for": {
      const values = cmd.words === null ? [...sh.args] : await expandWords(sh, cmd.words);
      let status = 0;
      let i = 0;
      await loop(sh, async () => {
        if (i >= values.length) return false;
        sh.set(cmd.name, values[i++]);
        status = await runList(cmd.body);
        return true;
      });
      return status;
    }
    case "case": {
      const subject = await expandWord(sh, cmd.subject);
      for (const item of cmd.items) {
        for (const p of item.patterns) {
          if ((await patternOf(sh, p.parts)).test(subject)) return item.body ? runList(item.body) : 0;
        }
      }
      return 0;
    }
  }
}

/** Runs `step` until it says stop, honouring break N and continue N aimed at this loop. */
async function loop(sh: Shell, step: () => Promise<boolean>): Promise<void> {
  sh.loopDepth++;
  try {
    for (;;) {
      try {
        if (!(await step())) return;
      } catch (e) {
        if (!(e instanceof LoopControl)) throw e;
        if (e.levels > 1) throw new LoopControl(e.kind, e.levels - 1);
        if (e.kind === "break") return;
      }
    }
  } finally {
    sh.loopDepth--;
  }
}
