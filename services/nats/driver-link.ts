/** A server's link to a driver process over NATS (natix.drv.<name>). */
import type { NatsConnection } from "@nats-io/transport-node";
import type { DriverLink } from "../../servers/tty/link.js";
import { SUBJECTS } from "../../kernel-core/abi/subjects.js";
import { requestWithRetry } from "../../transport/resend.js";

/** Retries while the driver is away (no responders) for up to `budgetMs`, then throws. */
export function natsDriverLink(nc: NatsConnection, name: string, budgetMs: number): DriverLink {
  const subject = SUBJECTS.driver(name);
  return async (message) => {
    const r = await requestWithRetry(nc, subject, message, budgetMs);
    if (!r.ok) throw new Error(`driver ${name}: ${r.why}`);
    return r.data;
  };
}
