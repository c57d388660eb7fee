/**
 * natix sh [--nats URL | --embedded [--data DIR]] [--creds FILE] [--uid N] [--gid N] [-c CMD [NAME [ARGS...]] | FILE [ARGS...]]
 * Starts natix's own shell, /bin/sh as stored in the natix filesystem, as an emulated process
 * (exec'd like any program, so its x bits and contents are the filesystem's). With no -c or FILE
 * it reads commands from the terminal, with a prompt when that is a terminal. Its exit status is
 * the shell's.
 */
import { connect } from "../../client-libc/connect.js";
import { setCurrentProcess } from "../../client-libc/current.js";
import { execve } from "../../client-libc/exec.js";
import { forwardHostSignals } from "../../client-libc/host-signals.js";
import { environOf } from "../../client-libc/spawn.js";
import { strerror } from "../../kernel-core/errno.js";
import { parseTargetArgs } from "./run.js";

export const usage = "natix sh [--nats URL | --embedded [--data DIR]] [--creds FILE] [--uid N] [--gid N] [-c CMD [NAME [ARGS...]] | FILE [ARGS...]]";

/** natix's own options (and their values) before the shell's. */
const TARGET_FLAGS: Record<string, boolean> = { "--nats": true, "--embedded": false, "--data": true, "--creds": true, "--uid": true, "--gid": true };

export async function sh(argv: string[]): Promise<number> {
  let i = 0;
  while (i < argv.length && (Object.hasOwn(TARGET_FLAGS, argv[i]) || argv[i].startsWith("--nats="))) i += Object.hasOwn(TARGET_FLAGS, argv[i]) && TARGET_FLAGS[argv[i]] ? 2 : 1;
  const target = parseTargetArgs(argv.slice(0, i));
  if (target.dataDir) process.env.NATIX_DATA_DIR = target.dataDir;
  const args = ["sh", ...argv.slice(i)];
  const proc = await connect({ ...target.connect, argv: args });
  setCurrentProcess(proc);
  proc.signals.onTerminate = (sig) => process.exit(128 + sig);
  forwardHostSignals(proc);
  const r = await execve(proc, "/bin/sh", args, environOf(proc), { ownsHostProcess: true });
  // Only a failed exec comes back (an image made before /bin was installed, say).
  process.stderr.write(`natix sh: /bin/sh: ${strerror(-r)}${r === -2 ? " (copy one in: natix cp programs/bin/sh.mjs natix:/bin/sh)" : ""}\n`);
  await proc._exit(127);
  return 127;
}
