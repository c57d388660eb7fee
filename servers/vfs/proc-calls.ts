/**
 * What the process manager asks the vfs server when processes are made and replaced:
 * "proc.fork" gives a new child its parent's descriptors and runs posix_spawn's file actions as
 * the child (each is the very syscall handler a program would reach, with the child's
 * credentials, so each fails exactly as that call would), then checks the program can be
 * executed; "proc.exec" checks a program for execve and closes the close-on-exec descriptors.
 */
import type { Caller } from "../../kernel-core/abi/routed.js";
import type { PeerHandler, SyscallHandler } from "../../kernel-core/server-runtime.js";
import { SyscallContext } from "../../kernel-core/server-runtime.js";
import { syscallByName } from "../../kernel-core/syscalls/table.js";
import { E } from "../../kernel-core/errno.js";
import { ACCESS, F, S_IF } from "../../kernel-core/abi/fcntl.js";
import { utf8 } from "../../kernel-core/abi/strings.js";
import type { FileAction } from "../../kernel-core/abi/spawn.js";
import { ROOT_INO } from "../fs/layout.js";
import { isProcPath } from "./procfs.js";
import { normalize } from "./path.js";
import type { VfsState } from "./state.js";

/** How much of a program execve looks at to tell a script from something it cannot run. */
const MAGIC_BYTES = 512;

export function procPeer(vfs: VfsState, handlers: Readonly<Record<string, SyscallHandler>>): Record<string, PeerHandler> {
  /** One syscall handler run as `caller`, with path arguments given as strings. */
  const run = async (caller: Caller, name: string, args: (number | string)[]): Promise<number> => {
    const def = syscallByName(name)!;
    const input = args.map((a) => (typeof a === "string" ? utf8(`${a}\0`) : undefined));
    const request = { nr: def.nr, args: args.map((a) => (typeof a === "number" ? a : 0)), input, outCap: args.map(() => -1) };
    return handlers[name](new SyscallContext(caller, request, def));
  };

  const action = async (caller: Caller, a: FileAction): Promise<number> => {
    switch (a.op) {
      case "close":
        return run(caller, "close", [a.fd]);
      case "dup2": {
        // posix_spawn's dup2 onto itself clears close-on-exec (POSIX 2018), unlike dup2(2).
        if (a.fd === a.newfd) return run(caller, "fcntl", [a.fd, F.SETFD, 0]);
        return run(caller, "dup2", [a.fd, a.newfd]);
      }
      case "chdir":
        return run(caller, "chdir", [a.path]);
      case "open": {
        const fd = await run(caller, "open", [a.path, a.oflag, a.mode]);
        if (fd < 0 || fd === a.fd) return fd;
        const moved = await run(caller, "dup2", [fd, a.fd]);
        await run(caller, "close", [fd]);
        return moved;
      }
    }
  };

  /** execve's checks of `path` for `caller`: 0, or ENOENT, ENOTDIR, EACCES, ENOEXEC... */
  const executable = async (caller: Caller, path: string): Promise<number> => {
    if (path === "") return -E.ENOENT;
    const cwd = vfs.proc(caller.pid).cwd;
    if (isProcPath(path.startsWith("/") ? normalize(path) : cwd === ROOT_INO ? normalize(`/${path}`) : "")) return -E.EACCES;
    const st = await vfs.fs.statPath(caller, cwd, path, true);
    if (typeof st === "number") return st;
    if ((st.mode & S_IF.MT) !== S_IF.REG) return -E.EACCES;
    const x = await vfs.fs.access(caller, cwd, path, ACCESS.X_OK, true, true);
    if (x < 0) return x;
    const head = await vfs.fs.read(st.ino, 0, MAGIC_BYTES);
    if (typeof head === "number") return head;
    // A program is an ES module (text) or a #! script; bytes with NULs are neither (an ELF, an image).
    if (head.length === 0 || (!(head[0] === 0x23 && head[1] === 0x21) && head.includes(0))) return -E.ENOEXEC;
    return 0;
  };

  return {
    "proc.fork": async (args) => {
      const caller = args.caller as Caller;
      vfs.fork(Number(args.parent), caller.pid);
      for (const a of (args.actions as FileAction[]) ?? []) {
        const r = await action(caller, a);
        if (r < 0) return { error: -r };
      }
      const r = await executable(caller, String(args.path));
      return r < 0 ? { error: -r } : { ok: true };
    },
    "proc.exec": async (args) => {
      const caller = args.caller as Caller;
      const r = await executable(caller, String(args.path));
      if (r < 0) return { error: -r };
      await vfs.closeOnExec(caller.pid);
      return { ok: true };
    },
  };
}
