/**
 * The vfs server: owns every process's descriptor table and turns read/write/close/dup on a
 * descriptor into operations on what it refers to. For now that is the console (the tty
 * driver); the filesystem proper plugs in behind the same descriptors.
 */
import type { Logger } from "pino";
import type { ServerDefinition } from "../../kernel-core/server-runtime.js";
import type { SyscallContext } from "../../kernel-core/call-context.js";
import type { TtyDevice } from "../tty/driver.js";
import { E } from "../../kernel-core/errno.js";
import { LIMITS } from "../../kernel-core/abi/limits.js";
import { FdTable, MAX_FDS } from "./fd-table.js";

export interface VfsDeps {
  log: Logger;
  tty: TtyDevice;
}

export function createVfsServer(deps: VfsDeps): ServerDefinition {
  const tables = new Map<number, FdTable>();
  // A process's table is made on its first call: fds 0-2 on the console.
  const table = (pid: number): FdTable => {
    let t = tables.get(pid);
    if (t === undefined) {
      t = FdTable.withConsole();
      tables.set(pid, t);
    }
    return t;
  };

  async function write(ctx: SyscallContext): Promise<number> {
    const file = table(ctx.pid).get(ctx.int(0));
    if (file === undefined || !file.writable) return -E.EBADF;
    const count = ctx.size(2);
    if (count === 0) return 0;
    const data = ctx.copyIn(1, count);
    if (data === null) return -E.EFAULT;
    return deps.tty.write(ctx.pid, file.stream, data);
  }

  async function read(ctx: SyscallContext): Promise<number> {
    const file = table(ctx.pid).get(ctx.int(0));
    if (file === undefined || !file.readable) return -E.EBADF;
    const count = ctx.size(2);
    if (count === 0) return 0;
    if (!ctx.fits(1, count)) return -E.EFAULT;
    const got = await deps.tty.read(ctx.pid, Math.min(count, LIMITS.MAX_XFER));
    if (typeof got === "number") return got;
    ctx.copyOut(1, got);
    return got.length;
  }

  return {
    name: "vfs",
    handlers: {
      read,
      write,
      close(ctx) {
        return table(ctx.pid).remove(ctx.int(0)) === undefined ? -E.EBADF : 0;
      },
      dup(ctx) {
        const t = table(ctx.pid);
        const file = t.get(ctx.int(0));
        if (file === undefined) return -E.EBADF;
        const fd = t.lowestFree();
        if (fd < 0) return -E.EMFILE;
        t.set(fd, file);
        return fd;
      },
      dup2(ctx) {
        const t = table(ctx.pid);
        const oldfd = ctx.int(0);
        const newfd = ctx.int(1);
        const file = t.get(oldfd);
        if (file === undefined) return -E.EBADF;
        if (newfd < 0 || newfd >= MAX_FDS) return -E.EBADF;
        if (newfd !== oldfd) t.set(newfd, file);
        return newfd;
      },
    },
    processExited(pid) {
      tables.delete(pid);
    },
  };
}
