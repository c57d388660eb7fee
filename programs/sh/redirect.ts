/**
 * Redirections. The shell opens each file itself, so a failure is reported in dash's words
 * ("cannot create /x: Directory nonexistent") before anything runs: posix_spawn's one errno
 * could not say whether the open or the exec failed. The opened descriptors sit at 10 or above
 * with close-on-exec, then become an external command's file actions (adddup2 / addclose) or
 * are dup2'd into place around a builtin and put back afterwards.
 */
import type { Redir } from "./ast.js";
import { expandWord } from "./expand.js";
import {
  open, close, dup2, fcntl, strerror, E, errno, pipe, unlink, lseek, SEEK_SET,
  O_RDONLY, O_WRONLY, O_RDWR, O_CREAT, O_EXCL, O_TRUNC, O_APPEND, O_CLOEXEC, F_DUPFD_CLOEXEC, F_GETFD,
} from "./libc.js";
import { CommandError, type Shell } from "./state.js";
import { writeAll } from "../coreutils/lib.js";

/** Where the shell keeps its own descriptors, out of the way of the ones commands use (as dash does). */
const HIGH_FD = 10;

/** One step: make `target` a copy of `source`, or close it (source null). */
export interface FdStep {
  target: number;
  source: number | null;
  /** `source` is the shell's own descriptor, opened for this command: closed once it is used. */
  owned: boolean;
}

const FLAGS: Record<string, number> = {
  "<": O_RDONLY,
  ">": O_WRONLY | O_CREAT | O_TRUNC,
  ">|": O_WRONLY | O_CREAT | O_TRUNC,
  ">>": O_WRONLY | O_CREAT | O_APPEND,
  "<>": O_RDWR | O_CREAT,
};

/**
 * Opens what a command's redirections name, in order. On failure prints dash's message,
 * closes what it opened, and throws CommandError(2).
 */
export async function openRedirections(sh: Shell, redirs: Redir[]): Promise<FdStep[]> {
  const steps: FdStep[] = [];
  // Descriptors an earlier redirection of this command sets up: `3>f 4>&3` is valid.
  const set = new Set<number>();
  try {
    for (const r of redirs) {
      if (r.op === "<<" || r.op === "<<-") {
        steps.push({ target: r.fd, source: await hereDocument(sh, r), owned: true });
        set.add(r.fd);
        continue;
      }
      const word = await expandWord(sh, r.target);
      if (r.op === ">&" || r.op === "<&") {
        if (word === "-") steps.push({ target: r.fd, source: null, owned: false });
        else if (/^[0-9]+$/.test(word)) {
          const source = Number(word);
          if (!set.has(source) && (await fcntl(source, F_GETFD)) < 0) {
            await sh.error(`${word}: Bad file descriptor`);
            throw new CommandError(2);
          }
          steps.push({ target: r.fd, source, owned: false });
        } else {
          await sh.error(`Syntax error: Bad fd number`);
          throw new CommandError(2);
        }
      } else steps.push({ target: r.fd, source: await openHigh(sh, word, r.op), owned: true });
      set.add(r.fd);
    }
  } catch (e) {
    await releaseSteps(steps);
    throw e;
  }
  return steps;
}

/** What fits a pipe's buffer goes through a pipe; a longer body through a file in /tmp, unlinked at once. */
const PIPE_BYTES = 64 * 1024;
let hereFiles = 0;

/** A here-document's body, expanded, readable on a descriptor of the shell's own (10 or above). */
async function hereDocument(sh: Shell, r: Redir): Promise<number> {
  const text = new TextEncoder().encode(await expandWord(sh, { parts: r.heredoc?.body ?? [], raw: "" }));
  const fail = async (what: string, err = errno): Promise<never> => {
    await sh.error(`cannot create ${what}: ${strerror(err)}`);
    throw new CommandError(2);
  };
  if (text.length <= PIPE_BYTES) {
    const fds = [-1, -1];
    if ((await pipe(fds)) < 0) return fail("pipe");
    const err = await writeAll(fds[1], text);
    await close(fds[1]);
    if (err) {
      await close(fds[0]);
      return fail("pipe", err);
    }
    return high(fds[0]);
  }
  const path = `/tmp/sh-here-${sh.pid}-${hereFiles++}`;
  const fd = await open(path, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0o600);
  if (fd < 0) return fail(path);
  await unlink(path);
  const err = await writeAll(fd, text);
  if (err) {
    await close(fd);
    return fail(path, err);
  }
  await lseek(fd, 0, SEEK_SET);
  return high(fd);
}

/** `fd` moved to 10 or above, close-on-exec (the shell's own descriptors stay out of the way). */
async function high(fd: number): Promise<number> {
  if (fd >= HIGH_FD) return fd;
  const moved = await fcntl(fd, F_DUPFD_CLOEXEC, HIGH_FD);
  await close(fd);
  return moved;
}

async function openHigh(sh: Shell, path: string, op: string): Promise<number> {
  const fd = await open(path, FLAGS[op] | O_CLOEXEC, 0o666);
  if (fd < 0) {
    const err = errno;
    const input = op === "<";
    // dash's own words for ENOENT; strerror otherwise.
    const why = err === E.ENOENT ? (input ? "No such file" : "Directory nonexistent") : strerror(err);
    await sh.error(`cannot ${input ? "open" : "create"} ${path}: ${why}`);
    throw new CommandError(2);
  }
  return high(fd);
}

/** Closes the shell's own copies once a child has them (or the command failed). */
export async function releaseSteps(steps: FdStep[]): Promise<void> {
  for (const s of steps) if (s.owned && s.source !== null) await close(s.source);
}

/** Applies the steps to this shell, for a builtin; returns what undoes them. */
export async function applyInShell(steps: FdStep[]): Promise<() => Promise<void>> {
  const saved: { target: number; copy: number }[] = [];
  for (const s of steps) {
    if (!saved.some((x) => x.target === s.target)) saved.push({ target: s.target, copy: await fcntl(s.target, F_DUPFD_CLOEXEC, HIGH_FD) });
    if (s.source === null) await close(s.target);
    else await dup2(s.source, s.target);
  }
  await releaseSteps(steps);
  return async () => {
    for (const { target, copy } of saved.reverse()) {
      if (copy < 0) await close(target);
      else {
        await dup2(copy, target);
        await close(copy);
      }
    }
  };
}
