/**
 * A server's half of direct routing: a process sends its call straight to the owning server
 * (natix.srv.<server>.<pid>), and the server decides as kernel-core would have — the caller is
 * the pid in the subject, its credentials are the kernel's (KnownProcesses), the frame is
 * checked by the same table code (admit). A process the kernel does not know gets ESRCH; a
 * traced one is sent back through the kernel, which writes its strace lines.
 */
import type { SyscallRequest } from "./abi/frame.js";
import type { Dispatcher } from "./server-runtime.js";
import type { SyscallDef } from "./syscalls/types.js";
import type { SyscallMeter } from "./meter.js";
import type { KnownProcesses, ProcessRecord } from "./known-processes.js";
import { replyRoute, type Route, type Router } from "./route.js";
import { admit, targetOf } from "./admit.js";
import { E } from "./errno.js";

export function directRouter(dispatcher: Dispatcher, known: KnownProcesses, meter?: SyscallMeter): Router {
  const defs = new Map<number, SyscallDef>(dispatcher.definitions.map((d) => [d.nr, d]));
  const refuse = (def: SyscallDef | undefined, ret: number): Route => {
    meter?.record(dispatcher.name, def?.name ?? "unknown", ret, 0);
    return replyRoute(ret);
  };
  const lookup = (pid: number) => known.get(pid);

  const decide = (self: ProcessRecord, request: SyscallRequest): Route | Promise<Route> => {
    if (self.traced) return replyRoute(-E.EVIAKERNEL);
    const def = defs.get(request.nr);
    if (def === undefined) return refuse(undefined, -E.ENOSYS);
    const target = targetOf(def, request);
    // A target this server has not heard of is asked about first (it may be older than the server).
    if (target !== undefined && target > 0 && known.get(target) === undefined) return known.fetch(target).then(() => checked(self, def, request));
    return checked(self, def, request);
  };
  const checked = (self: ProcessRecord, def: SyscallDef, request: SyscallRequest): Route => {
    const bad = admit(def, request, self, lookup);
    return bad < 0 ? refuse(def, bad) : { kind: "server", server: dispatcher.name, caller: self.caller };
  };

  return {
    route(pid, request) {
      const self = known.get(pid);
      if (self !== undefined) return decide(self, request);
      return known.fetch(pid).then((r) => (r === undefined ? refuse(defs.get(request.nr), -E.ESRCH) : decide(r, request)));
    },
    traced() {
      // Never: a traced process's calls are refused here (EVIAKERNEL) and go through the kernel.
    },
  };
}
