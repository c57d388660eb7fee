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
    let best: CallRecord | undefined;
    for (const c of this.calls) if (c.ok && c.t1 > since && match(c) && (best === undefined || c.t1 < best.t1)) best = c;
    return best;
  }
}
