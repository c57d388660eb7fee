/**
 * The administrator's rights, used only by the routes that need them (running programs, /proc,
 * modules, kill and restart): a connection made with the administrator's credentials
 * (NATIX_ADMIN_CREDS), opened on first use, and a process of its own for reading /proc.
 */
import type { NatsConnection } from "@nats-io/transport-node";
import { connectNats } from "../../transport/nats-connect.js";
import { connect, O_RDONLY, type Proc } from "../../client-libc/mod.js";
import { SUBJECTS } from "../../kernel-core/abi/subjects.js";
import { E } from "../../kernel-core/errno.js";
import { resolveModule } from "../../system/modules.js";
import { killService, restartService } from "../nats/service-control.js";

export class AdminActions {
  private nc: Promise<NatsConnection> | undefined;
  private reader: Promise<Proc> | undefined;

  constructor(
    private readonly natsUrl: string,
    /** The administrator's .creds file (absent on an open bus). */
    readonly credsPath: string | undefined,
  ) {}

  private connection(): Promise<NatsConnection> {
    this.nc ??= connectNats(this.natsUrl, "natix-gateway-admin", this.credsPath ? { credsPath: this.credsPath } : { creds: null });
    return this.nc;
  }

  private async control(subject: string, body: object): Promise<string | undefined> {
    const reply = (await (await this.connection()).request(subject, JSON.stringify(body), { timeout: 30_000 })).json<{ error?: string }>();
    return reply.error;
  }

  insmod(name: string): Promise<string | undefined> {
    return this.control(SUBJECTS.insmod, { path: resolveModule(name) });
  }

  rmmod(name: string): Promise<string | undefined> {
    return this.control(SUBJECTS.rmmod, { name });
  }

  async kill(name: string, signal: string): Promise<string | undefined> {
    return killService(await this.connection(), name, signal);
  }

  async restart(name: string): Promise<string | undefined> {
    return restartService(await this.connection(), name);
  }

  /** A file under /proc, or a negative errno. */
  async readProc(path: string): Promise<string | number> {
    // One reader process, made on first use and made again if the kernel restarted.
    this.reader ??= connect({ nats: this.natsUrl, creds: this.credsPath, argv: ["natix-gateway"], stdin: undefined });
    const p = await this.reader;
    const fd = await p.open(`/proc/${path}`, O_RDONLY);
    if (fd < 0) {
      if (p.errno === E.ESRCH) this.reader = undefined;
      return -p.errno;
    }
    try {
      const chunks: Buffer[] = [];
      const buf = new Uint8Array(64 * 1024);
      for (let n; (n = await p.read(fd, buf, buf.length)) > 0 && chunks.length < 64; ) chunks.push(Buffer.from(buf.subarray(0, n)));
      return Buffer.concat(chunks).toString();
    } finally {
      await p.close(fd);
    }
  }

  async stop(): Promise<void> {
    await (await this.reader?.catch(() => undefined))?.exit(0).catch(() => {});
    await (await this.nc?.catch(() => undefined))?.close();
  }
}
