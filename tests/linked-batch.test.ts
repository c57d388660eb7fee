/**
 * Linked batches (BATCH_LINK, docs/abi.md "Batches"): a chain of calls in one message, each run
 * only after the one before succeeded, where batch_result(k) as an fd argument is entry k's
 * result — a small file's openat, write and close in one round trip. The same answers in every
 * mode and routing; a failure cancels the rest, a reference forward is EBADF, a flag natix does
 * not know is refused, and a chain never reaches a server as a chain (the kernel runs it).
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { natixAsync } from "./helpers/cli.js";
import { connect as natsConnect, type NatsConnection } from "@nats-io/transport-node";
import { bootMode, type ModeName, type TestSystem } from "./helpers/modes.js";
import { AT_FDCWD, E, O_CREAT, O_RDONLY, O_WRONLY, SYS, batch_result } from "../build/client-libc/mod.js";
import { BATCH_LINK, decodeRoutedBatch, encodeBatch, encodeRoutedBatch, frameType, linkedEntry, restOfChain } from "../build/kernel-core/abi/batch.js";
import { decodeReply, encodeRequest } from "../build/kernel-core/abi/frame.js";
import type { RoutingMode } from "../build/kernel-core/kernel.js";

type Proc = Awaited<ReturnType<TestSystem["spawn"]>>["proc"];
const enc = new TextEncoder();

/** openat + write + close of a new file with `text`, as one chain. */
const createFile = (proc: Proc, path: string, text: string) => {
  const bytes = enc.encode(text);
  return proc.batch(
    [
      [SYS.openat, AT_FDCWD, path, O_CREAT | O_WRONLY, 0o644],
      [SYS.write, batch_result(0), bytes, bytes.length],
      [SYS.close, batch_result(0)],
    ],
    { link: true },
  );
};

async function readBack(proc: Proc, path: string): Promise<string> {
  const fd = await proc.open(path, O_RDONLY);
  if (fd < 0) return `errno ${proc.errno}`;
  const buf = new Uint8Array(256);
  const n = await proc.read(fd, buf, buf.length);
  await proc.close(fd);
  return new TextDecoder().decode(buf.subarray(0, Math.max(0, n)));
}

const CASES: [ModeName, RoutingMode | undefined][] = [["micro", "direct"], ["micro", "forward"], ["mono", undefined], ["embedded", undefined]];

for (const [mode, routing] of CASES) {
  describe(`linked batches (${mode}${routing ? `, ${routing}` : ""})`, () => {
    let sys: TestSystem;
    beforeAll(async () => {
      sys = await bootMode(mode, { routing });
    });
    afterAll(async () => sys?.stop());

    it("openat, write and close of a new file in one chain: the fd open returned is the one written and closed", async () => {
      const { proc } = await sys.spawn();
      const [fd, n, closed] = await createFile(proc, "/tmp/linked-a", "one round trip\n");
      expect(fd).toBeGreaterThanOrEqual(3);
      expect([n, closed]).toEqual([15, 0]);
      expect(await readBack(proc, "/tmp/linked-a")).toBe("one round trip\n");
      // close ran on that fd: it is free again, and the next open gets the same number.
      expect(await proc.rawSyscall(SYS.close, fd)).toBe(-E.EBADF);
      expect(await proc.open("/tmp/linked-a", O_RDONLY)).toBe(fd);
    });

    it("a failed entry cancels the rest (ECANCELED), which never run", async () => {
      const { proc } = await sys.spawn();
      expect(await createFile(proc, "/no-such-dir/f", "x")).toEqual([-E.ENOENT, -E.ECANCELED, -E.ECANCELED]);
      // The middle entry fails: close is cancelled, so the fd stays open.
      const r = await proc.batch(
        [
          [SYS.openat, AT_FDCWD, "/tmp/linked-b", O_CREAT | O_RDONLY, 0o644],
          [SYS.write, batch_result(0), enc.encode("no"), 2],
          [SYS.close, batch_result(0)],
        ],
        { link: true },
      );
      expect(r.slice(1)).toEqual([-E.EBADF, -E.ECANCELED]);
      expect(await proc.rawSyscall(SYS.close, r[0])).toBe(0);
    });

    it("a reference to the entry itself or a later one is EBADF; without link a reference is no fd at all", async () => {
      const { proc } = await sys.spawn();
      expect(await proc.batch([[SYS.close, batch_result(0)], [SYS.getpid]], { link: true })).toEqual([-E.EBADF, -E.ECANCELED]);
      expect(await proc.batch([[SYS.getpid], [SYS.close, batch_result(2)], [SYS.getpid]], { link: true })).toEqual([proc.pid, -E.EBADF, -E.ECANCELED]);
      const fd = await proc.open("/tmp/linked-a", O_RDONLY, 0);
      // Unlinked entries are independent: batch_result(0) stays the invalid fd it is.
      expect(await proc.batch([[SYS.openat, AT_FDCWD, "/tmp/linked-a", O_RDONLY, 0], [SYS.close, batch_result(0)]])).toEqual([fd + 1, -E.EBADF]);
    });

    it("a chain across servers and the kernel (openat, getpid, fstat on the opened fd, close) runs in order", async () => {
      const { proc } = await sys.spawn();
      const st = new Uint8Array(144);
      const r = await proc.batch(
        [
          [SYS.openat, AT_FDCWD, "/tmp/linked-a", O_RDONLY, 0],
          [SYS.getpid],
          [SYS.fstat, batch_result(0), st],
          [SYS.close, batch_result(0)],
        ],
        { link: true },
      );
      expect(r.slice(1)).toEqual([proc.pid, 0, 0]);
      // st_size (offset 48 in struct stat) of the file the first test wrote.
      expect(Number(new DataView(st.buffer).getBigInt64(48, true))).toBe(15);
    });

    it.runIf(mode !== "embedded")("under strace the chain goes through the kernel and shows as its calls, one line each", async () => {
      const dir = mkdtempSync(join(tmpdir(), "natix-linked-"));
      try {
        const prog = join(dir, "chain.mjs");
        writeFileSync(
          prog,
          `import { syscall_batch, batch_result, SYS, AT_FDCWD, O_CREAT, O_WRONLY } from "natix/libc";
export default async function main() {
  const b = new TextEncoder().encode("traced\\n");
  const r = await syscall_batch([[SYS.openat, AT_FDCWD, "/tmp/linked-s", O_CREAT | O_WRONLY, 0o644], [SYS.write, batch_result(0), b, b.length], [SYS.close, batch_result(0)]], { link: true });
  return r.join(",") === "3,7,0" ? 0 : 1;
}
`,
        );
        const r = await natixAsync(["strace", "--nats", sys.natsUrl!, prog]);
        expect(r.stderr.split("\n").slice(0, 4)).toEqual([
          'openat(AT_FDCWD, "/tmp/linked-s", O_WRONLY|O_CREAT, 0644) = 3',
          'write(3, "traced\\n", 7) = 7',
          "close(3) = 0",
          "exit_group(0) = ?",
        ]);
        expect(r.status).toBe(0);
        const { proc } = await sys.spawn();
        expect(await readBack(proc, "/tmp/linked-s")).toBe("traced\n");
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });
  });
}

describe("linked batches on the bus (micro, open bus)", () => {
  let sys: TestSystem;
  let nc: NatsConnection;
  beforeAll(async () => {
    sys = await bootMode("micro", { openBus: true });
    nc = await natsConnect({ servers: sys.natsUrl! });
  });
  afterAll(async () => {
    await nc?.close();
    await sys?.stop();
  });

  const getpid = () => encodeRequest({ nr: SYS.getpid, args: [], input: [], outCap: [] });
  /** A frame sent straight to `subject`, its reply asked for in that pid's inbox, as the doors require. */
  async function raw(subject: string, frame: Uint8Array): Promise<Uint8Array> {
    const pid = subject.split(".").at(-1);
    return (await nc.request(subject, frame, { timeout: 5000, noMux: true, reply: `_INBOX.p.${pid}.${Math.random().toString(36).slice(2)}` })).data;
  }

  it("a flag natix does not know is refused with one EINVAL reply, to the kernel and to a server's direct door", async () => {
    const { proc } = await sys.spawn();
    for (const subject of [`natix.sys.${proc.pid}`, `natix.srv.vfs.${proc.pid}`]) {
      const reply = await raw(subject, encodeBatch([getpid()], 2));
      expect(frameType(reply), subject).toBe(2);
      expect((decodeReply(reply) as { ret: number }).ret).toBe(-E.EINVAL);
    }
    // A linked batch of getpid answers as a batch.
    expect(frameType(await raw(`natix.sys.${proc.pid}`, encodeBatch([getpid()], BATCH_LINK)))).toBe(4);
  });

  it("references are filled in only in fd arguments, only from earlier entries; a chain resent from entry k is renumbered", () => {
    const req = (nr: number, args: number[]) => ({ nr, args, input: args.map(() => undefined), outCap: args.map(() => -1) });
    // write's count is no fd: a value that looks like a reference stays as it is.
    expect(linkedEntry(req(SYS.write, [batch_result(0), 0, batch_result(0)]), 1, [9]).args).toEqual([9, 0, batch_result(0)]);
    expect(linkedEntry(req(SYS.openat, [batch_result(0), 0, 0, 0]), 1, [4]).args[0]).toBe(4); // a dirfd
    expect(linkedEntry(req(SYS.close, [batch_result(1)]), 1, [4]).args).toEqual([batch_result(1)]);
    // The direct server sent the chain back from entry 1 (entry 0 returned 5).
    const rest = restOfChain([req(SYS.write, [batch_result(0), 0, 1]), req(SYS.close, [batch_result(1)]), req(SYS.close, [batch_result(0)])], [5]);
    expect(rest.map((r) => r.args[0])).toEqual([5, batch_result(0), 5]);
  });

  it("a routed batch (kernel → server) marked as a chain is refused: only the kernel runs chains", () => {
    const routed = encodeRoutedBatch({ pid: 7, uid: 0, gid: 0, euid: 0, egid: 0 }, [getpid()]);
    expect(typeof decodeRoutedBatch(routed)).toBe("object");
    routed[24 + 6] = BATCH_LINK;
    expect(decodeRoutedBatch(routed)).toBe(-E.EINVAL);
  });
});
