/**
 * natix dmesg [--nats URL] [-w]
 * Prints the kernel log as Linux does, "[ SECONDS.MICROS] message" with seconds since boot;
 * -w keeps following it until interrupted.
 */
import { parseArgs } from "node:util";
import { connectNats } from "../../transport/nats-connect.js";
import { SUBJECTS } from "../../kernel-core/abi/subjects.js";
import { formatKmsg, type KmsgRecord } from "../../kernel-core/kmsg.js";
import { TARGET_OPTIONS, natsUrlFrom, useCreds } from "./target.js";

export const usage = "natix dmesg [--nats URL] [--creds FILE] [-w]";

export async function dmesg(argv: string[]): Promise<number> {
  const { values } = parseArgs({ args: argv, options: { ...TARGET_OPTIONS, follow: { type: "boolean", short: "w" } } });
  useCreds(values.creds);
  const nc = await connectNats(natsUrlFrom(values.nats), "natix-dmesg");
  try {
    let last = 0;
    const print = (r: KmsgRecord) => {
      if (r.seq <= last) return;
      last = r.seq;
      process.stdout.write(formatKmsg(r) + "\n");
    };
    // Following: subscribe and take a lease first (the kernel publishes new records only while
    // someone holds one), then read the ring, so no record falls between the two.
    const sub = values.follow ? nc.subscribe(SUBJECTS.kmsgFollow) : undefined;
    let renew: NodeJS.Timeout | undefined;
    if (sub) {
      const lease = Number((await nc.request(SUBJECTS.kmsgFollowLease, "", { timeout: 5000 })).string());
      renew = setInterval(() => nc.request(SUBJECTS.kmsgFollowLease, "", { timeout: 5000 }).catch(() => {}), lease / 3);
    }
    const records = (await nc.request(SUBJECTS.dmesg, "", { timeout: 5000 })).json<KmsgRecord[]>();
    records.forEach(print);
    if (sub) {
      const end = () => {
        clearInterval(renew);
        sub.unsubscribe();
      };
      process.once("SIGINT", end);
      process.once("SIGTERM", end);
      for await (const m of sub) print(m.json<KmsgRecord>());
    }
    return 0;
  } finally {
    await nc.close();
  }
}
