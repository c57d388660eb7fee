/** Server-sent events on a fastify reply: named events with JSON-safe data, closed by either side. */
import type { FastifyReply } from "fastify";

export interface SseStream {
  send(event: string, data: unknown): void;
  end(): void;
  onClose(fn: () => void): void;
}

export function sse(reply: FastifyReply): SseStream {
  reply.hijack();
  const raw = reply.raw;
  raw.writeHead(200, { "content-type": "text/event-stream; charset=utf-8", "cache-control": "no-cache", connection: "keep-alive", "x-accel-buffering": "no" });
  raw.write(": natix\n\n");
  const closers: (() => void)[] = [];
  let closed = false;
  const close = () => {
    if (closed) return;
    closed = true;
    clearInterval(keepAlive);
    closers.forEach((f) => f());
  };
  // A comment every 15 s keeps proxies from closing an idle stream.
  const keepAlive = setInterval(() => raw.write(": keep-alive\n\n"), 15_000);
  raw.on("close", close);
  return {
    send(event, data) {
      if (!closed) raw.write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
    },
    end() {
      close();
      raw.end();
    },
    onClose(fn) {
      if (closed) fn();
      else closers.push(fn);
    },
  };
}
