/**
 * Hostile syscall frames from a seed: random bytes; real frames (a small corpus of calls libc
 * makes) mutated — bits flipped, fields set to edge values, truncated, extended, retyped;
 * frames built field by field with hostile counts, lengths and out-buffer capacities; batches
 * of all these; and frames just under and over the size limit. The same seed gives the same
 * frames, so a failure names the seed that replays it.
 */
import { seededRandom } from "../../build/services/chaos/random.js";
import { encodeRequest } from "../../build/kernel-core/abi/frame.js";
import { encodeBatch } from "../../build/kernel-core/abi/batch.js";
import { SYS } from "../../build/kernel-core/syscalls/table.js";
import { LIMITS } from "../../build/kernel-core/abi/limits.js";

const enc = new TextEncoder();
const cstr = (s: string) => enc.encode(`${s}\0`);

/** Calls libc really makes, encoded as it encodes them. */
const CORPUS: Uint8Array[] = [
  encodeRequest({ nr: SYS.getpid, args: [], input: [], outCap: [] }),
  encodeRequest({ nr: 999, args: [0, 4, 0, 64], input: [cstr("Kam")], outCap: [-1, -1, 64, -1] }),
  encodeRequest({ nr: SYS.write, args: [1, 0, 6], input: [undefined, enc.encode("fuzz!\n")], outCap: [-1, -1, -1] }),
  encodeRequest({ nr: SYS.openat, args: [-100, 0, 0o102, 0o644], input: [undefined, cstr("/tmp/fuzz")], outCap: [-1, -1, -1, -1] }),
  encodeRequest({ nr: SYS.read, args: [3, 0, 128], input: [], outCap: [-1, 128, -1] }),
  encodeRequest({ nr: SYS.stat, args: [0, 0], input: [cstr("/tmp")], outCap: [-1, 144] }),
  encodeRequest({ nr: SYS.mmap, args: [0, 8192, 3, 0x22, -1, 0], input: [], outCap: [] }),
  encodeRequest({ nr: SYS.uname, args: [0], input: [], outCap: [390] }),
  encodeRequest({ nr: SYS.lseek, args: [3, 0, 2], input: [], outCap: [] }),
  encodeRequest({ nr: SYS.getdents64, args: [3, 0, 4096], input: [], outCap: [-1, 4096, -1] }),
];

/** Values that break careless code: zero, signs, word edges, sizes past every limit. */
const EDGES = [0, 1, 0x7f, 0x80, 0xff, 0x7fff, 0xffff, 0x7fffffff, 0x80000000, 0xffffffff, LIMITS.MAX_XFER + 1, LIMITS.MAX_FRAME, 1 << 30];

export interface FrameFuzzer {
  next(): Uint8Array;
}

export function frameFuzzer(seed: number): FrameFuzzer {
  const rnd = seededRandom(seed);
  const int = (n: number) => Math.floor(rnd() * n);
  const pick = <T>(xs: readonly T[]) => xs[int(xs.length)];
  const bytes = (n: number) => Uint8Array.from({ length: n }, () => int(256));

  const mutate = (frame: Uint8Array): Uint8Array => {
    let f = Uint8Array.from(frame);
    for (let k = 1 + int(4); k > 0; k--) {
      const view = () => new DataView(f.buffer, f.byteOffset, f.byteLength);
      switch (int(7)) {
        case 0: // flip a bit
          if (f.length) f[int(f.length)] ^= 1 << int(8);
          break;
        case 1: // a field (u8/u16/u32 at a random place) set to an edge value
          if (f.length >= 4) {
            const at = int(f.length - 3);
            const w = pick([1, 2, 4]);
            const v = pick(EDGES);
            if (w === 1) f[at] = v & 0xff;
            else if (w === 2) view().setUint16(at, v & 0xffff, true);
            else view().setUint32(at, v >>> 0, true);
          }
          break;
        case 2: // truncated
          f = f.subarray(0, int(f.length + 1));
          break;
        case 3: // extended with junk
          f = Uint8Array.from([...f, ...bytes(1 + int(64))]);
          break;
        case 4: // another type byte (reply, batch, routed, nonsense)
          if (f.length >= 4) f[3] = pick([0, 2, 3, 4, 5, 6, 255]);
          break;
        case 5: // a random syscall number
          if (f.length >= 8) view().setInt32(4, pick([int(1100), -1 - int(100), 0x7fffffff, -0x80000000]), true);
          break;
        case 6: // argument or descriptor counts out of step with the body
          if (f.length >= 10) {
            f[8] = int(256);
            f[9] = int(256);
          }
          break;
      }
    }
    return f;
  };

  /** A request built field by field: hostile counts, lengths and capacities. */
  const structured = (): Uint8Array => {
    const nargs = int(9);
    const nbufs = int(9);
    const payload = int(4) === 0 ? int(4096) : int(64);
    const f = new Uint8Array(12 + nargs * 8 + nbufs * 8 + payload);
    const v = new DataView(f.buffer);
    v.setUint16(0, 0x584e, true);
    v.setUint8(2, 1);
    v.setUint8(3, 1);
    v.setInt32(4, int(3) === 0 ? pick([0, 1, 2, 3, 9, 39, 63, 999]) : int(1100) - 50, true);
    v.setUint8(8, nargs);
    v.setUint8(9, nbufs);
    for (let i = 0; i < nargs; i++) {
      v.setUint32(12 + i * 8, pick(EDGES) >>> 0, true);
      v.setInt32(16 + i * 8, int(2) ? 0 : -1, true);
    }
    for (let d = 0; d < nbufs; d++) {
      const at = 12 + nargs * 8 + d * 8;
      v.setUint8(at, int(10)); // arg index, sometimes past nargs
      v.setUint8(at + 1, pick([0, 1, 2, 3]));
      v.setUint32(at + 4, int(2) ? int(payload + 8) : pick(EDGES) >>> 0, true);
    }
    f.set(bytes(payload), 12 + nargs * 8 + nbufs * 8);
    return f;
  };

  const one = (): Uint8Array => {
    const r = rnd();
    if (r < 0.2) return bytes(int(10) === 0 ? int(65536) : int(512));
    if (r < 0.6) return mutate(pick(CORPUS));
    if (r < 0.85) return structured();
    if (r < 0.97) {
      const batch = encodeBatch(Array.from({ length: 1 + int(12) }, () => (int(2) ? pick(CORPUS) : mutate(pick(CORPUS)))));
      return int(3) === 0 ? mutate(batch) : batch;
    }
    // Around one message's size (a larger frame travels as pieces, tests/whole-xfer.test.ts):
    // just under (a real frame padded) and just over.
    const size = int(2) ? LIMITS.MAX_MESSAGE + 1 + int(4000) : LIMITS.MAX_MESSAGE - int(4000);
    const f = new Uint8Array(size);
    f.set(pick(CORPUS).subarray(0, 12));
    return f;
  };

  return { next: one };
}
