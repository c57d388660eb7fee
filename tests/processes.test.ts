/**
 * Processes (issue 13) in micro, mono and embedded: posix_spawn of programs stored in natixfs
 * (file actions, errors as execve gives them), wait4's statuses as Linux encodes them, zombies
 * and orphans in /proc, kill with its permission rules, handlers, masks, SIGKILL that cannot be
 * caught, a read on a pipe interrupted (EINTR), SIGPIPE, SIGSTOP/SIGCONT, execve and `#!`.
 * Every child is a real process of the mode: its own OS process in micro and mono.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { bootMode, MODES, type TestSystem } from "./helpers/modes.js";
import {
  E,
  O_CREAT,
  O_WRONLY,
  O_TRUNC,
  SIGCONT,
  SIGKILL,
  SIGPIPE,
  SIGSTOP,
  SIGTERM,
  SIGUSR1,
  SIG_IGN,
  SIG_DFL,
  WCONTINUED,
  WEXITSTATUS,
  WIFCONTINUED,
  WIFEXITED,
  WIFSIGNALED,
  WIFSTOPPED,
  WNOHANG,
  WSTOPSIG,
  WTERMSIG,
  WUNTRACED,
  posix_spawn_file_actions_addclose,
  posix_spawn_file_actions_adddup2,
  posix_spawn_file_actions_init,
  type Proc,
} from "../build/client-libc/mod.js";

/** Test programs, installed under /tmp/p/ in each system. */
const PROGRAMS: Record<string, string> = {
  status: `export default async (argv) => Number(argv[1]);`,
  // Prints who it is; then exits.
  whoami: `import { getpid, getppid, getpgrp, getenv, printf } from "natix/libc";
export default async () => { await printf("%d %d %d %s\\n", await getpid(), await getppid(), await getpgrp(), getenv("FOO") ?? "-"); return 0; };`,
  // Installs a handler for SIGUSR1 (without SA_RESTART), says ready, and reads stdin: the read is interrupted.
  reader: `import { sigaction, write, read, errno, errnoName, SIGUSR1 } from "natix/libc";
export default async () => {
  await sigaction(SIGUSR1, { sa_handler: async (s) => { await write(1, "handler " + s + "\\n"); }, sa_flags: 0 });
  await write(1, "ready\\n");
  const r = await read(0, new Uint8Array(16), 16);
  await write(1, "read " + r + " " + (r < 0 ? errnoName(errno) : "") + "\\n");
  return 0;
};`,
  // Blocks SIGTERM, raises it (pending, it survives), says so, then unblocks it (and dies of it).
  masker: `import { sigprocmask, raise, write, SigSet, sigaddset, SIG_BLOCK, SIG_UNBLOCK, SIGTERM, sigaction, SIGKILL, errno } from "natix/libc";
export default async () => {
  const set = new SigSet(); sigaddset(set, SIGTERM);
  await sigprocmask(SIG_BLOCK, set);
  await raise(SIGTERM);
  await write(1, "still here\\n");
  const r = await sigaction(SIGKILL, { sa_handler: () => {} });
  await write(1, "sigaction(SIGKILL) " + r + " " + errno + "\\n");
  await sigprocmask(SIG_UNBLOCK, set);
  await write(1, "not reached\\n");
  return 0;
};`,
  // Writes until the pipe's reader is gone.
  writer: `import { write } from "natix/libc";
export default async () => { for (;;) if ((await write(1, "x".repeat(1000))) < 0) return 42; };`,
  // Replaces itself with /bin/echo (same pid).
  execer: `import { execve, getpid, write, errno } from "natix/libc";
export default async () => { await write(1, "before " + (await getpid()) + "\\n"); await execve("/tmp/p/whoami", ["whoami"], ["FOO=exec"]); return 100 + errno; };`,
  script: `#!/tmp/p/whoami\n`,
};

const text = (b: Uint8Array, n: number) => Buffer.from(b.subarray(0, Math.max(0, n))).toString();

async function install(p: Proc, name: string, source: string, mode = 0o755): Promise<void> {
  const fd = await p.open(`/tmp/p/${name}`, O_WRONLY | O_CREAT | O_TRUNC, mode);
  expect(fd).toBeGreaterThanOrEqual(0);
  expect(await p.write(fd, source)).toBe(Buffer.byteLength(source));
  await p.close(fd);
  expect(await p.chmod(`/tmp/p/${name}`, mode)).toBe(0);
}

/** Spawns argv with its stdout (and stdin, when given) on pipes: pid, and the fds to talk to it. */
async function spawnPiped(p: Proc, path: string, argv: string[], opts: { stdin?: boolean; envp?: string[] } = {}) {
  const out = [0, 0];
  expect(await p.pipe2(out, 0o2000000)).toBe(0);
  const inp = [0, 0];
  if (opts.stdin) expect(await p.pipe2(inp, 0o2000000)).toBe(0);
  const fa = posix_spawn_file_actions_init();
  posix_spawn_file_actions_adddup2(fa, out[1], 1);
  if (opts.stdin) posix_spawn_file_actions_adddup2(fa, inp[0], 0);
  const pid = [0];
  const r = await p.posix_spawn(pid, path, fa, null, argv, opts.envp);
  expect(r).toBe(0);
  await p.close(out[1]);
  if (opts.stdin) await p.close(inp[0]);
  return { r, pid: pid[0], out: out[0], inp: opts.stdin ? inp[1] : -1 };
}

/** Reads fd until `want` appears or EOF: what was read. */
async function readUntil(p: Proc, fd: number, want?: string): Promise<string> {
  let all = "";
  const buf = new Uint8Array(4096);
  for (;;) {
    const n = await p.read(fd, buf, buf.length);
    if (n <= 0) return all;
    all += text(buf, n);
    if (want !== undefined && all.includes(want)) return all;
  }
}

async function waitStatus(p: Proc, pid: number, options = 0): Promise<{ r: number; s: number }> {
  const st = [0];
  const r = await p.waitpid(pid, st, options);
  return { r, s: st[0] };
}

async function procStatus(p: Proc, pid: number): Promise<string> {
  const fd = await p.open(`/proc/${pid}/status`, 0);
  if (fd < 0) return `errno ${p.errno}`;
  const s = await readUntil(p, fd);
  await p.close(fd);
  return s;
}

for (const mode of MODES) {
  describe(`processes (${mode})`, () => {
    let sys: TestSystem;
    let p: Proc;
    /** What the children said on their (the parent's) stderr: shown when an expectation fails. */
    let said: () => string;
    beforeAll(async () => {
      sys = await bootMode(mode, { deadlineMs: 4000 });
      const t = await sys.spawn();
      p = t.proc;
      said = () => t.stderr.text;
      expect(await p.mkdir("/tmp/p", 0o755)).toBe(0);
      for (const [name, source] of Object.entries(PROGRAMS)) await install(p, name, source);
      await install(p, "noexec", PROGRAMS.status, 0o644);
      await install(p, "binary", "\x7fELF\x02\x01\x01\x00\x00\x00");
    }, 60_000);
    afterAll(async () => sys?.stop());

    it("posix_spawn runs /bin/echo from natixfs with its stdout on a pipe; wait4 reports exit 0, then ECHILD", async () => {
      const c = await spawnPiped(p, "/bin/echo", ["echo", "hello", "child"]);
      expect(c.r).toBe(0);
      expect(c.pid).toBeGreaterThan(p.pid);
      expect(await readUntil(p, c.out)).toBe("hello child\n");
      const w = await waitStatus(p, c.pid);
      expect(w.r).toBe(c.pid);
      expect(WIFEXITED(w.s) && WEXITSTATUS(w.s)).toBe(0);
      expect(await p.waitpid(-1, null, 0)).toBe(-1);
      expect(p.errno).toBe(E.ECHILD);
      await p.close(c.out);
    });

    it("the child is its parent's: its ppid, the parent's group, the envp it was given; exit statuses come through", async () => {
      const c = await spawnPiped(p, "/tmp/p/whoami", ["whoami"], { envp: ["FOO=bar"] });
      expect(await readUntil(p, c.out)).toBe(`${c.pid} ${p.pid} ${await p.getpgrp()} bar\n`);
      await waitStatus(p, c.pid);
      const pid = [0];
      expect(await p.posix_spawn(pid, "/tmp/p/status", null, null, ["status", "7"])).toBe(0);
      const w = await waitStatus(p, pid[0]);
      expect(WIFEXITED(w.s)).toBe(true);
      expect(WEXITSTATUS(w.s)).toBe(7);
      await p.close(c.out);
    });

    it("what cannot be run is posix_spawn's error, as execve gives it, and no child is left", async () => {
      const pid = [0];
      expect(await p.posix_spawn(pid, "/tmp/p/missing", null, null, ["x"])).toBe(E.ENOENT);
      expect(await p.posix_spawn(pid, "/tmp/p/noexec", null, null, ["x"])).toBe(E.EACCES);
      expect(await p.posix_spawn(pid, "/tmp/p", null, null, ["x"])).toBe(E.EACCES);
      expect(await p.posix_spawn(pid, "/tmp/p/binary", null, null, ["x"])).toBe(E.ENOEXEC);
      expect(await p.posix_spawn(pid, "/tmp/p/status/x", null, null, ["x"])).toBe(E.ENOTDIR);
      expect(await p.posix_spawnp(pid, "no-such-command", null, null, ["x"])).toBe(E.ENOENT);
      // A file action that fails is the spawn's error too.
      const fa = posix_spawn_file_actions_init();
      posix_spawn_file_actions_addclose(fa, 77);
      expect(await p.posix_spawn(pid, "/bin/true", fa, null, ["true"])).toBe(E.EBADF);
      expect(await p.waitpid(-1, null, WNOHANG)).toBe(-1);
      expect(p.errno).toBe(E.ECHILD);
    });

    it("a child that exited is a zombie in /proc until it is reaped; a child whose parent ended goes to pid 1", async () => {
      const pid = [0];
      expect(await p.posix_spawn(pid, "/tmp/p/status", null, null, ["status", "0"])).toBe(0);
      await expect.poll(async () => (await procStatus(p, pid[0])).match(/^State:\t(.*)$/m)?.[1], { timeout: 15_000, interval: 100 }).toBe("Z (zombie)");
      expect(await waitStatus(p, pid[0])).toEqual({ r: pid[0], s: 0 });
      expect(await procStatus(p, pid[0])).toBe(`errno ${E.ENOENT}`);
      // An orphan: a parent (sh) that starts sleep in the background and ends at once.
      const c = await spawnPiped(p, "/bin/sh", ["sh", "-c", "/bin/sleep 5 & echo $!"]);
      const orphan = Number((await readUntil(p, c.out, "\n")).trim());
      expect(orphan).toBeGreaterThan(c.pid);
      await waitStatus(p, c.pid);
      expect((await procStatus(p, orphan)).match(/^PPid:\t(\d+)$/m)?.[1]).toBe("1");
      expect(await p.kill(orphan, SIGKILL)).toBe(0);
      await p.close(c.out);
    }, 30_000);

    it("kill: SIGTERM and SIGKILL end a child (WIFSIGNALED, WTERMSIG); ESRCH, EINVAL; WNOHANG while it runs", async () => {
      for (const sig of [SIGTERM, SIGKILL]) {
        const pid = [0];
        expect(await p.posix_spawn(pid, "/bin/sleep", null, null, ["sleep", "30"])).toBe(0);
        expect(await p.waitpid(pid[0], null, WNOHANG)).toBe(0);
        expect(await p.kill(pid[0], sig)).toBe(0);
        const w = await waitStatus(p, pid[0]);
        expect(w.r).toBe(pid[0]);
        expect(WIFSIGNALED(w.s) && WTERMSIG(w.s)).toBe(sig);
      }
      expect(await p.kill(999_999, SIGTERM)).toBe(-1);
      expect(p.errno).toBe(E.ESRCH);
      expect(await p.kill(p.pid, 65)).toBe(-1);
      expect(p.errno).toBe(E.EINVAL);
      expect(await p.kill(p.pid, 0)).toBe(0);
    }, 30_000);

    it("a process of another user may not be signalled (EPERM), nor waited for by one that is not its parent (ECHILD)", async () => {
      const other = (await sys.spawn({ uid: 1000, gid: 1000 })).proc;
      const pid = [0];
      expect(await p.posix_spawn(pid, "/bin/sleep", null, null, ["sleep", "30"])).toBe(0);
      expect(await other.kill(pid[0], SIGKILL)).toBe(-1);
      expect(other.errno).toBe(E.EPERM);
      expect(await other.kill(-1, SIGKILL)).toBe(-1);
      expect(other.errno).toBe(E.EPERM);
      expect(await other.waitpid(pid[0], null, WNOHANG)).toBe(-1);
      expect(other.errno).toBe(E.ECHILD);
      expect(await p.waitpid(pid[0], null, WNOHANG)).toBe(0); // still running: nothing was done to it
      expect(await p.kill(pid[0], SIGKILL)).toBe(0);
      expect((await waitStatus(p, pid[0])).r).toBe(pid[0]);
    }, 30_000);

    it("a handler runs; a read blocked on a pipe is interrupted by it (EINTR, no SA_RESTART)", async () => {
      const c = await spawnPiped(p, "/tmp/p/reader", ["reader"], { stdin: true });
      expect(await readUntil(p, c.out, "ready\n"), said()).toBe("ready\n");
      // "ready" is written just before the read: a signal sent at once could arrive before the
      // read starts (its handler runs, and the read then blocks, as on Linux). Give it time to block.
      await new Promise((r) => setTimeout(r, 300));
      expect(await p.kill(c.pid, SIGUSR1)).toBe(0);
      expect(await readUntil(p, c.out)).toBe(`handler ${SIGUSR1}\nread -1 EINTR\n`);
      const w = await waitStatus(p, c.pid);
      expect(WIFEXITED(w.s) && WEXITSTATUS(w.s)).toBe(0);
      await p.close(c.out);
      await p.close(c.inp);
    }, 30_000);

    it("a blocked signal stays pending until unblocked, then acts; SIGKILL's action cannot be changed (EINVAL)", async () => {
      const c = await spawnPiped(p, "/tmp/p/masker", ["masker"]);
      expect(await readUntil(p, c.out)).toBe(`still here\nsigaction(SIGKILL) -1 ${E.EINVAL}\n`);
      const w = await waitStatus(p, c.pid);
      expect(WIFSIGNALED(w.s) && WTERMSIG(w.s)).toBe(SIGTERM);
      await p.close(c.out);
    }, 30_000);

    it("writing to a pipe with no reader: SIGPIPE ends the writer; ignored, the write fails with EPIPE", async () => {
      const c = await spawnPiped(p, "/tmp/p/writer", ["writer"]);
      await p.close(c.out);
      const w = await waitStatus(p, c.pid);
      expect(WIFSIGNALED(w.s) && WTERMSIG(w.s)).toBe(SIGPIPE);
      // SIG_IGN is inherited across spawn (exec keeps ignored signals ignored): the writer sees EPIPE.
      expect(await p.signal(SIGPIPE, SIG_IGN)).toBe(0);
      const d = await spawnPiped(p, "/tmp/p/writer", ["writer"]);
      await p.close(d.out);
      const w2 = await waitStatus(p, d.pid);
      expect(WIFEXITED(w2.s) && WEXITSTATUS(w2.s)).toBe(42);
      expect(await p.signal(SIGPIPE, 0)).toBe(SIG_IGN);
    }, 30_000);

    it("SIGSTOP stops a child (WUNTRACED, State T), SIGCONT continues it (WCONTINUED)", async () => {
      const pid = [0];
      expect(await p.posix_spawn(pid, "/bin/sleep", null, null, ["sleep", "30"])).toBe(0);
      expect(await p.kill(pid[0], SIGSTOP)).toBe(0);
      const s = await waitStatus(p, pid[0], WUNTRACED);
      expect(WIFSTOPPED(s.s) && WSTOPSIG(s.s)).toBe(SIGSTOP);
      expect((await procStatus(p, pid[0])).match(/^State:\t(.*)$/m)?.[1]).toBe("T (stopped)");
      expect(await p.kill(pid[0], SIGCONT)).toBe(0);
      const c = await waitStatus(p, pid[0], WCONTINUED);
      expect(WIFCONTINUED(c.s)).toBe(true);
      expect(await p.kill(pid[0], SIGKILL)).toBe(0);
      expect(WTERMSIG((await waitStatus(p, pid[0])).s)).toBe(SIGKILL);
    }, 30_000);

    it.runIf(mode === "micro")("the process manager is a process of its own: killed, it comes back knowing parents, zombies and dispositions", async () => {
      const sup = sys.system!.supervisor;
      const restarts = sup.restarts("pm");
      const first = sup.child("pm")!.pid;
      // Before: the parent ignores SIGUSR1, one child has ended (a zombie), one still runs.
      expect(await p.sigaction(SIGUSR1, { sa_handler: SIG_IGN })).toBe(0);
      const done = [0];
      expect(await p.posix_spawn(done, "/tmp/p/status", null, null, ["status", "5"])).toBe(0);
      await expect.poll(async () => (await procStatus(p, done[0])).match(/^State:\t(.*)$/m)?.[1], { timeout: 15_000, interval: 100 }).toBe("Z (zombie)");
      const cat = await spawnPiped(p, "/bin/cat", ["cat"], { stdin: true });
      sup.child("pm")!.kill("SIGKILL");
      // cat ends while the process manager is down or starting: its end is not lost either.
      await p.close(cat.inp);
      await expect.poll(() => sup.restarts("pm"), { timeout: 15_000 }).toBe(restarts + 1);
      expect(sup.child("pm")!.pid).not.toBe(first);
      expect(await p.raise(SIGUSR1)).toBe(0); // still ignored: the test process lives on
      expect(await waitStatus(p, done[0])).toEqual({ r: done[0], s: 5 << 8 });
      expect(await readUntil(p, cat.out)).toBe("");
      expect(await waitStatus(p, cat.pid)).toEqual({ r: cat.pid, s: 0 });
      expect(await p.waitpid(-1, null, WNOHANG)).toBe(-1);
      expect(p.errno).toBe(E.ECHILD);
      expect((await procStatus(p, p.pid)).match(/^PPid:\t(\d+)$/m)?.[1]).toBe("1");
      expect(await p.sigaction(SIGUSR1, { sa_handler: SIG_DFL })).toBe(0);
      await p.close(cat.out);
    }, 45_000);

    it("execve replaces the program in the same process; a #! script runs its interpreter", async () => {
      const c = await spawnPiped(p, "/tmp/p/execer", ["execer"]);
      expect(await readUntil(p, c.out)).toBe(`before ${c.pid}\n${c.pid} ${p.pid} ${await p.getpgrp()} exec\n`);
      expect(WEXITSTATUS((await waitStatus(p, c.pid)).s)).toBe(0);
      await p.close(c.out);
      const d = await spawnPiped(p, "/tmp/p/script", ["script"], { envp: ["FOO=script"] });
      expect(await readUntil(p, d.out)).toBe(`${d.pid} ${p.pid} ${await p.getpgrp()} script\n`);
      await waitStatus(p, d.pid);
      await p.close(d.out);
    }, 30_000);
  });
}
