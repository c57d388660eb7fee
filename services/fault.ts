/**
 * Fault injection for chaos runs: a message on natix.fault.<component> makes the process that
 * runs that component's code throw an uncaught exception — as a driver bug would. In micro
 * mode that is the component's own process; in mono mode it is the whole kernel's. It is a
 * test feature: only a system started for chaos runs (NATIX_CHAOS=1, `natix up --chaos`)
 * listens, and only administrator credentials may publish there (docs/security.md).
 */
import type { NatsConnection } from "@nats-io/transport-node";
import { SUBJECTS } from "../kernel-core/abi/subjects.js";

export const faultSubject = SUBJECTS.fault;

/** Whether this system was started for chaos runs. */
export const chaosEnabled = () => process.env.NATIX_CHAOS === "1";

export class InjectedFault extends Error {
  constructor(component: string) {
    super(`injected fault in ${component}`);
    this.name = "InjectedFault";
  }
}

/** Listens for fault injections aimed at any of `components`. */
export function listenForFaults(nc: NatsConnection, components: readonly string[]): void {
  if (!chaosEnabled()) return;
  for (const c of components) {
    nc.subscribe(faultSubject(c), {
      callback: (err) => {
        if (err !== null) return; // the subscription failed (refused): no fault was asked for
        // Thrown outside any handler, so nothing catches it: the process dies.
        setImmediate(() => {
          throw new InjectedFault(c);
        });
      },
    });
  }
}
