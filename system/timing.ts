/**
 * How the syscall deadline divides among the hops below it, so each inner wait gives up before
 * the outer one and the caller learns the precise errno instead of a bare timeout:
 * a server's wait on a driver (then EIO) < the caller's deadline (then ETIMEDOUT).
 */
import { DEFAULT_DEADLINE_MS } from "../kernel-core/abi/limits.js";

export interface Timings {
  /** The caller's whole budget for one syscall. */
  deadlineMs: number;
  /** A server's budget for one driver request, retries included. */
  driverMs: number;
  /** The tty's budget for one write to a program's terminal. */
  terminalMs: number;
  /** How long a blocking read waits before answering ERESTARTSYS. */
  readSliceMs: number;
}

export function timings(deadlineMs: number): Timings {
  return {
    deadlineMs,
    driverMs: Math.floor(deadlineMs * 0.8),
    terminalMs: Math.floor(deadlineMs * 0.7),
    readSliceMs: Math.min(1000, Math.floor(deadlineMs / 4)),
  };
}

/** The deadline every process of one system agrees on (set by the launcher). */
export function deadlineFromEnv(): number {
  const v = Number(process.env.NATIX_DEADLINE_MS);
  return Number.isFinite(v) && v > 0 ? v : DEFAULT_DEADLINE_MS;
}
