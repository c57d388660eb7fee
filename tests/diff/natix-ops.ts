/**
 * The differential tests' operations on natix, through natix/libc. Each mirrors ops.mjs's host
 * version and normalizes its result the same way; a failure throws { code: errno name }.
 */
import { errnoName, type Proc } from "../../build/client-libc/mod.js";
import { normStat } from "./ops.mjs";

function check(p: Proc, ret: number | unknown): number {
  if (ret === -1 || ret === null) throw { code: errnoName(p.errno) ?? `errno ${p.errno}` };
  return ret as number;
}

const latin1 = (b: Uint8Array) => Buffer.from(b).toString("latin1");

export function natixOps(p: Proc): Record<string, (...args: never[]) => Promise<unknown>> {
  const statOf = (st: unknown) => {
    check(p, st);
    const s = st as { st_mode: number; st_size: number; st_nlink: number; st_uid: number; st_gid: number };
    return normStat({ mode: s.st_mode, size: s.st_size, nlink: s.st_nlink, uid: s.st_uid, gid: s.st_gid });
  };
  return {
    open: async (path: string, flags: number, mode = 0) => check(p, await p.open(path, flags, mode)),
    close: async (fd: number) => void check(p, await p.close(fd)),
    write: async (fd: number, text: string) => check(p, await p.write(fd, text)),
    read: async (fd: number, n: number) => {
      const b = new Uint8Array(n);
      return latin1(b.subarray(0, check(p, await p.read(fd, b, n))));
    },
    pread: async (fd: number, n: number, off: number) => {
      const b = new Uint8Array(n);
      return latin1(b.subarray(0, check(p, await p.pread(fd, b, n, off))));
    },
    pwrite: async (fd: number, text: string, off: number) => check(p, await p.pwrite(fd, text, Buffer.byteLength(text), off)),
    readv: async (fd: number, sizes: number[]) => {
      const bufs = sizes.map((n) => new Uint8Array(n));
      return [check(p, await p.readv(fd, bufs)), bufs.map(latin1)];
    },
    writev: async (fd: number, texts: string[]) => check(p, await p.writev(fd, texts.map((t) => Buffer.from(t)))),
    ftruncate: async (fd: number, len: number) => void check(p, await p.ftruncate(fd, len)),
    truncate: async (path: string, len: number) => void check(p, await p.truncate(path, len)),
    fsync: async (fd: number) => void check(p, await p.fsync(fd)),
    fdatasync: async (fd: number) => void check(p, await p.fdatasync(fd)),
    stat: async (path: string) => statOf(await p.stat(path)),
    lstat: async (path: string) => statOf(await p.lstat(path)),
    fstat: async (fd: number) => statOf(await p.fstat(fd)),
    mkdir: async (path: string, mode: number) => void check(p, await p.mkdir(path, mode)),
    rmdir: async (path: string) => void check(p, await p.rmdir(path)),
    unlink: async (path: string) => void check(p, await p.unlink(path)),
    rename: async (a: string, b: string) => void check(p, await p.rename(a, b)),
    link: async (a: string, b: string) => void check(p, await p.link(a, b)),
    symlink: async (target: string, path: string) => void check(p, await p.symlink(target, path)),
    readlink: async (path: string) => {
      const b = new Uint8Array(4096);
      return Buffer.from(b.subarray(0, check(p, await p.readlink(path, b, 4096)))).toString();
    },
    chmod: async (path: string, mode: number) => void check(p, await p.chmod(path, mode)),
    chown: async (path: string, uid: number, gid: number) => void check(p, await p.chown(path, uid, gid)),
    access: async (path: string, mode: number) => void check(p, await p.access(path, mode)),
    readdir: async (path: string) => {
      const dir = await p.opendir(path);
      check(p, dir);
      const names: string[] = [];
      for (let e = await p.readdir(dir!); e !== null; e = await p.readdir(dir!)) if (e.d_name !== "." && e.d_name !== "..") names.push(e.d_name);
      await p.closedir(dir!);
      return names.sort();
    },
  };
}

/** runSteps of ops.mjs, for async ops. */
export async function runNatixSteps(ops: Record<string, (...args: never[]) => Promise<unknown>>, steps: unknown[][]): Promise<unknown[]> {
  const results: unknown[] = [];
  const values: unknown[] = [];
  for (const [op, ...args] of steps as [string, ...unknown[]][]) {
    const real = args.map((a) => (typeof a === "string" && /^\$\d+$/.test(a) ? values[Number(a.slice(1))] : a));
    try {
      const v = await (ops[op] as (...a: unknown[]) => Promise<unknown>)(...real);
      values.push(v);
      results.push(op === "open" ? { ok: "fd" } : { ok: v === undefined ? 0 : v });
    } catch (err) {
      values.push(undefined);
      results.push({ err: (err as { code?: string }).code ?? String(err) });
    }
  }
  return results;
}
