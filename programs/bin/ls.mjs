// ls(1): lists directories' contents and files, as GNU's ls in the C locale.
//   ls [-laAdn1] [FILE]...   (no FILE: ".")   -l long format (natix has no /etc/passwd, so owner
//   and group are numbers, as ls -n prints them), -a all entries, -A all but . and .., -d the
//   directories themselves, -1 one per line (also when standard output is not a terminal).
import {
  strerror, stat, lstat, readlink, opendir, readdir, closedir, isatty, errno, setErrno, EPIPE,
  S_ISDIR, S_ISLNK, S_ISCHR, S_ISBLK, S_ISFIFO, S_ISSOCK,
} from "natix/libc";
import { quote, warner, writeAll } from "natix/coreutils";

const PROG = "ls";
const warn = warner(PROG);
const enc = new TextEncoder();

/** strcmp on the names' UTF-8 bytes (LC_ALL=C's order). */
function byteOrder(a, b) {
  const x = enc.encode(a.name);
  const y = enc.encode(b.name);
  for (let i = 0; i < x.length && i < y.length; i++) if (x[i] !== y[i]) return x[i] - y[i];
  return x.length - y.length;
}

function modeString(m) {
  const type = S_ISDIR(m) ? "d" : S_ISLNK(m) ? "l" : S_ISCHR(m) ? "c" : S_ISBLK(m) ? "b" : S_ISFIFO(m) ? "p" : S_ISSOCK(m) ? "s" : "-";
  const bit = (mask, ch) => (m & mask ? ch : "-");
  const special = (x, set, lower, upper) => (m & set ? (m & x ? lower : upper) : m & x ? "x" : "-");
  return (
    type +
    bit(0o400, "r") + bit(0o200, "w") + special(0o100, 0o4000, "s", "S") +
    bit(0o040, "r") + bit(0o020, "w") + special(0o010, 0o2000, "s", "S") +
    bit(0o004, "r") + bit(0o002, "w") + special(0o001, 0o1000, "t", "T")
  );
}

const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
const SIX_MONTHS = 31556952 / 2;

function dateString(sec, now) {
  const d = new Date(sec * 1000);
  const head = `${MONTHS[d.getMonth()]} ${String(d.getDate()).padStart(2)}`;
  const recent = sec > now - SIX_MONTHS && sec <= now;
  if (recent) return `${head} ${String(d.getHours()).padStart(2, "0")}:${String(d.getMinutes()).padStart(2, "0")}`;
  return `${head}  ${d.getFullYear()}`;
}

/** Long-format lines of `entries` ({name, path, st}), columns aligned across them. */
async function longLines(entries) {
  const now = Date.now() / 1000;
  const dev = (st) => S_ISCHR(st.st_mode) || S_ISBLK(st.st_mode);
  const major = (st) => (st.st_rdev >> 8) & 0xfff;
  const minor = (st) => (st.st_rdev & 0xff) | ((st.st_rdev >> 12) & 0xfff00);
  let wLinks = 0, wUid = 0, wGid = 0, wSize = 0, wMajor = 0, wMinor = 0;
  for (const { st } of entries) {
    wLinks = Math.max(wLinks, String(st.st_nlink).length);
    wUid = Math.max(wUid, String(st.st_uid).length);
    wGid = Math.max(wGid, String(st.st_gid).length);
    if (dev(st)) {
      wMajor = Math.max(wMajor, String(major(st)).length);
      wMinor = Math.max(wMinor, String(minor(st)).length);
    } else wSize = Math.max(wSize, String(st.st_size).length);
  }
  if (wMajor > 0) wSize = Math.max(wSize, wMajor + 2 + wMinor);
  const lines = [];
  for (const { name, path, st } of entries) {
    const size = dev(st)
      ? `${String(major(st)).padStart(wMajor)}, ${String(minor(st)).padStart(wSize - wMajor - 2)}`
      : String(st.st_size).padStart(wSize);
    let line =
      `${modeString(st.st_mode)} ${String(st.st_nlink).padStart(wLinks)} ${String(st.st_uid).padStart(wUid)} ` +
      `${String(st.st_gid).padStart(wGid)} ${size} ${dateString(st.st_mtime, now)} ${name}`;
    if (S_ISLNK(st.st_mode)) {
      const buf = new Uint8Array(4096);
      const n = await readlink(path, buf, buf.length);
      if (n >= 0) line += ` -> ${new TextDecoder().decode(buf.subarray(0, n))}`;
    }
    lines.push(line);
  }
  return lines;
}

/** Names in columns, as GNU's ls -C does on a terminal of `width` columns. */
function columns(names, width) {
  if (names.length === 0) return [];
  const lens = names.map((n) => [...n].length);
  let best = 1;
  let bestWidths = [Math.max(...lens)];
  for (let cols = 2; cols <= names.length; cols++) {
    const rows = Math.ceil(names.length / cols);
    if (Math.ceil(names.length / rows) < cols) continue;
    const widths = [];
    for (let c = 0; c < cols; c++) {
      let w = 0;
      for (let r = 0; r < rows; r++) if (c * rows + r < names.length) w = Math.max(w, lens[c * rows + r]);
      widths.push(w + (c < cols - 1 ? 2 : 0));
    }
    if (widths.reduce((a, b) => a + b, 0) <= width) (best = cols), (bestWidths = widths);
  }
  const rows = Math.ceil(names.length / best);
  const lines = [];
  for (let r = 0; r < rows; r++) {
    let line = "";
    for (let c = 0; c < best; c++) {
      const i = c * rows + r;
      if (i >= names.length) break;
      const last = c === best - 1 || (c + 1) * rows + r >= names.length;
      line += last ? names[i] : names[i] + " ".repeat(bestWidths[c] - lens[i]);
    }
    lines.push(line);
  }
  return lines;
}

export default async function main(argv) {
  const o = { l: false, a: false, A: false, d: false, one: false };
  const operands = [];
  let endOfOptions = false;
  for (const arg of argv.slice(1)) {
    if (endOfOptions || arg === "-" || !arg.startsWith("-")) operands.push(arg);
    else if (arg === "--") endOfOptions = true;
    else if (arg === "--all") o.a = true;
    else if (arg === "--almost-all") o.A = true;
    else if (arg === "--directory") o.d = true;
    else if (arg.startsWith("--")) {
      await warn(`unrecognized option '${arg}'\nTry 'ls --help' for more information.`);
      return 2;
    } else
      for (const c of arg.slice(1)) {
        if (c === "l" || c === "n") o.l = true;
        else if (c === "a") o.a = true;
        else if (c === "A") o.A = true;
        else if (c === "d") o.d = true;
        else if (c === "1") o.one = true;
        else {
          await warn(`invalid option -- '${c}'\nTry 'ls --help' for more information.`);
          return 2;
        }
      }
  }
  const tty = !o.one && !o.l && (await isatty(1)) === 1;
  let status = 0;
  let text = "";
  const show = async (entries) => {
    if (o.l) for (const line of await longLines(entries)) text += line + "\n";
    else if (tty) for (const line of columns(entries.map((e) => e.name), 80)) text += line + "\n";
    else for (const e of entries) text += e.name + "\n";
  };

  const names = operands.length > 0 ? operands : ["."];
  const files = [];
  const dirs = [];
  for (const name of names) {
    // On the command line, -l and -d look at a symbolic link itself; otherwise ls follows it.
    let st = o.l || o.d ? await lstat(name) : await stat(name);
    if (st === -1 && !(o.l || o.d)) st = await lstat(name);
    if (st === -1) {
      await warn(`cannot access ${quote(name)}: ${strerror(errno)}`);
      status = 2;
      continue;
    }
    (S_ISDIR(st.st_mode) && !o.d ? dirs : files).push({ name, path: name, st });
  }
  files.sort(byteOrder);
  dirs.sort(byteOrder);
  if (files.length > 0) await show(files);
  const headers = names.length > 1;
  let first = files.length === 0;
  for (const d of dirs) {
    const dir = await opendir(d.path);
    if (dir === null) {
      await warn(`cannot open directory ${quote(d.name)}: ${strerror(errno)}`);
      status = 2;
      continue;
    }
    if (!first) text += "\n";
    first = false;
    if (headers) text += `${d.name}:\n`;
    const entries = [];
    for (;;) {
      setErrno(0);
      const e = await readdir(dir);
      if (e === null) {
        if (errno !== 0) {
          await warn(`reading directory ${quote(d.name)}: ${strerror(errno)}`);
          status = 2;
        }
        break;
      }
      if (e.d_name.startsWith(".") && !o.a && !(o.A && e.d_name !== "." && e.d_name !== "..")) continue;
      entries.push({ name: e.d_name, path: d.path.endsWith("/") ? d.path + e.d_name : `${d.path}/${e.d_name}` });
    }
    await closedir(dir);
    entries.sort(byteOrder);
    if (o.l) {
      const ok = [];
      let blocks = 0;
      for (const e of entries) {
        const st = await lstat(e.path);
        if (st === -1) {
          await warn(`cannot access ${quote(e.path)}: ${strerror(errno)}`);
          status = Math.max(status, 1);
          continue;
        }
        blocks += st.st_blocks;
        ok.push({ ...e, st });
      }
      text += `total ${Math.ceil(blocks / 2)}\n`;
      await show(ok);
    } else await show(entries);
  }
  const failed = await writeAll(1, enc.encode(text));
  if (failed) {
    if (failed !== EPIPE) await warn(`write error: ${strerror(failed)}`);
    return 2;
  }
  return status;
}
