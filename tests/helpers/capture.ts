/** A Writable that keeps what is written, for asserting a program's exact output bytes. */
import { Writable, Readable } from "node:stream";

export class Capture extends Writable {
  readonly chunks: Buffer[] = [];
  override _write(chunk: Buffer, _enc: BufferEncoding, done: (err?: Error | null) => void): void {
    this.chunks.push(Buffer.from(chunk));
    done();
  }
  get text(): string {
    return Buffer.concat(this.chunks).toString("utf8");
  }
  get bytes(): Buffer {
    return Buffer.concat(this.chunks);
  }
}

/** A stdin that yields `text` and then ends. */
export function stdinOf(text: string): Readable {
  return Readable.from([Buffer.from(text)]);
}
