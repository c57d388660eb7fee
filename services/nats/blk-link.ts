/**
 * The filesystem's link to the blk driver over NATS. Block requests are idempotent, so a
 * request that got no answer — the driver was killed, or is restarting — is simply sent again
 * (each attempt waits at most 500 ms) until the caller's budget is spent.
 */
import type { NatsConnection } from "@nats-io/transport-node";
import type { BlkLink } from "../../servers/blk/protocol.js";
import { SUBJECTS } from "../../kernel-core/abi/subjects.js";
import { classifyRequestError, retryDelay } from "../../client-libc/transport/nats-errors.js";

const ATTEMPT_MS = 500;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export function natsBlkLink(nc: NatsConnection, defaultBudgetMs: number): BlkLink {
  const subject = SUBJECTS.driver("blk");
  return async (message, budgetMs = defaultBudgetMs) => {
    const until = performance.now() + budgetMs;
    for (let attempt = 0; ; attempt++) {
      const left = until - performance.now();
      if (left <= 0) throw new Error("blk driver did not answer within the budget");
      try {
        return (await nc.request(subject, message, { timeout: Math.ceil(Math.min(left, ATTEMPT_MS)) })).data;
      } catch (err) {
        const why = classifyRequestError(err);
        if (why === "closed" || why === "other") throw err;
        if (why === "no-responders") await sleep(Math.min(retryDelay(attempt), Math.max(0, until - performance.now())));
      }
    }
  };
}
