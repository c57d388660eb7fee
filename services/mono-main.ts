/**
 * The monolithic kernel process: kernel-core, servers and drivers linked together, reached by
 * programs over NATS like the microkernel, but with no NATS hop inside.
 */
import { hostKernel } from "./nats/host-kernel.js";
import { natsTerminals } from "./nats/terminals.js";
import { createMonolith } from "./monolith.js";
import { createLogger } from "./logger.js";
import { runComponent } from "./component.js";
import { deadlineFromEnv, timings } from "./timing.js";

await runComponent("mono", async (nc, log) => {
  const t = timings(deadlineFromEnv());
  const mono = createMonolith({
    logger: (name) => (name === "kernel" ? log : createLogger({ name })),
    terminals: natsTerminals(nc, t.terminalMs),
    deadlineMs: t.deadlineMs,
    readSliceMs: t.readSliceMs,
  });
  const host = await hostKernel({ nc, kernel: mono.kernel, log, local: mono.local });
  return {
    async stop() {
      await host.stop();
      await mono.stop();
    },
  };
});
