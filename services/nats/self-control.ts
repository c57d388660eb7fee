/**
 * A component's own kill switch (natix.ctl.<name>): the administrator asks, the component sends
 * itself the signal. This is how `natix kill` and the gateway's kill and restart buttons act
 * where no supervisor runs the components (docker compose: Docker restarts a container whose
 * process ended). SIGTERM stops it cleanly; SIGKILL is the crash a chaos demo wants.
 */
import type { NatsConnection } from "@nats-io/transport-node";
import type { Logger } from "pino";
import { SUBJECTS } from "../../kernel-core/abi/subjects.js";
import { replyGuard } from "./reply-guard.js";

export const CONTROL_SIGNALS = ["KILL", "TERM", "INT", "HUP", "QUIT", "ABRT", "SEGV", "USR1", "USR2"] as const;

export function listenForControl(nc: NatsConnection, names: readonly string[], log: Logger): void {
  const guard = replyGuard(log);
  for (const name of names) {
    nc.subscribe(SUBJECTS.control(name), {
      callback: (err, msg) => {
        if (err !== null || !msg.reply || !guard.fromAdmin(msg.reply, msg.subject)) return;
        let signal = "";
        try {
          signal = String((msg.json<{ signal?: unknown }>().signal ?? "TERM")).replace(/^SIG/, "").toUpperCase();
        } catch {
          // answered below
        }
        if (!CONTROL_SIGNALS.includes(signal as never)) return void msg.respond(JSON.stringify({ error: `unknown signal ${signal || "(none)"}` }));
        log.warn(`${name}: SIG${signal} asked for by the administrator (pid ${process.pid})`);
        msg.respond(JSON.stringify({ ok: true, pid: process.pid }));
        // Once the answer (and the log line) are on their way.
        void nc.flush().finally(() => setTimeout(() => process.kill(process.pid, `SIG${signal}` as NodeJS.Signals), 20));
      },
    });
  }
}
