/** What deciding a syscall's way yields, and who decides it (kernel-core, or a server). */
import type { SyscallReply, SyscallRequest } from "./abi/frame.js";
import type { Caller } from "./abi/routed.js";

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
