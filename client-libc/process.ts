/**
 * One emulated process as libc sees it: a kernel port, its pid, and errno. `syscall()` follows
 * glibc: a result in [−4095, −1] becomes −1 with the positive error in `errno`;
 * `rawSyscall()` returns the kernel's own result (negative errno) and leaves errno alone.
 */
import type { KernelPort } from "./transport/port.js";
import type { NatsConnection } from "@nats-io/transport-node";
import type { SyscallDef } from "../kernel-core/syscalls/types.js";
import { SYS, hasFlag, syscallByNr } from "../kernel-core/syscalls/table.js";
import { E } from "../kernel-core/errno.js";
import { marshal, unmarshal, type SyscallArg } from "./marshal.js";
import { LIMITS } from "../kernel-core/abi/limits.js";
import { SignalState } from "./signals.js";

export interface ProcessHooks {
  /** Runs before the process ends (stdio flushes its buffers here). */
  beforeExit?: Array<() => Promise<void>>;
  /** Releases local resources after the process ended (the terminal's stdin). */
  afterExit?: () => void;
}

export class Process {
  /** The last error of a failed call, as C's errno. */
  errno = 0;
  private exited = false;
  readonly hooks: ProcessHooks = { beforeExit: [] };
  /** Handler functions and the kernel's signal notices. */
  readonly signals = new SignalState();
  /**
   * This OS process is the emulated process's alone, so ending the process ends it (false for
   * embedded mode's children, which share their parent's OS process).
   */
  ownsHostProcess = true;
  /** Its environment ("NAME=value" semantics; a spawned child receives its parent's envp). */
  readonly env = new Map<string, string>();

  constructor(readonly port: KernelPort) {
    port.onSignal?.((sig, notice) => this.signals.notice(sig, notice));
  }

  get pid(): number {
    return this.port.info.pid;
  }

  /**
   * This process's own NATS connection (null when embedded): a program may use the bus as
   * itself, with exactly the rights the kernel gave it (docs/security.md).
   */
  busConnection(): NatsConnection | null {
    return this.port.bus ?? null;
  }

  /** This process's bus credentials as a .creds file (JWT and seed); null when it has none. */
  busCredentials(): Uint8Array | null {
    return this.port.credentials ?? null;
  }

  /** The syscall deadline the kernel announced (ms). */
  get deadlineMs(): number {
    return this.port.info.deadlineMs;
  }

  /** The kernel's result as it is: ≥ 0 on success, −errno on failure. */
  async rawSyscall(nr: number, ...args: SyscallArg[]): Promise<number> {
    const def: SyscallDef | undefined = syscallByNr(nr) ?? (await this.learned(nr));
    const { request, targets } = marshal(nr, def, args);
    const idempotent = def !== undefined && hasFlag(def, "idempotent");
    // Killed (its program shares this OS process): it runs no further than this call.
    if (this.signals.killedBy !== undefined) return new Promise<number>(() => {});
    for (;;) {
      const stopped = this.signals.enter();
      if (stopped) await stopped;
      let reply;
      try {
        reply = await this.port.call(request, idempotent, targets);
      } finally {
        this.signals.leave();
      }
      if (reply.ret === -E.ERESTARTSYS) {
        // A blocking call that gave up its slice: issue it again, as Linux restarts it — unless
        // a signal's handler ran meanwhile without SA_RESTART: then EINTR.
        if (this.signals.pending && !(await this.signals.runQueued())) return -E.EINTR;
        continue;
      }
      if (this.signals.pending) await this.signals.runQueued();
      if (reply.ret === -E.ENOSYS) this.known.delete(nr); // its module may have gone
      if (!unmarshal(reply, targets)) return -E.EFAULT;
      return reply.ret;
    }
  }

  /** Table entries of syscalls modules added, asked of the kernel once each. */
  private readonly known = new Map<number, SyscallDef>();

  private async learned(nr: number): Promise<SyscallDef | undefined> {
    let def = this.known.get(nr);
    if (def === undefined && this.port.definition) {
      def = await this.port.definition(nr);
      if (def) this.known.set(nr, def);
    }
    return def;
  }

  /**
   * Batched submission (io_uring-style): syscalls, each `[nr, ...args]`, sent in one message;
   * the kernel runs them (grouped per server) and answers them together. Returns each call's raw
   * result in order (≥ 0, or −errno, as an io_uring completion's res); out buffers are filled as
   * by syscall(). At most 256 calls. Independent calls by default; with `{ link: true }` a chain:
   * each runs only after the one before succeeded (the rest are −ECANCELED), and an fd argument
   * `batch_result(k)` is entry k's result — open, write and close of a file in one round trip.
   */
  async batch(calls: readonly (readonly [number, ...SyscallArg[]])[], opts: { link?: boolean } = {}): Promise<number[]> {
    if (calls.length === 0) return [];
    if (calls.length > LIMITS.MAX_BATCH) throw new RangeError(`a batch holds at most ${LIMITS.MAX_BATCH} calls`);
    // Table calls marshal at once; only a module's number waits to learn its entry.
    const marshalled: ReturnType<typeof marshal>[] = [];
    for (const [nr, ...args] of calls) marshalled.push(marshal(nr, syscallByNr(nr) ?? (await this.learned(nr)), args, LIMITS.BATCH_XFER));
    const replies = await this.port.callBatch(marshalled.map((m) => m.request), opts.link === true);
    return replies.map((r, i) => (unmarshal(r, marshalled[i].targets) ? r.ret : -E.EFAULT));
  }

  /** glibc's syscall(): −1 and errno on failure. */
  async syscall(nr: number, ...args: SyscallArg[]): Promise<number> {
    return this.result(await this.rawSyscall(nr, ...args));
  }

  /** Applies glibc's convention to a raw result. */
  result(ret: number): number {
    if (ret < 0 && ret >= -4095) {
      this.errno = -ret;
      return -1;
    }
    return ret;
  }

  /** Ends the process: flushes what libc buffers, tells the kernel, closes the connection. */
  async exit(status = 0): Promise<void> {
    if (this.exited) return;
    for (const flush of this.hooks.beforeExit ?? []) await flush().catch(() => {});
    this.exited = true;
    await this.rawSyscall(SYS.exit_group, status);
    await this.port.close();
    this.hooks.afterExit?.();
  }

  /** Ends the process without flushing libc's buffers (C's _exit). */
  async _exit(status = 0): Promise<void> {
    if (this.exited) return;
    this.exited = true;
    await this.rawSyscall(SYS.exit_group, status);
    await this.port.close();
    this.hooks.afterExit?.();
  }
}
