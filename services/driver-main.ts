/** One driver process of micro mode: `driver-main.js tty|blk`. */
import { SUBJECTS } from "../kernel-core/abi/subjects.js";
import { createTtyDriver } from "../servers/tty/driver.js";
import { ttyEndpoint } from "../servers/tty/link.js";
import { openImage } from "../servers/blk/image.js";
import { FencedError, ImageFence } from "../servers/blk/fence.js";
import { blkEndpoint } from "../servers/blk/protocol.js";
import { hostEndpoint } from "./nats/endpoint.js";
import { natsTerminals } from "./nats/terminals.js";
import { runComponent } from "./component.js";
import { deadlineFromEnv, timings } from "../system/timing.js";
import { listenForFaults } from "./fault.js";

/** How a fenced driver ends (EX_TEMPFAIL): its successor serves. */
const FENCED_STATUS = 75;

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
    // The next epoch first: from here on a predecessor that is still alive (stalled, not dead)
    // touches the image no more. The replica slot has its own: replicas serve side by side.
    const fence = ImageFence.take(dataDir!, Number(process.env.NATIX_REPLICA ?? 0));
    log.info(`blk: serving the image as epoch ${fence.epoch} (pid ${process.pid})`);
    const image = await openImage({
      dataDir: dataDir!,
      beforeAccess: () => {
        try {
          fence.check();
        } catch (err) {
          if (!(err instanceof FencedError)) throw err;
          // Neither the access nor an answer: the successor answers every request we were sent.
          process.stderr.write(`natix-blk: pid ${process.pid}: ${err.message}; exiting\n`);
          process.exit(FENCED_STATUS);
        }
      },
    });
    const hosted = await hostEndpoint({ nc, log, name, kind: "driver", subject: SUBJECTS.driver(name), serves: { requests: blkEndpoint(image) } });
    return {
      async stop() {
        await hosted.stop();
        await image.flush();
        await image.close();
        fence.close();
      },
    };
  }
  const t = timings(deadlineFromEnv());
  const device = createTtyDriver({ log, terminals: natsTerminals(nc, t.terminalMs), readSliceMs: t.readSliceMs });
  return hostEndpoint({ nc, log, name, kind: "driver", subject: SUBJECTS.driver(name), serves: { requests: ttyEndpoint(device) } });
});
