/** How a server process reaches the other servers over NATS: routed syscalls and peer questions. */
import type { NatsConnection } from "@nats-io/transport-node";
import type { ServerLinks } from "../../kernel-core/server-runtime.js";
import { decodeReply, encodeRequest } from "../../kernel-core/abi/frame.js";
import { encodeRouted } from "../../kernel-core/abi/routed.js";
import { SUBJECTS } from "../../kernel-core/abi/subjects.js";
import { E } from "../../kernel-core/errno.js";
import { requestWithRetry } from "../../transport/resend.js";

export function natsLinks(nc: NatsConnection, budgetMs: number): ServerLinks {
  return {
    async call(server, caller, request) {
      const r = await requestWithRetry(nc, SUBJECTS.server(server), encodeRouted(caller, encodeRequest(request)), budgetMs);
      if (!r.ok) return { ret: -E.EIO };
      const reply = decodeReply(r.data);
      return typeof reply === "number" ? { ret: -E.EIO } : reply;
    },
    async peer(server, op, args) {
      const r = await requestWithRetry(nc, SUBJECTS.peer(server), new TextEncoder().encode(JSON.stringify({ op, args })), budgetMs);
      if (!r.ok) throw new Error(`${server} did not answer ${op} (${r.why})`);
      const answer = JSON.parse(new TextDecoder().decode(r.data)) as { result?: unknown; error?: string };
      if (answer.error) throw new Error(answer.error);
      return answer.result;
    },
  };
}

/** Serves peer questions for one component: {op, args} → {result} | {error}. */
export async function answerPeer(handlers: Readonly<Record<string, (args: Record<string, unknown>) => unknown>>, data: Uint8Array): Promise<Uint8Array> {
  let body: { result?: unknown; error?: string };
  try {
    const { op, args } = JSON.parse(new TextDecoder().decode(data)) as { op: string; args?: Record<string, unknown> };
    const handler = handlers[op];
    body = handler ? { result: await handler(args ?? {}) } : { error: `no peer operation ${op}` };
  } catch (err) {
    body = { error: (err as Error).message };
  }
  return new TextEncoder().encode(JSON.stringify(body ?? null));
}
