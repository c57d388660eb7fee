/** A progress bar on stderr (a line per step when stderr is not a terminal). */
export class Progress {
  private done = 0;
  private readonly started = Date.now();

  constructor(private readonly total: number) {}

  step(label: string): void {
    this.done = Math.min(this.total, this.done + 1);
    const frac = this.done / this.total;
    const secs = Math.round((Date.now() - this.started) / 1000);
    if (process.stderr.isTTY) {
      const width = 30;
      const bar = "#".repeat(Math.round(frac * width)).padEnd(width, ".");
      process.stderr.write(`\r[${bar}] ${String(Math.round(frac * 100)).padStart(3)}% ${secs}s ${label.padEnd(50).slice(0, 50)}`);
      if (this.done === this.total) process.stderr.write("\n");
    } else {
      process.stderr.write(`[${String(Math.round(frac * 100)).padStart(3)}% ${secs}s] ${label}\n`);
    }
  }

  /** Steps that did not happen (skipped), so the bar still ends at 100%. */
  skip(n: number): void {
    this.done = Math.min(this.total, this.done + n);
  }
}
