/**
 * Pathname expansion (POSIX 2.13.3): a field with an unquoted `*`, `?` or `[` is a pattern, and
 * becomes the sorted list of existing paths it matches — or stays as it was when none does, as
 * dash leaves it. The pattern arrives with its quoted characters escaped by a backslash, so
 * `"*".txt` matches only a file named `*.txt`. Each `/`-separated component is matched against
 * one directory's entries; a name starting with `.` is matched only by a component that starts
 * with a literal `.`; `/` itself is never matched by a wildcard. Order is byte order (LC_ALL=C).
 */
import { opendir, readdir, closedir, lstat } from "./libc.js";

export function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&");
}

/** *, ? and [...] (with ! for negation); everything else literal. */
export function globToRegExp(glob: string): string {
  let re = "";
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i];
    if (c === "*") re += ".*";
    else if (c === "?") re += ".";
    else if (c === "\\" && i + 1 < glob.length) re += escapeRegExp(glob[++i]);
    else if (c === "[") {
      const close = glob.indexOf("]", i + 2);
      if (close < 0) re += "\\[";
      else {
        let body = glob.slice(i + 1, close);
        if (body[0] === "!") body = "^" + body.slice(1);
        re += `[${body.replace(/\\/g, "\\\\")}]`;
        i = close;
      }
    } else re += escapeRegExp(c);
  }
  return re;
}

/** True when `pattern` (quoted characters escaped) has a wildcard outside a backslash escape. */
export function hasWildcard(pattern: string): boolean {
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i];
    if (c === "\\") i++;
    else if (c === "*" || c === "?") return true;
    // A bracket is a wildcard only with its closing one (`[` alone is test(1)'s name).
    else if (c === "[" && pattern.indexOf("]", i + 2) > 0) return true;
  }
  return false;
}

/** The pattern's text with its escapes removed (what a component with no wildcard names). */
function unescape(pattern: string): string {
  return pattern.replace(/\\(.)/gs, "$1");
}

async function entries(dir: string): Promise<string[]> {
  const d = await opendir(dir === "" ? "." : dir);
  if (d === null) return []; // unreadable or not a directory: it matches nothing, as in dash
  const names: string[] = [];
  for (let e = await readdir(d); e !== null; e = await readdir(d)) names.push(e.d_name);
  await closedir(d);
  return names;
}

const exists = async (path: string) => (await lstat(path)) !== -1;

async function isDirectory(path: string): Promise<boolean> {
  const d = await opendir(path);
  if (d === null) return false;
  await closedir(d);
  return true;
}

/** The paths `pattern` matches, in byte order; empty when it matches none. */
export async function expandPathname(pattern: string): Promise<string[]> {
  // A trailing slash matches directories only, and stays on each match (`echo */`).
  if (pattern.length > 1 && pattern.endsWith("/")) {
    const all = await expandPathname(pattern.replace(/\/+$/, ""));
    const dirs: string[] = [];
    for (const p of all) if (await isDirectory(p)) dirs.push(`${p}/`);
    return dirs;
  }
  const absolute = pattern.startsWith("/");
  const components = pattern.split("/").filter((c, i) => c !== "" || i === 0);
  if (absolute) components.shift();
  // Each candidate is the path built so far (with its trailing "/" kept for joining).
  let found: string[] = [absolute ? "/" : ""];
  for (let k = 0; k < components.length; k++) {
    const c = components[k];
    const last = k === components.length - 1;
    const next: string[] = [];
    if (!hasWildcard(c)) {
      const name = unescape(c);
      for (const base of found) {
        const path = base + name;
        // A literal component needs checking only where it ends the path (or the walk below
        // finds the directory missing on its own).
        if (!last || (await exists(path))) next.push(last ? path : path + "/");
      }
    } else {
      const re = new RegExp(`^${globToRegExp(c)}$`, "s");
      const dotOk = c.startsWith(".") || c.startsWith("\\.");
      for (const base of found) {
        const names = await entries(base.replace(/\/$/, "") || (absolute && base === "/" ? "/" : ""));
        for (const n of names) {
          if (n.startsWith(".") && !dotOk) continue;
          if (re.test(n)) next.push(last ? base + n : base + n + "/");
        }
      }
    }
    found = next;
    if (found.length === 0) return [];
  }
  return found.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}
