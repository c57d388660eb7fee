/**
 * The piece protocol under attack (transport/pieces.ts, docs/abi.md "Pieces"). A process with
 * only its own bus connection sends malformed, oversized and out-of-order pieces, floods
 * assemblies, fetches transfers that are not its own, and sends pieces on another pid's subject:
 * each gets a precise errno (or the bus refuses it), nothing crashes, and the door keeps only
 * the bytes that really arrived — never what a piece claims. A sender keeps at most a window of
 * pieces (and of fetches) unanswered.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { headers, type MsgHdrs, type NatsConnection } from "@nats-io/transport-node";
import { bootMode, type TestSystem } from "./helpers/modes.js";
import { E, O_CREAT, O_RDWR, O_TRUNC, SYS } from "../build/client-libc/mod.js";
import { decodeReply, encodeRequest, encodeResult } from "../build/kernel-core/abi/frame.js";
import { ERROR_HEADER, FETCH_HEADER, PIECE_BYTES, PIECE_HEADER, PIECE_WINDOW, PieceDoor, REPLY_HEADER, exchange, type DoorMsg } from "../build/transport/pieces.js";
import { startTestNats, type TestNats } from "./helpers/nats.js";
import { LIMITS } from "../build/kernel-core/abi/limits.js";

const MiB = 1024 * 1024;

function hdrs(name: string, value: string): MsgHdrs {
  const h = headers();
  h.set(name, value);
  return h;
}

interface Answer {
  /** The errno of a refusal (Natix-Error), 0 for an ack or a piece of a reply. */
  errno: number;
  data: Uint8Array;
  headers?: MsgHdrs;
}

async function send(nc: NatsConnection, subject: string, data: Uint8Array, name: string, value: string): Promise<Answer> {
  const m = await nc.request(subject, data, { timeout: 5000, headers: hdrs(name, value) });
  const errno = Number(m.headers?.get(ERROR_HEADER) || 0);
  if (errno) {
    // The body says the same, as a reply frame: what a sender hands its caller.
    const reply = decodeReply(m.data);
    expect(typeof reply === "number" ? reply : reply.ret).toBe(-errno);
  }
  return { errno, data: m.data, headers: m.headers };
}

const piece = (nc: NatsConnection, subject: string, data: Uint8Array, value: string) => send(nc, subject, data, PIECE_HEADER, value);
const fetch = (nc: NatsConnection, subject: string, value: string) => send(nc, subject, new Uint8Array(0), FETCH_HEADER, value);
const full = () => new Uint8Array(PIECE_BYTES);

for (const mode of ["micro", "mono"] as const) {
  describe(`hostile pieces on an isolated bus (${mode})`, () => {
    let sys: TestSystem;
    beforeAll(async () => {
      sys = await bootMode(mode);
    });
    afterAll(async () => {
      await sys?.stop();
    });

    // The kernel's door, and (micro, direct routing) the vfs server's direct door.
    const doors = (pid: number) => (mode === "micro" ? [`natix.sys.${pid}`, `natix.srv.vfs.${pid}`] : [`natix.sys.${pid}`]);

    it("malformed, oversized and out-of-order pieces each get their errno; a 4 GiB claim is E2BIG at once", async () => {
      const { proc } = await sys.spawn();
      const nc = proc.busConnection()!;
      for (const subject of doors(proc.pid)) {
        expect((await piece(nc, subject, full(), "garbage")).errno).toBe(E.EINVAL);
        expect((await piece(nc, subject, full(), "t1 0 2 not-a-number")).errno).toBe(E.EINVAL);
        expect((await piece(nc, subject, full(), `t2 0 4097 ${4 * 1024 * MiB}`)).errno).toBe(E.E2BIG);
        expect((await piece(nc, subject, full(), `t3 0 2 ${LIMITS.MAX_FRAME + 1}`)).errno).toBe(E.E2BIG);
        // The count must be what the total needs, each piece but the last exactly PIECE_BYTES.
        expect((await piece(nc, subject, full(), `t4 0 5 ${2 * MiB}`)).errno).toBe(E.EINVAL);
        expect((await piece(nc, subject, new Uint8Array(100), `t5 0 3 ${2 * MiB}`)).errno).toBe(E.EINVAL);
        // A frame that fits one message is not sent as pieces.
        expect((await piece(nc, subject, new Uint8Array(10), "t6 0 1 10")).errno).toBe(E.EINVAL);
        // Out of order: a piece of a transfer never begun; a gap; the rest of a dropped transfer.
        expect((await piece(nc, subject, full(), `t7 1 3 ${2 * MiB + 5}`)).errno).toBe(E.EINVAL);
        const begun = await piece(nc, subject, full(), `t8 0 3 ${2 * PIECE_BYTES + 5}`);
        expect(begun.errno).toBe(0);
        expect(begun.data.length).toBe(0); // the ack
        expect((await piece(nc, subject, new Uint8Array(5), `t8 2 3 ${2 * PIECE_BYTES + 5}`)).errno).toBe(E.EINVAL);
        expect((await piece(nc, subject, full(), `t8 1 3 ${2 * PIECE_BYTES + 5}`)).errno).toBe(E.EINVAL);
        // A second first piece under one id, or a total that changes, drops the transfer.
        expect((await piece(nc, subject, full(), `t9 0 2 ${PIECE_BYTES + 1}`)).errno).toBe(0);
        expect((await piece(nc, subject, new Uint8Array(2), `t9 1 2 ${PIECE_BYTES + 2}`)).errno).toBe(E.EINVAL);
      }
    }, 60_000);

    it("a whole frame sent as pieces by hand runs once, and a malformed whole frame gets the decoder's errno", async () => {
      const { proc } = await sys.spawn();
      const nc = proc.busConnection()!;
      const fd = await proc.open("/tmp/by-hand", O_CREAT | O_RDWR | O_TRUNC, 0o644);
      const bytes = new Uint8Array(PIECE_BYTES + 1000).fill(0x7a);
      const frame = encodeRequest({ nr: SYS.write, args: [fd, 0, bytes.length], input: [undefined, bytes, undefined], outCap: [-1, -1, -1] });
      const total = frame.length;
      expect((await piece(nc, `natix.sys.${proc.pid}`, frame.subarray(0, PIECE_BYTES), `w1 0 2 ${total}`)).errno).toBe(0);
      const last = await piece(nc, `natix.sys.${proc.pid}`, frame.subarray(PIECE_BYTES), `w1 1 2 ${total}`);
      expect(last.errno).toBe(0);
      expect(decodeReply(last.data)).toEqual({ ret: bytes.length });
      // Garbage as pieces: reassembled, then refused by the frame decoder as any frame would be.
      const junk = new Uint8Array(PIECE_BYTES + 10).fill(0xff);
      await piece(nc, `natix.sys.${proc.pid}`, junk.subarray(0, PIECE_BYTES), `w2 0 2 ${junk.length}`);
      const refused = await piece(nc, `natix.sys.${proc.pid}`, junk.subarray(PIECE_BYTES), `w2 1 2 ${junk.length}`);
      expect(decodeReply(refused.data)).toEqual({ ret: -E.EINVAL });
      expect(await proc.close(fd)).toBe(0);
    }, 60_000);

    it("a flood of begun transfers is bounded per subject (EAGAIN), and costs the flooder alone", async () => {
      const { proc } = await sys.spawn();
      const nc = proc.busConnection()!;
      const subject = `natix.sys.${proc.pid}`;
      const answers: number[] = [];
      for (let i = 0; i < 10; i++) answers.push((await piece(nc, subject, full(), `f${i} 0 64 ${63 * PIECE_BYTES + 1}`)).errno);
      expect(answers).toEqual([0, 0, 0, 0, 0, 0, 0, 0, E.EAGAIN, E.EAGAIN]);
      // Another process's large write goes through meanwhile.
      const { proc: other } = await sys.spawn();
      const fd = await other.open("/tmp/flood-other", O_CREAT | O_RDWR | O_TRUNC, 0o644);
      expect(await other.write(fd, new Uint8Array(3 * MiB), 3 * MiB)).toBe(3 * MiB);
      expect(await other.close(fd)).toBe(0);
    }, 60_000);

    it("a reply's pieces are fetched only by its caller, on its own subject; unknown ids are ENOENT", async () => {
      const { proc: owner } = await sys.spawn();
      const { proc: thief } = await sys.spawn();
      const fd = await owner.open("/tmp/fetch-owner", O_CREAT | O_RDWR | O_TRUNC, 0o644);
      expect(await owner.write(fd, new Uint8Array(2 * MiB).fill(0x33), 2 * MiB)).toBe(2 * MiB);
      // The owner asks for 2 MiB by hand and keeps the rest of the reply staged.
      const nc = owner.busConnection()!;
      const frame = encodeRequest({ nr: SYS.pread64, args: [fd, 0, 2 * MiB, 0], input: [], outCap: [-1, 2 * MiB, -1, -1] });
      const first = await nc.request(`natix.sys.${owner.pid}`, frame, { timeout: 5000 });
      const announced = first.headers?.get(REPLY_HEADER) ?? "";
      const [id, total] = announced.split(" ");
      expect(Number(total)).toBeGreaterThan(2 * MiB);
      expect(first.data.length).toBe(PIECE_BYTES);
      // Another process naming that id on its own subject finds nothing; on the owner's it may not publish.
      const tnc = thief.busConnection()!;
      expect((await fetch(tnc, `natix.sys.${thief.pid}`, `${id} ${PIECE_BYTES}`)).errno).toBe(E.ENOENT);
      await expect(fetch(tnc, `natix.sys.${owner.pid}`, `${id} ${PIECE_BYTES}`)).rejects.toThrow(/Permissions Violation/i);
      await expect(piece(tnc, `natix.sys.${owner.pid}`, full(), `x 0 2 ${PIECE_BYTES + 1}`)).rejects.toThrow(/Permissions Violation/i);
      expect((await fetch(nc, `natix.sys.${owner.pid}`, `nosuchid ${PIECE_BYTES}`)).errno).toBe(E.ENOENT);
      expect((await fetch(nc, `natix.sys.${owner.pid}`, `${id} 17`)).errno).toBe(E.EINVAL);
      expect((await fetch(nc, `natix.sys.${owner.pid}`, `${id}`)).errno).toBe(E.EINVAL);
      // The owner still gets its bytes.
      const second = await fetch(nc, `natix.sys.${owner.pid}`, `${id} ${PIECE_BYTES}`);
      expect(second.errno).toBe(0);
      const third = await fetch(nc, `natix.sys.${owner.pid}`, `${id} ${2 * PIECE_BYTES}`);
      expect(first.data.length + second.data.length + third.data.length).toBe(Number(total));
      const reply = decodeReply(Buffer.concat([first.data, second.data, third.data]));
      expect(typeof reply === "number" ? reply : reply.ret).toBe(2 * MiB);
      // Fetched to the end: gone.
      expect((await fetch(nc, `natix.sys.${owner.pid}`, `${id} ${PIECE_BYTES}`)).errno).toBe(E.ENOENT);
      expect(await owner.close(fd)).toBe(0);
    }, 60_000);

    it("afterwards the system still serves: a 2 MiB write and read round-trip", async () => {
      const { proc } = await sys.spawn();
      const fd = await proc.open("/tmp/after", O_CREAT | O_RDWR | O_TRUNC, 0o644);
      const data = new Uint8Array(2 * MiB).map((_, i) => i % 251);
      expect(await proc.write(fd, data, data.length)).toBe(2 * MiB);
      const back = new Uint8Array(2 * MiB);
      expect(await proc.pread(fd, back, back.length, 0)).toBe(2 * MiB);
      expect(Buffer.compare(back, data)).toBe(0);
    }, 60_000);
  });
}

/** A door's message, answered into `answers`. */
function doorMsg(subject: string, data: Uint8Array, name: string, value: string, answers: Answer[]): DoorMsg {
  return {
    subject,
    data,
    headers: hdrs(name, value),
    respond(reply = new Uint8Array(0), opts) {
      answers.push({ errno: Number(opts?.headers?.get(ERROR_HEADER) || 0), data: reply, headers: opts?.headers });
      return true;
    },
  };
}

describe("PieceDoor keeps what arrived, never what is claimed", () => {
  it("a 4 GiB claim holds nothing; a 64 MiB claim holds its first piece only; both are gone after the deadline", async () => {
    const door = new PieceDoor({ ttlMs: 50 });
    const answers: Answer[] = [];
    expect(door.take(doorMsg("s.1", new Uint8Array(PIECE_BYTES), PIECE_HEADER, `a 0 4097 ${4 * 1024 * MiB}`, answers))).toBeUndefined();
    expect(answers.pop()!.errno).toBe(E.E2BIG);
    expect(door.heldBytes).toBe(0);
    const claim = LIMITS.MAX_XFER;
    expect(door.take(doorMsg("s.1", new Uint8Array(PIECE_BYTES), PIECE_HEADER, `b 0 ${Math.ceil(claim / PIECE_BYTES)} ${claim}`, answers))).toBeUndefined();
    expect(answers.pop()!.errno).toBe(0);
    expect(door.heldBytes).toBe(PIECE_BYTES);
    await expect.poll(() => door.heldBytes).toBe(0);
  });

  it("bounds the bytes it holds (ENOMEM) and the transfers per subject (EAGAIN); a staged reply is fetched on its subject only", () => {
    const door = new PieceDoor({ ttlMs: 10_000, perSubject: 2, maxHeldBytes: 3 * PIECE_BYTES });
    const answers: Answer[] = [];
    const begin = (subject: string, id: string) => {
      door.take(doorMsg(subject, new Uint8Array(PIECE_BYTES), PIECE_HEADER, `${id} 0 3 ${2 * PIECE_BYTES + 1}`, answers));
      return answers.pop()!.errno;
    };
    expect([begin("s.1", "a"), begin("s.1", "b"), begin("s.1", "c")]).toEqual([0, 0, E.EAGAIN]);
    expect(begin("s.2", "a")).toBe(0);
    expect(begin("s.3", "a")).toBe(E.ENOMEM);
    expect(door.heldBytes).toBe(3 * PIECE_BYTES);

    const roomy = new PieceDoor({ ttlMs: 10_000 });
    const frame = encodeResult(5);
    const big = new Uint8Array(PIECE_BYTES + 3);
    big.set(frame);
    roomy.respond(doorMsg("s.1", new Uint8Array(0), "X", "", answers), big);
    const first = answers.pop()!;
    const [id] = first.headers!.get(REPLY_HEADER).split(" ");
    expect(roomy.heldBytes).toBe(big.length);
    roomy.take(doorMsg("s.2", new Uint8Array(0), FETCH_HEADER, `${id} ${PIECE_BYTES}`, answers));
    expect(answers.pop()!.errno).toBe(E.ENOENT);
    roomy.take(doorMsg("s.1", new Uint8Array(0), FETCH_HEADER, `${id} ${PIECE_BYTES}`, answers));
    expect(answers.pop()!.data.length).toBe(3);
    expect(roomy.heldBytes).toBe(0);
  });
});

describe("a sender keeps a window of pieces in flight, over a real nats-server", () => {
  let nats: TestNats;
  let nc: NatsConnection;
  beforeAll(async () => {
    nats = await startTestNats({ open: true });
    nc = await nats.connect("sender");
  });
  afterAll(async () => {
    await nc?.close();
    await nats?.stop();
  });

  /** A door on `subject` whose every answer leaves 30 ms late; counts what is unanswered. */
  async function slowDoor(subject: string, door: PieceDoor, handle: (frame: Uint8Array) => Uint8Array) {
    const doorNc = await nats.connect("door");
    const seen = { unanswered: 0, most: 0, pieces: 0 };
    doorNc.subscribe(subject, {
      callback: (err, m) => {
        if (err !== null) return;
        seen.unanswered++;
        seen.most = Math.max(seen.most, seen.unanswered);
        if (m.headers?.has(PIECE_HEADER)) seen.pieces++;
        const late: DoorMsg = {
          subject: m.subject,
          data: m.data,
          headers: m.headers,
          respond: (data, opts) => {
            setTimeout(() => {
              seen.unanswered--;
              m.respond(data, opts);
            }, 30);
            return true;
          },
        };
        const whole = door.take(late);
        if (whole !== undefined) door.respond(late, handle(whole));
      },
    });
    await doorNc.flush();
    return { seen, close: () => doorNc.close() };
  }

  it("up to four pieces and four fetches unanswered at once, never more; the frame and its reply arrive whole", async () => {
    const door = new PieceDoor({ ttlMs: 10_000 });
    const echo = await slowDoor("t.window", door, (frame) => frame);
    const frame = new Uint8Array(9 * PIECE_BYTES + 77).map((_, i) => (i * 7) & 255);
    const back = await exchange(nc, "t.window", frame, 20_000);
    expect(Buffer.compare(back, frame)).toBe(0);
    expect(echo.seen.pieces).toBe(10);
    expect(echo.seen.most).toBe(PIECE_WINDOW);
    expect(door.heldBytes).toBe(0);
    await echo.close();
  });

  it("a first piece refused (EAGAIN) is the call's answer, not the EINVAL of the pieces behind it", async () => {
    const door = new PieceDoor({ ttlMs: 10_000, perSubject: 0 });
    const refusing = await slowDoor("t.refuse", door, (frame) => frame);
    const reply = decodeReply(await exchange(nc, "t.refuse", new Uint8Array(3 * PIECE_BYTES), 10_000));
    expect(typeof reply === "number" ? reply : reply.ret).toBe(-E.EAGAIN);
    await refusing.close();
  });
});
