/**
 * Kernel-side requests to servers and drivers: budgetMs from now, resent after "no responders",
 * and (with attemptMs, idempotent requests only) resent after a late answer while every attempt
 * stays open — see client-libc/transport/resend.ts.
 */
import type { NatsConnection } from "@nats-io/transport-node";
import { requestResending, type RequestOutcome } from "../../client-libc/transport/resend.js";

export type { RequestOutcome };

export function requestWithRetry(nc: NatsConnection, subject: string, payload: Uint8Array, budgetMs: number, attemptMs = Infinity): Promise<RequestOutcome> {
  return requestResending(nc, subject, payload, performance.now() + budgetMs, attemptMs);
}
