// rm(1): removes files (and, with -r, directories and what they hold).
//   rm [-f] [-r|-R] [-d] FILE...   -f ignores missing files and never fails for them; -d removes
//   empty directories. Refuses ".", ".." and "/" as GNU's rm does.
import { lstat, unlink, rmdir, opendir, readdir, closedir, write, errno, setErrno, strerror, S_ISDIR, ENOENT } from "natix/libc";
import { quote, warner } from "natix/coreutils";

const PROG = "rm";
const warn = warner(PROG);

/** Removes `path` (a directory's contents first); false when something stayed. */
async function remove(path, o) {
  const st = await lstat(path);
  if (st === -1) {
    if (o.f && errno === ENOENT) return true;
    await warn(`cannot remove ${quote(path)}: ${strerror(errno)}`);
    return false;
  }
  if (!S_ISDIR(st.st_mode)) {
    if ((await unlink(path)) < 0) {
      if (o.f && errno === ENOENT) return true;
      await warn(`cannot remove ${quote(path)}: ${strerror(errno)}`);
      return false;
    }
    return true;
  }
  if (!o.r) {
    if (o.d) {
      if ((await rmdir(path)) < 0) {
        await warn(`cannot remove ${quote(path)}: ${strerror(errno)}`);
        return false;
      }
      return true;
    }
    await warn(`cannot remove ${quote(path)}: Is a directory`);
    return false;
  }
  const dir = await opendir(path);
  if (dir === null) {
    // An unreadable directory may still be empty: try to remove it as it is.
    if ((await rmdir(path)) === 0) return true;
    await warn(`cannot remove ${quote(path)}: ${strerror(errno)}`);
    return false;
  }
  const names = [];
  for (;;) {
    setErrno(0);
    const e = await readdir(dir);
    if (e === null) break;
    if (e.d_name !== "." && e.d_name !== "..") names.push(e.d_name);
  }
  await closedir(dir);
  let ok = true;
  const base = path.endsWith("/") ? path : path + "/";
  for (const name of names) if (!(await remove(base + name, o))) ok = false;
  if (!ok) return false;
  if ((await rmdir(path)) < 0) {
    await warn(`cannot remove ${quote(path)}: ${strerror(errno)}`);
    return false;
  }
  return true;
}

export default async function main(argv) {
  const o = { f: false, r: false, d: false };
  const files = [];
  let endOfOptions = false;
  const longs = { "--force": "f", "--recursive": "r", "--dir": "d", "--verbose": null };
  for (const arg of argv.slice(1)) {
    if (endOfOptions || arg === "-" || !arg.startsWith("-")) files.push(arg);
    else if (arg === "--") endOfOptions = true;
    else if (arg.startsWith("--")) {
      if (!(arg in longs)) {
        await warn(`unrecognized option '${arg}'\nTry 'rm --help' for more information.`);
        return 1;
      }
      if (longs[arg]) o[longs[arg]] = true;
    } else
      for (const c of arg.slice(1)) {
        if (c === "f") o.f = true;
        else if (c === "r" || c === "R") o.r = true;
        else if (c === "d") o.d = true;
        else if (c === "i" || c === "I") o.f = false;
        else if (c === "v") continue;
        else {
          await warn(`invalid option -- '${c}'\nTry 'rm --help' for more information.`);
          return 1;
        }
      }
  }
  if (files.length === 0) {
    if (o.f) return 0;
    await warn("missing operand\nTry 'rm --help' for more information.");
    return 1;
  }
  let status = 0;
  for (const file of files) {
    const last = file.replace(/\/+$/, "").split("/").pop();
    if (o.r && (last === "." || last === "..")) {
      await warn(`refusing to remove '.' or '..' directory: skipping ${quote(file)}`);
      status = 1;
      continue;
    }
    if (o.r && /^\/+$/.test(file)) {
      await warn(`it is dangerous to operate recursively on ${quote(file)}`);
      await warn("use --no-preserve-root to override this failsafe");
      status = 1;
      continue;
    }
    if (!(await remove(file, o))) status = 1;
  }
  return status;
}
