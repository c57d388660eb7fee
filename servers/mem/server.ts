/**
 * The memory server: each process's address space (brk, mmap, munmap, mprotect, mremap,
 * madvise), access to it (process_vm_readv/writev), resource limits, and the accounting behind
 * /proc/<pid>/maps, /proc/<pid>/status and /proc/meminfo. Errors follow Linux: unaligned
 * addresses EINVAL, unmapped ranges ENOMEM (EFAULT for data access), over RLIMIT_AS or the
 * system's memory ENOMEM. Memory is accounted strictly: what is mapped is committed.
 */
import type { Logger } from "pino";
import type { ServerDefinition } from "../../kernel-core/server-runtime.js";
import type { SyscallContext } from "../../kernel-core/server-runtime.js";
import { E } from "../../kernel-core/errno.js";
import { LIMITS } from "../../kernel-core/abi/limits.js";
import { IOV_MAX } from "../../kernel-core/abi/iov.js";
import { MADV, MAP, MREMAP, PAGE_SIZE, PROT, RLIMIT, RLIM_NLIMITS, decodeRlimit, encodeRlimit } from "../../kernel-core/abi/mman.js";
import { AddressSpace, MMAP_MIN_ADDR, TASK_SIZE, aligned, pageUp, type Backing, type Fault } from "./address-space.js";
import { defaultLimits, checkNewLimit, type Rlimit } from "./rlimits.js";
import { mapsText, meminfoText, statusLines } from "./report.js";
import { fileSource } from "./files.js";
import type { PeerCall, ServerCall } from "../../kernel-core/server-runtime.js";

export interface MemDeps {
  log: Logger;
  /** The system's memory (MemTotal), bytes. */
  totalBytes: number;
  call: ServerCall;
  peer: PeerCall;
}

/** Largest file mapping copied in (the file's bytes live in the memory server). */
const MAX_FILE_MAPPING = 64 * 1024 * 1024;
const ADVICE = new Set<number>(Object.values(MADV));
const isFault = (r: unknown): r is Fault => typeof r === "object" && r !== null && (r as Fault).fault === true;

export function createMemServer(deps: MemDeps): ServerDefinition {
  const spaces = new Map<number, AddressSpace>();
  const limits = new Map<number, Rlimit[]>();
  const files = fileSource(deps.call, deps.peer);
  const space = (pid: number) => {
    let s = spaces.get(pid);
    if (s === undefined) spaces.set(pid, (s = new AddressSpace()));
    return s;
  };
  const limitsOf = (pid: number) => {
    let l = limits.get(pid);
    if (l === undefined) limits.set(pid, (l = defaultLimits()));
    return l;
  };
  const committed = () => [...spaces.values()].reduce((n, s) => n + s.size(), 0);

  /** Can `pid` map `more` bytes (after `less` are unmapped)? 0, or ENOMEM. */
  const room = (pid: number, more: number, less = 0): number => {
    const s = space(pid);
    if (s.size() - less + more > limitsOf(pid)[RLIMIT.AS].cur) return -E.ENOMEM;
    if (committed() - less + more > deps.totalBytes) return -E.ENOMEM;
    return 0;
  };

  function brk(ctx: SyscallContext): number {
    const s = space(ctx.pid);
    const want = ctx.arg(0);
    if (want < s.startBrk || want >= TASK_SIZE) return s.brk; // brk(0) asks where the break is
    const oldTop = pageUp(s.brk);
    const newTop = pageUp(want);
    if (newTop > oldTop) {
      if (s.overlaps(oldTop, newTop) || room(ctx.pid, newTop - oldTop) < 0) return s.brk;
      s.insert({ start: oldTop, end: newTop, prot: PROT.READ | PROT.WRITE, shared: false, name: "[heap]" });
    } else if (newTop < oldTop) s.unmap(newTop, oldTop);
    s.brk = want;
    return want;
  }

  async function mmap(ctx: SyscallContext): Promise<number> {
    const addr = ctx.arg(0);
    const len = ctx.size(1);
    const prot = ctx.int(2);
    const flags = ctx.int(3);
    const offset = ctx.arg(5);
    const type = flags & MAP.TYPE;
    if (len === 0 || offset < 0 || !aligned(offset)) return -E.EINVAL;
    if (type !== MAP.SHARED && type !== MAP.PRIVATE && type !== MAP.SHARED_VALIDATE) return -E.EINVAL;
    if (prot & ~(PROT.READ | PROT.WRITE | PROT.EXEC)) return -E.EINVAL;
    const length = pageUp(len);
    if (length > TASK_SIZE) return -E.ENOMEM;
    const s = space(ctx.pid);
    const fixed = (flags & (MAP.FIXED | MAP.FIXED_NOREPLACE)) !== 0;
    let start: number;
    if (fixed) {
      if (!aligned(addr)) return -E.EINVAL;
      if (addr + length > TASK_SIZE) return -E.ENOMEM;
      if (addr < MMAP_MIN_ADDR) return -E.EPERM;
      if (flags & MAP.FIXED_NOREPLACE && s.overlaps(addr, addr + length)) return -E.EEXIST;
      start = addr;
    } else {
      const hint = addr - (addr % PAGE_SIZE);
      start = hint >= MMAP_MIN_ADDR && hint + length <= TASK_SIZE && !s.overlaps(hint, hint + length) ? hint : s.findGap(length);
      if (start < 0) return -E.ENOMEM;
    }
    const replaced = fixed ? overlapBytes(s, start, start + length) : 0;
    const full = room(ctx.pid, length, replaced);
    if (full < 0) return full;

    let backing: Backing | undefined;
    if (!(flags & MAP.ANONYMOUS)) {
      const fd = ctx.int(4);
      const file = await files.describe(ctx.caller, fd);
      if (typeof file === "number") return file;
      if (file.accmode === 1) return -E.EACCES;
      if (type !== MAP.PRIVATE && prot & PROT.WRITE) return file.accmode === 2 ? -E.ENODEV : -E.EACCES;
      const want = Math.max(0, Math.min(length, file.size - offset));
      if (want > MAX_FILE_MAPPING) return -E.ENOMEM;
      const bytes = want > 0 ? await files.read(ctx.caller, fd, offset, want) : new Uint8Array(0);
      if (typeof bytes === "number") return bytes;
      backing = { bytes, at: start, offset, dev: file.dev, ino: file.ino, path: file.path };
    }
    if (fixed) s.unmap(start, start + length);
    s.insert({ start, end: start + length, prot, shared: type !== MAP.PRIVATE, backing });
    return start;
  }

  function munmap(ctx: SyscallContext): number {
    const addr = ctx.arg(0);
    const len = ctx.size(1);
    if (!aligned(addr) || len === 0 || addr + pageUp(len) > TASK_SIZE) return -E.EINVAL;
    space(ctx.pid).unmap(addr, addr + pageUp(len));
    return 0;
  }

  function mprotect(ctx: SyscallContext): number {
    const addr = ctx.arg(0);
    const len = ctx.size(1);
    const prot = ctx.int(2);
    if (!aligned(addr) || prot & ~(PROT.READ | PROT.WRITE | PROT.EXEC | 0x01000000 | 0x02000000)) return -E.EINVAL;
    if (len === 0) return 0;
    const s = space(ctx.pid);
    const end = addr + pageUp(len);
    if (end > TASK_SIZE) return -E.ENOMEM;
    if (!s.covered(addr, end)) return -E.ENOMEM;
    s.protect(addr, end, prot & 7);
    return 0;
  }

  function mremap(ctx: SyscallContext): number {
    const old = ctx.arg(0);
    const oldLen = pageUp(ctx.size(1));
    const newLen = pageUp(ctx.size(2));
    const flags = ctx.int(3);
    const newAddr = ctx.arg(4);
    if (!aligned(old) || flags & ~(MREMAP.MAYMOVE | MREMAP.FIXED | MREMAP.DONTUNMAP)) return -E.EINVAL;
    if (flags & MREMAP.FIXED && !(flags & MREMAP.MAYMOVE)) return -E.EINVAL;
    if (newLen === 0 || newLen > TASK_SIZE) return -E.EINVAL;
    const s = space(ctx.pid);
    const vma = s.find(old);
    if (vma === undefined || old + oldLen > vma.end) return -E.EFAULT;
    const grow = Math.max(0, newLen - oldLen);
    if (flags & MREMAP.FIXED) {
      if (!aligned(newAddr) || (newAddr < old + oldLen && old < newAddr + newLen)) return -E.EINVAL;
      const full = room(ctx.pid, grow, overlapBytes(s, newAddr, newAddr + newLen));
      if (full < 0) return full;
      s.unmap(newAddr, newAddr + newLen);
      if (newLen < oldLen) s.unmap(old + newLen, old + oldLen);
      s.move(old, Math.min(oldLen, newLen), newAddr);
      if (grow > 0) s.insert({ ...vma, start: newAddr + oldLen, end: newAddr + newLen });
      return newAddr;
    }
    if (newLen <= oldLen) {
      s.unmap(old + newLen, old + oldLen);
      return old;
    }
    const full = room(ctx.pid, grow);
    if (full < 0) return full;
    if (old + newLen <= TASK_SIZE && !s.overlaps(old + oldLen, old + newLen)) {
      s.insert({ ...s.find(old)!, start: old + oldLen, end: old + newLen });
      return old;
    }
    if (!(flags & MREMAP.MAYMOVE)) return -E.ENOMEM;
    const dest = s.findGap(newLen);
    if (dest < 0) return -E.ENOMEM;
    const kind = s.find(old)!;
    s.move(old, oldLen, dest);
    s.insert({ ...kind, start: dest + oldLen, end: dest + newLen, backing: kind.backing && { ...kind.backing, at: kind.backing.at + dest - old } });
    return dest;
  }

  function madvise(ctx: SyscallContext): number {
    const addr = ctx.arg(0);
    const len = ctx.size(1);
    const advice = ctx.int(2);
    if (!aligned(addr) || !ADVICE.has(advice)) return -E.EINVAL;
    if (len === 0) return 0;
    const s = space(ctx.pid);
    const end = addr + pageUp(len);
    if (!s.covered(addr, end)) return -E.ENOMEM;
    if (advice === MADV.DONTNEED || advice === MADV.FREE) s.discard(addr, end);
    return 0;
  }

  /** process_vm_readv/writev: moves bytes between the caller's iovecs and `pid`'s memory. */
  function vmTransfer(ctx: SyscallContext, writing: boolean): number {
    const target = ctx.int(0);
    const lcount = ctx.arg(2);
    const rcount = ctx.arg(4);
    if (ctx.arg(5) !== 0 || lcount > IOV_MAX || rcount > IOV_MAX || lcount < 0 || rcount < 0) return -E.EINVAL;
    const remote = ctx.remoteIov(3, rcount);
    if (remote === null) return -E.EFAULT;
    const s = space(target);
    if (writing) {
      const local = ctx.iovIn(1, lcount);
      if (local === null) return -E.EFAULT;
      const data = Buffer.concat(local);
      let done = 0;
      for (const r of remote) {
        if (done >= data.length) break;
        const n = Math.min(r.len, data.length - done);
        const w = s.write(r.base, data.subarray(done, done + n));
        if (isFault(w)) return done + w.done > 0 ? done + w.done : -E.EFAULT;
        done += n;
      }
      return done;
    }
    const lens = ctx.iovOut(1, lcount);
    if (lens === null) return -E.EFAULT;
    const want = Math.min(LIMITS.MAX_XFER, lens.reduce((n, l) => n + l, 0));
    const parts: Uint8Array[] = [];
    let got = 0;
    for (const r of remote) {
      if (got >= want) break;
      const n = Math.min(r.len, want - got);
      const bytes = s.read(r.base, n);
      if (isFault(bytes)) {
        if (got + bytes.done === 0) return -E.EFAULT;
        if (bytes.done > 0) parts.push(s.read(r.base, bytes.done) as Uint8Array);
        got += bytes.done;
        break;
      }
      parts.push(bytes);
      got += n;
    }
    ctx.copyOutIov(1, Buffer.concat(parts));
    return got;
  }

  function setLimit(ctx: SyscallContext, pid: number, resource: number, inArg: number): number {
    const data = ctx.copyIn(inArg, 16);
    if (data === null) return -E.EFAULT;
    const next = decodeRlimit(data);
    const l = limitsOf(pid);
    const bad = checkNewLimit(l[resource], next, ctx.caller.euid === 0);
    if (bad < 0) return bad;
    l[resource] = next;
    return 0;
  }

  const validResource = (r: number) => r >= 0 && r < RLIM_NLIMITS;

  return {
    name: "mem",
    handlers: {
      brk,
      mmap,
      munmap,
      mprotect,
      mremap,
      madvise,
      process_vm_readv: (ctx) => vmTransfer(ctx, false),
      process_vm_writev: (ctx) => vmTransfer(ctx, true),
      getrlimit(ctx) {
        const resource = ctx.int(0);
        if (!validResource(resource)) return -E.EINVAL;
        const l = limitsOf(ctx.pid)[resource];
        return ctx.copyOut(1, encodeRlimit(l.cur, l.max)) ? 0 : -E.EFAULT;
      },
      setrlimit(ctx) {
        const resource = ctx.int(0);
        return validResource(resource) ? setLimit(ctx, ctx.pid, resource, 1) : -E.EINVAL;
      },
      prlimit64(ctx) {
        const pid = ctx.int(0) || ctx.pid;
        const resource = ctx.int(1);
        if (!validResource(resource)) return -E.EINVAL;
        const old = limitsOf(pid)[resource];
        if (ctx.request.input[2] !== undefined) {
          const set = setLimit(ctx, pid, resource, 2);
          if (set < 0) return set;
        }
        if (ctx.request.outCap[3] >= 0 && !ctx.copyOut(3, encodeRlimit(old.cur, old.max))) return -E.EFAULT;
        return 0;
      },
    },
    processExited(pid) {
      spaces.delete(pid);
      limits.delete(pid);
    },
    peer: {
      maps: ({ pid }) => mapsText(space(Number(pid))),
      status: ({ pid }) => statusLines(space(Number(pid))),
      meminfo: () => {
        const resident = [...spaces.values()].reduce((n, s) => n + s.resident(), 0);
        return meminfoText(deps.totalBytes, committed(), resident);
      },
    },
  };
}

function overlapBytes(s: AddressSpace, start: number, end: number): number {
  return s.vmas.reduce((n, v) => n + Math.max(0, Math.min(end, v.end) - Math.max(start, v.start)), 0);
}
