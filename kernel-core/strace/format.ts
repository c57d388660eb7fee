/**
 * strace's output, driven by the syscall table: the kernel formats each traced call when it
 * completes, `name(args) = result`, with strings escaped and cut at 32 bytes, flags by name,
 * out-buffers shown after the call, failures as `-1 ENOENT (No such file or directory)`, and
 * `syscall_0x3e7(...)` for a number the table does not know.
 *
 * natix has no user addresses: where strace would print a pointer it cannot show (a failed
 * call's out-buffer), it prints a stand-in in the [stack] mapping.
 */
import type { ArgSpec, SyscallDef } from "../syscalls/types.js";
import type { SyscallReply, SyscallRequest } from "../abi/frame.js";
import { errnoName, strerror } from "../errno.js";
import { AT, F, FLAG_NAMES, O, SEEK, S_IF } from "../abi/fcntl.js";
import { MAP, PROT, MREMAP, RLIMIT, decodeRlimit, decodeRemoteIov } from "../abi/mman.js";
import { decodeIov } from "../abi/iov.js";
import { decodeDirents64, decodeStat } from "../abi/stat.js";
import { flagNames, hex, quote } from "./quote.js";
import { processScalar, processStruct } from "./process-format.js";

export interface TraceStyle {
  /** Longest string shown (strace -s, default 32). */
  strsize: number;
  /** Column the " = " starts at (strace -a; 0 keeps one space, as the issue's examples). */
  column: number;
}

export const DEFAULT_STYLE: TraceStyle = { strsize: 32, column: 0 };

const pairs = (o: Record<string, number>) => Object.entries(o).map(([k, v]) => [v, k] as const);
const NAMED: Record<string, ReadonlyArray<readonly [number, string]>> = {
  ...FLAG_NAMES,
  prot: pairs({ PROT_READ: PROT.READ, PROT_WRITE: PROT.WRITE, PROT_EXEC: PROT.EXEC }),
  map: pairs({ MAP_FIXED: MAP.FIXED, MAP_ANONYMOUS: MAP.ANONYMOUS, MAP_NORESERVE: MAP.NORESERVE, MAP_POPULATE: MAP.POPULATE, MAP_STACK: MAP.STACK, MAP_FIXED_NOREPLACE: MAP.FIXED_NOREPLACE }),
  mremap: pairs({ MREMAP_MAYMOVE: MREMAP.MAYMOVE, MREMAP_FIXED: MREMAP.FIXED }),
  // pipe2's flags, as strace names them: no access mode (0 is "0").
  pipe2: pairs({ O_NONBLOCK: O.NONBLOCK, O_DIRECT: O.DIRECT, O_CLOEXEC: O.CLOEXEC }),
};
/** Each value of a constants table by its C name (SEEK.SET → "SEEK_SET"). */
const namesOf = (o: Record<string, number>, prefix: string): Record<number, string> => Object.fromEntries(Object.entries(o).map(([k, v]) => [v, prefix + k]));
const ENUMS: Record<string, Record<number, string>> = {
  whence: namesOf(SEEK, "SEEK_"),
  fcntl: namesOf(F, "F_"),
  rlimit: namesOf(RLIMIT, "RLIMIT_"),
};
const { MT: _mask, ...fileTypes } = S_IF;
const FILE_TYPES = namesOf(fileTypes, "S_IF");

/** In-buffers with a length that strace shows as what they hold, not as bytes. */
const LISTS = new Set(["argv", "envp", "spawn"]);

/** The stand-in address of argument i's buffer. */
const standIn = (i: number) => hex(0x7ffffffde000 + 0x100 * (i + 1));

function scalar(spec: Extract<ArgSpec, { kind: "int" | "uint" | "long" | "ulong" }>, raw: number): string {
  const v = spec.kind === "int" ? raw | 0 : spec.kind === "uint" ? raw >>> 0 : raw;
  const fmt = spec.fmt;
  if (fmt === "dirfd" && v === AT.FDCWD) return "AT_FDCWD";
  if (fmt === "oct") return v === 0 ? "0" : "0" + (v >>> 0).toString(8);
  if (fmt === "hex") return v === 0 ? "NULL" : hex(v);
  if (typeof fmt === "object") {
    if (fmt.flags === "open") {
      const acc = ["O_RDONLY", "O_WRONLY", "O_RDWR", "O_ACCMODE"][v & O.ACCMODE];
      const rest = flagNames(v & ~O.ACCMODE, NAMED.open, "");
      return rest ? `${acc}|${rest}` : acc;
    }
    if (fmt.flags === "access") return v === 0 ? "F_OK" : flagNames(v, NAMED.access);
    if (fmt.flags === "prot") return v === 0 ? "PROT_NONE" : flagNames(v, NAMED.prot);
    if (fmt.flags === "map") {
      const type = ["", "MAP_SHARED", "MAP_PRIVATE", "MAP_SHARED_VALIDATE"][v & 3] || hex(v & 0xf);
      const rest = flagNames(v & ~0xf, NAMED.map, "");
      return rest ? `${type}|${rest}` : type;
    }
    const named = processScalar(fmt.flags, v);
    if (named !== undefined) return named;
    const e = ENUMS[fmt.flags]?.[v];
    if (e !== undefined) return e;
    if (NAMED[fmt.flags]) return flagNames(v, NAMED[fmt.flags]);
  }
  return String(v);
}

function struct(kind: string, bytes: Uint8Array, style: TraceStyle): string {
  switch (kind) {
    case "stat": {
      const s = decodeStat(bytes);
      const type = FILE_TYPES[s.mode & S_IF.MT] ?? hex(s.mode & S_IF.MT);
      const dev = (s.mode & S_IF.MT) === S_IF.CHR ? `st_rdev=makedev(${(s.rdev >> 8) & 0xfff}, ${s.rdev & 0xff})` : `st_size=${s.size}`;
      return `{st_mode=${type}|0${(s.mode & 0o7777).toString(8).padStart(3, "0")}, ${dev}, ...}`;
    }
    case "utsname": {
      const field = (i: number) => quote(bytes.subarray(i * 65, (i + 1) * 65), style.strsize, true);
      return `{sysname=${field(0)}, nodename=${field(1)}, ...}`;
    }
    case "rlimit": {
      const r = decodeRlimit(bytes);
      const n = (x: number) => (x === Infinity ? "RLIM64_INFINITY" : String(x));
      return `{rlim_cur=${n(r.cur)}, rlim_max=${n(r.max)}}`;
    }
    case "fds": {
      const v = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
      return `[${v.getInt32(0, true)}, ${v.getInt32(4, true)}]`;
    }
    case "dirents":
      return `${standIn(1)} /* ${decodeDirents64(bytes).length} entries */`;
    case "termios":
      return "{...}";
    default:
      return processStruct(kind, bytes, style.strsize) ?? quote(bytes, style.strsize, false);
  }
}

function arg(def: SyscallDef, i: number, req: SyscallRequest, reply: SyscallReply, style: TraceStyle): string {
  const spec = def.args[i];
  const raw = req.args[i] ?? 0;
  const input = req.input[i];
  const failed = reply.ret < 0 && reply.ret >= -4095;
  switch (spec.kind) {
    case "int":
    case "uint":
    case "long":
    case "ulong":
      return scalar(spec, raw);
    case "path":
      return input === undefined ? "NULL" : quote(input, 4096, true);
    case "in": {
      if (input === undefined) return "NULL";
      if (spec.len < 0 || LISTS.has(spec.fmt ?? "")) return struct(spec.fmt ?? "", input, style);
      const len = Math.max(0, Math.min(input.length, req.args[spec.len] ?? 0));
      return quote(input.subarray(0, len), style.strsize, spec.fmt === "cstr");
    }
    case "out": {
      if ((req.outCap[i] ?? -1) < 0) return "NULL";
      const out = reply.output?.[i];
      if (failed || out === undefined) return standIn(i);
      if (spec.shows === "ret") return quote(out.subarray(0, Math.max(0, reply.ret)), style.strsize, false);
      if (spec.shows === "cstr") return quote(out, style.strsize, true);
      return struct(spec.shows, out, style);
    }
    case "iov-in": {
      const iov = input && decodeIov(input, true);
      if (!iov) return standIn(i);
      return `[${iov.data.map((d) => `{iov_base=${quote(d, style.strsize, false)}, iov_len=${d.length}}`).join(", ")}]`;
    }
    case "iov-out": {
      const iov = input && decodeIov(input, false);
      if (!iov) return standIn(i);
      const out = reply.output?.[i];
      let at = 0;
      return `[${iov.lens
        .map((n) => {
          const part = !failed && out ? out.subarray(at, Math.min(out.length, at + n)) : undefined;
          at += n;
          return `{iov_base=${part ? quote(part, style.strsize, false) : standIn(i)}, iov_len=${n}}`;
        })
        .join(", ")}]`;
    }
    case "riov": {
      const list = input && decodeRemoteIov(input);
      return list ? `[${list.map((r) => `{iov_base=${hex(r.base)}, iov_len=${r.len}}`).join(", ")}]` : standIn(i);
    }
  }
}

/** The result as strace prints it: a value, or -1 and the error's name and message. */
export function formatResult(def: SyscallDef | undefined, ret: number | undefined): string {
  if (ret === undefined) return "?";
  if (ret < 0 && ret >= -4095) {
    const name = errnoName(-ret);
    return name ? `-1 ${name} (${strerror(-ret)})` : `-1 (errno ${-ret})`;
  }
  return def?.ret === "hex" ? hex(ret) : String(ret);
}

/** One traced call: `name(args) = result` (result undefined: "?", the call did not return). */
export function formatCall(def: SyscallDef | undefined, req: SyscallRequest, reply: SyscallReply | undefined, style: TraceStyle = DEFAULT_STYLE): string {
  let call: string;
  if (def === undefined) {
    const args = req.args.map((a, i) => (req.input[i] !== undefined || (req.outCap[i] ?? -1) >= 0 ? standIn(i) : hex(a)));
    call = `syscall_${hex(req.nr >>> 0)}(${args.join(", ")})`;
  } else {
    const r = reply ?? { ret: 0 };
    const shown = def.args.filter((a) => !("hidden" in a && a.hidden) && !("onlyIf" in a && a.onlyIf && ((req.args[a.onlyIf.arg] ?? 0) & a.onlyIf.bits) === 0));
    call = `${def.name}(${shown.map((a) => arg(def, def.args.indexOf(a), req, r, style)).join(", ")})`;
  }
  const pad = style.column > call.length ? " ".repeat(style.column - call.length) : " ";
  return `${call}${pad}= ${formatResult(def, reply?.ret)}`;
}
