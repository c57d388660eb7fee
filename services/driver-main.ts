/** One driver process of micro mode: `driver-main.js tty`. */
import { SUBJECTS } from "../kernel-core/abi/subjects.js";
import { createTtyDriver } from "../servers/tty/driver.js";
import { ttyEndpoint } from "../servers/tty/protocol.js";
import { hostEndpoint } from "./nats/endpoint.js";
import { natsTerminals } from "./nats/terminals.js";
import { runComponent } from "./component.js";
import { deadlineFromEnv, timings } from "./timing.js";

const name = process.argv[2];
if (name !== "tty") {
  console.error(`natix: no driver named ${JSON.stringify(name)} (known: tty)`);
  process.exit(2);
}

await runComponent(name, async (nc, log) => {
  const t = timings(deadlineFromEnv());
  const device = createTtyDriver({ log, terminals: natsTerminals(nc, t.terminalMs), readSliceMs: t.readSliceMs });
  return hostEndpoint({ nc, log, name, kind: "driver", subject: SUBJECTS.driver(name), handle: ttyEndpoint(device) });
});
