// mkdir(1): creates directories.
//   mkdir [-p] [-m MODE] DIRECTORY...   -p makes missing parents and accepts an existing
//   directory; -m sets the mode (octal, or symbolic as chmod's: u=rwx,g+x,...).
import { mkdir, chmod, stat, umask, write, errno, strerror, S_ISDIR, EEXIST } from "natix/libc";
import { quote, warner } from "natix/coreutils";

const PROG = "mkdir";
const warn = warner(PROG);

/** A chmod-style MODE applied to `base` (symbolic who-less changes honour `mask`); null if invalid. */
function parseMode(text, base, mask) {
  if (/^[0-7]+$/.test(text)) {
    const v = parseInt(text, 8);
    return v > 0o7777 ? null : v;
  }
  let mode = base;
  for (const clause of text.split(",")) {
    const m = /^([ugoa]*)((?:[-+=][rwxXstugo]*)+)$/.exec(clause);
    if (!m) return null;
    let who = 0;
    for (const w of m[1]) who |= { u: 0o4700, g: 0o2070, o: 0o1007, a: 0o7777 }[w];
    const implicit = m[1] === "";
    if (implicit) who = 0o7777;
    for (const [, op, perms] of m[2].matchAll(/([-+=])([rwxXstugo]*)/g)) {
      let bits = 0;
      for (const p of perms) {
        if (p === "r") bits |= 0o444;
        else if (p === "w") bits |= 0o222;
        else if (p === "x" || p === "X") bits |= 0o111;
        else if (p === "s") bits |= 0o6000;
        else if (p === "t") bits |= 0o1000;
        else {
          const shift = { u: 6, g: 3, o: 0 }[p];
          const v = (mode >> shift) & 7;
          bits |= (v << 6) | (v << 3) | v;
        }
      }
      bits &= who;
      if (implicit) bits &= ~mask;
      if (op === "+") mode |= bits;
      else if (op === "-") mode &= ~bits;
      else mode = (mode & ~(who & (implicit ? 0o7777 : who))) | bits;
    }
  }
  return mode;
}

export default async function main(argv) {
  let parents = false;
  let modeText = null;
  const dirs = [];
  const args = argv.slice(1);
  let endOfOptions = false;
  for (let i = 0; i < args.length; i++) {
    const arg = args[i];
    if (endOfOptions || arg === "-" || !arg.startsWith("-")) dirs.push(arg);
    else if (arg === "--") endOfOptions = true;
    else if (arg === "--parents") parents = true;
    else if (arg.startsWith("--mode=")) modeText = arg.slice(7);
    else if (arg === "--mode") modeText = args[++i] ?? "";
    else if (arg.startsWith("--")) {
      await warn(`unrecognized option '${arg}'\nTry 'mkdir --help' for more information.`);
      return 1;
    } else
      for (let j = 1; j < arg.length; j++) {
        const c = arg[j];
        if (c === "p") parents = true;
        else if (c === "v") continue;
        else if (c === "m") {
          modeText = arg.slice(j + 1) || args[++i];
          if (modeText === undefined) {
            await warn(`option requires an argument -- 'm'\nTry 'mkdir --help' for more information.`);
            return 1;
          }
          break;
        } else {
          await warn(`invalid option -- '${c}'\nTry 'mkdir --help' for more information.`);
          return 1;
        }
      }
  }
  const mask = await umask(0);
  await umask(mask);
  let mode = 0o777 & ~mask;
  if (modeText !== null) {
    const m = parseMode(modeText, 0o777, mask);
    if (m === null) {
      await warn(`invalid mode ${quote(modeText)}`);
      return 1;
    }
    mode = m;
  }
  if (dirs.length === 0) {
    await warn("missing operand\nTry 'mkdir --help' for more information.");
    return 1;
  }
  let status = 0;
  for (const dir of dirs) {
    if (parents) {
      // Each missing ancestor as u+wx beyond the umask, as GNU's mkdir -p makes them.
      const parts = dir.split("/");
      let failed = false;
      for (let k = 1; k < parts.length; k++) {
        const prefix = parts.slice(0, k).join("/");
        if (prefix === "" || parts[k - 1] === "" || parts[k - 1] === "." || parts[k - 1] === "..") continue;
        if ((await mkdir(prefix, (0o777 & ~mask) | 0o300)) < 0 && errno !== EEXIST) {
          await warn(`cannot create directory ${quote(prefix)}: ${strerror(errno)}`);
          failed = true;
          break;
        }
        const st = await stat(prefix);
        if (st === -1 || !S_ISDIR(st.st_mode)) {
          await warn(`cannot create directory ${quote(prefix)}: ${strerror(st === -1 ? errno : 20)}`);
          failed = true;
          break;
        }
      }
      if (failed) {
        status = 1;
        continue;
      }
    }
    if ((await mkdir(dir, mode)) < 0) {
      const e = errno;
      if (parents && e === EEXIST) {
        const st = await stat(dir);
        if (st !== -1 && S_ISDIR(st.st_mode)) continue;
      }
      await warn(`cannot create directory ${quote(dir)}: ${strerror(e)}`);
      status = 1;
      continue;
    }
    if (modeText !== null && (await chmod(dir, mode)) < 0) {
      await warn(`cannot set permissions of ${quote(dir)}: ${strerror(errno)}`);
      status = 1;
    }
  }
  return status;
}
