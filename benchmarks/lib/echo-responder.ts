/**
 * The raw transport floor's other end: a bare nats.js responder in its own process that
 * answers every request on its subject with a reply of a fixed size, nothing else.
 * argv: NATS_URL SUBJECT REPLY_BYTES
 */
import { connect } from "@nats-io/transport-node";

const [url, subject, size] = process.argv.slice(2);
const nc = await connect({ servers: url, noAsyncTraces: true });
const reply = new Uint8Array(Number(size));
nc.subscribe(subject, {
  callback: (_err, msg) => {
    msg.respond(reply);
  },
});
await nc.flush();
process.stdout.write("ready\n");
process.once("SIGTERM", () => void nc.close().then(() => process.exit(0)));
