/**
 * The filesystem's link to the blk driver over NATS. Block requests are idempotent, so one that
 * got no answer — the driver was killed, or is restarting — is sent again as soon as a driver
 * registers with the kernel (the restarted one), and every 500 ms in any case (earlier attempts
 * stay open: whichever answer comes first is taken) until the caller's budget is spent.
 * One connection's messages reach the driver in order, so a resend never overtakes a later write.
 */
import type { NatsConnection } from "@nats-io/transport-node";
import type { BlkLink } from "../../servers/blk/protocol.js";
import { SUBJECTS } from "../../kernel-core/abi/subjects.js";
import { requestWithRetry, type ServerReturns } from "../../transport/resend.js";

const ATTEMPT_MS = 500;

/** `returns`: announced when a blk driver registers with the kernel (the restarted one). */
export function natsBlkLink(nc: NatsConnection, defaultBudgetMs: number, returns?: ServerReturns): BlkLink {
  const subject = SUBJECTS.driver("blk");
  return async (message, budgetMs = defaultBudgetMs) => {
    const r = await requestWithRetry(nc, subject, message, budgetMs, ATTEMPT_MS, returns);
    if (r.ok) return r.data;
    throw new Error(r.why === "timeout" ? "blk driver did not answer within the budget" : `blk driver request failed: ${r.why}`);
  };
}
