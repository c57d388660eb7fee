/** How a libc process reaches its kernel: over NATS, or by direct calls (embedded). */
import type { SyscallReply, SyscallRequest } from "../../kernel-core/abi/frame.js";
import type { ProcessInfo } from "../../kernel-core/kernel.js";
import type { SyscallDef } from "../../kernel-core/syscalls/types.js";

export interface KernelPort {
  readonly info: ProcessInfo;
  /**
   * One syscall; never rejects: transport failures become a negative errno. An `idempotent`
   * call whose answer is late may be sent again (another replica, or the restarted server,
   * answers it) until the deadline.
   */
  call(request: SyscallRequest, idempotent?: boolean): Promise<SyscallReply>;
  /** Several independent syscalls in one message; their replies, in order. */
  callBatch(requests: SyscallRequest[]): Promise<SyscallReply[]>;
  /** Releases the connection (after exit). */
  close(): Promise<void>;
  /** The kernel's table entry for a number libc's table lacks (a module's syscall). */
  definition?(nr: number): Promise<SyscallDef | undefined>;
}
