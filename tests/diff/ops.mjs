// The file operations of the differential tests, on the host's real filesystem through node:fs.
// Run by host-runner.mjs (possibly as another uid). Each op returns a plain value or throws a
// Node error whose .code is the errno name; results are normalized exactly as natix's side does.
import fs from "node:fs";

export function normStat(st) {
  const mode = st.mode;
  const type = (mode & 0o170000) === 0o100000 ? "file" : (mode & 0o170000) === 0o040000 ? "dir" : (mode & 0o170000) === 0o120000 ? "symlink" : "other";
  return { type, perm: mode & 0o7777, size: type === "dir" ? undefined : st.size, nlink: st.nlink, uid: st.uid, gid: st.gid };
}

export const hostOps = {
  open: (path, flags, mode = 0) => fs.openSync(path, flags, mode),
  close: (fd) => fs.closeSync(fd),
  write: (fd, text) => fs.writeSync(fd, Buffer.from(text)),
  read: (fd, n) => {
    const b = Buffer.alloc(n);
    const got = fs.readSync(fd, b, 0, n, null);
    return b.subarray(0, got).toString("latin1");
  },
  pread: (fd, n, off) => {
    const b = Buffer.alloc(n);
    return b.subarray(0, fs.readSync(fd, b, 0, n, off)).toString("latin1");
  },
  pwrite: (fd, text, off) => fs.writeSync(fd, Buffer.from(text), 0, Buffer.byteLength(text), off),
  readv: (fd, sizes) => {
    const bufs = sizes.map((n) => Buffer.alloc(n));
    const got = fs.readvSync(fd, bufs, null);
    return [got, bufs.map((b) => b.toString("latin1"))];
  },
  writev: (fd, texts) => fs.writevSync(fd, texts.map((t) => Buffer.from(t)), null),
  ftruncate: (fd, len) => fs.ftruncateSync(fd, len),
  truncate: (path, len) => fs.truncateSync(path, len),
  fsync: (fd) => fs.fsyncSync(fd),
  fdatasync: (fd) => fs.fdatasyncSync(fd),
  stat: (path) => normStat(fs.statSync(path)),
  lstat: (path) => normStat(fs.lstatSync(path)),
  fstat: (fd) => normStat(fs.fstatSync(fd)),
  mkdir: (path, mode) => fs.mkdirSync(path, { mode }),
  rmdir: (path) => fs.rmdirSync(path),
  unlink: (path) => fs.unlinkSync(path),
  rename: (a, b) => fs.renameSync(a, b),
  link: (a, b) => fs.linkSync(a, b),
  symlink: (target, path) => fs.symlinkSync(target, path),
  readlink: (path) => fs.readlinkSync(path),
  chmod: (path, mode) => fs.chmodSync(path, mode),
  chown: (path, uid, gid) => fs.chownSync(path, uid, gid),
  access: (path, mode) => fs.accessSync(path, mode),
  readdir: (path) => fs.readdirSync(path).sort(),
};

/** Runs steps; "$N" arguments refer to step N's result (descriptors). */
export function runSteps(ops, steps) {
  const results = [];
  const values = [];
  for (const [op, ...args] of steps) {
    const real = args.map((a) => (typeof a === "string" && /^\$\d+$/.test(a) ? values[Number(a.slice(1))] : a));
    try {
      const v = ops[op](...real);
      values.push(v);
      results.push(op === "open" ? { ok: "fd" } : { ok: v === undefined ? 0 : v });
    } catch (err) {
      values.push(undefined);
      results.push({ err: err.code ?? String(err) });
    }
  }
  return results;
}
