/**
 * Shared segments (docs/abi.md, "Segments"), their two halves on their own: the door's checks
 * on real files, and the caller's link against doors on a real nats-server — the bytes of a
 * large call through the segment, and every way back to the bus (no segments at the door,
 * another host's path, a door that restarted, an attempt given up on).
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { existsSync, mkdirSync, mkdtempSync, openSync, readSync, closeSync, rmSync, statSync, writeFileSync, writeSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import type { Msg, NatsConnection, Subscription } from "@nats-io/transport-node";
import { SEG_CALL_HEADER, SEG_HEAD, SEG_HEADER, SEG_MIN_BYTES, SEG_OPEN_HEADER, SegmentDoor } from "../build/transport/segment-door.js";
import { oneHeader } from "../build/transport/headers.js";
import { SEGMENT_THRESHOLD, SegmentLink, segmentBytesFromEnv } from "../build/transport/segment-client.js";
import { ERROR_HEADER, PieceDoor } from "../build/transport/pieces.js";
import { requestResending } from "../build/transport/resend.js";
import { E } from "../build/kernel-core/errno.js";
import { LIMITS } from "../build/kernel-core/abi/limits.js";
import { startTestNats, type TestNats } from "./helpers/nats.js";

const SUBJECT = "natix.srv.vfs.42";
const MiB = 1024 * 1024;

function parseGrant(header: string) {
  const [id, bytes, tag, ...path] = header.split(" ");
  return { id, bytes: Number(bytes), tag, path: path.join(" ") };
}

describe("the door's segments", () => {
  let root: string;
  let door: SegmentDoor;
  beforeAll(() => {
    root = mkdtempSync(join(tmpdir(), "natix-segtest-"));
  });
  afterEach(() => door?.close());
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  const opened = (subject = SUBJECT, bytes = 4 * MiB) => {
    const r = door.open(subject, String(bytes));
    if (!("header" in r)) throw new Error(`open refused: errno ${r.errno}`);
    return parseGrant(r.header);
  };

  it("makes a file of the size asked, mode 0600 in a 0700 directory of its own, the tag at its start", () => {
    door = new SegmentDoor({ root });
    const g = opened();
    expect(g.bytes).toBe(4 * MiB);
    expect(statSync(g.path).mode & 0o777).toBe(0o600);
    expect(statSync(dirname(g.path)).mode & 0o777).toBe(0o700);
    expect(statSync(g.path).size).toBe(4 * MiB);
    const fd = openSync(g.path, "r");
    const head = Buffer.alloc(16);
    readSync(fd, head, 0, 16, 0);
    closeSync(fd);
    expect(head.toString("hex")).toBe(g.tag);
  });

  it("refuses a size it cannot grant, and grants no more than the largest", () => {
    door = new SegmentDoor({ root, maxSegments: 1 });
    expect(door.open(SUBJECT, String(SEG_MIN_BYTES - 1))).toEqual({ errno: E.EINVAL });
    expect(door.open(SUBJECT, "-5")).toEqual({ errno: E.EINVAL });
    expect(door.open(SUBJECT, "1e9")).toEqual({ errno: E.EINVAL });
    expect(door.held).toEqual({ count: 0, bytes: 0 });
    opened("natix.srv.vfs.1");
    expect(door.open("natix.srv.vfs.2", String(MiB))).toEqual({ errno: E.ENOMEM }); // the door is full
    opened("natix.srv.vfs.1"); // opening again replaces: no more than it had
    expect(door.held.count).toBe(1);
    const big = new SegmentDoor({ root });
    const r = big.open(SUBJECT, String(2 ** 40));
    expect("header" in r && parseGrant(r.header).bytes).toBe(SEG_HEAD + 2 * LIMITS.MAX_FRAME);
    big.close();
  });

  it("checks every number of a call against the segment before reading anything", () => {
    door = new SegmentDoor({ root });
    const g = opened();
    const call = (value: string, body = new Uint8Array(0)) => {
      const r = door.take(SUBJECT, value, body);
      return "errno" in r ? r.errno : "ok";
    };
    expect(call(`${g.id} ${SEG_HEAD} 100`, new Uint8Array(8))).toBe("ok");
    expect(call(`${g.id} 0 100`, new Uint8Array(8))).toBe(E.EFAULT); // the reply over the tag
    expect(call(`${g.id} ${4 * MiB - 10} 100`, new Uint8Array(8))).toBe(E.EFAULT); // past the end
    expect(call(`${g.id} ${SEG_HEAD} 0 100 10`)).toBe(E.EFAULT); // the request in the head
    expect(call(`${g.id} ${SEG_HEAD} 0 ${SEG_HEAD} ${4 * MiB}`)).toBe(E.EFAULT); // past the end
    expect(call(`${g.id} ${SEG_HEAD} 0 ${SEG_HEAD} ${LIMITS.MAX_FRAME + 1}`)).toBe(E.E2BIG);
    expect(call(`${g.id} ${SEG_HEAD} 0 ${SEG_HEAD} 0`)).toBe(E.EFAULT);
    expect(call(`${g.id} ${SEG_HEAD} 0 ${SEG_HEAD} 8`, new Uint8Array(8))).toBe(E.EINVAL); // a body too
    expect(call(`${g.id} x 0`)).toBe(E.EINVAL);
    expect(call(`${g.id} 1 2 3`)).toBe(E.EINVAL);
    expect(call(`${g.id} -4096 0`)).toBe(E.EINVAL);
    expect(call(`nope ${SEG_HEAD} 0`)).toBe(E.ESTALE);
    // Another subject (another process) cannot name this segment, even with its id.
    expect("errno" in door.take("natix.srv.vfs.43", `${g.id} ${SEG_HEAD} 0`, new Uint8Array(8)) && door.take("natix.srv.vfs.43", `${g.id} ${SEG_HEAD} 0`, new Uint8Array(8))).toEqual({ errno: E.ESTALE });
  });

  it("reads the request the caller wrote and writes the reply where the caller said", () => {
    door = new SegmentDoor({ root });
    const g = opened();
    const fd = openSync(g.path, "r+");
    const request = Buffer.from("a request frame");
    writeSync(fd, request, 0, request.length, SEG_HEAD + 64);
    const r = door.take(SUBJECT, `${g.id} ${SEG_HEAD + 8192} 64 ${SEG_HEAD + 64} ${request.length}`, new Uint8Array(0));
    if ("errno" in r) throw new Error(`errno ${r.errno}`);
    expect(Buffer.from(r.frame).toString()).toBe("a request frame");
    expect(door.putReply(SUBJECT, r.call, Buffer.from("the reply"))).toBe(true);
    expect(door.putReply(SUBJECT, r.call, new Uint8Array(65))).toBe(false); // over its capacity
    const back = Buffer.alloc(9);
    readSync(fd, back, 0, 9, SEG_HEAD + 8192);
    expect(back.toString()).toBe("the reply");
    closeSync(fd);
    // Once used, the file has no name; dropping the segment forgets it and its reply region.
    expect(existsSync(g.path)).toBe(false);
    door.drop(SUBJECT);
    expect(door.putReply(SUBJECT, r.call, Buffer.from("late"))).toBe(false);
    expect(door.held).toEqual({ count: 0, bytes: 0 });
  });

  it("unlinks a segment nobody used after its grace period, and drops a process's segments at its exit", async () => {
    door = new SegmentDoor({ root, unlinkAfterMs: 50 });
    const g = opened("natix.srv.vfs.7");
    opened("natix.sys.7");
    opened("natix.srv.vfs.8");
    await new Promise((r) => setTimeout(r, 200));
    expect(existsSync(g.path)).toBe(false);
    door.dropProcess(7);
    expect(door.held.count).toBe(1);
    expect(door.open("natix.srv.vfs.8", "0")).toEqual({ header: "0" });
    expect(door.held.count).toBe(0);
  });

  it("removes what doors of dead processes left behind, never a live one's", () => {
    // A pid that is no process now (pids stay below 2^22 on Linux).
    let dead = 4_000_000;
    while (existsSync(`/proc/${dead}`)) dead++;
    mkdirSync(join(root, `natix-seg-${dead}-abc`), { mode: 0o700 });
    writeFileSync(join(root, `natix-seg-${dead}-abc`, "left"), "x");
    mkdirSync(join(root, `natix-seg-1-def`), { mode: 0o700 }); // pid 1 lives
    mkdirSync(join(root, `natix-seg-keep`), { mode: 0o700 }); // no pid: not ours to judge
    door = new SegmentDoor({ root });
    const g = opened();
    expect(dirname(g.path)).toMatch(new RegExp(`/natix-seg-${process.pid}-[^/]+$`));
    expect(existsSync(join(root, `natix-seg-${dead}-abc`))).toBe(false);
    expect(existsSync(join(root, `natix-seg-1-def`))).toBe(true);
    expect(existsSync(join(root, `natix-seg-keep`))).toBe(true);
    door.close();
    expect(existsSync(dirname(g.path))).toBe(false);
  });

  it("NATIX_SEGMENT_MIB sets the size a caller asks for; 0 is none; nonsense is an error", () => {
    expect(segmentBytesFromEnv(123, {})).toBe(123);
    expect(segmentBytesFromEnv(123, { NATIX_SEGMENT_MIB: "0" })).toBe(0);
    expect(segmentBytesFromEnv(123, { NATIX_SEGMENT_MIB: "8" })).toBe(8 * MiB);
    expect(() => segmentBytesFromEnv(123, { NATIX_SEGMENT_MIB: "lots" })).toThrow(/NATIX_SEGMENT_MIB/);
  });
});

describe("a caller's segment link over a real nats-server", () => {
  let nats: TestNats;
  let client: NatsConnection;
  let server: NatsConnection;
  let sub: Subscription | undefined;
  let segments: SegmentDoor | undefined;
  beforeAll(async () => {
    nats = await startTestNats({ open: true });
    client = await nats.connect("client");
    server = await nats.connect("server");
  });
  afterEach(() => {
    sub?.unsubscribe();
    segments?.close();
    segments = undefined;
  });
  afterAll(async () => {
    await client?.close();
    await server?.close();
    await nats?.stop();
  });

  /** A door that answers each frame with the frame reversed; `seen` records what arrived. */
  function reversingDoor(opts: { segments: boolean; skip?: (n: number) => boolean; answer?: (frame: Uint8Array) => Uint8Array }) {
    segments = opts.segments ? new SegmentDoor() : undefined;
    const door = new PieceDoor({ ttlMs: 5000, segments });
    const seen: { bodyBytes: number; header: string }[] = [];
    let n = 0;
    sub = server.subscribe(SUBJECT, {
      callback: (_err, msg: Msg) => {
        seen.push({ bodyBytes: msg.data.length, header: [SEG_OPEN_HEADER, SEG_CALL_HEADER].map((h) => msg.headers?.get(h) ?? "").join("|") });
        const whole = door.take(msg);
        if (whole === undefined) return;
        if (opts.skip?.(n++)) return; // swallowed: its caller times out
        door.respond(msg, opts.answer?.(whole) ?? Uint8Array.from(whole).reverse());
      },
    });
    return { seen };
  }

  const frameOf = (n: number, seed: number) => Uint8Array.from({ length: n }, (_, i) => (i * 7 + seed) & 255);

  /** One call as libc makes it; `used`: whether it went by segment. */
  async function call(link: SegmentLink, frame: Uint8Array, replyBytes: number, timeoutMs = 5000) {
    let used = false;
    const r = await link.request({ frame, replyBytes }, timeoutMs, (attempt) => {
      used = attempt !== undefined;
      return requestResending(client, SUBJECT, frame, performance.now() + timeoutMs, Infinity, undefined, undefined, attempt);
    });
    return { r, used };
  }

  it("a large call's bytes go through the segment, its messages carry none", async () => {
    await server.flush();
    const { seen } = reversingDoor({ segments: true });
    const link = new SegmentLink(client, SUBJECT, 8 * MiB);
    const frame = frameOf(2 * MiB, 1);
    const { r, used } = await call(link, frame, 2 * MiB);
    expect(used).toBe(true);
    expect(r.ok && Buffer.compare(Buffer.from(r.data), Buffer.from(frame).reverse())).toBe(0);
    expect(seen.map((s) => s.bodyBytes)).toEqual([0, 0]); // the open, then the call: empty bodies
    // A small call stays in its message.
    const small = await call(link, frameOf(100, 2), 100);
    expect(small.used).toBe(false);
    expect(seen[2].bodyBytes).toBe(100);
    // A large request with a small reply, and the other way round: each big side by segment.
    const write = await call(link, frameOf(SEGMENT_THRESHOLD * 3, 3), 16);
    expect(write.used && seen[3].bodyBytes).toBe(0);
    const read = frameOf(64, 4);
    const back = await call(link, read, MiB);
    expect(back.used && seen[4].bodyBytes).toBe(64);
    expect(back.r.ok && Array.from(back.r.data)).toEqual(Array.from(read).reverse());
    link.close();
  });

  it("a call with only room for a large reply opens no segment until a large reply came back", async () => {
    const { seen } = reversingDoor({ segments: true });
    await server.flush();
    const link = new SegmentLink(client, SUBJECT, 8 * MiB);
    // A read with a large buffer of a small file: the reply is small, no segment is made.
    expect((await call(link, frameOf(100, 11), MiB)).used).toBe(false);
    expect(seen.map((s) => s.header)).toEqual(["|"]);
    // A large reply comes back in its message; from then on such calls go by segment.
    const big = frameOf(256 * 1024, 12);
    expect((await call(link, big, 256 * 1024)).used).toBe(true); // its request is large itself
    const read = frameOf(64, 13);
    const back = await call(link, read, MiB);
    expect(back.used).toBe(true);
    link.close();
  });

  it("a large reply to a small request (a read of a large file) makes the next such call go by segment", async () => {
    reversingDoor({ segments: true, answer: () => frameOf(300 * 1024, 14) });
    await server.flush();
    const fresh = new SegmentLink(client, SUBJECT, 8 * MiB);
    const first = await call(fresh, frameOf(64, 15), MiB);
    expect(first.used).toBe(false); // its 300 KiB came back in messages
    expect(first.r.ok && first.r.data.length).toBe(300 * 1024);
    const second = await call(fresh, frameOf(64, 15), MiB);
    expect(second.used).toBe(true);
    expect(second.r.ok && Buffer.compare(Buffer.from(second.r.data), Buffer.from(frameOf(300 * 1024, 14)))).toBe(0);
    fresh.close();
  });

  it("a door without segments answers EOPNOTSUPP, and the link keeps to the bus for good", async () => {
    const { seen } = reversingDoor({ segments: false });
    await server.flush();
    const link = new SegmentLink(client, SUBJECT, 8 * MiB);
    const frame = frameOf(MiB, 5);
    for (let i = 0; i < 2; i++) {
      const { r, used } = await call(link, frame, MiB);
      expect(used).toBe(false);
      expect(r.ok && Buffer.compare(Buffer.from(r.data), Buffer.from(frame).reverse())).toBe(0);
    }
    expect(seen.filter((s) => s.header.startsWith(String(8 * MiB))).length).toBe(1); // asked once
  });

  it("a door on another host (its path is not here) is told to drop the segment, and calls go in messages", async () => {
    const opens: string[] = [];
    sub = server.subscribe(SUBJECT, {
      callback: (_err, msg: Msg) => {
        const open = msg.headers?.get(SEG_OPEN_HEADER);
        if (open) {
          opens.push(open);
          return void msg.respond(new Uint8Array(0), { headers: oneHeader(SEG_HEADER, `abc ${8 * MiB} ${"0".repeat(32)} /nonexistent/natix-seg/abc`) });
        }
        msg.respond(Uint8Array.from(msg.data).reverse());
      },
    });
    await server.flush();
    const link = new SegmentLink(client, SUBJECT, 8 * MiB);
    const frame = frameOf(256 * 1024, 6); // one message each way: this door knows no pieces
    const { r, used } = await call(link, frame, 256 * 1024);
    expect(used).toBe(false);
    expect(r.ok && Buffer.compare(Buffer.from(r.data), Buffer.from(frame).reverse())).toBe(0);
    for (let waited = 0; opens.length < 2 && waited < 5000; waited += 20) await new Promise((res) => setTimeout(res, 20));
    expect(opens).toEqual([String(8 * MiB), "0"]);
  });

  it("a file that is not the door's (another tag) is not used", async () => {
    const tmp = mkdtempSync(join(tmpdir(), "natix-segfake-"));
    const path = join(tmp, "fake");
    const fd = openSync(path, "w");
    writeSync(fd, Buffer.alloc(8 * MiB));
    closeSync(fd);
    sub = server.subscribe(SUBJECT, {
      callback: (_err, msg: Msg) => {
        if (msg.headers?.get(SEG_OPEN_HEADER)) return void msg.respond(new Uint8Array(0), { headers: oneHeader(SEG_HEADER, `abc ${8 * MiB} ${"ab".repeat(16)} ${path}`) });
        msg.respond(Uint8Array.from(msg.data).reverse());
      },
    });
    await server.flush();
    const link = new SegmentLink(client, SUBJECT, 8 * MiB);
    const { r, used } = await call(link, frameOf(256 * 1024, 7), 256 * 1024);
    expect(used).toBe(false);
    expect(r.ok).toBe(true);
    rmSync(tmp, { recursive: true, force: true });
  });

  it("a door that lost the segment (restarted) answers ESTALE: the call goes in its message, and the next opens a new one", async () => {
    const { seen } = reversingDoor({ segments: true });
    await server.flush();
    const link = new SegmentLink(client, SUBJECT, 8 * MiB);
    const frame = frameOf(MiB, 8);
    expect((await call(link, frame, MiB)).used).toBe(true);
    segments!.drop(SUBJECT); // as a restarted door knows nothing of it
    const before = seen.length;
    const again = await call(link, frame, MiB);
    expect(again.r.ok && Buffer.compare(Buffer.from(again.r.data), Buffer.from(frame).reverse())).toBe(0);
    // Refused (an empty body), then sent again in messages (as pieces: it is over one).
    expect(seen.slice(before).reduce((n, s) => n + s.bodyBytes, 0)).toBe(MiB);
    const third = await call(link, frame, MiB);
    expect(third.used).toBe(true);
    expect(third.r.ok && Buffer.compare(Buffer.from(third.r.data), Buffer.from(frame).reverse())).toBe(0);
    expect(seen.filter((s) => s.header.startsWith(String(8 * MiB))).length).toBe(2); // opened twice
  });

  it("an attempt given up on retires the segment: its region is never reused under a late reply", async () => {
    // The door swallows the first call (its caller times out); a late answer could still come.
    const { seen } = reversingDoor({ segments: true, skip: (n) => n === 0 });
    await server.flush();
    const link = new SegmentLink(client, SUBJECT, 8 * MiB);
    const first = await call(link, frameOf(MiB, 9), MiB, 400);
    expect(first.r.ok).toBe(false);
    const frame = frameOf(MiB, 10);
    const next = await call(link, frame, MiB);
    expect(next.used).toBe(true);
    expect(next.r.ok && Buffer.compare(Buffer.from(next.r.data), Buffer.from(frame).reverse())).toBe(0);
    // A second segment was opened for it.
    expect(seen.filter((s) => s.header.startsWith(String(8 * MiB))).length).toBe(2);
  });

  it("a refused call says why in its header, never as the call's own result", async () => {
    reversingDoor({ segments: true });
    await server.flush();
    const m = await client.request(SUBJECT, new Uint8Array(0), { headers: oneHeader(SEG_CALL_HEADER, `made-up ${SEG_HEAD} 0`), timeout: 5000 });
    expect(m.headers?.get(ERROR_HEADER)).toBe(String(E.ESTALE));
  });
});
