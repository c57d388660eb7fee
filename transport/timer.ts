/** setTimeout's largest delay: a larger one, or Infinity, would fire at once. */
export const MAX_TIMER_MS = 2 ** 31 - 1;

/** `ms` brought into setTimeout's range. */
export const timerMs = (ms: number) => Math.max(0, Math.min(ms, MAX_TIMER_MS));
