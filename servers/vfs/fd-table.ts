/**
 * A process's file-descriptor table. Entries point to open file descriptions, which dup'd
 * descriptors share (as Linux's struct file), so they share offset and status flags.
 */

/** An open file description. The filesystem adds kinds; the console is the first. */
export interface OpenFile {
  kind: "console";
  /** 0 stdin, 1 stdout, 2 stderr: which of the program's real streams it reaches. */
  stream: number;
  readable: boolean;
  writable: boolean;
}

/** RLIMIT_NOFILE's usual soft limit. */
export const MAX_FDS = 1024;

export class FdTable {
  private readonly slots: (OpenFile | undefined)[] = [];

  /** A fresh table with 0, 1 and 2 open on the console, as a login shell leaves them. */
  static withConsole(): FdTable {
    const t = new FdTable();
    t.slots[0] = { kind: "console", stream: 0, readable: true, writable: false };
    t.slots[1] = { kind: "console", stream: 1, readable: false, writable: true };
    t.slots[2] = { kind: "console", stream: 2, readable: false, writable: true };
    return t;
  }

  get(fd: number): OpenFile | undefined {
    return fd >= 0 && fd < MAX_FDS ? this.slots[fd] : undefined;
  }

  /** The lowest free descriptor ≥ min, or −1 when the table is full. */
  lowestFree(min = 0): number {
    for (let fd = min; fd < MAX_FDS; fd++) if (this.slots[fd] === undefined) return fd;
    return -1;
  }

  set(fd: number, file: OpenFile): void {
    this.slots[fd] = file;
  }

  /** Removes fd; returns what it referred to. */
  remove(fd: number): OpenFile | undefined {
    const file = this.get(fd);
    if (file !== undefined) this.slots[fd] = undefined;
    return file;
  }
}
