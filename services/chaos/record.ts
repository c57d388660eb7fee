/** What a chaos run observes: every syscall the load made, when, which services it needed, how it ended. */
export interface CallRecord {
  t0: number;
  t1: number;
  /** The server that owns the call (from the syscall table). */
  server: string;
  /** Every component the call needs to succeed (fsync: vfs and blk). */
  needs: readonly string[];
  ok: boolean;
  errno: number;
}

export class Recorder {
  readonly calls: CallRecord[] = [];

  /** Runs one syscall and records it; `ok` decides what counts as success. */
  async call(server: string, needs: readonly string[], errnoOf: () => number, run: () => Promise<number>, ok = (r: number) => r >= 0): Promise<number> {
    const t0 = performance.now();
    const r = await run();
    const success = ok(r);
    this.calls.push({ t0, t1: performance.now(), server, needs, ok: success, errno: success ? 0 : errnoOf() });
    return r;
  }

  /** The first success after `since` among calls that `match`. */
  firstSuccessAfter(since: number, match: (c: CallRecord) => boolean): CallRecord | undefined {
    // Calls are recorded as they end, so t1 only grows along the array: walk back from the end
    // to `since`. (A scan of every call, millions into a long run, every 20 ms, slowed the load
    // and the measurement itself as the run went on.)
    let best: CallRecord | undefined;
    for (let i = this.calls.length - 1; i >= 0 && this.calls[i].t1 > since; i--) {
      const c = this.calls[i];
      if (c.ok && match(c)) best = c;
    }
    return best;
  }
}
