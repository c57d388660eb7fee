/** The kernel-core process of micro mode. Options come from the launcher's environment. */
import { Kernel, KERNEL_RELEASE, type RoutingMode } from "../kernel-core/kernel.js";
import { hostKernel, publishKernelEvents } from "./nats/host-kernel.js";
import { runComponent } from "./component.js";
import { deadlineFromEnv, timings } from "./timing.js";
import { natsLinks } from "./nats/links.js";

await runComponent("kernel", async (nc, log, kmsg) => {
  const routing: RoutingMode = process.env.NATIX_ROUTING === "mediate" ? "mediate" : "forward";
  const t = timings(deadlineFromEnv());
  const kernel = new Kernel({ log, deadlineMs: t.deadlineMs, routing, events: publishKernelEvents(nc), peer: natsLinks(nc, t.driverMs).peer });
  kmsg.connect((line) => kernel.kmsg.ingest(line));
  log.info(`natix kernel-core ${KERNEL_RELEASE} booting: reply ${routing === "forward" ? "forwarding" : "mediation"}, deadline ${kernel.deadlineMs} ms`);
  return hostKernel({ nc, kernel, log });
});
