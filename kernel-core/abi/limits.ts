/**
 * Limits of the syscall ABI. Sizes: every length read from a frame is checked against these
 * before anything is allocated. Time: the deadline of one call.
 *
 * Two sizes matter. A *message* must fit one NATS message (default max_payload 1 MiB) with room
 * for the kernel's routing envelope and NATS headers. A *frame* (one call, or its reply) may be
 * larger: the transport carries it as pieces (transport/pieces.ts) and every handler still sees
 * one whole frame. One call moves at most MAX_XFER bytes; Linux's cap is 0x7ffff000, so a larger
 * read or write on natix is partial, as POSIX allows.
 */
const MiB = 1024 * 1024;

export const LIMITS = Object.freeze({
  /** Syscall arguments per call, as on x86-64 (rdi, rsi, rdx, r10, r8, r9). */
  MAX_ARGS: 6,
  /** Bytes one call may carry in (or ask for back), all its buffers together: larger reads and writes are partial. */
  MAX_XFER: 64 * MiB,
  /** Bytes of one whole frame, request or reply: a full transfer plus headers, descriptors, iovec lengths, paths. */
  MAX_FRAME: 64 * MiB + 64 * 1024,
  /** Bytes of one NATS message natix sends: a frame over it travels as pieces of this size. */
  MAX_MESSAGE: MiB - 8 * 1024,
  /** Bytes one entry of a batch may carry: a batch is many small calls, and stays what it was. */
  BATCH_XFER: 512 * 1024,
  /**
   * Bytes one console read or write moves: it travels as one message to the tty driver and on
   * to the program's terminal, so a larger one is partial, as on a pipe or a pty.
   */
  TERMINAL_XFER: 512 * 1024,
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
