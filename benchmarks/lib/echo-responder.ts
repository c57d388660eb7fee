/**
 * The raw transport floors' other ends, in a process of their own:
 * - a bare nats.js responder answering `bench.echo.<N>` with N bytes;
 * - a TCP server echoing fixed-size messages back (Node's raw ping-pong).
 * argv: NATS_URL [CREDS_FILE] (a JWT user, for the isolated floor). Prints "ready <tcp port>".
 */
import { connect, credsAuthenticator } from "@nats-io/transport-node";
import { readFileSync } from "node:fs";
import { createServer } from "node:net";

const creds = process.argv[3];
const nc = await connect({ servers: process.argv[2], noAsyncTraces: true, authenticator: creds ? credsAuthenticator(readFileSync(creds)) : undefined });
const replies = new Map<number, Uint8Array>();
nc.subscribe("bench.echo.*", {
  callback: (_err, msg) => {
    const n = Number(msg.subject.slice(11));
    let reply = replies.get(n);
    if (reply === undefined) replies.set(n, (reply = new Uint8Array(n)));
    msg.respond(reply);
  },
});
await nc.flush();

const server = createServer((socket) => {
  socket.setNoDelay(true);
  socket.on("data", (d) => socket.write(d));
});
server.listen(0, "127.0.0.1", () => process.stdout.write(`ready ${(server.address() as { port: number }).port}\n`));
process.once("SIGTERM", () => {
  server.close();
  void nc.close().then(() => process.exit(0));
});
