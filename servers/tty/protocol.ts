/**
 * The tty driver's own message (natix.drv.tty) for when the vfs server reaches it over a
 * transport: op u8 (1 write, 2 read, 3 isatty) | stream u8 | reserved u16 | pid u32 | max u32 | data.
 * Reply: result i32 (count or −errno) | data (read).
 */
import { E } from "../../kernel-core/errno.js";
import type { TtyDevice } from "./driver.js";

const HEADER = 12;
const OP_WRITE = 1;
const OP_READ = 2;
const OP_ISATTY = 3;

/** Sends one encoded message to the driver and resolves with its reply (throws if unreachable). */
export type DriverLink = (message: Uint8Array) => Promise<Uint8Array>;

function encode(op: number, stream: number, pid: number, max: number, data?: Uint8Array): Uint8Array {
  const bytes = new Uint8Array(HEADER + (data?.length ?? 0));
  const view = new DataView(bytes.buffer);
  view.setUint8(0, op);
  view.setUint8(1, stream);
  view.setUint32(4, pid, true);
  view.setUint32(8, max, true);
  if (data) bytes.set(data, HEADER);
  return bytes;
}

function result(bytes: Uint8Array): { ret: number; data: Uint8Array } {
  if (bytes.length < 4) return { ret: -E.EIO, data: new Uint8Array(0) };
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  return { ret: view.getInt32(0, true), data: bytes.subarray(4) };
}

function reply(ret: number, data?: Uint8Array): Uint8Array {
  const bytes = new Uint8Array(4 + (data?.length ?? 0));
  new DataView(bytes.buffer).setInt32(0, ret, true);
  if (data) bytes.set(data, 4);
  return bytes;
}

/** The vfs side: a TtyDevice whose every call is a message to the driver process. */
export function ttyOverLink(link: DriverLink): TtyDevice {
  return {
    async write(pid, stream, data) {
      try {
        return result(await link(encode(OP_WRITE, stream, pid, data.length, data))).ret;
      } catch {
        return -E.EIO;
      }
    },
    async isatty(pid, stream) {
      try {
        return result(await link(encode(OP_ISATTY, stream, pid, 0))).ret;
      } catch {
        return -E.EIO;
      }
    },
    async read(pid, max) {
      try {
        const r = result(await link(encode(OP_READ, 0, pid, max)));
        return r.ret < 0 ? r.ret : r.data;
      } catch {
        return -E.EIO;
      }
    },
  };
}

/** The driver side: decodes a message, calls the device, encodes the reply. */
export function ttyEndpoint(device: TtyDevice): (message: Uint8Array) => Promise<Uint8Array> {
  return async (message) => {
    if (message.length < HEADER) return reply(-E.EINVAL);
    const view = new DataView(message.buffer, message.byteOffset, message.byteLength);
    const op = view.getUint8(0);
    const stream = view.getUint8(1);
    const pid = view.getUint32(4, true);
    const max = view.getUint32(8, true);
    if (op === OP_WRITE) return reply(await device.write(pid, stream, message.subarray(HEADER)));
    if (op === OP_ISATTY) return reply(await device.isatty(pid, stream));
    if (op === OP_READ) {
      const r = await device.read(pid, max);
      return typeof r === "number" ? reply(r) : reply(r.length, r);
    }
    return reply(-E.EINVAL);
  };
}
