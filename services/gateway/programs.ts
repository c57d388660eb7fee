/**
 * The programs the gateway runs: the chapter's examples shipped with natix, by name. Only these
 * (a web caller names a program, never a path).
 */
import { fileURLToPath } from "node:url";

export const PROGRAMS = {
  ex11_1: { file: "examples/ex11_1.mjs", about: "Example 11.1: write(2) called directly" },
  ex11_2: { file: "examples/ex11_2.mjs", about: "Example 11.2: the hello_world syscall (999)" },
  ex11_2_long: { file: "examples/ex11_2_long.mjs", about: "Example 11.2 with an 84-byte name: fails with -1" },
  cat: { file: "examples/cat.mjs", about: "cat FILE (e.g. /proc/hwkm)" },
  fread: { file: "examples/fread.mjs", about: "buffered stdio: fopen, fgets, printf" },
} as const;

export type ProgramName = keyof typeof PROGRAMS;
export const PROGRAM_NAMES = Object.keys(PROGRAMS) as ProgramName[];

/** The package's root (examples, bin/natix.js). */
export const ROOT = fileURLToPath(new URL("../../../", import.meta.url));
