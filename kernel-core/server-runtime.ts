/**
 * What every server is: a name and a table of `do_<call>`-style handlers over plain data, like a
 * MINIX server's call_vec or a Redox scheme. A server writes only the calls it supports; the
 * runtime turns a routed request into a handler call and a reply. No transport appears here:
 * the NATS edge (services/) or the monolith's direct calls deliver requests.
 *
 * A handler sees one syscall as a SyscallContext: the caller, typed argument access, and the two
 * crossings of the user/kernel boundary, copyIn (copy_from_user) and copyOut (copy_to_user). A
 * crossing that would touch more bytes than the program's buffer really has is a bad pointer: it
 * fails, and the handler returns its errno (EFAULT, or the syscall's own code).
 */
import type { Logger } from "pino";
import type { SyscallDef } from "./syscalls/types.js";
import type { SyscallReply, SyscallRequest } from "./abi/frame.js";
import type { Caller } from "./abi/routed.js";
import type { ProcessRecord } from "./admit.js";
import { syscallByName } from "./syscalls/table.js";
import { E } from "./errno.js";
import type { MeterSlot, SyscallMeter } from "./meter.js";
import { LIMITS } from "./abi/limits.js";
import { decodeUtf8, untilNul } from "./abi/strings.js";
import { decodeIov } from "./abi/iov.js";
import { decodeRemoteIov, type RemoteIovec } from "./abi/mman.js";

export type SyscallHandler = (ctx: SyscallContext) => number | Promise<number>;

export interface ServerDefinition {
  /** Short name: its subject is natix.srv.<name> (servers) or natix.drv.<name> (drivers). */
  name: string;
  /** Handlers by syscall name, from the syscall table (or from `syscalls` below). */
  handlers: Readonly<Record<string, SyscallHandler>>;
  /** Table entries this server adds (a module's new syscalls); the global table has the rest. */
  syscalls?: readonly SyscallDef[];
  /** A process is gone: release what the server holds for it (fds, memory); `waitStatus` is how it ended (<sys/wait.h>). */
  processExited?(pid: number, waitStatus?: number): void | Promise<void>;
  /** A process was created, or its credentials changed (the kernel's record of it). */
  processChanged?(pid: number, record: ProcessRecord): void;
  /** The kernel restarted: the processes of the one before are gone. */
  kernelRestarted?(): void;
  /** Kernel events may have been missed (the connection to the bus was lost, and is back). */
  eventsMissed?(): void;
  /** Stop: flush and release everything (called on a clean shutdown). */
  stop?(): Promise<void>;
  /**
   * Questions other kernel-side components may ask that are not syscalls (procfs content, a
   * descriptor's path): JSON arguments in, a JSON-able answer out.
   */
  peer?: Readonly<Record<string, PeerHandler>>;
}

export type PeerHandler = (args: Record<string, unknown>) => unknown | Promise<unknown>;

/** Calls another server's syscall handler on a process's behalf (over NATS, or directly). */
export type ServerCall = (server: string, caller: Caller, request: SyscallRequest) => Promise<SyscallReply>;
/** Asks another component a peer question (JSON in, JSON out); "kernel" is kernel-core. */
export type PeerCall = (server: string, op: string, args: Record<string, unknown>) => Promise<unknown>;

/** How a server reaches the other servers, injected by its wiring. */
export interface ServerLinks {
  call: ServerCall;
  peer: PeerCall;
}

export interface Dispatcher {
  readonly name: string;
  /** Syscall numbers this server answers, for its registration with the kernel. */
  readonly numbers: number[];
  readonly definitions: SyscallDef[];
  dispatch(caller: Caller, request: SyscallRequest): Promise<SyscallReply> | SyscallReply;
}

/** Records a call's result and its handler's time in its meter slot, if it has one. */
function measured(slot: MeterSlot | undefined, started: number, reply: SyscallReply): SyscallReply {
  slot?.record(reply.ret, (performance.now() - started) / 1000);
  return reply;
}

/**
 * Builds the number → handler table once, so a call costs one map lookup. With a meter, every
 * call is recorded with its result and the time its handler took.
 */
export function createDispatcher(server: ServerDefinition, log: Logger, meter?: SyscallMeter): Dispatcher {
  const own = new Map((server.syscalls ?? []).map((d) => [d.name, d]));
  const entries = new Map<number, { def: SyscallDef; handler: SyscallHandler; slot?: MeterSlot }>();
  for (const [name, handler] of Object.entries(server.handlers)) {
    const def = own.get(name) ?? syscallByName(name);
    if (def === undefined) throw new Error(`server ${server.name}: handler for unknown syscall ${name}`);
    entries.set(def.nr, { def, handler, slot: meter?.slot(server.name, def.name) });
  }
  const failed = (nr: number, err: unknown): SyscallReply => {
    log.error({ err, nr }, `${server.name}: handler for syscall ${nr} failed`);
    return { ret: -E.EIO };
  };
  return {
    name: server.name,
    numbers: [...entries.keys()],
    definitions: [...entries.values()].map((e) => e.def),
    dispatch(caller, request) {
      const entry = entries.get(request.nr);
      if (entry === undefined) return { ret: -E.ENOSYS };
      const ctx = new SyscallContext(caller, request, entry.def);
      const { slot } = entry;
      const started = slot ? performance.now() : 0;
      try {
        const ret = entry.handler(ctx);
        if (typeof ret === "number") return measured(slot, started, ctx.reply(ret));
        return ret.then((r) => measured(slot, started, ctx.reply(r)), (err) => measured(slot, started, failed(request.nr, err)));
      } catch (err) {
        return measured(slot, started, failed(request.nr, err));
      }
    },
  };
}

export class SyscallContext {
  private output: (Uint8Array | undefined)[] | undefined;

  constructor(
    readonly caller: Caller,
    readonly request: SyscallRequest,
    readonly def: SyscallDef,
  ) {}

  get pid(): number {
    return this.caller.pid;
  }

  /** The raw 64-bit argument (as a JS number; missing arguments are 0, as stale registers). */
  arg(i: number): number {
    return this.request.args[i] ?? 0;
  }

  /** Argument i as a C `int` (low 32 bits, signed). */
  int(i: number): number {
    return this.arg(i) | 0;
  }

  /** Argument i as a C `unsigned int` (low 32 bits). */
  uint(i: number): number {
    return this.arg(i) >>> 0;
  }

  /** Argument i as a size_t: negative values are huge, so they never fit a buffer. */
  size(i: number): number {
    const v = this.arg(i);
    return v < 0 ? Number.MAX_SAFE_INTEGER : v;
  }

  /** copy_from_user: the first `len` bytes of buffer argument i, or null if it has fewer. */
  copyIn(i: number, len: number): Uint8Array | null {
    if (len === 0) return new Uint8Array(0);
    const data = this.request.input[i];
    if (data === undefined || len < 0 || len > data.length) return null;
    return data.subarray(0, len);
  }

  /** A path argument (the kernel already checked it is NUL-terminated within PATH_MAX). */
  path(i: number): string | number {
    const data = this.request.input[i];
    if (data === undefined) return -E.EFAULT;
    const nul = data.indexOf(0);
    if (nul < 0) return data.length >= LIMITS.PATH_MAX ? -E.ENAMETOOLONG : -E.EFAULT;
    return decodeUtf8(data.subarray(0, nul));
  }

  /** A NUL-terminated string argument with no length argument. */
  cstring(i: number): string | null {
    const data = this.request.input[i];
    return data === undefined ? null : decodeUtf8(untilNul(data));
  }

  /** writev's iovecs: the first `count` buffers, or null when the program has fewer (bad pointer). */
  iovIn(i: number, count: number): Uint8Array[] | null {
    const data = this.request.input[i];
    const iov = data === undefined ? undefined : decodeIov(data, true);
    if (iov === undefined || count < 0 || count > iov.data.length) return null;
    return iov.data.slice(0, count);
  }

  /** readv's iovec lengths: the first `count`, or null when the program has fewer. */
  iovOut(i: number, count: number): number[] | null {
    const data = this.request.input[i];
    const iov = data === undefined ? undefined : decodeIov(data, false);
    if (iov === undefined || count < 0 || count > iov.lens.length) return null;
    return iov.lens.slice(0, count);
  }

  /** readv's result: bytes libc scatters over the iovecs (the caller checked they fit). */
  copyOutIov(i: number, bytes: Uint8Array): void {
    if (this.output === undefined) this.output = [];
    this.output[i] = bytes;
  }

  /** process_vm_*'s remote iovecs: the first `count`, or null when the program has fewer. */
  remoteIov(i: number, count: number): RemoteIovec[] | null {
    const data = this.request.input[i];
    const list = data === undefined ? undefined : decodeRemoteIov(data);
    if (list === undefined || count < 0 || count > list.length) return null;
    return list.slice(0, count);
  }

  /** True when out-buffer argument i really has room for `claimed` bytes. */
  fits(i: number, claimed: number): boolean {
    const cap = this.request.outCap[i] ?? -1;
    return cap >= 0 && claimed >= 0 && claimed <= cap;
  }

  /**
   * copy_to_user: puts `bytes` into out-buffer argument i. Fails (false) when the buffer is
   * smaller than `bytes`, or smaller than the `claimed` length the program said it has.
   */
  copyOut(i: number, bytes: Uint8Array, claimed = bytes.length): boolean {
    if (!this.fits(i, Math.max(claimed, bytes.length))) return false;
    if (this.output === undefined) this.output = [];
    this.output[i] = bytes;
    return true;
  }

  /** The reply for a result: the out-buffers copied so far travel with it. */
  reply(ret: number): SyscallReply {
    return this.output === undefined ? { ret } : { ret, output: this.output };
  }
}
