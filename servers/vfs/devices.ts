/**
 * Character devices behind /dev nodes, chosen by device number as Linux does: null (1,3),
 * zero (1,5), urandom (1,9) and tty (5,0), the caller's controlling terminal (its console).
 */
import { randomBytes } from "node:crypto";
import type { TtyDevice } from "../tty/driver.js";

export interface Device {
  name: string;
  /** May lseek move on it (null, zero and urandom accept and ignore it; a tty refuses). */
  seekable: boolean;
  read(pid: number, count: number): Promise<Uint8Array | number>;
  write(pid: number, data: Uint8Array): Promise<number>;
  /** Is it a terminal (TCGETS answers)? */
  isatty(pid: number): Promise<number>;
}

const no = async () => 0;

export function deviceTable(tty: TtyDevice): Map<number, Device> {
  const devs: [number, Device][] = [
    [0x103, { name: "null", seekable: true, read: async () => new Uint8Array(0), write: async (_p, d) => d.length, isatty: no }],
    [0x105, { name: "zero", seekable: true, read: async (_p, n) => new Uint8Array(n), write: async (_p, d) => d.length, isatty: no }],
    [0x109, { name: "urandom", seekable: true, read: async (_p, n) => new Uint8Array(randomBytes(n)), write: async (_p, d) => d.length, isatty: no }],
    [0x500, { name: "tty", seekable: false, read: (p, n) => tty.read(p, n), write: (p, d) => tty.write(p, 1, d), isatty: (p) => tty.isatty(p, 1) }],
  ];
  return new Map(devs);
}
