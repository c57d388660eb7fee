/**
 * Limits of the syscall ABI. Sizes: every length read from a frame is checked against these
 * before anything is allocated. NATS's default max_payload is 1 MiB; a frame stays under it with
 * room for the kernel's routing envelope and NATS headers. Time: the deadline of one call.
 */
export const LIMITS = Object.freeze({
  /** Syscall arguments per call, as on x86-64 (rdi, rsi, rdx, r10, r8, r9). */
  MAX_ARGS: 6,
  /** Bytes one buffer may carry in (or ask for back): larger reads and writes are partial. */
  MAX_XFER: 512 * 1024,
  /** Bytes of one whole frame, request or reply. */
  MAX_FRAME: 1024 * 1024 - 8 * 1024,
  /** PATH_MAX including the terminating NUL. */
  PATH_MAX: 4096,
  /** Syscalls in one batch (io_uring-style submission). */
  MAX_BATCH: 256,
});

/**
 * How long a syscall may take before it fails with ETIMEDOUT, unless the system was started with
 * another (natix up --deadline-ms); the servers' and drivers' shares of it are system/timing.ts.
 */
export const DEFAULT_DEADLINE_MS = 5000;
