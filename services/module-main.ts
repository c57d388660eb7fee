/**
 * A kernel module as a server process (micro mode): `module-main.js PATH`, started by the
 * kernel's loader. It runs the module's init hook, serves its syscalls and /proc entries, and
 * registers with the instance id the loader gave it; rmmod's "exit" runs the exit hook and ends it.
 * The loader named it after its file and minted its credentials for that name (NATIX_CREDS):
 * importModule refuses a module that calls itself something else before its init runs.
 */
import { createDispatcher } from "../kernel-core/server-runtime.js";
import { SyscallMeter } from "../kernel-core/meter.js";
import { publishMeter } from "./nats/meter-publisher.js";
import { moduleServer } from "../kernel-core/module-api.js";
import { SUBJECTS } from "../kernel-core/abi/subjects.js";
import { hostEndpoint, type HostedEndpoint } from "./nats/endpoint.js";
import { leaving, runComponent } from "./component.js";
import { importModule, moduleSize } from "../system/modules.js";

const path = process.argv[2];
const mod = await importModule(path ?? "");
if (typeof mod === "string") {
  console.error(`natix: ${mod}`);
  process.exit(2);
}

await runComponent(mod.name, async (nc, log) => {
  const api = { printk: (message: string) => log.info(message) };
  let hosted: HostedEndpoint | undefined;
  const server = moduleServer(mod, api, () => {
    // rmmod: the exit hook ran; leave once the answer is on its way.
    setTimeout(() => {
      leaving();
      void hosted?.stop().finally(() => nc.drain().finally(() => process.exit(0)));
    }, 50);
  });
  await mod.init?.(api);
  const meter = new SyscallMeter();
  const dispatcher = createDispatcher(server, log, meter);
  publishMeter(nc, mod.name, meter);
  hosted = await hostEndpoint({
    nc,
    log,
    name: mod.name,
    kind: "module",
    instance: process.env.NATIX_MODULE_INSTANCE,
    subject: SUBJECTS.server(mod.name),
    serves: { syscalls: dispatcher, meter },
    definitions: server.syscalls ? [...server.syscalls] : undefined,
    module: { size: moduleSize(path), proc: Object.keys(mod.proc ?? {}) },
    peer: server.peer,
  });
  return hosted;
});
