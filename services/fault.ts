/**
 * Fault injection for chaos runs: a message on natix.fault.<component> makes the process that
 * runs that component's code throw an uncaught exception — as a driver bug would. In micro
 * mode that is the component's own process; in mono mode it is the whole kernel's.
 */
import type { NatsConnection } from "@nats-io/transport-node";

export const faultSubject = (component: string) => `natix.fault.${component}`;

export class InjectedFault extends Error {
  constructor(component: string) {
    super(`injected fault in ${component}`);
    this.name = "InjectedFault";
  }
}

/** Listens for fault injections aimed at any of `components`. */
export function listenForFaults(nc: NatsConnection, components: readonly string[]): void {
  for (const c of components) {
    nc.subscribe(faultSubject(c), {
      callback: () => {
        // Thrown outside any handler, so nothing catches it: the process dies.
        setImmediate(() => {
          throw new InjectedFault(c);
        });
      },
    });
  }
}
