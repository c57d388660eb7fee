/** Absolute paths as the vfs server compares them: /proc's, and the names /proc/<pid>/fd shows. */

/** Lexically cleans an absolute path ("/a/./b/../c//" → "/a/c"). */
export function normalize(path: string): string {
  const out: string[] = [];
  for (const part of path.split("/")) {
    if (part === "" || part === ".") continue;
    if (part === "..") out.pop();
    else out.push(part);
  }
  return "/" + out.join("/");
}
