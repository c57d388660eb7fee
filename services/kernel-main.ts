/** The kernel-core process of micro mode. Options come from the launcher's environment. */
import { Kernel, KERNEL_RELEASE, type RoutingMode } from "../kernel-core/kernel.js";
import { hostKernel, publishKernelEvents } from "./nats/host-kernel.js";
import { runComponent } from "./component.js";
import { deadlineFromEnv, timings } from "./timing.js";
import { natsLinks } from "./nats/links.js";
import { processLoader } from "./module-loader.js";

await runComponent("kernel", async (nc, log, kmsg) => {
  const routing: RoutingMode = process.env.NATIX_ROUTING === "mediate" ? "mediate" : "forward";
  const t = timings(deadlineFromEnv());
  const links = natsLinks(nc, t.driverMs);
  const kernel = new Kernel({ log, deadlineMs: t.deadlineMs, routing, events: publishKernelEvents(nc), peer: links.peer });
  kmsg.connect((line) => kernel.kmsg.ingest(line));
  log.info(`natix kernel-core ${KERNEL_RELEASE} booting: reply ${routing === "forward" ? "forwarding" : "mediation"}, deadline ${kernel.deadlineMs} ms`);
  const modules = processLoader({ kernel, peer: links.peer, log, env: process.env });
  const host = await hostKernel({ nc, kernel, log, modules, onRegister: (reg) => modules.onRegister(reg) });
  return {
    async stop() {
      await modules.stopAll();
      await host.stop();
    },
  };
}, { keepsLog: true });
