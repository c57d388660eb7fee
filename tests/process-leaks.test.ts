/**
 * Nothing leaks across spawn/exit cycles: 10,000 cycles embedded (each with a pipe for the
 * child's stdout, the child exec'd from /bin, reaped by waitpid), then the process table, the
 * parent's descriptors and the pipe table are as before. A leaked pipe per cycle would pass the
 * vfs server's 4096-pipe limit (ENFILE) long before the end; a leaked descriptor would move the
 * pipe's numbers; a leaked process would stay in /proc. Over NATS (micro) fewer cycles, each an OS
 * process: the same checks, and the kernel's table of processes is back to the parent alone.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { bootMode, type ModeName, type TestSystem } from "./helpers/modes.js";
import { O_CLOEXEC, O_DIRECTORY, O_RDONLY, posix_spawn_file_actions_adddup2, posix_spawn_file_actions_init, type Proc } from "../build/client-libc/mod.js";

/** The pids /proc lists. */
async function procPids(p: Proc): Promise<number[]> {
  const fd = await p.open("/proc", O_RDONLY | O_DIRECTORY);
  const pids: number[] = [];
  const buf = new Uint8Array(8192);
  for (let n; (n = await p.getdents64(fd, buf, buf.length)) > 0; ) {
    const view = new DataView(buf.buffer);
    for (let at = 0; at < n; ) {
      const len = view.getUint16(at + 16, true);
      const name = Buffer.from(buf.subarray(at + 19, at + len)).toString().replace(/\0.*$/, "");
      if (/^\d+$/.test(name)) pids.push(Number(name));
      at += len;
    }
  }
  await p.close(fd);
  return pids.sort((a, b) => a - b);
}

async function cycles(p: Proc, n: number): Promise<void> {
  const buf = new Uint8Array(16);
  for (let i = 0; i < n; i++) {
    const fds = [0, 0];
    expect(await p.pipe2(fds, O_CLOEXEC)).toBe(0);
    if (fds[0] !== 3 || fds[1] !== 4) expect({ cycle: i, fds }).toEqual({ cycle: i, fds: [3, 4] });
    const fa = posix_spawn_file_actions_init();
    posix_spawn_file_actions_adddup2(fa, fds[1], 1);
    const pid = [0];
    const r = await p.posix_spawn(pid, "/bin/true", fa, null, ["true"]);
    if (r !== 0) expect({ cycle: i, r }).toEqual({ cycle: i, r: 0 });
    await p.close(fds[1]);
    const eof = await p.read(fds[0], buf, buf.length);
    await p.close(fds[0]);
    const st = [0];
    const w = await p.waitpid(pid[0], st, 0);
    if (eof !== 0 || w !== pid[0] || st[0] !== 0) expect({ cycle: i, eof, w, status: st[0] }).toEqual({ cycle: i, eof: 0, w: pid[0], status: 0 });
  }
}

const RUNS: [ModeName, number][] = [
  ["embedded", 10_000],
  ["micro", 8],
];

for (const [mode, n] of RUNS) {
  describe(`spawn/exit cycles (${mode})`, () => {
    let sys: TestSystem;
    beforeAll(async () => {
      sys = await bootMode(mode, { deadlineMs: 4000 });
    }, 60_000);
    afterAll(async () => sys?.stop());

    it(`${n} spawn/exit/wait cycles leave no process, descriptor or pipe behind`, async () => {
      const { proc: p } = await sys.spawn();
      const before = await procPids(p);
      expect(before).toContain(p.pid);
      await cycles(p, n);
      expect(await procPids(p)).toEqual(before);
      expect(await p.waitpid(-1, null, 1)).toBe(-1); // no child left to reap
      // Every pipe is gone: a full pipe table would refuse these.
      const fds = [0, 0];
      expect(await p.pipe(fds)).toBe(0);
      expect(fds).toEqual([3, 4]);
      if (sys.embedded) expect(sys.embedded.monolith.kernel.processes.list().map((x) => x.pid)).toEqual(before);
    }, 300_000);
  });
}
