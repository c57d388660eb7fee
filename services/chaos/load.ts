/**
 * The chaos run's steady load, from several emulated processes: writers appending fsync'd
 * records (remembering which ones natix acknowledged), a hello_world caller, a memory caller
 * (mmap, poke, peek, munmap), a process-manager caller (getppid, getpgrp) and a console writer.
 * Each rides through restarts: a lost descriptor is opened again, a process the kernel forgot (monolith restart) is created again.
 */
import { Writable } from "node:stream";
import { connect, E, MAP_ANONYMOUS, MAP_PRIVATE, O_APPEND, O_CREAT, O_WRONLY, PROT_READ, PROT_WRITE, type Proc } from "../../client-libc/mod.js";
import { record, RECORD_SIZE } from "./records.js";
import type { Recorder } from "./record.js";

const sink = () => new Writable({ write: (_c, _e, done) => done() });
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export interface LoadState {
  running: boolean;
  /** Records natix acknowledged (write and fsync succeeded), by file. */
  acked: Map<string, Set<number>>;
  /** State the faults took away: descriptors that became EBADF, processes the kernel forgot. */
  lost: { fds: number; processes: number };
}

/** A process that is made again whenever the kernel forgets it. */
class Session {
  proc: Proc | undefined;
  constructor(
    private readonly url: string,
    private readonly name: string,
    private readonly state: LoadState,
  ) {}

  async get(): Promise<Proc | undefined> {
    if (this.proc) return this.proc;
    try {
      this.proc = await connect({ nats: this.url, argv: [this.name], uid: 0, gid: 0, stdout: sink(), stderr: sink() });
    } catch {
      await sleep(200);
    }
    return this.proc;
  }

  /** After a failure: ESRCH means the kernel no longer knows this process. */
  failed(errno: number): void {
    if (errno === E.ESRCH && this.proc) {
      this.state.lost.processes++;
      void this.proc._exit(0).catch(() => {});
      this.proc = undefined;
    }
  }
}

/** Each writer's sequence numbers start here (writer i at i × SEQ_SPAN), so a record found in another writer's file is seen. */
export const SEQ_SPAN = 1_000_000_000;

export async function writer(url: string, rec: Recorder, state: LoadState, path: string, firstSeq = 0): Promise<void> {
  const session = new Session(url, "chaos-writer", state);
  const acked = new Set<number>();
  state.acked.set(path, acked);
  let fd = -1;
  for (let seq = firstSeq; state.running; seq++) {
    const p = await session.get();
    if (!p) continue;
    if (fd < 0) {
      fd = await rec.call("vfs", ["vfs"], () => p.errno, () => p.open(path, O_CREAT | O_WRONLY | O_APPEND, 0o644));
      if (fd < 0) {
        session.failed(p.errno);
        continue;
      }
    }
    const w = await rec.call("vfs", ["vfs"], () => p.errno, () => p.write(fd, record(seq)), (r) => r === RECORD_SIZE);
    if (w !== RECORD_SIZE) {
      if (p.errno === E.EBADF) state.lost.fds++;
      session.failed(p.errno);
      fd = -1;
      continue;
    }
    const s = await rec.call("vfs", ["vfs", "blk"], () => p.errno, () => p.fsync(fd));
    if (s === 0) acked.add(seq);
    else {
      if (p.errno === E.EBADF) state.lost.fds++;
      session.failed(p.errno);
      fd = -1;
    }
  }
  await session.proc?.exit(0).catch(() => {});
}

export async function helloCaller(url: string, rec: Recorder, state: LoadState): Promise<void> {
  const session = new Session(url, "chaos-hello", state);
  const message = new Uint8Array(64);
  while (state.running) {
    const p = await session.get();
    if (!p) continue;
    const r = await rec.call("hello", ["hello"], () => p.errno, () => p.syscall(999, "chaos", 6, message, 64));
    if (r < 0) session.failed(p.errno);
    await sleep(5);
  }
  await session.proc?.exit(0).catch(() => {});
}

export async function memoryCaller(url: string, rec: Recorder, state: LoadState): Promise<void> {
  const session = new Session(url, "chaos-mem", state);
  while (state.running) {
    const p = await session.get();
    if (!p) continue;
    const a = await rec.call("mem", ["mem"], () => p.errno, () => p.mmap(0, 8192, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS), (r) => r > 0);
    if (a <= 0) {
      session.failed(p.errno);
      continue;
    }
    await rec.call("mem", ["mem"], () => p.errno, () => p.poke(a, "chaos"));
    await rec.call("mem", ["mem"], () => p.errno, async () => ((await p.peek(a, 5)) === null ? -1 : 5));
    await rec.call("mem", ["mem"], () => p.errno, () => p.munmap(a, 8192));
    await sleep(5);
  }
  await session.proc?.exit(0).catch(() => {});
}

/** The process manager's idempotent calls: its recovery after a kill shows here. */
export async function processCaller(url: string, rec: Recorder, state: LoadState): Promise<void> {
  const session = new Session(url, "chaos-pm", state);
  while (state.running) {
    const p = await session.get();
    if (!p) continue;
    const r = await rec.call("pm", ["pm"], () => p.errno, () => p.getppid());
    if (r < 0) session.failed(p.errno);
    else await rec.call("pm", ["pm"], () => p.errno, () => p.getpgrp());
    await sleep(5);
  }
  await session.proc?.exit(0).catch(() => {});
}

export async function consoleWriter(url: string, rec: Recorder, state: LoadState): Promise<void> {
  const session = new Session(url, "chaos-console", state);
  while (state.running) {
    const p = await session.get();
    if (!p) continue;
    const r = await rec.call("vfs", ["vfs", "tty"], () => p.errno, () => p.write(1, "chaos line\n"));
    if (r < 0) session.failed(p.errno);
    await sleep(10);
  }
  await session.proc?.exit(0).catch(() => {});
}
