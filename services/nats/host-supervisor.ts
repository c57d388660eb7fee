/**
 * The supervisor on NATS: a NATS micro service (natix-rs) answering what `natix ps` shows of the
 * services and what `natix kill` / `natix restart` ask for.
 *
 *   natix.rs.status  → [{name, replica, pid, state, restarts, uptimeMs, lastExit}]
 *   natix.rs.kill    {name, signal?, replica?} → {ok} | {error}
 *   natix.rs.restart {name} → {ok} | {error}
 */
import type { NatsConnection, Msg } from "@nats-io/transport-node";
import { Svcm } from "@nats-io/services";
import type { Supervisor } from "../supervisor.js";
import { RS_SUBJECTS, serviceName } from "../../kernel-core/abi/subjects.js";
import { NATIX_VERSION } from "../../kernel-core/version.js";

export { RS_SUBJECTS };

const SIGNALS = new Set(["KILL", "TERM", "INT", "HUP", "QUIT", "ABRT", "STOP", "CONT", "USR1", "USR2", "SEGV"]);

export async function hostSupervisor(nc: NatsConnection, supervisor: Supervisor): Promise<() => Promise<void>> {
  const svc = await new Svcm(nc).add({ name: serviceName("rs"), version: NATIX_VERSION, description: "natix reincarnation supervisor", metadata: { pid: String(process.pid) } });
  const json = (msg: Msg, body: unknown) => void msg.respond(JSON.stringify(body));
  const body = (msg: Msg): Record<string, unknown> => {
    try {
      return msg.json<Record<string, unknown>>() ?? {};
    } catch {
      return {};
    }
  };
  svc.addEndpoint("status", { subject: RS_SUBJECTS.status, handler: (err, msg) => err === null && json(msg, supervisor.status()) });
  svc.addEndpoint("kill", {
    subject: RS_SUBJECTS.kill,
    handler: (err, msg) => {
      if (err !== null) return;
      const b = body(msg);
      const signal = String(b.signal ?? "TERM").replace(/^SIG/, "").toUpperCase();
      if (!SIGNALS.has(signal)) return json(msg, { error: `unknown signal ${String(b.signal)}` });
      const error = supervisor.kill(String(b.name), `SIG${signal}` as NodeJS.Signals, Number(b.replica ?? 0));
      json(msg, error ? { error } : { ok: true });
    },
  });
  svc.addEndpoint("restart", {
    subject: RS_SUBJECTS.restart,
    handler: (err, msg) => {
      if (err !== null) return;
      supervisor.restart(String(body(msg).name)).then(
        () => json(msg, { ok: true }),
        (e) => json(msg, { error: (e as Error).message }),
      );
    },
  });
  return async () => {
    await svc.stop().catch(() => {});
  };
}
