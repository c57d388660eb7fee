/** One driver process of micro mode: `driver-main.js tty|blk`. */
import { SUBJECTS } from "../kernel-core/abi/subjects.js";
import { createTtyDriver } from "../servers/tty/driver.js";
import { ttyEndpoint } from "../servers/tty/link.js";
import { openImage } from "../servers/blk/image.js";
import { blkEndpoint } from "../servers/blk/protocol.js";
import { hostEndpoint } from "./nats/endpoint.js";
import { natsTerminals } from "./nats/terminals.js";
import { runComponent } from "./component.js";
import { deadlineFromEnv, timings } from "../system/timing.js";
import { listenForFaults } from "./fault.js";

const name = process.argv[2];
if (name !== "tty" && name !== "blk") {
  console.error(`natix: no driver named ${JSON.stringify(name)} (known: tty, blk)`);
  process.exit(2);
}
const dataDir = process.env.NATIX_DATA_DIR;
if (name === "blk" && !dataDir) {
  console.error("natix: the blk driver needs NATIX_DATA_DIR (the directory of the disk image)");
  process.exit(2);
}

await runComponent(name, async (nc, log) => {
  listenForFaults(nc, [name]);
  if (name === "blk") {
    const image = await openImage({ dataDir: dataDir! });
    const hosted = await hostEndpoint({ nc, log, name, kind: "driver", subject: SUBJECTS.driver(name), serves: { requests: blkEndpoint(image) } });
    return {
      async stop() {
        await hosted.stop();
        await image.flush();
        await image.close();
      },
    };
  }
  const t = timings(deadlineFromEnv());
  const device = createTtyDriver({ log, terminals: natsTerminals(nc, t.terminalMs), readSliceMs: t.readSliceMs });
  return hostEndpoint({ nc, log, name, kind: "driver", subject: SUBJECTS.driver(name), serves: { requests: ttyEndpoint(device) } });
});
