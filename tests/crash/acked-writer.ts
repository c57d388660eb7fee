/**
 * Appends records to a natix file over NATS, fsyncing each, and remembers which ones natix
 * acknowledged (write and fsync both succeeded). It rides through server restarts: a lost
 * descriptor is reopened, a process the kernel forgot (mono restart) is created again.
 */
import { Writable } from "node:stream";
import { connect, E, O_APPEND, O_CREAT, O_WRONLY, type Proc } from "../../build/client-libc/mod.js";
import { record, RECORD_SIZE } from "./record.mjs";

const sink = () => new Writable({ write: (_c, _e, done) => done() });

export class AckedWriter {
  readonly acked = new Set<number>();
  attempts = 0;
  failures = 0;
  private proc: Proc | undefined;
  private fd = -1;

  constructor(
    private readonly url: string,
    private readonly path: string,
    private seq = 0,
  ) {}

  async step(): Promise<void> {
    const seq = this.seq++;
    this.attempts++;
    try {
      this.proc ??= await connect({ nats: this.url, stdout: sink(), stderr: sink(), uid: 0, gid: 0, argv: ["acked-writer"] });
      const p = this.proc;
      if (this.fd < 0) {
        this.fd = await p.open(this.path, O_CREAT | O_WRONLY | O_APPEND, 0o644);
        if (this.fd < 0) return this.failed(p.errno);
      }
      if ((await p.write(this.fd, record(seq))) !== RECORD_SIZE) return this.failed(p.errno);
      if ((await p.fsync(this.fd)) !== 0) return this.failed(p.errno);
      this.acked.add(seq);
    } catch {
      this.failed(E.ESRCH);
    }
  }

  private failed(errno: number): void {
    this.failures++;
    if (errno === E.ESRCH) {
      // The kernel lost the process (it restarted): drop it, make a new one next time.
      void this.proc?._exit(0).catch(() => {});
      this.proc = undefined;
    }
    // Any failure may mean the vfs restarted and forgot our descriptor: open again.
    this.fd = -1;
  }

  async close(): Promise<void> {
    await this.proc?.exit(0).catch(() => {});
  }
}
