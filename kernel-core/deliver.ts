/**
 * The one way a syscall reaches its handler, whatever received it: kernel-core's NATS edge
 * (micro and mono, forwarded or mediated), the monolith's direct calls (embedded), or a server
 * answering a call a process sent it directly. A Router decides; the call then runs in a
 * server linked into this process, or is handed to the transport for a server elsewhere. A
 * traced call's reply always comes back this way, so its strace line is written here.
 */
import type { SyscallReply, SyscallRequest } from "./abi/frame.js";
import type { Caller } from "./abi/routed.js";
import { linkedEntry } from "./abi/batch.js";
import type { Dispatcher } from "./server-runtime.js";
import { E } from "./errno.js";

/** How calls for servers in other processes leave (supplied by the transport's edge). */
export interface RemoteServers<Via> {
  /**
   * One call. `via` is what the edge received it with (its message). Undefined: the server
   * answers the caller itself (reply forwarding) and there is nothing to answer here.
   */
  one(server: string, caller: Caller, request: SyscallRequest, via: Via, traced: boolean): Promise<SyscallReply> | undefined;
  /** Several calls for one server, in one message; their replies in order. */
  many(server: string, caller: Caller, requests: SyscallRequest[]): Promise<SyscallReply[]>;
}

export interface Delivery<Via> {
  readonly router: Router;
  /** Servers linked into this process, called directly. */
  readonly linked: ReadonlyMap<string, Dispatcher>;
  readonly remote?: RemoteServers<Via>;
}

/** What the edge must do with a syscall. */
export type Route =
  | { readonly kind: "reply"; readonly reply: SyscallReply | Promise<SyscallReply> }
  | {
      readonly kind: "server";
      readonly server: string;
      readonly caller: Caller;
      /**
       * The caller is traced: the edge must see the reply (mediate) and hand it to traced()
       * with this copy of the request (the frame's buffers may be reused by then).
       */
      readonly traced?: SyscallRequest;
    };

/**
 * Decides where a call goes: kernel-core for what reaches it, or a server checking a call sent
 * to it directly. A route that needs to ask someone first (a server that has not seen the
 * caller yet) comes as a promise.
 */
export interface Router {
  route(pid: number, request: SyscallRequest): Route | Promise<Route>;
  /** A traced call completed (only for routes that carried `traced`). */
  traced(pid: number, request: SyscallRequest, reply: SyscallReply | undefined): void;
}

export const replyRoute = (ret: number): Route => ({ kind: "reply", reply: { ret } });

type Reply = SyscallReply | Promise<SyscallReply>;

function afterTrace(d: Delivery<unknown>, pid: number, route: Route, reply: Reply): Reply {
  const snapshot = route.kind === "server" ? route.traced : undefined;
  if (snapshot === undefined) return reply;
  return Promise.resolve(reply).then((r) => (d.router.traced(pid, snapshot, r), r));
}

function run<Via>(d: Delivery<Via>, pid: number, route: Route, request: SyscallRequest, via: Via): Reply | undefined {
  if (route.kind === "reply") return route.reply;
  const linked = d.linked.get(route.server);
  if (linked !== undefined) return afterTrace(d, pid, route, linked.dispatch(route.caller, request));
  const sent = d.remote?.one(route.server, route.caller, request, via, route.traced !== undefined);
  if (sent === undefined) return d.remote ? undefined : { ret: -E.ENOSYS };
  return afterTrace(d, pid, route, sent);
}

/** One call from `pid`: its reply, or undefined when the server answers the caller itself. */
export function deliver<Via>(d: Delivery<Via>, pid: number, request: SyscallRequest, via: Via): Reply | undefined {
  const route = d.router.route(pid, request);
  // Only a server's router asks before it decides, and a server forwards nothing: a route that
  // came late always ends in a reply here.
  if (route instanceof Promise) return route.then((r) => run(d, pid, r, request, via) ?? { ret: -E.EIO });
  return run(d, pid, route, request, via);
}

/**
 * A batch from `pid`: each call routed on its own; the calls for one remote server go to it
 * together in one message, the others run here; the replies come back in order. A malformed
 * entry (a number) is its own errno.
 */
export async function deliverBatch<Via>(d: Delivery<Via>, pid: number, requests: readonly (SyscallRequest | number)[], linked = false): Promise<SyscallReply[]> {
  if (linked) return deliverChain(d, pid, requests);
  const replies: Reply[] = new Array(requests.length);
  const remote = new Map<string, { caller: Caller; indices: number[]; requests: SyscallRequest[] }>();
  const decided = requests.map((req) => (typeof req === "number" ? undefined : d.router.route(pid, req)));
  // Routes are decided at once, except where a router had to ask first (then all are awaited).
  const routes = decided.some((r) => r instanceof Promise) ? await Promise.all(decided) : (decided as (Route | undefined)[]);
  requests.forEach((req, i) => {
    const route = routes[i];
    if (typeof req === "number" || route === undefined) return void (replies[i] = { ret: typeof req === "number" ? req : -E.EIO });
    if (route.kind === "reply" || d.linked.has(route.server) || d.remote === undefined) return void (replies[i] = run(d, pid, route, req, undefined as Via) ?? { ret: -E.EIO });
    if (route.traced) return void (replies[i] = afterTrace(d, pid, route, d.remote.many(route.server, route.caller, [req]).then((r) => r[0])));
    const group = remote.get(route.server) ?? { caller: route.caller, indices: [], requests: [] };
    group.indices.push(i);
    group.requests.push(req);
    remote.set(route.server, group);
  });
  if (remote.size > 0) await Promise.all(
    [...remote].map(async ([server, g]) => {
      const got = await d.remote!.many(server, g.caller, g.requests);
      g.indices.forEach((index, k) => (replies[index] = got[k] ?? { ret: -E.EIO }));
    }),
  );
  return replies.some((r) => r instanceof Promise) ? Promise.all(replies) : (replies as SyscallReply[]);
}

/**
 * A chain (BATCH_LINK, kernel-core/abi/batch.ts): one entry at a time, each delivered as a batch
 * of one (routed, traced and sent as any entry is), with the earlier results it refers to filled
 * in; after the first failure the rest are −ECANCELED and never run. A direct server runs a
 * whole chain in one turn of the bus; the kernel sends a remote server one entry at a time.
 */
async function deliverChain<Via>(d: Delivery<Via>, pid: number, requests: readonly (SyscallRequest | number)[]): Promise<SyscallReply[]> {
  const replies: SyscallReply[] = [];
  const results: number[] = [];
  for (const [i, req] of requests.entries()) {
    const [reply] = await deliverBatch(d, pid, [typeof req === "number" ? req : linkedEntry(req, i, results)]);
    replies.push(reply);
    results.push(reply.ret);
    if (reply.ret < 0) break;
  }
  while (replies.length < requests.length) replies.push({ ret: -E.ECANCELED });
  return replies;
}
