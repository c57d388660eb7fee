/** A NATS header set of one name and value: how natix's transport marks its messages (pieces, segments, refusals). */
import { headers, type MsgHdrs } from "@nats-io/transport-node";

export function oneHeader(name: string, value: string): MsgHdrs {
  const h = headers();
  h.set(name, value);
  return h;
}
