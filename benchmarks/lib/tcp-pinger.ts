/** The raw TCP floor's client end: the echo server is in echo-responder.ts. */
import { Socket } from "node:net";

/** Fixed-size ping-pong over one TCP connection: echoes come back in order, several in flight. */
export class TcpPinger {
  private readonly waiting: { bytes: number; resolve: () => void }[] = [];
  private buffered = 0;
  private readonly payloads = new Map<number, Buffer>();

  static async connect(port: number): Promise<TcpPinger> {
    const socket = new Socket();
    socket.setNoDelay(true);
    await new Promise<void>((resolve, reject) => {
      socket.once("error", reject);
      socket.connect(port, "127.0.0.1", resolve);
    });
    return new TcpPinger(socket);
  }

  constructor(private readonly socket: Socket) {
    socket.on("data", (d: Buffer) => {
      this.buffered += d.length;
      while (this.waiting.length > 0 && this.buffered >= this.waiting[0].bytes) {
        const w = this.waiting.shift()!;
        this.buffered -= w.bytes;
        w.resolve();
      }
    });
  }

  ping(bytes: number): Promise<void> {
    let payload = this.payloads.get(bytes);
    if (payload === undefined) this.payloads.set(bytes, (payload = Buffer.alloc(bytes, 1)));
    return new Promise<void>((resolve) => {
      this.waiting.push({ bytes, resolve });
      this.socket.write(payload);
    });
  }

  close(): void {
    this.socket.destroy();
  }
}
