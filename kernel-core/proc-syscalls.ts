/**
 * The calls kernel-core answers itself: identity and credentials, uname, exit. They need only
 * the process table, so no message leaves the kernel for them.
 */
import type { ServerDefinition } from "./server-runtime.js";
import type { ProcessEntry } from "./processes.js";
import type { SyscallContext } from "./server-runtime.js";
import { E } from "./errno.js";
import { STRUCT_SIZES } from "./syscalls/table.js";
import { utf8 } from "./abi/strings.js";

export interface ProcessAuthority {
  process(pid: number): ProcessEntry | undefined;
  exit(pid: number, status: number): void;
  /** A process's credentials changed (servers that take direct calls must learn them first). */
  credentialsChanged(pid: number): void;
  uname(): { sysname: string; nodename: string; release: string; version: string; machine: string; domainname: string };
}

/** struct utsname: six NUL-padded char[65] fields. */
function encodeUtsname(fields: string[]): Uint8Array {
  const bytes = new Uint8Array(STRUCT_SIZES.utsname);
  fields.forEach((f, i) => bytes.set(utf8(f).subarray(0, 64), i * 65));
  return bytes;
}

/** setuid(2)'s rules: root sets all three ids; others may only pick their real or saved id. */
function setId(p: ProcessEntry, id: number, which: "uid" | "gid"): number {
  const c = p.caller;
  const privileged = c.euid === 0;
  if (which === "uid") {
    if (privileged) {
      p.caller = { ...c, uid: id, euid: id };
      p.suid = id;
    } else if (id === c.uid || id === p.suid) {
      p.caller = { ...c, euid: id };
    } else return -E.EPERM;
  } else {
    if (privileged) {
      p.caller = { ...c, gid: id, egid: id };
      p.sgid = id;
    } else if (id === c.gid || id === p.sgid) {
      p.caller = { ...c, egid: id };
    } else return -E.EPERM;
  }
  return 0;
}

export function createProcessSyscalls(kernel: ProcessAuthority): ServerDefinition {
  const self = (ctx: SyscallContext): ProcessEntry => kernel.process(ctx.pid)!;
  const exit = (ctx: SyscallContext): number => {
    kernel.exit(ctx.pid, ctx.int(0));
    return 0;
  };
  // Servers hear of the new ids before the caller hears setuid returned (one connection, in order).
  const changeId = (ctx: SyscallContext, which: "uid" | "gid"): number => {
    const ret = setId(self(ctx), ctx.uint(0), which);
    if (ret === 0) kernel.credentialsChanged(ctx.pid);
    return ret;
  };
  return {
    name: "kernel",
    handlers: {
      getpid: (ctx) => ctx.pid,
      getuid: (ctx) => ctx.caller.uid,
      geteuid: (ctx) => ctx.caller.euid,
      getgid: (ctx) => ctx.caller.gid,
      getegid: (ctx) => ctx.caller.egid,
      setuid: (ctx) => changeId(ctx, "uid"),
      setgid: (ctx) => changeId(ctx, "gid"),
      exit,
      exit_group: exit,
      uname: (ctx) => {
        const u = kernel.uname();
        const bytes = encodeUtsname([u.sysname, u.nodename, u.release, u.version, u.machine, u.domainname]);
        return ctx.copyOut(0, bytes) ? 0 : -E.EFAULT;
      },
    },
  };
}
