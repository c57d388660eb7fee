/** Classifies a failed NATS request the way natix acts on it. */
import { errors } from "@nats-io/transport-node";

export type RequestFailure = "no-responders" | "timeout" | "closed" | "other";

export function classifyRequestError(err: unknown): RequestFailure {
  if (err instanceof errors.TimeoutError) return "timeout";
  if (err instanceof errors.RequestError) {
    if (err.isNoResponders()) return "no-responders";
    if (err.cause instanceof errors.TimeoutError) return "timeout";
  }
  if (err instanceof errors.NoRespondersError) return "no-responders";
  if (err instanceof errors.ClosedConnectionError || err instanceof errors.DrainingConnectionError) return "closed";
  return "other";
}

/** Backoff between retries of a call that reached no server: 5 ms doubling to 200 ms. */
export function retryDelay(attempt: number): number {
  return Math.min(200, 5 * 2 ** attempt);
}
