/** A server process's handling of what the kernel routes to it: one call, or a batch of them. */
import type { Dispatcher } from "../../kernel-core/server-runtime.js";
import { decodeRouted } from "../../kernel-core/abi/routed.js";
import { encodeReply, encodeResult } from "../../kernel-core/abi/frame.js";
import { ROUTED_BATCH, decodeRoutedBatch, encodeBatchReply, frameType } from "../../kernel-core/abi/batch.js";

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
