/**
 * A NATS request that treats "no responders" as "not there yet": the message reached no one,
 * so sending it again is safe. Retries with backoff until the budget is spent.
 */
import type { NatsConnection } from "@nats-io/transport-node";
import { classifyRequestError, retryDelay, type RequestFailure } from "../../client-libc/transport/nats-errors.js";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export type RequestOutcome = { ok: true; data: Uint8Array } | { ok: false; why: RequestFailure };

/** `attemptMs`: also resend after a late answer (idempotent requests only). */
export async function requestWithRetry(
  nc: NatsConnection,
  subject: string,
  payload: Uint8Array,
  budgetMs: number,
  attemptMs = Infinity,
): Promise<RequestOutcome> {
  const deadline = performance.now() + budgetMs;
  for (let attempt = 0; ; attempt++) {
    const left = deadline - performance.now();
    if (left <= 0) return { ok: false, why: "timeout" };
    try {
      const m = await nc.request(subject, payload, { timeout: Math.ceil(Math.min(left, attemptMs)) });
      return { ok: true, data: m.data };
    } catch (err) {
      const why = classifyRequestError(err);
      if (why === "timeout" && attemptMs < Infinity) continue;
      if (why !== "no-responders") return { ok: false, why };
      await sleep(Math.min(retryDelay(attempt), Math.max(0, deadline - performance.now())));
    }
  }
}
