/**
 * natix insmod PATH|NAME [--nats URL] [--creds FILE]   loads a kernel module into the running system
 * natix rmmod NAME [--nats URL] [--creds FILE]         unloads it
 * natix lsmod [--nats URL] [--creds FILE]              lists loaded modules, read from /proc/modules
 * A bare NAME is a module shipped with natix (hwkm, strrev).
 */
import { parseArgs } from "node:util";
import { connectNats } from "../../transport/nats-connect.js";
import { connect } from "../../client-libc/connect.js";
import { SUBJECTS } from "../../kernel-core/abi/subjects.js";
import { O } from "../../kernel-core/abi/fcntl.js";
import { resolveModule } from "../../system/modules.js";
import { TARGET_OPTIONS, natsUrlFrom, useCreds } from "./target.js";
import { UsageError } from "./usage-error.js";

export const usages = {
  insmod: "natix insmod PATH|NAME [--nats URL] [--creds FILE]",
  rmmod: "natix rmmod NAME [--nats URL] [--creds FILE]",
  lsmod: "natix lsmod [--nats URL] [--creds FILE]",
};

async function control(url: string, subject: string, body: object): Promise<number> {
  const nc = await connectNats(url, "natix-modules");
  try {
    const reply = (await nc.request(subject, JSON.stringify(body), { timeout: 30_000 })).json<{ error?: string }>();
    if (reply.error) {
      process.stderr.write(`${reply.error}\n`);
      return 1;
    }
    return 0;
  } finally {
    await nc.close();
  }
}

export async function insmod(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({ args: argv, options: TARGET_OPTIONS, allowPositionals: true });
  useCreds(values.creds);
  if (positionals.length !== 1) throw new UsageError("give one module (a path, or the name of a module shipped with natix)");
  return control(natsUrlFrom(values.nats), SUBJECTS.insmod, { path: resolveModule(positionals[0]) });
}

export async function rmmod(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({ args: argv, options: TARGET_OPTIONS, allowPositionals: true });
  useCreds(values.creds);
  if (positionals.length !== 1) throw new UsageError("give one module name");
  return control(natsUrlFrom(values.nats), SUBJECTS.rmmod, { name: positionals[0].replace(/\.[cm]?[jt]s$/, "").split("/").pop() });
}

export async function lsmod(argv: string[]): Promise<number> {
  const { values } = parseArgs({ args: argv, options: TARGET_OPTIONS });
  useCreds(values.creds);
  const p = await connect({ nats: natsUrlFrom(values.nats), argv: ["lsmod"] });
  try {
    const fd = await p.open("/proc/modules", O.RDONLY);
    if (fd < 0) throw new Error(`lsmod: /proc/modules: errno ${p.errno}`);
    const buf = new Uint8Array(64 * 1024);
    const n = await p.read(fd, buf, buf.length);
    const lines = [`${"Module".padEnd(19)} ${"Size".padStart(8)}  Used by`];
    for (const row of Buffer.from(buf.subarray(0, Math.max(0, n))).toString().split("\n").filter(Boolean)) {
      const [name, size, used] = row.split(" ");
      lines.push(`${name.padEnd(19)} ${size.padStart(8)}  ${used}`);
    }
    process.stdout.write(lines.join("\n") + "\n");
    return 0;
  } finally {
    await p.exit(0);
  }
}
