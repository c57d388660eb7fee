/**
 * test and [ (dash builds them in, and if/while lean on them): POSIX's rules by argument
 * count, then -a and -o (-o binding looser), file tests through stat/lstat/access and
 * integer comparisons; dash's messages for a missing ] and a bad number (status 2).
 */
import { stat, lstat, access, S_ISDIR, S_ISREG, S_ISLNK, S_ISFIFO, R_OK, W_OK, X_OK } from "../../client-libc/mod.js";
import type { Shell } from "./state.js";

class TestError {
  constructor(readonly message: string) {}
}

export async function testBuiltin(sh: Shell, argv: string[]): Promise<number> {
  let args = argv.slice(1);
  if (argv[0] === "[") {
    if (args[args.length - 1] !== "]") {
      await sh.error("[: missing ]");
      return 2;
    }
    args = args.slice(0, -1);
  }
  try {
    return (await evaluate(args)) ? 0 : 1;
  } catch (e) {
    if (!(e instanceof TestError)) throw e;
    await sh.error(`${argv[0]}: ${e.message}`);
    return 2;
  }
}

async function evaluate(args: string[]): Promise<boolean> {
  // -o binds looser than -a; neither counts where POSIX's counting rules decide alone.
  if (args.length > 4 || (args.length >= 3 && !isBinary(args[1]) && args[0] !== "!")) {
    const or = args.indexOf("-o", 1);
    if (or > 0) return (await evaluate(args.slice(0, or))) || evaluate(args.slice(or + 1));
    const and = args.indexOf("-a", 1);
    if (and > 0) return (await evaluate(args.slice(0, and))) && evaluate(args.slice(and + 1));
  }
  switch (args.length) {
    case 0:
      return false;
    case 1:
      return args[0] !== "";
    case 2:
      if (args[0] === "!") return args[1] === "";
      return unary(args[0], args[1]);
    case 3:
      if (isBinary(args[1])) return binary(args[0], args[1], args[2]);
      if (args[0] === "!") return !(await evaluate(args.slice(1)));
      if (args[0] === "(" && args[2] === ")") return args[1] !== "";
      throw new TestError(`${args[1]}: unexpected operator`);
    case 4:
      if (args[0] === "!") return !(await evaluate(args.slice(1)));
      throw new TestError(`${args[3]}: unexpected operator`);
    default:
      throw new TestError(`${args[args.length - 1]}: unexpected operator`);
  }
}

const BINARY = new Set(["=", "!=", "-eq", "-ne", "-lt", "-le", "-gt", "-ge"]);
const isBinary = (op: string) => BINARY.has(op);

function integer(s: string): number {
  if (!/^\s*[-+]?[0-9]+\s*$/.test(s)) throw new TestError(`Illegal number: ${s}`);
  return Number(s);
}

function binary(a: string, op: string, b: string): boolean {
  switch (op) {
    case "=":
      return a === b;
    case "!=":
      return a !== b;
  }
  const x = integer(a);
  const y = integer(b);
  switch (op) {
    case "-eq":
      return x === y;
    case "-ne":
      return x !== y;
    case "-lt":
      return x < y;
    case "-le":
      return x <= y;
    case "-gt":
      return x > y;
    default:
      return x >= y;
  }
}

async function unary(op: string, arg: string): Promise<boolean> {
  switch (op) {
    case "-n":
      return arg !== "";
    case "-z":
      return arg === "";
    case "-e":
      return (await stat(arg)) !== -1;
    case "-L":
    case "-h": {
      const st = await lstat(arg);
      return st !== -1 && S_ISLNK(st.st_mode);
    }
    case "-r":
      return (await access(arg, R_OK)) === 0;
    case "-w":
      return (await access(arg, W_OK)) === 0;
    case "-x":
      return (await access(arg, X_OK)) === 0;
  }
  const st = await stat(arg);
  switch (op) {
    case "-f":
      return st !== -1 && S_ISREG(st.st_mode);
    case "-d":
      return st !== -1 && S_ISDIR(st.st_mode);
    case "-p":
      return st !== -1 && S_ISFIFO(st.st_mode);
    case "-s":
      return st !== -1 && st.st_size > 0;
  }
  throw new TestError(`${op}: unexpected operator`);
}
