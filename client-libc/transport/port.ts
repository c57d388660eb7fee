/** How a libc process reaches its kernel: over NATS, or by direct calls (embedded). */
import type { SyscallReply, SyscallRequest } from "../../kernel-core/abi/frame.js";
import type { ProcessInfo } from "../../kernel-core/kernel.js";

export interface KernelPort {
  readonly info: ProcessInfo;
  /** One syscall; never rejects: transport failures become a negative errno. */
  call(request: SyscallRequest): Promise<SyscallReply>;
  /** Releases the connection (after exit). */
  close(): Promise<void>;
}
