/** How a libc process reaches its kernel: over NATS, or by direct calls (embedded). */
import type { SyscallReply, SyscallRequest } from "../../kernel-core/abi/frame.js";
import type { ProcessInfo } from "../../kernel-core/kernel.js";
import type { SyscallDef } from "../../kernel-core/syscalls/types.js";
import type { NatsConnection } from "@nats-io/transport-node";
import type { SignalNotice } from "../signals.js";

/** The program's out-buffers by argument index (a readv's list of buffers, or none). */
export type OutTargets = readonly (Uint8Array | readonly Uint8Array[] | undefined)[];

export interface KernelPort {
  readonly info: ProcessInfo;
  /**
   * One syscall; never rejects: transport failures become a negative errno. An `idempotent`
   * call whose answer is late may be sent again (another replica, or the restarted server,
   * answers it) until the deadline. `targets`: the caller's out-buffers by argument; a
   * transport may put an out-buffer's bytes straight into its target, and then hands back a
   * reply whose out-buffer is empty (nothing left to copy).
   */
  call(request: SyscallRequest, idempotent?: boolean, targets?: OutTargets): Promise<SyscallReply>;
  /** Several syscalls in one message (a chain when `linked`: BATCH_LINK); their replies, in order. */
  callBatch(requests: SyscallRequest[], linked?: boolean): Promise<SyscallReply[]>;
  /** Releases the connection (after exit). */
  close(): Promise<void>;
  /** The process's own bus connection (over NATS), with exactly the rights its credentials give. */
  readonly bus?: NatsConnection;
  /** Its credentials (.creds: JWT and seed), where the bus is isolated. */
  readonly credentials?: Uint8Array | null;
  /** The kernel's table entry for a number libc's table lacks (a module's syscall). */
  definition?(nr: number): Promise<SyscallDef | undefined>;
  /** Where the kernel's signal notices for this process go. */
  onSignal?(listener: (sig: number, notice: SignalNotice) => void): void;
  /** A key pair for a child's bus credentials (null where the transport needs none). */
  childKey?(): { publicKey: string; seed: string } | null;
  /** Starts the program of a child the kernel has just created (natix_spawn). */
  launch?(child: ChildLaunch): Promise<void>;
}

/** What a new child's program needs to start as its process. */
export interface ChildLaunch {
  info: ProcessInfo;
  /** Its bus credentials: the JWT the kernel minted and the seed of the key libc made. */
  jwt: string;
  seed?: string;
  path: string;
  argv: string[];
  envp: string[];
}
