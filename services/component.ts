/**
 * The life of one natix process in micro or mono mode: connect to NATS (NATS_URL) with the
 * credentials its launcher gave it (NATIX_CREDS, a .creds file), start what it hosts, and on
 * SIGTERM/SIGINT stop cleanly (unregister, drain) and exit 0.
 */
import type { NatsConnection } from "@nats-io/transport-node";
import type { Logger } from "pino";
import { connectNats } from "../transport/nats-connect.js";
import { coalescedLines, createLogger, KmsgSink } from "../system/logger.js";
import { INBOX, SUBJECTS } from "../kernel-core/abi/subjects.js";
import { listenForControl } from "./nats/self-control.js";
import { awaitPromotion, startedAsStandby, tellServing } from "./standby.js";

export interface Hosted {
  stop(): Promise<void>;
}

let stopping = false;

/** The component is ending on its own (a module after rmmod): its connection closing is expected. */
export function leaving(): void {
  stopping = true;
}

export async function runComponent(
  name: string,
  start: (nc: NatsConnection, log: Logger, kmsg: KmsgSink) => Promise<Hosted>,
  /** keepsLog: the kernel keeps the log itself; controlledAs: the names it answers kill/restart for (default its own). */
  opts: { keepsLog?: boolean; controlledAs?: readonly string[] } = {},
): Promise<void> {
  const kmsg = new KmsgSink();
  const log = createLogger({ name, kmsg });
  const url = process.env.NATS_URL;
  if (!url) {
    log.fatal("NATS_URL is not set");
    process.exit(2);
  }
  // What `ps` shows: which component, of which system.
  process.title = `natix-${name} ${url}`;
  // Signals are taken from the first moment: a component registers with the kernel while it is
  // still starting, and one told to stop then must still unregister (killed by the signal's
  // default action, it would leave the kernel routing its calls to nobody). It stops once started.
  let stopRequested = false;
  let shutdown: (() => Promise<void>) | undefined;
  // A standby has registered nothing: told to stop before its promotion, it just ends.
  let waitingAsStandby = false;
  const onSignal = () => {
    if (waitingAsStandby) process.exit(0);
    stopRequested = true;
    void shutdown?.();
  };
  process.once("SIGTERM", onSignal);
  process.once("SIGINT", onSignal);
  let nc: NatsConnection;
  let hosted: Hosted;
  try {
    nc = await connectNats(url, `natix-${name}`, { inboxPrefix: INBOX.component(name) });
    const conn = nc;
    // Unless the component keeps the log itself (the kernel), its lines go to the kernel's ring,
    // published before anything it registers, so they reach the kernel first.
    // Lines logged after the connection closed (while stopping) have nowhere to go: dropped, not thrown.
    if (!opts.keepsLog) kmsg.connect(coalescedLines((batch) => conn.isClosed() || conn.publish(SUBJECTS.kmsg(name), batch)));
    if (startedAsStandby()) {
      waitingAsStandby = true;
      await awaitPromotion(name, log);
      waitingAsStandby = false;
    }
    hosted = await start(nc, log, kmsg);
    if (startedAsStandby()) tellServing();
    listenForControl(nc, opts.controlledAs ?? [name], log);
  } catch (err) {
    log.fatal({ err }, `${name} failed to start`);
    // Some failures say how to end (an image that does not mount: restarting will not help).
    process.exit((err as { exitStatus?: number }).exitStatus ?? 1);
  }
  shutdown = async () => {
    if (stopping) return;
    stopping = true;
    await hosted.stop().catch((err) => log.error({ err }, "stop failed"));
    await nc.drain().catch(() => {});
    process.exit(0);
  };
  if (stopRequested) void shutdown();
  void nc.closed().then((err) => {
    if (stopping) return;
    log.fatal({ err }, "NATS connection closed");
    process.exit(1);
  });
}
