/** Resource limits (getrlimit/setrlimit/prlimit64), with Linux's defaults for a login shell. */
import { E } from "../../kernel-core/errno.js";
import { RLIMIT, RLIM_NLIMITS } from "../../kernel-core/abi/mman.js";

export interface Rlimit {
  cur: number;
  max: number;
}

export function defaultLimits(): Rlimit[] {
  const inf = { cur: Infinity, max: Infinity };
  const limits: Rlimit[] = Array.from({ length: RLIM_NLIMITS }, () => ({ ...inf }));
  limits[RLIMIT.STACK] = { cur: 8 * 1024 * 1024, max: Infinity };
  limits[RLIMIT.CORE] = { cur: 0, max: Infinity };
  limits[RLIMIT.NOFILE] = { cur: 1024, max: 4096 };
  limits[RLIMIT.MEMLOCK] = { cur: 8 * 1024 * 1024, max: 8 * 1024 * 1024 };
  limits[RLIMIT.NPROC] = { cur: 63_000, max: 63_000 };
  limits[RLIMIT.SIGPENDING] = { cur: 63_000, max: 63_000 };
  limits[RLIMIT.MSGQUEUE] = { cur: 819_200, max: 819_200 };
  limits[RLIMIT.NICE] = { cur: 0, max: 0 };
  limits[RLIMIT.RTPRIO] = { cur: 0, max: 0 };
  return limits;
}

/** setrlimit's rules: soft ≤ hard; only root raises a hard limit. */
export function checkNewLimit(old: Rlimit, next: Rlimit, privileged: boolean): number {
  if (next.cur > next.max) return -E.EINVAL;
  if (next.max > old.max && !privileged) return -E.EPERM;
  return 0;
}
