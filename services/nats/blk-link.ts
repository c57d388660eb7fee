/**
 * The filesystem's link to the blk driver over NATS. Block requests are idempotent, so one that
 * got no answer — the driver was killed, or is restarting — is sent again as soon as a driver
 * registers with the kernel (the restarted one), and every 500 ms in any case (earlier attempts
 * stay open: whichever answer comes first is taken) until the caller's budget is spent.
 * One connection's messages reach the driver in order, so a resend never overtakes a later write.
 */
import type { NatsConnection } from "@nats-io/transport-node";
import { replyBytesOf, type BlkLink } from "../../servers/blk/protocol.js";
import { SegmentLink, segmentBytesFromEnv, type SegmentAttempt } from "../../transport/segment-client.js";
import { SUBJECTS } from "../../kernel-core/abi/subjects.js";
import { requestWithRetry, type ServerReturns } from "../../transport/resend.js";

const ATTEMPT_MS = 500;
/** The segment shared with the driver: its messages are at most 512 KiB, up to 4 per call in flight, a few calls at once. */
const BLK_SEGMENT_BYTES = 64 * 1024 * 1024;

/** `returns`: announced when a blk driver registers with the kernel (the restarted one). */
export function natsBlkLink(nc: NatsConnection, defaultBudgetMs: number, returns?: ServerReturns, segmentBytes = segmentBytesFromEnv(BLK_SEGMENT_BYTES)): BlkLink {
  const subject = SUBJECTS.driver("blk");
  // Blocks through memory shared with the driver when it runs on this host (transport/segment-client.ts).
  const segment = segmentBytes > 0 ? new SegmentLink(nc, subject, segmentBytes) : undefined;
  return async (message, budgetMs = defaultBudgetMs) => {
    const sendVia = (attempt?: SegmentAttempt) => requestWithRetry(nc, subject, message, budgetMs, ATTEMPT_MS, returns, attempt);
    const r = await (segment === undefined ? sendVia() : segment.request({ frame: message, replyBytes: replyBytesOf(message) }, budgetMs, sendVia));
    if (r.ok) return r.data;
    throw new Error(r.why === "timeout" ? "blk driver did not answer within the budget" : `blk driver request failed: ${r.why}`);
  };
}
