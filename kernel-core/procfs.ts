/**
 * procfs, served by kernel-core: the vfs server resolves paths under /proc by asking it.
 * Kernel-core knows the processes and modules itself; it asks the memory server for maps,
 * status and meminfo figures, the vfs server for a process's descriptors, and a module for the
 * entries it added (all as peer questions).
 *
 *   /proc/<pid>/{status,maps,cmdline,comm,fd/}   /proc/self → <pid>
 *   /proc/{modules,uptime,meminfo,version}       /proc/<entry> of a loaded module
 */
import { hostname, cpus } from "node:os";
import type { PeerCall } from "./server-runtime.js";
import type { ProcessEntry } from "./processes.js";
import type { ModuleTable } from "./modules.js";
import { procModulesText } from "./modules.js";
import { E } from "./errno.js";
import { S_IF } from "./abi/fcntl.js";

export type ProcType = "dir" | "file" | "symlink";

export interface ProcStat {
  type: ProcType;
  mode: number;
  uid: number;
  gid: number;
  ino: number;
  target?: string;
}

export interface ProcViewer {
  pid: number;
  uid: number;
  euid: number;
}

export interface ProcfsSources {
  processes(): ProcessEntry[];
  process(pid: number): ProcessEntry | undefined;
  uptimeMs(): number;
  release: string;
  modules: ModuleTable;
  peer: PeerCall;
}

const PID_FILES = ["cmdline", "comm", "fd", "maps", "stat", "status"];

/** A process that /proc shows: alive, or a zombie not yet reaped (as Linux keeps its entry). */
const shown = (p: ProcessEntry | undefined): p is ProcessEntry => p !== undefined && (p.state === "running" || p.state === "zombie");

/** The state letter and word of /proc/<pid>/status and stat. */
function stateOf(p: ProcessEntry): [string, string] {
  if (p.state === "zombie") return ["Z", "zombie"];
  if (p.stopped) return ["T", "stopped"];
  return ["S", "sleeping"];
}

/** A signal set as /proc/<pid>/status prints it: 16 hex digits. */
const sigHex = (set: bigint) => set.toString(16).padStart(16, "0");
const TOP_FILES = ["meminfo", "modules", "uptime", "version"];

/** A stable inode number for a /proc path (procfs inodes are made up on the spot, as Linux's). */
function inoOf(path: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < path.length; i++) h = Math.imul(h ^ path.charCodeAt(i), 0x01000193) >>> 0;
  return (h & 0x3fffffff) | 0x40000000;
}

export class Procfs {
  constructor(private readonly src: ProcfsSources) {}

  /** Splits "/proc/..." into parts, with "self" resolved for the viewer when `follow`. */
  private parts(path: string): string[] {
    return path.split("/").filter((p) => p.length > 0).slice(1);
  }

  async stat(viewer: ProcViewer, path: string): Promise<ProcStat | number> {
    const parts = this.parts(path);
    const node = (type: ProcType, mode: number, uid = 0, target?: string): ProcStat => ({
      type,
      mode: (type === "dir" ? S_IF.DIR : type === "symlink" ? S_IF.LNK : S_IF.REG) | mode,
      uid,
      gid: uid,
      ino: inoOf(path),
      target,
    });
    if (parts.length === 0) return node("dir", 0o555);
    const [head, sub, leaf, ...rest] = parts;
    if (head === "self") {
      if (parts.length === 1) return node("symlink", 0o777, 0, String(viewer.pid));
      return this.stat(viewer, `/proc/${viewer.pid}/${parts.slice(1).join("/")}`);
    }
    if (/^\d+$/.test(head)) {
      const p = this.src.process(Number(head));
      if (!shown(p)) return -E.ENOENT;
      const uid = p.caller.uid;
      if (sub === undefined) return node("dir", 0o555, uid);
      if (!PID_FILES.includes(sub) || rest.length > 0) return -E.ENOENT;
      if (sub !== "fd") return leaf === undefined ? node("file", 0o444, uid) : -E.ENOTDIR;
      if (leaf === undefined) return node("dir", 0o500, uid);
      if (!this.mayInspect(viewer, p)) return -E.EACCES;
      const fds = await this.fds(p.pid);
      const hit = fds.find((f) => String(f.fd) === leaf);
      return hit ? node("symlink", 0o700, uid, hit.path) : -E.ENOENT;
    }
    if (parts.length > 1) return -E.ENOENT;
    if (TOP_FILES.includes(head) || this.src.modules.ownerOf(head)) return node("file", 0o444);
    return -E.ENOENT;
  }

  async list(viewer: ProcViewer, path: string): Promise<{ name: string; type: ProcType }[] | number> {
    const st = await this.stat(viewer, path);
    if (typeof st === "number") return st;
    if (st.type !== "dir") return -E.ENOTDIR;
    const parts = this.parts(path).map((p) => (p === "self" ? String(viewer.pid) : p));
    if (parts.length === 0) {
      const pids = this.src.processes().filter(shown).map((p) => ({ name: String(p.pid), type: "dir" as const }));
      const mods = this.src.modules.list().flatMap((m) => m.proc.map((name) => ({ name, type: "file" as const })));
      return [...pids, { name: "self", type: "symlink" }, ...TOP_FILES.map((name) => ({ name, type: "file" as const })), ...mods];
    }
    const p = this.src.process(Number(parts[0]))!;
    if (parts.length === 1) return PID_FILES.map((name) => ({ name, type: name === "fd" ? ("dir" as const) : ("file" as const) }));
    if (!this.mayInspect(viewer, p)) return -E.EACCES;
    return (await this.fds(p.pid)).map((f) => ({ name: String(f.fd), type: "symlink" as const }));
  }

  /** A file's contents, made now (each open sees the present). */
  async read(viewer: ProcViewer, path: string): Promise<string | number> {
    const st = await this.stat(viewer, path);
    if (typeof st === "number") return st;
    if (st.type !== "file") return st.type === "dir" ? -E.EISDIR : -E.EINVAL;
    const parts = this.parts(path).map((p) => (p === "self" ? String(viewer.pid) : p));
    if (parts.length === 1) return this.top(parts[0]);
    const p = this.src.process(Number(parts[0]))!;
    switch (parts[1]) {
      case "cmdline":
        return p.argv.map((a) => a + "\0").join("");
      case "comm":
        return p.comm + "\n";
      case "maps":
        return p.state === "zombie" ? "" : String(await this.src.peer("mem", "maps", { pid: p.pid }));
      case "stat":
        return this.stat52(p);
      default:
        return this.status(p);
    }
  }

  private async top(name: string): Promise<string> {
    switch (name) {
      case "modules":
        return procModulesText(this.src.modules.list());
      case "uptime": {
        const up = this.src.uptimeMs() / 1000;
        const idle = Math.max(0, up * cpus().length - process.cpuUsage().user / 1e6);
        return `${up.toFixed(2)} ${idle.toFixed(2)}\n`;
      }
      case "meminfo":
        return String(await this.src.peer("mem", "meminfo", {}));
      case "version":
        return `natix version ${this.src.release} (natix@${hostname()}) (node ${process.version}) #1 natix microkernel over NATS\n`;
      default: {
        const m = this.src.modules.ownerOf(name)!;
        return String(await this.src.peer(m.name, "proc", { entry: name }));
      }
    }
  }

  private async status(p: ProcessEntry): Promise<string> {
    const c = p.caller;
    const zombie = p.state === "zombie";
    const memory = zombie ? "" : String(await this.src.peer("mem", "status", { pid: p.pid }).catch(() => ""));
    const fds = zombie ? [] : await this.fds(p.pid);
    const [letter, word] = stateOf(p);
    let ignored = 0n;
    let caught = 0n;
    for (const [sig, a] of p.actions) {
      if (a.handler === 1) ignored |= 1n << BigInt(sig - 1);
      else if (a.handler !== 0) caught |= 1n << BigInt(sig - 1);
    }
    return [
      `Name:\t${p.comm}`,
      `State:\t${letter} (${word})`,
      `Tgid:\t${p.pid}`,
      `Ngid:\t0`,
      `Pid:\t${p.pid}`,
      `PPid:\t${p.ppid}`,
      `TracerPid:\t${p.tracer ?? 0}`,
      `Uid:\t${c.uid}\t${c.euid}\t${p.suid}\t${c.euid}`,
      `Gid:\t${c.gid}\t${c.egid}\t${p.sgid}\t${c.egid}`,
      `FDSize:\t${Math.max(64, 2 ** Math.ceil(Math.log2(Math.max(1, ...fds.map((f) => f.fd + 1)))))}`,
      `Groups:\t`,
      memory.trimEnd(),
      `Threads:\t1`,
      `SigPnd:\t${sigHex(p.pending)}`,
      `SigBlk:\t${sigHex(p.sigmask)}`,
      `SigIgn:\t${sigHex(ignored)}`,
      `SigCgt:\t${sigHex(caught)}`,
    ]
      .filter((l) => l.length > 0)
      .join("\n") + "\n";
  }

  /** /proc/<pid>/stat: proc(5)'s 52 fields; what natix does not count is 0. */
  private stat52(p: ProcessEntry): string {
    const ticks = Math.round(p.startedAt / 10); // clock ticks (USER_HZ 100) since boot
    const fields = [p.pid, `(${p.comm})`, stateOf(p)[0], p.ppid, p.pgid, p.sid, 0, -1, 4194304, 0, 0, 0, 0, 0, 0, 0, 0, 20, 0, 1, 0, ticks];
    while (fields.length < 52) fields.push(0);
    return fields.join(" ") + "\n";
  }

  private async fds(pid: number): Promise<{ fd: number; path: string }[]> {
    return ((await this.src.peer("vfs", "fds", { pid }).catch(() => [])) as { fd: number; path: string }[]) ?? [];
  }

  /** /proc/<pid>/fd is for the process's owner (and root). */
  private mayInspect(viewer: ProcViewer, p: ProcessEntry): boolean {
    return viewer.euid === 0 || viewer.euid === p.caller.uid;
  }
}
