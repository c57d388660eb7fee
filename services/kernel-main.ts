/** The kernel-core process of micro mode. Options come from the launcher's environment. */
import { Kernel, ROUTING_MODES, type RoutingMode } from "../kernel-core/kernel.js";
import { KERNEL_RELEASE } from "../kernel-core/version.js";
import { segmentDoorFromEnv } from "../transport/segment-door.js";
import { hostKernel, publishKernelEvents, revokeAfterNotices } from "./nats/host-kernel.js";
import { runComponent } from "./component.js";
import { deadlineFromEnv, timings } from "../system/timing.js";
import { natsLinks } from "./nats/links.js";
import { processLoader } from "./module-loader.js";
import { kernelBus } from "./bus/kernel-bus.js";
import { listenForFaults } from "./fault.js";
import { SyscallMeter } from "../kernel-core/meter.js";
import { publishMeter } from "./nats/meter-publisher.js";

await runComponent("kernel", async (nc, log, kmsg) => {
  const routing: RoutingMode = ROUTING_MODES.find((m) => m === process.env.NATIX_ROUTING) ?? "direct";
  const t = timings(deadlineFromEnv());
  const links = natsLinks(nc, t.driverMs);
  const bus = await kernelBus(process.env.NATS_URL!, log);
  // Large calls' bytes go through memory shared with the process when it is on this host.
  const segments = segmentDoorFromEnv();
  const published = publishKernelEvents(nc, () => kernel.routeTable());
  const meter = new SyscallMeter();
  publishMeter(nc, "kernel", meter);
  const kernel = new Kernel({
    log,
    meter,
    deadlineMs: t.deadlineMs,
    routing,
    // A process's end reaches the servers, and its credentials end with it.
    mint: bus.authority ? (pid, key) => bus.authority!.mintProcess(pid, key) : undefined,
    events: { ...published, processExited: (pid, status, wait) => (published.processExited(pid, status, wait), segments?.dropProcess(pid), revokeAfterNotices(nc, bus.authority, pid)) },
    peer: links.peer,
  });
  kmsg.connect((line) => kernel.kmsg.ingest(line));
  const how = { direct: "direct routing", forward: "reply forwarding", mediate: "mediation" }[routing];
  log.info(`natix kernel-core ${KERNEL_RELEASE} booting: ${how}, deadline ${kernel.deadlineMs} ms`);
  const modules = processLoader({ kernel, peer: links.peer, log, env: process.env, credentials: bus.moduleCredentials });
  listenForFaults(nc, ["kernel"]);
  const host = await hostKernel({ nc, kernel, log, segments, modules, authority: bus.authority, onRegister: (reg) => modules.onRegister(reg) });
  return {
    async stop() {
      await modules.stopAll();
      await host.stop();
      await bus.stop();
    },
  };
}, { keepsLog: true });
