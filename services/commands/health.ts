/**
 * natix health NAME — exit 0 when component NAME answers its NATS micro ping ($SRV.PING) from
 * this host, 1 when not: a container's healthcheck. Docker runs it in every container every few
 * seconds, so it loads only what the ping needs (not the server catalog, which is every server's
 * code: a quarter of what each check cost in CPU).
 */
import { hostname } from "node:os";
import { Svcm } from "@nats-io/services";
import { connectNats } from "../../transport/nats-connect.js";
import { INBOX, serviceName } from "../../kernel-core/abi/subjects.js";
import { natsUrlFrom } from "./target.js";
import { UsageError } from "./usage-error.js";

export const usage = "natix health NAME";

export async function health(argv: string[]): Promise<number> {
  const name = argv[0];
  if (!name) throw new UsageError("give the component to check");
  const nc = await connectNats(natsUrlFrom(undefined), `natix-health-${name}`, { inboxPrefix: INBOX.component(name) }).catch(() => undefined);
  if (!nc) return 1;
  try {
    const client = new Svcm(nc).client({ strategy: "timer", maxWait: 1500 });
    for await (const p of await client.ping(serviceName(name))) if (p.metadata?.host === hostname()) return 0;
    return 1;
  } catch {
    return 1;
  } finally {
    await nc.close();
  }
}
