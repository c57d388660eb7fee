/**
 * One process's address space: its mappings (VMAs, kept sorted and merged as Linux merges
 * neighbours with the same properties) and the contents of the pages it touched. Pages are
 * demand-zero (or filled from the file a mapping was made of) and live here, in the memory
 * server. Addresses follow Linux x86-64 without randomization: the heap starts at
 * 0x555555559000, mmap places mappings top-down below 0x7ffff7fff000, the stack is the
 * 132 KiB below 0x7ffffffff000.
 */
import { PAGE_SIZE, PROT } from "../../kernel-core/abi/mman.js";

export const TASK_SIZE = 0x7ffffffff000;
export const MMAP_BASE = 0x7ffff7fff000;
export const HEAP_START = 0x555555559000;
export const STACK_TOP = 0x7ffffffff000;
export const STACK_SIZE = 132 * 1024;
/** The lowest address a mapping may take (Linux's vm.mmap_min_addr default): page zero stays unmapped. */
export const MMAP_MIN_ADDR = 0x10000;

export const pageUp = (n: number) => Math.ceil(n / PAGE_SIZE) * PAGE_SIZE;
export const aligned = (n: number) => n % PAGE_SIZE === 0;

/** What a file mapping maps: the file's bytes as they were, and where its first byte sits. */
export interface Backing {
  bytes: Uint8Array;
  /** The address backing.bytes[0] is mapped at (moves with mremap). */
  at: number;
  /** File offset of backing.bytes[0]. */
  offset: number;
  dev: number;
  ino: number;
  path: string;
}

export interface Vma {
  start: number;
  end: number;
  prot: number;
  shared: boolean;
  name?: string;
  backing?: Backing;
}

/** Where an access stopped: bytes done before a fault. */
export interface Fault {
  fault: true;
  done: number;
}

const sameKind = (a: Vma, b: Vma) =>
  a.prot === b.prot && a.shared === b.shared && a.name === b.name && a.backing?.bytes === b.backing?.bytes && a.backing?.at === b.backing?.at;

export class AddressSpace {
  vmas: Vma[] = [];
  readonly pages = new Map<number, Uint8Array>();
  brk = HEAP_START;
  readonly startBrk = HEAP_START;
  peak = 0;

  constructor() {
    this.insert({ start: STACK_TOP - STACK_SIZE, end: STACK_TOP, prot: PROT.READ | PROT.WRITE, shared: false, name: "[stack]" });
  }

  /** Bytes mapped (VmSize). */
  size(): number {
    return this.vmas.reduce((n, v) => n + v.end - v.start, 0);
  }

  /** Bytes of pages present (VmRSS). */
  resident(): number {
    return this.pages.size * PAGE_SIZE;
  }

  find(addr: number): Vma | undefined {
    return this.vmas.find((v) => v.start <= addr && addr < v.end);
  }

  overlaps(start: number, end: number, except?: Vma): boolean {
    return this.vmas.some((v) => v !== except && v.start < end && start < v.end);
  }

  /** Is [start, end) entirely covered by mappings? */
  covered(start: number, end: number): boolean {
    let at = start;
    for (const v of this.vmas) {
      if (v.end <= at) continue;
      if (v.start > at) return false;
      at = v.end;
      if (at >= end) return true;
    }
    return at >= end;
  }

  /** Adds a mapping (the range must be free) and merges it with equal neighbours. */
  insert(vma: Vma): void {
    this.vmas.push(vma);
    this.vmas.sort((a, b) => a.start - b.start);
    this.merge();
    this.peak = Math.max(this.peak, this.size());
  }

  private merge(): void {
    const out: Vma[] = [];
    for (const v of this.vmas) {
      const last = out[out.length - 1];
      if (last && last.end === v.start && sameKind(last, v)) last.end = v.end;
      else out.push(v);
    }
    this.vmas = out;
  }

  /** Cuts mappings at `addr` so a range can start or end there. */
  private splitAt(addr: number): void {
    const v = this.find(addr);
    if (v === undefined || v.start === addr) return;
    const tail: Vma = { ...v, start: addr };
    v.end = addr;
    this.vmas.splice(this.vmas.indexOf(v) + 1, 0, tail);
  }

  /** Removes [start, end) — holes included — and the pages in it; returns the bytes unmapped. */
  unmap(start: number, end: number): number {
    this.splitAt(start);
    this.splitAt(end);
    let freed = 0;
    this.vmas = this.vmas.filter((v) => {
      const inside = v.start >= start && v.end <= end;
      if (inside) freed += v.end - v.start;
      return !inside;
    });
    this.dropPages(start, end);
    return freed;
  }

  /**
   * The page numbers of [start, end) that hold a touched page. The range may span terabytes (a
   * process may munmap its whole address space) while only a few pages were ever touched: walk
   * whichever is smaller, so no call costs more than the process's own footprint.
   */
  private touchedIn(start: number, end: number): number[] {
    const first = start / PAGE_SIZE;
    const last = end / PAGE_SIZE;
    const found: number[] = [];
    if (last - first <= this.pages.size) {
      for (let p = first; p < last; p++) if (this.pages.has(p)) found.push(p);
    } else {
      for (const p of this.pages.keys()) if (p >= first && p < last) found.push(p);
    }
    return found;
  }

  private dropPages(start: number, end: number): void {
    for (const p of this.touchedIn(start, end)) this.pages.delete(p);
  }

  /** Sets the protection of [start, end), which must be mapped. */
  protect(start: number, end: number, prot: number): void {
    this.splitAt(start);
    this.splitAt(end);
    for (const v of this.vmas) if (v.start >= start && v.end <= end) v.prot = prot;
    this.merge();
  }

  /** Drops the pages of [start, end): they read as zeros (or the file) again. */
  discard(start: number, end: number): void {
    this.dropPages(start, end);
  }

  /** The highest free range of `length` bytes below the mmap base (top-down, as Linux). */
  findGap(length: number): number {
    let top = MMAP_BASE;
    const below = this.vmas.filter((v) => v.start < MMAP_BASE).sort((a, b) => b.start - a.start);
    for (const v of below) {
      if (v.end <= top - length) return top - length;
      top = Math.min(top, v.start);
    }
    return top - length >= MMAP_MIN_ADDR ? top - length : -1;
  }

  /** Moves [from, from + size) to `to` (free), pages and all (mremap). */
  move(from: number, size: number, to: number): void {
    this.splitAt(from);
    this.splitAt(from + size);
    const delta = to - from;
    for (const v of this.vmas) {
      if (v.start >= from && v.end <= from + size) {
        v.start += delta;
        v.end += delta;
        if (v.backing) v.backing = { ...v.backing, at: v.backing.at + delta };
      }
    }
    const moved: [number, Uint8Array][] = [];
    for (const p of this.touchedIn(from, from + size)) {
      moved.push([p + delta / PAGE_SIZE, this.pages.get(p)!]);
      this.pages.delete(p);
    }
    for (const [p, page] of moved) this.pages.set(p, page);
    this.vmas.sort((a, b) => a.start - b.start);
    this.merge();
  }

  /** A page's bytes, created on first touch: zeros, or the mapped file's bytes. */
  private page(v: Vma, pageNo: number): Uint8Array {
    let page = this.pages.get(pageNo);
    if (page === undefined) {
      page = new Uint8Array(PAGE_SIZE);
      if (v.backing) {
        const from = pageNo * PAGE_SIZE - v.backing.at;
        page.set(v.backing.bytes.subarray(Math.max(0, from), Math.max(0, Math.min(v.backing.bytes.length, from + PAGE_SIZE))));
      }
      this.pages.set(pageNo, page);
    }
    return page;
  }

  /** Copies out `len` bytes at `addr`; a fault where a page is unmapped or not readable. */
  read(addr: number, len: number): Uint8Array | Fault {
    const out = new Uint8Array(len);
    for (let done = 0; done < len; ) {
      const at = addr + done;
      const v = this.find(at);
      if (v === undefined || (v.prot & PROT.READ) === 0) return { fault: true, done };
      const pageNo = Math.floor(at / PAGE_SIZE);
      const within = at - pageNo * PAGE_SIZE;
      const n = Math.min(PAGE_SIZE - within, len - done);
      const page = this.pages.get(pageNo) ?? (v.backing ? this.page(v, pageNo) : undefined);
      if (page) out.set(page.subarray(within, within + n), done);
      done += n;
    }
    return out;
  }

  /** Copies `data` in at `addr`; a fault where a page is unmapped or not writable. */
  write(addr: number, data: Uint8Array): number | Fault {
    for (let done = 0; done < data.length; ) {
      const at = addr + done;
      const v = this.find(at);
      if (v === undefined || (v.prot & PROT.WRITE) === 0) return { fault: true, done };
      const pageNo = Math.floor(at / PAGE_SIZE);
      const within = at - pageNo * PAGE_SIZE;
      const n = Math.min(PAGE_SIZE - within, data.length - done);
      this.page(v, pageNo).set(data.subarray(done, done + n), within);
      done += n;
    }
    return data.length;
  }
}
