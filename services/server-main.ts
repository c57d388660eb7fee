/** One server process of micro mode: `server-main.js <name>` (a row of the server catalog). */
import { createDispatcher } from "../kernel-core/server-runtime.js";
import { SyscallMeter } from "../kernel-core/meter.js";
import { publishMeter } from "./nats/meter-publisher.js";
import { SUBJECTS } from "../kernel-core/abi/subjects.js";
import { ttyOverLink } from "../servers/tty/link.js";
import { blkOverLink } from "../servers/blk/protocol.js";
import { natsBlkLink } from "./nats/blk-link.js";
import { natsLinks } from "./nats/links.js";
import { listenForFaults } from "./fault.js";
import { SERVERS } from "../system/server-catalog.js";
import { hostEndpoint } from "./nats/endpoint.js";
import { natsDriverLink } from "./nats/driver-link.js";
import { runComponent } from "./component.js";
import { ServerReturns } from "../transport/resend.js";
import { deadlineFromEnv, timings } from "../system/timing.js";

const name = process.argv[2];
const row = SERVERS.find((s) => s.name === name);
if (row === undefined) {
  console.error(`natix: no server named ${JSON.stringify(name)} (known: ${SERVERS.map((s) => s.name).join(", ")})`);
  process.exit(2);
}

await runComponent(row.name, async (nc, log) => {
  const t = timings(deadlineFromEnv());
  // A restarted blk driver registers, the kernel says so, and disk requests waiting on it go again.
  const blkReturns = new ServerReturns();
  const server = await row.create({
    log,
    timings: t,
    drivers: { tty: ttyOverLink(natsDriverLink(nc, "tty", t.driverMs)), blk: blkOverLink(natsBlkLink(nc, t.driverMs, blkReturns)) },
    links: natsLinks(nc, t.driverMs),
  });
  const meter = new SyscallMeter();
  const dispatcher = createDispatcher(server, log, meter);
  const unpublish = publishMeter(nc, server.name, meter);
  listenForFaults(nc, [server.name]);
  const hosted = await hostEndpoint({
    nc,
    log,
    name: server.name,
    kind: "server",
    subject: SUBJECTS.server(server.name),
    serves: { syscalls: dispatcher, meter },
    definitions: server.syscalls ? [...server.syscalls] : undefined,
    processExited: server.processExited?.bind(server),
    processChanged: server.processChanged?.bind(server),
    kernelRestarted: server.kernelRestarted?.bind(server),
    eventsMissed: server.eventsMissed?.bind(server),
    peer: server.peer,
    onKernelEvent: (e) => e.type === "registered" && e.name === "blk" && blkReturns.announce(),
  });
  return {
    async stop() {
      unpublish();
      await hosted.stop();
      await server.stop?.();
    },
  };
});
