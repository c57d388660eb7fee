/**
 * Moving bytes through a description, whatever it refers to: the console (tty driver), a
 * device, a pipe, a regular file (the filesystem), or a directory (EISDIR). `at` null means "at the
 * description's offset, and advance it" (read/write); a number is pread/pwrite's offset.
 * A regular file moves everything asked (up to LIMITS.MAX_XFER) in one call; the console moves
 * at most LIMITS.TERMINAL_XFER, as a terminal's partial transfers.
 */
import { E } from "../../kernel-core/errno.js";
import { O } from "../../kernel-core/abi/fcntl.js";
import { LIMITS } from "../../kernel-core/abi/limits.js";
import type { OpenFile } from "./files.js";
import type { VfsState } from "./state.js";
import { SIG } from "../../kernel-core/abi/signal.js";

const SIGPIPE = SIG.PIPE;

export async function readFrom(vfs: VfsState, pid: number, file: OpenFile, at: number | null, count: number): Promise<Uint8Array | number> {
  const n = Math.min(count, LIMITS.MAX_XFER);
  switch (file.kind) {
    case "console":
      return vfs.tty.read(file.terminal ?? pid, Math.min(n, LIMITS.TERMINAL_XFER));
    case "pipe":
      return file.pipe!.read(n, (file.flags & O.NONBLOCK) !== 0, vfs.pipeSliceMs);
    case "device":
      return file.device!.read(pid, n);
    case "dir":
    case "procdir":
      return -E.EISDIR;
    case "procfile": {
      const content = file.content!;
      if (at !== null) return content.slice(Math.min(at, content.length), Math.min(at + n, content.length));
      const out = content.slice(Math.min(file.offset, content.length), Math.min(file.offset + n, content.length));
      file.offset += out.length;
      return out;
    }
    case "file":
      if (at !== null) return vfs.fs.read(file.ino, at, n);
      return file.lock.run(async () => {
        const data = await vfs.fs.read(file.ino, file.offset, n);
        if (typeof data !== "number") file.offset += data.length;
        return data;
      });
  }
}

export async function writeTo(vfs: VfsState, pid: number, file: OpenFile, at: number | null, data: Uint8Array): Promise<number> {
  switch (file.kind) {
    case "console": {
      // A terminal takes what fits one message and says how much: a partial write, as a pty's.
      const r = await vfs.tty.write(file.terminal ?? pid, file.stream, data.subarray(0, LIMITS.TERMINAL_XFER));
      // The host stream behind the terminal lost its reader (natix run ... | head): as a pipe.
      if (r === -E.EPIPE) await vfs.raise(pid, SIGPIPE);
      return r;
    }
    case "device":
      return file.device!.write(pid, data);
    case "pipe": {
      const r = await file.pipe!.write(data, (file.flags & O.NONBLOCK) !== 0, vfs.pipeSliceMs);
      // No reader: SIGPIPE as well as EPIPE, sent before the writer hears EPIPE (pipe(7)).
      if (r === -E.EPIPE) await vfs.raise(pid, SIGPIPE);
      return r;
    }
    case "dir":
    case "procdir":
      return -E.EISDIR;
    case "procfile":
      return -E.EBADF;
    case "file": {
      const append = (file.flags & O.APPEND) !== 0;
      const sync = (file.flags & O.DSYNC) !== 0;
      const done = async (r: { count: number; end: number } | number): Promise<number> => {
        if (typeof r === "number") return r;
        if (sync && (await vfs.fs.sync()) < 0) return -E.EIO;
        return r.count;
      };
      // pwrite on an O_APPEND file appends anyway, as Linux does.
      if (at !== null) return done(await vfs.fs.write(file.ino, at, data, append));
      return file.lock.run(async () => {
        const r = await vfs.fs.write(file.ino, file.offset, data, append);
        if (typeof r !== "number") file.offset = r.end;
        return done(r);
      });
    }
  }
}

/** Can pread/pwrite/lseek address it by offset? */
export function seekable(file: OpenFile): boolean {
  return file.kind !== "console" && file.kind !== "pipe" && (file.kind !== "device" || file.device!.seekable);
}
