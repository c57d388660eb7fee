/**
 * The wire frame against hostile input: every malformed frame decodes to a precise negative
 * errno, never an exception, and never an allocation sized by the frame's own claims.
 */
import { describe, expect, it } from "vitest";
import {
  decodeReply,
  decodeRequest,
  encodeReply,
  encodeRequest,
  FRAME_MAGIC,
  type SyscallRequest,
} from "../build/kernel-core/abi/frame.js";
import { decodeRouted, encodeRouted } from "../build/kernel-core/abi/routed.js";
import { LIMITS } from "../build/kernel-core/abi/limits.js";
import { E } from "../build/kernel-core/errno.js";

const req = (over: Partial<SyscallRequest> = {}): SyscallRequest => ({
  nr: 999,
  args: [0, 4, 0, 64],
  input: [Buffer.from("Kam\0"), undefined, undefined, undefined],
  outCap: [-1, -1, 64, -1],
  ...over,
});

const view = (b: Uint8Array) => new DataView(b.buffer, b.byteOffset, b.byteLength);

describe("syscall frame codec", () => {
  it("round-trips a request with in and out buffers and 64-bit arguments", () => {
    const r = req({ args: [0, 4, 0, 64, -1, 2 ** 40 + 3] });
    r.input.push(undefined, undefined);
    r.outCap.push(-1, -1);
    const back = decodeRequest(encodeRequest(r));
    expect(typeof back).toBe("object");
    if (typeof back === "number") return;
    expect(back.nr).toBe(999);
    expect(back.args).toEqual([0, 4, 0, 64, -1, 2 ** 40 + 3]);
    expect(Buffer.from(back.input[0]!).toString()).toBe("Kam\0");
    expect(back.outCap).toEqual([-1, -1, 64, -1, -1, -1]);
  });

  it("round-trips a reply with a negative result and out-buffer bytes", () => {
    const back = decodeReply(encodeReply({ ret: -38, output: [undefined, Buffer.from("hi")] }));
    if (typeof back === "number") throw new Error(`decode failed ${back}`);
    expect(back.ret).toBe(-38);
    expect(Buffer.from(back.output![1]!).toString()).toBe("hi");
  });

  const good = () => encodeRequest(req());
  const hostile: [string, () => Uint8Array, number][] = [
    ["empty frame", () => new Uint8Array(0), -E.EFAULT],
    ["three bytes", () => good().subarray(0, 3), -E.EFAULT],
    ["bad magic", () => { const b = good(); view(b).setUint16(0, 0x1234, true); return b; }, -E.EINVAL],
    ["unknown version", () => { const b = good(); b[2] = 9; return b; }, -E.EINVAL],
    ["a reply where a request goes", () => encodeReply({ ret: 0 }), -E.EINVAL],
    ["header only, args missing", () => good().subarray(0, 14), -E.EFAULT],
    ["seven arguments", () => { const b = good(); b[8] = 7; return b; }, -E.E2BIG],
    ["255 buffers", () => { const b = good(); b[9] = 255; return b; }, -E.E2BIG],
    ["reserved bits set", () => { const b = good(); b[10] = 1; return b; }, -E.EINVAL],
    ["in-buffer longer than the frame", () => { const b = good(); view(b).setUint32(12 + 4 * 8 + 4, 1000, true); return b; }, -E.EFAULT],
    ["in-buffer claims 4 GiB", () => { const b = good(); view(b).setUint32(12 + 4 * 8 + 4, 0xffffffff, true); return b; }, -E.E2BIG],
    ["out capacity over the transfer limit", () => encodeRequest(req({ outCap: [-1, -1, LIMITS.MAX_XFER + 1, -1] })), -E.E2BIG],
    ["buffer for an argument that does not exist", () => { const b = good(); b[12 + 4 * 8] = 5; return b; }, -E.EINVAL],
    ["two buffers for one argument", () => { const b = good(); b[12 + 4 * 8 + 8] = 0; return b; }, -E.EINVAL],
    ["unknown buffer direction", () => { const b = good(); b[12 + 4 * 8 + 1] = 7; return b; }, -E.EINVAL],
    ["trailing garbage", () => Buffer.concat([good(), Buffer.from([1, 2, 3])]), -E.EINVAL],
    ["over the frame limit", () => new Uint8Array(LIMITS.MAX_FRAME + 1), -E.E2BIG],
  ];
  for (const [name, make, errno] of hostile) {
    it(`rejects ${name} with ${errno}`, () => {
      expect(decodeRequest(make())).toBe(errno);
    });
  }

  it("never throws on random garbage, and answers every frame with a number or a request", () => {
    let seed = 42;
    const rand = () => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff);
    for (let i = 0; i < 5000; i++) {
      const b = good();
      const flips = 1 + Math.floor(rand() * 6);
      for (let f = 0; f < flips; f++) b[Math.floor(rand() * b.length)] = Math.floor(rand() * 256);
      const cut = rand() < 0.3 ? b.subarray(0, Math.floor(rand() * b.length)) : b;
      const out = decodeRequest(cut);
      expect(typeof out === "number" ? out < 0 : typeof out === "object").toBe(true);
      if (typeof out === "object") expect(out.nr).toBe(view(cut).getInt32(4, true));
    }
  });

  it("rejects hostile replies the same way (libc reads them)", () => {
    const r = encodeReply({ ret: 0, output: [Buffer.from("abc")] });
    expect(decodeReply(r.subarray(0, 20))).toBe(-E.EFAULT);
    const big = Uint8Array.from(r);
    view(big).setUint32(16 + 4, 0xfffffff0, true);
    expect(decodeReply(big)).toBe(-E.E2BIG);
    expect(decodeReply(encodeRequest(req()))).toBe(-E.EINVAL);
  });

  it("routes the caller's identity in the envelope, not in the frame", () => {
    const routed = encodeRouted({ pid: 7, uid: 1000, gid: 100, euid: 0, egid: 100 }, good());
    const back = decodeRouted(routed);
    if (typeof back === "number") throw new Error("decode failed");
    expect(back.caller).toEqual({ pid: 7, uid: 1000, gid: 100, euid: 0, egid: 100 });
    expect(back.request.nr).toBe(999);
    expect(decodeRouted(routed.subarray(0, 10))).toBe(-E.EFAULT);
    expect(FRAME_MAGIC).toBe(0x584e);
  });
});

import { decodeBatch, decodeBatchReply, encodeBatch, encodeBatchReply } from "../build/kernel-core/abi/batch.js";

describe("batch frames", () => {
  const frame = () => encodeRequest(req());
  it("round-trip, each entry decoded on its own (a bad entry is its own errno)", () => {
    const batch = encodeBatch([frame(), new Uint8Array(3), frame()]);
    const out = decodeBatch(batch);
    if (typeof out === "number") throw new Error("decode failed");
    expect(out.length).toBe(3);
    expect(typeof out[0]).toBe("object");
    expect(out[1]).toBe(-E.EFAULT);
    const replies = decodeBatchReply(encodeBatchReply([encodeReply({ ret: 7 }), encodeReply({ ret: -2 })]));
    expect(replies).toEqual([{ ret: 7 }, { ret: -2 }]);
  });
  it("refuse hostile batches: too many entries, entries past the end, trailing bytes", () => {
    const many = encodeBatch(Array.from({ length: 257 }, frame));
    expect(decodeBatch(many)).toBe(-E.E2BIG);
    const batch = encodeBatch([frame()]);
    const cut = batch.subarray(0, batch.length - 1);
    expect(decodeBatch(cut)).toBe(-E.EFAULT);
    const lying = Uint8Array.from(batch);
    view(lying).setUint32(8, 0xffffff00, true);
    expect(decodeBatch(lying)).toBe(-E.EFAULT);
    expect(decodeBatch(Buffer.concat([batch, Buffer.from([0])]))).toBe(-E.EINVAL);
    expect(decodeBatch(frame())).toBe(-E.EINVAL);
  });
});

import {
  TERM_OP,
  TERM_STATUS,
  decodeTerminalReply,
  decodeTerminalRequest,
  decodeTtyReply,
  decodeTtyRequest,
  encodeTerminalReply,
  encodeTerminalRequest,
  encodeTtyReply,
  encodeTtyRequest,
} from "../build/kernel-core/abi/terminal.js";

describe("console messages (docs/abi.md: tty driver, a program's terminal)", () => {
  const hi = Uint8Array.from([0x68, 0x69]);
  it("natix.drv.tty: op, stream, reserved, pid, max, data; reply result i32, data", () => {
    const bytes = encodeTtyRequest({ op: TERM_OP.WRITE, stream: 2, pid: 0x01020304, max: 2, data: hi });
    expect([...bytes]).toEqual([1, 2, 0, 0, 4, 3, 2, 1, 2, 0, 0, 0, 0x68, 0x69]);
    expect(decodeTtyRequest(bytes)).toEqual({ op: 1, stream: 2, pid: 0x01020304, max: 2, data: hi });
    expect([...encodeTtyReply(-E.EIO)]).toEqual([0xfb, 0xff, 0xff, 0xff]);
    expect(decodeTtyReply(encodeTtyReply(2, hi))).toEqual({ result: 2, data: hi });
    expect(decodeTtyReply(new Uint8Array(3)).result).toBe(-E.EIO);
    expect(decodeTtyRequest(new Uint8Array(11))).toBeUndefined();
  });
  it("natix.tty.<pid>: op, stream, reserved, max, waitMs, data; reply status, reserved, count, data", () => {
    const bytes = encodeTerminalRequest({ op: TERM_OP.READ, stream: 0, max: 0x100, waitMs: 1000, data: new Uint8Array(0) });
    expect([...bytes]).toEqual([2, 0, 0, 0, 0, 1, 0, 0, 0xe8, 3, 0, 0]);
    expect(decodeTerminalRequest(bytes)).toMatchObject({ op: 2, stream: 0, max: 0x100, waitMs: 1000 });
    const reply = encodeTerminalReply({ status: TERM_STATUS.AGAIN, count: 2, data: hi });
    expect([...reply]).toEqual([1, 0, 0, 0, 2, 0, 0, 0, 0x68, 0x69]);
    expect(decodeTerminalReply(reply)).toEqual({ status: 1, count: 2, data: hi });
    expect(decodeTerminalRequest(Uint8Array.from([9, ...new Uint8Array(11)]))).toBeUndefined();
  });
});

describe("a reply built around its out-buffer (replyBuffer)", () => {
  it("is the same frame as a copied one, made without copying the data; any other buffer is copied", async () => {
    const { encodeReply, decodeReply, replyBuffer } = await import("../build/kernel-core/abi/frame.js");
    const data = replyBuffer(100_000);
    for (let i = 0; i < data.length; i++) data[i] = (i * 7) & 255;
    const copied = encodeReply({ ret: 100_000, output: [undefined, Uint8Array.from(data)] });
    const framed = encodeReply({ ret: 100_000, output: [undefined, data] });
    expect(framed.buffer).toBe(data.buffer);
    expect(Buffer.compare(framed, copied)).toBe(0);
    const back = decodeReply(framed) as { ret: number; output: (Uint8Array | undefined)[] };
    expect(back.ret).toBe(100_000);
    expect(Buffer.compare(back.output[1]!, Uint8Array.from(data))).toBe(0);
    // A part of one, or one beside another buffer, has no room of its own: copied, as before.
    const part = data.subarray(0, 10);
    expect(encodeReply({ ret: 10, output: [undefined, part] }).buffer).not.toBe(data.buffer);
    const two = encodeReply({ ret: 0, output: [data, new Uint8Array([1, 2])] });
    expect(two.buffer).not.toBe(data.buffer);
    expect((decodeReply(two) as { output: (Uint8Array | undefined)[] }).output[1]).toEqual(new Uint8Array([1, 2]));
  });
});
