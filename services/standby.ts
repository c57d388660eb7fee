/**
 * A warm standby's side of the supervisor's protocol (`natix up --standby blk`).
 *
 * The supervisor starts a second process of a component with NATIX_STANDBY=1 and an IPC channel.
 * It loads its code and connects to NATS — the slow part of a restart — then says `ready` and
 * waits. It serves nothing and registers nothing: to the kernel and to every caller it does not
 * exist. When the active process dies (or hangs), the supervisor sends `promote`; the standby
 * starts what it hosts (the blk driver takes the image's next epoch, which fences its
 * predecessor) and says `serving`. The IPC channel is the supervisor's, not the bus's: a standby
 * is promoted by its parent and by nobody else.
 */
import type { Logger } from "pino";

export const STANDBY_ENV = "NATIX_STANDBY";

export type StandbyMessage = { type: "standby-ready" } | { type: "promote" } | { type: "serving"; pid: number };

/** Whether this process was started as a standby (and has its supervisor to promote it). */
export function startedAsStandby(): boolean {
  return process.env[STANDBY_ENV] === "1" && typeof process.send === "function";
}

/** Says `ready` and resolves when the supervisor promotes this process. */
export function awaitPromotion(name: string, log: Logger): Promise<void> {
  return new Promise((resolve) => {
    // A standby whose supervisor is gone has nobody to promote it.
    const orphaned = () => process.exit(0);
    const onMessage = (m: StandbyMessage) => {
      if (m?.type !== "promote") return;
      process.off("message", onMessage);
      process.off("disconnect", orphaned);
      log.info(`${name}: standby (pid ${process.pid}) promoted`);
      resolve();
    };
    process.on("message", onMessage);
    process.once("disconnect", orphaned);
    process.send!({ type: "standby-ready" } satisfies StandbyMessage);
  });
}

/** Tells the supervisor the promoted process serves (it then starts a new standby behind it). */
export function tellServing(): void {
  if (process.connected) process.send!({ type: "serving", pid: process.pid } satisfies StandbyMessage);
}
