/**
 * pipe(2) and pipe2(2): a new pipe and a descriptor for each end, the lowest two free, read end
 * first, written to the caller's int[2] as Linux does.
 */
import type { SyscallContext, SyscallHandler } from "../../kernel-core/server-runtime.js";
import { E } from "../../kernel-core/errno.js";
import { O } from "../../kernel-core/abi/fcntl.js";
import { STRUCT_SIZES } from "../../kernel-core/syscalls/table.js";
import { openFile } from "./files.js";
import type { VfsState } from "./state.js";

/** The flags pipe2 takes (O_DIRECT's packet mode is not supported: EINVAL). */
const PIPE2_FLAGS = O.CLOEXEC | O.NONBLOCK;

export function pipeCalls(vfs: VfsState): Record<string, SyscallHandler> {
  function pipe(ctx: SyscallContext, flags: number): number {
    if ((flags & ~PIPE2_FLAGS) !== 0) return -E.EINVAL;
    const fds = vfs.proc(ctx.pid).fds;
    const readFd = fds.lowestFree(0);
    const writeFd = readFd < 0 ? -1 : fds.lowestFree(readFd + 1);
    if (writeFd < 0) return -E.EMFILE;
    // Nothing is made unless the caller's array can take the numbers (EFAULT leaves no fds).
    if (!ctx.fits(0, STRUCT_SIZES.fds)) return -E.EFAULT;
    const p = vfs.pipes.create();
    if (p === undefined) return -E.ENFILE;
    const status = flags & O.NONBLOCK;
    const cloexec = (flags & O.CLOEXEC) !== 0;
    fds.install(readFd, openFile("pipe", { ino: p.ino, pipe: p, flags: O.RDONLY | status, readable: true }), cloexec);
    fds.install(writeFd, openFile("pipe", { ino: p.ino, pipe: p, flags: O.WRONLY | status, writable: true }), cloexec);
    const out = new Uint8Array(STRUCT_SIZES.fds);
    const view = new DataView(out.buffer);
    view.setInt32(0, readFd, true);
    view.setInt32(4, writeFd, true);
    ctx.copyOut(0, out);
    return 0;
  }

  return {
    pipe: (ctx) => pipe(ctx, 0),
    pipe2: (ctx) => pipe(ctx, ctx.int(1)),
  };
}
