/**
 * A server process's two doors: what the kernel (or another component) routes to it, in an
 * envelope naming the caller, and what a process sends it directly (direct routing), where the
 * caller is the pid in the subject and the server decides as the kernel would (direct-router.ts).
 */
import type { Dispatcher } from "../../kernel-core/server-runtime.js";
import { decodeRouted } from "../../kernel-core/abi/routed.js";
import { FRAME_TYPE, decodeRequest, encodeReply, encodeResult } from "../../kernel-core/abi/frame.js";
import { ROUTED_BATCH, decodeBatch, decodeRoutedBatch, encodeBatchReply, frameType } from "../../kernel-core/abi/batch.js";
import { deliver, deliverBatch, type Delivery } from "../../kernel-core/deliver.js";
import { E } from "../../kernel-core/errno.js";

export function handleRouted(dispatcher: Dispatcher, data: Uint8Array): Uint8Array | Promise<Uint8Array> {
  if (frameType(data) === ROUTED_BATCH) {
    const batch = decodeRoutedBatch(data);
    if (typeof batch === "number") return encodeResult(batch);
    return Promise.all(batch.requests.map((r) => (typeof r === "number" ? { ret: r } : dispatcher.dispatch(batch.caller, r)))).then((replies) =>
      encodeBatchReply(replies.map(encodeReply)),
    );
  }
  const routed = decodeRouted(data);
  if (typeof routed === "number") return encodeResult(routed);
  const reply = dispatcher.dispatch(routed.caller, routed.request);
  return reply instanceof Promise ? reply.then(encodeReply) : encodeReply(reply);
}

/** A call (or a batch) process `pid` sent this server directly; a malformed frame gets its errno. */
export function handleDirect(delivery: Delivery<undefined>, pid: number, data: Uint8Array): Uint8Array | Promise<Uint8Array> {
  if (frameType(data) === FRAME_TYPE.BATCH_REQUEST) {
    const entries = decodeBatch(data);
    if (typeof entries === "number") return encodeResult(entries);
    return deliverBatch(delivery, pid, entries).then((replies) => encodeBatchReply(replies.map(encodeReply)));
  }
  const request = decodeRequest(data);
  if (typeof request === "number") return encodeResult(request);
  const reply = deliver(delivery, pid, request, undefined) ?? { ret: -E.EIO };
  return reply instanceof Promise ? reply.then(encodeReply) : encodeReply(reply);
}
