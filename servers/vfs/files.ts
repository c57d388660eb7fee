/**
 * Open file descriptions and descriptor tables. A description (Linux's struct file) holds the
 * offset and status flags and is shared by dup'd descriptors; a descriptor adds only its
 * close-on-exec flag. A description's position changes one operation at a time (its lock).
 */
import { Mutex } from "../fs/lock.js";
import type { Device } from "./devices.js";
import type { ProcStat } from "../../kernel-core/procfs.js";
import type { Pipe } from "./pipe.js";

export type FileKind = "console" | "file" | "dir" | "device" | "procfile" | "procdir" | "pipe";

export interface OpenFile {
  kind: FileKind;
  /** Inode (0 for the console). */
  ino: number;
  /** The console stream (0 stdin, 1 stdout, 2 stderr). */
  stream: number;
  /**
   * The console's terminal: the process whose terminal it is (the one it was made for). Its
   * children's copies reach the same terminal, as a controlling terminal; once that process is
   * gone, each caller's own terminal.
   */
  terminal?: number;
  device?: Device;
  /** A pipe's end (which one: readable or writable). */
  pipe?: Pipe;
  /** Access mode and status flags, as F_GETFL reports them. */
  flags: number;
  readable: boolean;
  writable: boolean;
  offset: number;
  /** Descriptors referring to it. */
  refs: number;
  /** How it was opened: the path and the directory it was relative to (for /proc/<pid>/fd). */
  openedAs?: { start: number; path: string };
  /** A /proc file or directory: its path and attributes. */
  proc?: { path: string; stat: ProcStat };
  /** A /proc file's contents, made when it was opened. */
  content?: Uint8Array;
  readonly lock: Mutex;
}

export function openFile(kind: FileKind, fields: Partial<OpenFile>): OpenFile {
  return { kind, ino: 0, stream: 0, flags: 0, readable: false, writable: false, offset: 0, refs: 0, lock: new Mutex(), ...fields };
}

export interface Descriptor {
  file: OpenFile;
  cloexec: boolean;
}

/** RLIMIT_NOFILE's usual soft limit. */
export const MAX_FDS = 1024;

export class FdTable {
  private readonly slots: (Descriptor | undefined)[] = [];

  get(fd: number): Descriptor | undefined {
    return Number.isInteger(fd) && fd >= 0 && fd < MAX_FDS ? this.slots[fd] : undefined;
  }

  file(fd: number): OpenFile | undefined {
    return this.get(fd)?.file;
  }

  /** The lowest free descriptor ≥ min, or −1 when the table is full. */
  lowestFree(min = 0): number {
    for (let fd = min; fd < MAX_FDS; fd++) if (this.slots[fd] === undefined) return fd;
    return -1;
  }

  /** Installs `file` at `fd`; returns the description it replaced, if any (to be released). */
  install(fd: number, file: OpenFile, cloexec = false): OpenFile | undefined {
    const old = this.slots[fd]?.file;
    file.refs++;
    this.slots[fd] = { file, cloexec };
    if (old !== undefined) old.refs--;
    return old;
  }

  /** Removes fd; returns its description (refs already dropped). */
  remove(fd: number): OpenFile | undefined {
    const d = this.get(fd);
    if (d === undefined) return undefined;
    this.slots[fd] = undefined;
    d.file.refs--;
    return d.file;
  }

  /** Every open description (for release at exit). */
  all(): OpenFile[] {
    const out: OpenFile[] = [];
    for (const d of this.slots) if (d !== undefined) out.push(d.file);
    return out;
  }

  clear(): void {
    for (let fd = 0; fd < this.slots.length; fd++) if (this.slots[fd]) this.remove(fd);
  }
}
