/**
 * What every server is: a name and a table of `do_<call>`-style handlers over plain data, like a
 * MINIX server's call_vec or a Redox scheme. A server writes only the calls it supports; the
 * runtime turns a routed request into a handler call and a reply. No transport appears here:
 * the NATS edge (services/) or the monolith's direct calls deliver requests.
 */
import type { Logger } from "pino";
import type { SyscallDef } from "./syscalls/types.js";
import type { SyscallReply, SyscallRequest } from "./abi/frame.js";
import type { Caller } from "./abi/routed.js";
import { SyscallContext } from "./call-context.js";
import { syscallByName } from "./syscalls/table.js";
import { E } from "./errno.js";
import type { MeterSlot, SyscallMeter } from "./meter.js";

export type SyscallHandler = (ctx: SyscallContext) => number | Promise<number>;

export interface ServerDefinition {
  /** Short name: its subject is natix.srv.<name> (servers) or natix.drv.<name> (drivers). */
  name: string;
  /** Handlers by syscall name, from the syscall table (or from `syscalls` below). */
  handlers: Readonly<Record<string, SyscallHandler>>;
  /** Table entries this server adds (a module's new syscalls); the global table has the rest. */
  syscalls?: readonly SyscallDef[];
  /** A process is gone: release what the server holds for it (fds, memory). */
  processExited?(pid: number): void | Promise<void>;
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
