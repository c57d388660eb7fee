/**
 * The memory server's reports, in Linux's formats: /proc/<pid>/maps lines (byte for byte in
 * layout: the name column starts at byte 73), the Vm* lines of /proc/<pid>/status, and
 * /proc/meminfo.
 */
import { PROT } from "../../kernel-core/abi/mman.js";
import type { AddressSpace, Vma } from "./address-space.js";

const hex = (n: number, width: number) => n.toString(16).padStart(width, "0");
const devString = (dev: number) => `${hex((dev >> 8) & 0xfff, 2)}:${hex(dev & 0xff, 2)}`;

/** One maps line: "start-end perms offset dev inode", then the name padded to column 73. */
export function mapsLine(v: Vma): string {
  const perms =
    (v.prot & PROT.READ ? "r" : "-") + (v.prot & PROT.WRITE ? "w" : "-") + (v.prot & PROT.EXEC ? "x" : "-") + (v.shared ? "s" : "p");
  const b = v.backing;
  const offset = b ? b.offset + (v.start - b.at) : 0;
  const prefix = `${hex(v.start, 8)}-${hex(v.end, 8)} ${perms} ${hex(offset, 8)} ${b ? devString(b.dev) : "00:00"} ${b ? b.ino : 0} `;
  const name = v.name ?? b?.path;
  if (name === undefined) return prefix;
  // Linux pads to 25 + 6 × sizeof(void *) − 1 = 72 bytes, then one space, then the name.
  return prefix.padEnd(72, " ") + " " + name;
}

export function mapsText(space: AddressSpace): string {
  return space.vmas.map((v) => mapsLine(v) + "\n").join("");
}

const kB = (bytes: number) => `${String(Math.ceil(bytes / 1024)).padStart(8, " ")} kB`;

/** The memory lines of /proc/<pid>/status. */
export function statusLines(space: AddressSpace): string {
  const stack = space.vmas.filter((v) => v.name === "[stack]").reduce((n, v) => n + v.end - v.start, 0);
  const data = space.vmas.filter((v) => !v.shared && v.prot & PROT.WRITE && v.name !== "[stack]").reduce((n, v) => n + v.end - v.start, 0);
  const rss = space.resident();
  const rows: [string, number][] = [
    ["VmPeak", space.peak],
    ["VmSize", space.size()],
    ["VmLck", 0],
    ["VmPin", 0],
    ["VmHWM", rss],
    ["VmRSS", rss],
    ["RssAnon", rss],
    ["RssFile", 0],
    ["RssShmem", 0],
    ["VmData", data],
    ["VmStk", stack],
    ["VmExe", 0],
    ["VmLib", 0],
    ["VmPTE", 0],
    ["VmSwap", 0],
  ];
  return rows.map(([k, v]) => `${k}:\t${kB(v)}`).join("\n") + "\n";
}

export function meminfoText(totalBytes: number, committedBytes: number, residentBytes: number): string {
  const free = Math.max(0, totalBytes - residentBytes);
  const rows: [string, number][] = [
    ["MemTotal", totalBytes],
    ["MemFree", free],
    ["MemAvailable", free],
    ["Buffers", 0],
    ["Cached", 0],
    ["SwapTotal", 0],
    ["SwapFree", 0],
    ["AnonPages", residentBytes],
    ["CommitLimit", totalBytes],
    ["Committed_AS", committedBytes],
  ];
  return rows.map(([k, v]) => `${(k + ":").padEnd(16, " ")}${kB(v).trimStart().padStart(11, " ")}`).join("\n") + "\n";
}
