/**
 * A process's calls in flight, settled at once when the process is gone (its credentials
 * revoked or refused for good): every call then answers as the caller says (ESRCH).
 *
 * Not a Promise.race against one long-lived "gone" promise: each race leaves a reaction on that
 * promise, and the reaction holds the race's own promise and so the call's reply until the
 * process ends — ~760 bytes kept per syscall, 4 GB in the benchmark runner after a few million
 * calls. Here a call's waiter is removed as soon as the call settles.
 */
export class Departure {
  private readonly waiting = new Set<() => void>();
  private left = false;

  get gone(): boolean {
    return this.left;
  }

  /** The process is gone: every call in flight settles now, and every later one at once. */
  leave(): void {
    if (this.left) return;
    this.left = true;
    for (const settle of this.waiting) settle();
    this.waiting.clear();
  }

  /** `work`'s outcome, or `instead` if the process is gone first. */
  race<T>(work: Promise<T>, instead: T): Promise<T> {
    if (this.left) return Promise.resolve(instead);
    return new Promise<T>((resolve, reject) => {
      const early = () => resolve(instead);
      this.waiting.add(early);
      work.then(
        (value) => {
          this.waiting.delete(early);
          resolve(value);
        },
        (err) => {
          this.waiting.delete(early);
          reject(err);
        },
      );
    });
  }
}
