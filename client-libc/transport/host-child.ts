/**
 * Starting a child's program in an OS process of its own (micro and mono: one OS process per
 * emulated process). What it needs — its process, its credentials, its program — goes through
 * a pipe on descriptor 3, not argv or the environment, where other users of the host could read
 * the seed. It shares this process's terminal streams, as a child shares its parent's terminal.
 */
import { spawn } from "node:child_process";
import type { Writable } from "node:stream";
import type { ChildLaunch } from "./port.js";

const EXEC_MAIN = new URL("../../system/exec-main.js", import.meta.url);

/** The handoff read by system/exec-main.ts. */
export interface HostChildHandoff extends ChildLaunch {
  url: string;
}

export function launchHostProcess(url: string, child: ChildLaunch): Promise<void> {
  return new Promise((resolve, reject) => {
    const proc = spawn(process.execPath, [EXEC_MAIN.pathname, String(child.info.pid)], { stdio: ["inherit", "inherit", "inherit", "pipe"] });
    proc.once("error", reject);
    const pipe = proc.stdio[3] as Writable;
    const handoff: HostChildHandoff = { url, ...child };
    pipe.end(JSON.stringify(handoff), () => {
      // The parent may exit before its child, as on Unix: nothing here keeps it alive.
      proc.unref();
      (pipe as unknown as { unref?: () => void }).unref?.();
      resolve();
    });
  });
}
