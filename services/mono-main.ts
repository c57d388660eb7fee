/**
 * The monolithic kernel process: kernel-core, servers and drivers linked together, reached by
 * programs over NATS like the microkernel, but with no NATS hop inside.
 */
import { segmentDoorFromEnv } from "../transport/segment-door.js";
import { hostKernel, publishKernelEvents, revokeAfterNotices } from "./nats/host-kernel.js";
import { natsTerminals } from "./nats/terminals.js";
import { createMonolith } from "../system/monolith.js";
import { createLogger } from "../system/logger.js";
import { runComponent } from "./component.js";
import { deadlineFromEnv, timings } from "../system/timing.js";
import { openImage } from "../servers/blk/image.js";
import { MICRO_COMPONENTS } from "../system/server-catalog.js";
import { listenForFaults } from "./fault.js";
import { kernelBus } from "./bus/kernel-bus.js";
import { SyscallMeter } from "../kernel-core/meter.js";
import { publishMeter } from "./nats/meter-publisher.js";

const dataDir = process.env.NATIX_DATA_DIR;
if (!dataDir) {
  console.error("natix: the monolith needs NATIX_DATA_DIR (the directory of the disk image)");
  process.exit(2);
}

await runComponent("mono", async (nc, log, kmsg) => {
  const t = timings(deadlineFromEnv());
  const image = await openImage({ dataDir });
  const bus = await kernelBus(process.env.NATS_URL!, log);
  // Large calls' bytes go through memory shared with the process when it is on this host.
  const segments = segmentDoorFromEnv();
  const published = publishKernelEvents(nc);
  const meter = new SyscallMeter();
  publishMeter(nc, "kernel", meter); // the monolith is the kernel (its servers are labelled in the meter)
  const mono = await createMonolith({
    meter,
    logger: (name) => (name === "kernel" ? log : createLogger({ name, kmsg })),
    terminals: natsTerminals(nc, t.terminalMs),
    blk: image,
    deadlineMs: t.deadlineMs,
    // A process's end reaches modules in other processes, and its credentials end with it.
    events: { processExited: (pid, status, wait) => (published.processExited(pid, status, wait), segments?.dropProcess(pid), revokeAfterNotices(nc, bus.authority, pid)), signal: published.signal },
    mint: bus.authority ? (pid, key) => bus.authority!.mintProcess(pid, key) : undefined,
  });
  kmsg.connect((line) => mono.kernel.kmsg.ingest(line));
  // The same injection as in micro mode, but every component's code is in this process.
  listenForFaults(nc, ["kernel", ...MICRO_COMPONENTS.map((c) => c.name)]);
  const host = await hostKernel({ nc, kernel: mono.kernel, log, segments, local: mono.local, modules: mono.modules, authority: bus.authority, mode: "mono" });
  return {
    async stop() {
      await host.stop();
      await mono.stop();
      await image.close();
      await bus.stop();
    },
  };
}, { keepsLog: true, controlledAs: ["kernel", ...MICRO_COMPONENTS.map((c) => c.name)] });
