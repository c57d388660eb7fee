/**
 * A NATS request that survives a server being restarted under it.
 *
 * "No responders" means the message reached nobody (the server is not subscribed yet), so it is
 * sent again with backoff. With `sliceMs`, an answer that is late — the server that had the
 * request may have been killed with it — makes it send the request again each slice, but every
 * attempt stays open until the deadline: the first answer to any of them wins, so a slow answer
 * to the first attempt (a server waiting out its own driver budget) is never thrown away for a
 * resend. Only requests that may safely run twice should be given a slice. An unbounded
 * deadline (Infinity) waits for as long as it takes; its attempts then stay open ten slices each.
 *
 * A payload or reply over one NATS message travels as pieces (pieces.ts); an attempt that
 * fails before its last piece was answered had no effect either, and is sent again whole.
 *
 * libc gives it the deadline the kernel set for the call (requestResending); the kernel, the
 * servers and the drivers' links give it a budget from now (requestWithRetry).
 */
import type { NatsConnection } from "@nats-io/transport-node";
import { classifyRequestError, retryDelay, type RequestFailure } from "./nats-errors.js";
import { exchange } from "./pieces.js";
import { timerMs } from "./timer.js";


/**
 * A server's returns, announced: every request waiting on it that may be sent again (given a
 * slice) is sent again at once, rather than at its next slice — recovery waits on the new
 * server's start, not on a timer. The timed resend stays as the fallback.
 */
export class ServerReturns {
  private readonly waiting = new Set<() => void>();

  wait(resend: () => void): () => void {
    this.waiting.add(resend);
    return () => this.waiting.delete(resend);
  }

  announce(): void {
    for (const resend of [...this.waiting]) resend();
  }
}

export type RequestOutcome = { ok: true; data: Uint8Array } | { ok: false; why: RequestFailure };

/**
 * `fallback`: where to send once `subject` has reached no one — a direct call whose server is
 * gone (unloaded, restarting) goes to the kernel, which knows whether it is ENOSYS now or
 * forwards it when the server is back.
 */
export function requestResending(
  nc: NatsConnection,
  subject: string,
  payload: Uint8Array,
  deadlineAt: number,
  sliceMs = Infinity,
  fallback?: string,
  returns?: ServerReturns,
  /** How one attempt goes (default: the payload in messages, as pieces if large): a shared segment's exchange. */
  via?: (subject: string, timeoutMs: number) => Promise<Uint8Array>,
): Promise<RequestOutcome> {
  const attempt = via ?? ((to: string, timeoutMs: number) => exchange(nc, to, payload, timeoutMs));
  return new Promise((resolve) => {
    let settled = false;
    let open = 0;
    let backoffs = 0;
    let next: NodeJS.Timeout | undefined;
    /** It reached no one last time: sending it again cannot run it twice. */
    let unheard = false;
    const left = () => deadlineAt - performance.now();
    // When the server returns: at once, in the order the requests were made. Only a request
    // that may be sent again waits for that — one with a slice from the start, any other once it
    // reached no one — so an ordinary call does not join the list at all.
    let unwait: (() => void) | undefined;
    const awaitReturn = () => {
      unwait ??= returns?.wait(() => {
        if (!(sliceMs < Infinity || unheard)) return;
        clearTimeout(next);
        send();
      });
    };
    if (sliceMs < Infinity) awaitReturn();
    const finish = (outcome: RequestOutcome) => {
      if (settled) return;
      settled = true;
      clearTimeout(next);
      clearTimeout(end);
      unwait?.();
      resolve(outcome);
    };
    const end = Number.isFinite(deadlineAt) ? setTimeout(() => finish({ ok: false, why: "timeout" }), timerMs(left())) : undefined;
    const sendAfter = (ms: number) => {
      clearTimeout(next);
      next = setTimeout(send, timerMs(Math.min(ms, left())));
    };
    function send(): void {
      if (settled) return;
      if (left() <= 0) return finish({ ok: false, why: "timeout" });
      unheard = false;
      open++;
      // A payload over one message goes as pieces, each attempt under a new transfer id.
      attempt(subject, Math.ceil(timerMs(Math.min(left(), sliceMs * 10)))).then(
        (data) => finish({ ok: true, data }),
        (err) => {
          open--;
          const why = classifyRequestError(err);
          if (why === "no-responders" && fallback !== undefined && subject !== fallback) {
            subject = fallback;
            return send();
          }
          if (why === "no-responders") {
            unheard = true;
            awaitReturn();
            return sendAfter(retryDelay(backoffs++));
          }
          // A timeout is the deadline (the end timer answers) or an old attempt given up on;
          // anything else ends the call unless another attempt may still be answered.
          if (why === "timeout" && !Number.isFinite(deadlineAt) && open === 0 && sliceMs === Infinity) return send();
          if (why !== "timeout" && open === 0) finish({ ok: false, why });
        },
      );
      if (sliceMs < Infinity) sendAfter(sliceMs);
    }
    send();
  });
}

/** requestResending with a budget of `budgetMs` from now, resending each `attemptMs` (idempotent requests only). */
export function requestWithRetry(
  nc: NatsConnection,
  subject: string,
  payload: Uint8Array,
  budgetMs: number,
  attemptMs = Infinity,
  returns?: ServerReturns,
  via?: (subject: string, timeoutMs: number) => Promise<Uint8Array>,
): Promise<RequestOutcome> {
  return requestResending(nc, subject, payload, performance.now() + budgetMs, attemptMs, undefined, returns, via);
}
