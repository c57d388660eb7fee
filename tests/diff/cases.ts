/**
 * The differential table: sequences of file operations run on natix and on the host's real
 * filesystem; every result and errno must match. Paths are relative to a fresh directory per
 * case (mode 0777). `setup` runs as root, `steps` as `uid` (root when absent).
 */
const O_RDONLY = 0, O_WRONLY = 1, O_RDWR = 2, O_CREAT = 0o100, O_EXCL = 0o200, O_TRUNC = 0o1000;
const O_APPEND = 0o2000, O_DIRECTORY = 0o200000, O_NOFOLLOW = 0o400000;
const CW = O_CREAT | O_WRONLY;
const CRW = O_CREAT | O_RDWR;

export type Step = [string, ...unknown[]];

export interface DiffCase {
  name: string;
  uid?: number;
  setup?: Step[];
  steps: Step[];
}

/** Setup steps creating `name` with `text` (fd references resolved by index below). */
function make(name: string, text = "data", mode = 0o644): Step[] {
  return [["open", name, CW | O_TRUNC, mode], ["write", "$FD", text], ["close", "$FD"], ["chmod", name, mode]];
}

/** Rewrites "$FD" to the index of the preceding open in the combined list. */
export function expand(steps: Step[]): Step[] {
  const out: Step[] = [];
  let lastOpen = -1;
  for (const s of steps) {
    if (s[0] === "open") lastOpen = out.length;
    out.push(s.map((a) => (a === "$FD" ? `$${lastOpen}` : a)) as Step);
  }
  return out;
}

const LONG = "x".repeat(256);

export const DIFF_CASES: DiffCase[] = [
  // --- open, read, write ---
  { name: "create, write, reopen, read back", steps: [["open", "f", CRW, 0o644], ["write", "$0", "hello"], ["close", "$0"], ["open", "f", O_RDONLY], ["read", "$3", 100], ["read", "$3", 100], ["close", "$3"]] },
  { name: "O_CREAT|O_EXCL on an existing file: EEXIST", setup: make("f"), steps: [["open", "f", CW | O_EXCL, 0o644]] },
  { name: "O_CREAT|O_EXCL on a new file creates it", steps: [["open", "f", CW | O_EXCL, 0o600], ["stat", "f"]] },
  { name: "open a missing file: ENOENT", steps: [["open", "missing", O_RDONLY]] },
  { name: "create in a missing directory: ENOENT", steps: [["open", "nodir/f", CW, 0o644]] },
  { name: "a file used as a directory: ENOTDIR", setup: make("f"), steps: [["open", "f/x", O_RDONLY], ["open", "f/x", CW, 0o644], ["stat", "f/x"]] },
  { name: "open a directory for writing: EISDIR", setup: [["mkdir", "d", 0o755]], steps: [["open", "d", O_WRONLY], ["open", "d", O_RDWR], ["open", "d", CW, 0o644]] },
  { name: "read a directory: EISDIR", setup: [["mkdir", "d", 0o755]], steps: [["open", "d", O_RDONLY], ["read", "$0", 10]] },
  { name: "O_DIRECTORY on a file: ENOTDIR", setup: make("f"), steps: [["open", "f", O_RDONLY | O_DIRECTORY]] },
  { name: "O_TRUNC empties the file", setup: make("f", "0123456789"), steps: [["open", "f", O_RDWR | O_TRUNC], ["fstat", "$0"], ["read", "$0", 10]] },
  { name: "O_APPEND writes at the end through two descriptors", setup: make("f", "start:"), steps: [["open", "f", O_WRONLY | O_APPEND], ["open", "f", O_WRONLY | O_APPEND], ["write", "$0", "one,"], ["write", "$1", "two"], ["open", "f", O_RDONLY], ["read", "$4", 100]] },
  { name: "write to a read-only descriptor: EBADF", setup: make("f"), steps: [["open", "f", O_RDONLY], ["write", "$0", "x"]] },
  { name: "read from a write-only descriptor: EBADF", setup: make("f"), steps: [["open", "f", O_WRONLY], ["read", "$0", 4]] },
  { name: "close twice: EBADF", setup: make("f"), steps: [["open", "f", O_RDONLY], ["close", "$0"], ["close", "$0"]] },
  { name: "read at end of file returns nothing", setup: make("f", "abc"), steps: [["open", "f", O_RDONLY], ["read", "$0", 3], ["read", "$0", 3]] },
  { name: "sequential reads advance the offset", setup: make("f", "abcdefgh"), steps: [["open", "f", O_RDONLY], ["read", "$0", 3], ["read", "$0", 3], ["read", "$0", 3]] },
  { name: "writes overwrite in place, size grows only past the end", setup: make("f", "aaaaaaaa"), steps: [["open", "f", O_WRONLY], ["write", "$0", "bb"], ["fstat", "$0"], ["write", "$0", "cccccccccc"], ["fstat", "$0"], ["open", "f", O_RDONLY], ["read", "$5", 100]] },
  // --- positioned and vectored I/O ---
  { name: "pwrite past the end leaves a hole of zeros", steps: [["open", "f", CRW, 0o644], ["pwrite", "$0", "end", 10], ["fstat", "$0"], ["pread", "$0", 20, 0]] },
  { name: "pread at offsets does not move the offset", setup: make("f", "0123456789"), steps: [["open", "f", O_RDONLY], ["pread", "$0", 3, 4], ["read", "$0", 3], ["pread", "$0", 5, 8]] },
  { name: "chmod through a symlink changes its target", setup: make("f"), steps: [["symlink", "f", "l"], ["chmod", "l", 0o600], ["stat", "f"], ["lstat", "l"]] },
  { name: "O_CREAT|O_TRUNC on an existing file keeps its mode and owner", setup: make("f", "old", 0o600), steps: [["open", "f", CW | O_TRUNC, 0o777], ["stat", "f"]] },
  { name: "pread past the end returns nothing", setup: make("f", "abc"), steps: [["open", "f", O_RDONLY], ["pread", "$0", 4, 100]] },
  { name: "writev gathers, readv scatters", steps: [["open", "f", CRW, 0o644], ["writev", "$0", ["ab", "cde", "", "f"]], ["close", "$0"], ["open", "f", O_RDONLY], ["readv", "$3", [2, 1, 10]]] },
  { name: "a large write and read (200 KiB)", steps: [["open", "f", CRW, 0o644], ["write", "$0", "z".repeat(200 * 1024)], ["fstat", "$0"], ["pread", "$0", 8, 200 * 1024 - 4]] },
  // --- truncate ---
  { name: "ftruncate shrinks and grows with zeros", setup: make("f", "0123456789"), steps: [["open", "f", O_RDWR], ["ftruncate", "$0", 4], ["pread", "$0", 20, 0], ["ftruncate", "$0", 8], ["pread", "$0", 20, 0], ["fstat", "$0"]] },
  { name: "ftruncate on a read-only descriptor: EINVAL", setup: make("f"), steps: [["open", "f", O_RDONLY], ["ftruncate", "$0", 0]] },
  { name: "truncate a path", setup: make("f", "0123456789"), steps: [["truncate", "f", 3], ["stat", "f"]] },
  { name: "truncate a directory: EISDIR", setup: [["mkdir", "d", 0o755]], steps: [["truncate", "d", 0]] },
  { name: "truncate a missing file: ENOENT", steps: [["truncate", "missing", 0]] },
  // --- stat and modes ---
  { name: "new files get 0666 & ~umask", steps: [["open", "f", CW, 0o666], ["stat", "f"], ["open", "g", CW, 0o777], ["stat", "g"]] },
  { name: "new directories get mode & ~umask, nlink 2", steps: [["mkdir", "d", 0o777], ["stat", "d"], ["mkdir", "e", 0o700], ["stat", "e"]] },
  { name: "a directory's nlink counts its subdirectories", steps: [["mkdir", "d", 0o755], ["mkdir", "d/a", 0o755], ["mkdir", "d/b", 0o755], ["open", "d/f", CW, 0o644], ["stat", "d"], ["rmdir", "d/a"], ["stat", "d"]] },
  { name: "stat a missing path: ENOENT", steps: [["stat", "nope"], ["lstat", "nope"]] },
  { name: "chmod changes the permission bits", setup: make("f"), steps: [["chmod", "f", 0o600], ["stat", "f"], ["chmod", "f", 0o4755], ["stat", "f"]] },
  { name: "chmod a missing path: ENOENT", steps: [["chmod", "nope", 0o644]] },
  { name: "fsync and fdatasync succeed on files", steps: [["open", "f", CRW, 0o644], ["write", "$0", "durable"], ["fsync", "$0"], ["fdatasync", "$0"]] },
  { name: "access: F_OK on present and missing files", setup: make("f"), steps: [["access", "f", 0], ["access", "nope", 0], ["access", "f", 6]] },
  // --- directories ---
  { name: "mkdir an existing name: EEXIST", setup: make("f"), steps: [["mkdir", "f", 0o755], ["mkdir", ".", 0o755]] },
  { name: "mkdir in a missing parent: ENOENT", steps: [["mkdir", "a/b", 0o755]] },
  { name: "mkdir under a file: ENOTDIR", setup: make("f"), steps: [["mkdir", "f/sub", 0o755]] },
  { name: "rmdir a non-empty directory: ENOTEMPTY", setup: [["mkdir", "d", 0o755], ...make("d/f")], steps: [["rmdir", "d"]] },
  { name: "rmdir a file: ENOTDIR", setup: make("f"), steps: [["rmdir", "f"]] },
  { name: "rmdir a missing directory: ENOENT", steps: [["rmdir", "nope"]] },
  { name: "rmdir \".\": EINVAL", steps: [["mkdir", "d", 0o755], ["rmdir", "d/."]] },
  { name: "rmdir an empty directory, then it is gone", setup: [["mkdir", "d", 0o755]], steps: [["rmdir", "d"], ["stat", "d"]] },
  { name: "readdir lists every name", setup: [["mkdir", "d", 0o755], ...make("d/b"), ...make("d/a"), ["mkdir", "d/c", 0o755]], steps: [["readdir", "d"], ["unlink", "d/a"], ["readdir", "d"]] },
  { name: "readdir of many files", setup: [["mkdir", "d", 0o755], ...Array.from({ length: 40 }, (_, i) => make(`d/file-with-a-longer-name-${i}`, "x")).flat()], steps: [["readdir", "d"]] },
  { name: "readdir of a file: ENOTDIR", setup: make("f"), steps: [["readdir", "f"]] },
  // --- unlink ---
  { name: "unlink a directory: EISDIR", setup: [["mkdir", "d", 0o755]], steps: [["unlink", "d"]] },
  { name: "unlink a missing file: ENOENT", steps: [["unlink", "nope"]] },
  { name: "an unlinked file stays readable through an open descriptor", setup: make("f", "still here"), steps: [["open", "f", O_RDONLY], ["unlink", "f"], ["open", "f", O_RDONLY], ["read", "$0", 100], ["fstat", "$0"]] },
  // --- rename ---
  { name: "rename a file over another replaces it", setup: [...make("a", "AAA"), ...make("b", "BBB")], steps: [["rename", "a", "b"], ["stat", "a"], ["open", "b", O_RDONLY], ["read", "$2", 10]] },
  { name: "rename a missing file: ENOENT", steps: [["rename", "nope", "x"]] },
  { name: "rename a directory over a non-empty one: ENOTEMPTY", setup: [["mkdir", "a", 0o755], ["mkdir", "b", 0o755], ...make("b/f")], steps: [["rename", "a", "b"]] },
  { name: "rename a directory over an empty one", setup: [["mkdir", "a", 0o755], ...make("a/inside"), ["mkdir", "b", 0o755]], steps: [["rename", "a", "b"], ["readdir", "b"], ["stat", "a"]] },
  { name: "rename a file over a directory: EISDIR", setup: [...make("f"), ["mkdir", "d", 0o755]], steps: [["rename", "f", "d"]] },
  { name: "rename a directory over a file: ENOTDIR", setup: [...make("f"), ["mkdir", "d", 0o755]], steps: [["rename", "d", "f"]] },
  { name: "rename a directory into itself: EINVAL", setup: [["mkdir", "d", 0o755], ["mkdir", "d/sub", 0o755]], steps: [["rename", "d", "d/sub/x"], ["rename", "d", "d/y"]] },
  { name: "rename onto itself does nothing", setup: make("f", "same"), steps: [["rename", "f", "f"], ["stat", "f"]] },
  { name: "rename moves a directory between parents (link counts follow)", setup: [["mkdir", "p", 0o755], ["mkdir", "q", 0o755], ["mkdir", "p/d", 0o755]], steps: [["rename", "p/d", "q/d"], ["stat", "p"], ["stat", "q"], ["readdir", "q"]] },
  { name: "rename into a missing directory: ENOENT", setup: make("f"), steps: [["rename", "f", "nodir/f"]] },
  // --- links ---
  { name: "hard links share data and count links", setup: make("a", "shared"), steps: [["link", "a", "b"], ["stat", "a"], ["unlink", "a"], ["stat", "b"], ["open", "b", O_RDONLY], ["read", "$4", 10]] },
  { name: "hard link to a directory: EPERM", setup: [["mkdir", "d", 0o755]], steps: [["link", "d", "e"]] },
  { name: "hard link over an existing name: EEXIST", setup: [...make("a"), ...make("b")], steps: [["link", "a", "b"]] },
  { name: "hard link to a missing file: ENOENT", steps: [["link", "nope", "b"]] },
  { name: "symlink, readlink, stat through it, lstat of it", setup: make("target", "via link"), steps: [["symlink", "target", "l"], ["readlink", "l"], ["stat", "l"], ["lstat", "l"], ["open", "l", O_RDONLY], ["read", "$4", 20]] },
  { name: "a dangling symlink: stat ENOENT, lstat fine", steps: [["symlink", "nowhere", "l"], ["stat", "l"], ["lstat", "l"], ["readlink", "l"]] },
  { name: "readlink of a regular file: EINVAL", setup: make("f"), steps: [["readlink", "f"]] },
  { name: "a symlink loop: ELOOP", steps: [["symlink", "b", "a"], ["symlink", "a", "b"], ["stat", "a"], ["open", "a", O_RDONLY]] },
  { name: "O_NOFOLLOW on a symlink: ELOOP", setup: make("target"), steps: [["symlink", "target", "l"], ["open", "l", O_RDONLY | O_NOFOLLOW]] },
  { name: "O_CREAT through a dangling symlink creates its target", steps: [["symlink", "made", "l"], ["open", "l", CW, 0o644], ["write", "$1", "x"], ["stat", "made"]] },
  { name: "symlink over an existing name: EEXIST", setup: make("f"), steps: [["symlink", "x", "f"]] },
  { name: "symlinks to directories are followed in the middle of a path", setup: [["mkdir", "real", 0o755], ...make("real/f", "deep")], steps: [["symlink", "real", "alias"], ["stat", "alias/f"], ["readdir", "alias"]] },
  // --- path syntax ---
  { name: "a trailing slash on a file: ENOTDIR", setup: make("f"), steps: [["stat", "f/"], ["open", "f/", O_RDONLY]] },
  { name: "a name over 255 bytes: ENAMETOOLONG", steps: [["open", LONG, CW, 0o644], ["mkdir", LONG, 0o755], ["stat", LONG]] },
  { name: "dot and dot-dot resolve", setup: [["mkdir", "a", 0o755], ["mkdir", "a/b", 0o755], ...make("f", "top")], steps: [["stat", "a/b/../../f"], ["stat", "./a/./b"], ["stat", "a//b"]] },
  // --- permissions, as a user ---
  { name: "user: read a root-only file: EACCES", uid: 1000, setup: make("f", "secret", 0o600), steps: [["open", "f", O_RDONLY], ["access", "f", 4]] },
  { name: "user: write a root file that others may only read: EACCES", uid: 1000, setup: make("f", "public", 0o644), steps: [["open", "f", O_WRONLY], ["open", "f", O_RDONLY], ["read", "$1", 20], ["access", "f", 2], ["access", "f", 4]] },
  { name: "user: create in a root directory without write permission: EACCES", uid: 1000, setup: [["mkdir", "d", 0o755]], steps: [["open", "d/f", CW, 0o644], ["mkdir", "d/sub", 0o755], ["symlink", "x", "d/l"]] },
  { name: "user: unlink in a root directory without write permission: EACCES", uid: 1000, setup: [["mkdir", "d", 0o755], ...make("d/f")], steps: [["unlink", "d/f"], ["rename", "d/f", "g"]] },
  { name: "user: no search permission on a directory: EACCES", uid: 1000, setup: [["mkdir", "d", 0o700], ...make("d/f")], steps: [["stat", "d/f"], ["open", "d/f", O_RDONLY], ["stat", "d"]] },
  { name: "user: chmod and chown of root's file: EPERM", uid: 1000, setup: make("f"), steps: [["chmod", "f", 0o777], ["chown", "f", 1000, 1000]] },
  { name: "user: own files follow owner bits, even 0000", uid: 1000, steps: [["open", "mine", CW, 0o644], ["chmod", "mine", 0], ["open", "mine", O_RDONLY], ["chmod", "mine", 0o400], ["open", "mine", O_RDONLY], ["open", "mine", O_WRONLY], ["stat", "mine"]] },
  { name: "user: cannot give a file away: EPERM", uid: 1000, steps: [["open", "mine", CW, 0o644], ["chown", "mine", 0, 0], ["chown", "mine", 1000, 1000], ["stat", "mine"]] },
  { name: "user: truncate a root file: EACCES", uid: 1000, setup: make("f", "keep", 0o644), steps: [["truncate", "f", 0], ["stat", "f"]] },
  { name: "user: sticky directory protects others' entries", uid: 1000, setup: [["mkdir", "t", 0o777], ["chmod", "t", 0o1777], ...make("t/rootfile"), ["mkdir", "t/other", 0o755], ["chown", "t/other", 1001, 1001]], steps: [["unlink", "t/rootfile"], ["rmdir", "t/other"], ["open", "t/mine", CW, 0o644], ["unlink", "t/mine"]] },
  { name: "user: files a user creates are the user's", uid: 1000, steps: [["open", "f", CW, 0o640], ["stat", "f"], ["mkdir", "d", 0o750], ["stat", "d"]] },
  // --- root ---
  { name: "root reads a 0000 file and writes a 0444 one", setup: [...make("none", "zero perms", 0), ...make("ro", "read only", 0o444)], steps: [["open", "none", O_RDONLY], ["read", "$0", 20], ["open", "ro", O_WRONLY], ["write", "$2", "W"], ["access", "none", 4]] },
  { name: "root chowns a file to a user", setup: make("f"), steps: [["chown", "f", 1000, 1000], ["stat", "f"]] },
];
