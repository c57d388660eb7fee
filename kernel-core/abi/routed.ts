/**
 * The envelope kernel-core puts around a request it routes to a server: who is calling, as the
 * kernel knows it (never as the frame claims). Servers trust it because only the kernel
 * publishes on their subjects.
 *
 * magic u16 | version u8 | type u8 (5) | pid u32 | uid u32 | gid u32 | euid u32 | egid u32
 * | request frame
 */
import { E } from "../errno.js";
import { FRAME_TYPE, checkHeader, decodeRequest, type SyscallRequest } from "./frame.js";

export const ROUTED_HEADER = 24;

/** The calling process's identity and credentials. */
export interface Caller {
  pid: number;
  uid: number;
  gid: number;
  euid: number;
  egid: number;
}

export function encodeRouted(caller: Caller, frame: Uint8Array): Uint8Array {
  const bytes = new Uint8Array(ROUTED_HEADER + frame.length);
  const view = new DataView(bytes.buffer);
  view.setUint16(0, 0x584e, true);
  view.setUint8(2, 1);
  view.setUint8(3, FRAME_TYPE.ROUTED);
  view.setUint32(4, caller.pid, true);
  view.setUint32(8, caller.uid, true);
  view.setUint32(12, caller.gid, true);
  view.setUint32(16, caller.euid, true);
  view.setUint32(20, caller.egid, true);
  bytes.set(frame, ROUTED_HEADER);
  return bytes;
}

export function decodeRouted(bytes: Uint8Array): { caller: Caller; request: SyscallRequest } | number {
  const bad = checkHeader(bytes, FRAME_TYPE.ROUTED, ROUTED_HEADER);
  if (bad < 0) return bad;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const caller: Caller = {
    pid: view.getUint32(4, true),
    uid: view.getUint32(8, true),
    gid: view.getUint32(12, true),
    euid: view.getUint32(16, true),
    egid: view.getUint32(20, true),
  };
  const request = decodeRequest(bytes, ROUTED_HEADER);
  if (typeof request === "number") return request;
  return caller.pid === 0 ? -E.ESRCH : { caller, request };
}

/** The caller's pid in a routed call or routed batch (both put it at the same place); 0 if none. */
export function routedCallerPid(bytes: Uint8Array): number {
  if (bytes.length < ROUTED_HEADER) return 0;
  return new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).getUint32(4, true);
}
