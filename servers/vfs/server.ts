/**
 * The vfs server: every process's descriptors, working directory and umask, and the
 * filesystem (natixfs over the blk driver) behind them, plus the console, /dev devices and pipes.
 * Its handlers are the file syscalls of the table; a process's files are released when the
 * kernel says it exited.
 */
import type { Logger } from "pino";
import type { ServerDefinition } from "../../kernel-core/server-runtime.js";
import type { TtyDevice } from "../tty/driver.js";
import type { BlockDevice } from "../blk/device.js";
import { FileSystem } from "../fs/filesystem.js";
import { deviceTable } from "./devices.js";
import { ProcfsClient } from "./procfs.js";
import type { PeerCall } from "../../kernel-core/server-runtime.js";
import { VfsState } from "./state.js";
import { fdCalls } from "./fd-calls.js";
import { pathCalls } from "./path-calls.js";
import { pipeCalls } from "./pipe-calls.js";
import { procPeer } from "./proc-calls.js";

export interface VfsDeps {
  log: Logger;
  tty: TtyDevice;
  blk: BlockDevice;
  /** How long a filesystem call may wait for the disk before failing with EIO. */
  diskBudgetMs: number;
  /** How long a blocked pipe read or write waits before libc issues it again (the console's slice). */
  readSliceMs: number;
  /** Peer questions to kernel-core (procfs). */
  peer: PeerCall;
}

export async function createVfsServer(deps: VfsDeps): Promise<ServerDefinition> {
  const fs = await FileSystem.mount(deps.blk, { log: deps.log, budgetMs: deps.diskBudgetMs });
  const raise = async (pid: number, sig: number) => {
    await deps.peer("pm", "pm.raise", { pid, sig }).catch((err: unknown) => deps.log.warn({ err, pid, sig }, "could not send a signal"));
  };
  const vfs = new VfsState(fs, deps.tty, deviceTable(deps.tty), new ProcfsClient(deps.peer), deps.log, deps.readSliceMs, raise);
  const handlers = { ...fdCalls(vfs), ...pathCalls(vfs), ...pipeCalls(vfs) };
  return {
    name: "vfs",
    handlers,
    processExited: (pid) => vfs.exit(pid),
    peer: {
      ...procPeer(vfs, handlers),
      fdpath: async ({ pid, fd }) => ({ path: await vfs.describeFd(Number(pid), Number(fd)) }),
      fds: async ({ pid }) => {
        const out: { fd: number; path: string }[] = [];
        for (const fd of vfs.descriptors(Number(pid))) out.push({ fd, path: (await vfs.describeFd(Number(pid), fd)) ?? "?" });
        return out;
      },
    },
    async stop() {
      await vfs.exitAll();
      await fs.unmount();
    },
  };
}
