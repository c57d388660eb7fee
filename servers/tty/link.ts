/**
 * The tty device split across a transport (micro mode): the vfs server holds ttyOverLink, whose
 * every call is one natix.drv.tty message (kernel-core/abi/terminal.ts), and the tty driver's
 * process answers them with ttyEndpoint. The monolith links the device itself and needs neither.
 */
import { E } from "../../kernel-core/errno.js";
import { TERM_OP, decodeTtyReply, decodeTtyRequest, encodeTtyReply, encodeTtyRequest } from "../../kernel-core/abi/terminal.js";
import type { TtyDevice } from "./driver.js";

/** Sends one encoded message to the driver and resolves with its reply (throws if unreachable). */
export type DriverLink = (message: Uint8Array) => Promise<Uint8Array>;

const EMPTY = new Uint8Array(0);

/** The vfs side: a TtyDevice whose every call is a message to the driver process. */
export function ttyOverLink(link: DriverLink): TtyDevice {
  return {
    async write(pid, stream, data) {
      try {
        return decodeTtyReply(await link(encodeTtyRequest({ op: TERM_OP.WRITE, stream, pid, max: data.length, data }))).result;
      } catch {
        return -E.EIO;
      }
    },
    async isatty(pid, stream) {
      try {
        return decodeTtyReply(await link(encodeTtyRequest({ op: TERM_OP.ISATTY, stream, pid, max: 0, data: EMPTY }))).result;
      } catch {
        return -E.EIO;
      }
    },
    async read(pid, max) {
      try {
        const r = decodeTtyReply(await link(encodeTtyRequest({ op: TERM_OP.READ, stream: 0, pid, max, data: EMPTY })));
        return r.result < 0 ? r.result : r.data;
      } catch {
        return -E.EIO;
      }
    },
  };
}

/** The driver side: decodes a message, calls the device, encodes the reply. */
export function ttyEndpoint(device: TtyDevice): (message: Uint8Array) => Promise<Uint8Array> {
  return async (message) => {
    const req = decodeTtyRequest(message);
    if (req === undefined) return encodeTtyReply(-E.EINVAL);
    if (req.op === TERM_OP.WRITE) return encodeTtyReply(await device.write(req.pid, req.stream, req.data));
    if (req.op === TERM_OP.ISATTY) return encodeTtyReply(await device.isatty(req.pid, req.stream));
    if (req.op === TERM_OP.READ) {
      const r = await device.read(req.pid, req.max);
      return typeof r === "number" ? encodeTtyReply(r) : encodeTtyReply(r.length, r);
    }
    return encodeTtyReply(-E.EINVAL);
  };
}
