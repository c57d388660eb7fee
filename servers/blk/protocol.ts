/**
 * The blk driver's message (natix.drv.blk), for when the filesystem reaches it over a transport:
 *
 * request: op u8 (1 read, 2 write, 3 flush, 4 size) | reserved u8×3 | block u32 | count u32 | data
 * reply:   status i32 (0, or −errno) | value u32 (size: blocks) | data (read)
 *
 * Every operation is idempotent (a block write puts the same bytes in the same place), so the
 * client retries through a driver restart until its budget runs out.
 */
import type { BlockDevice } from "./device.js";
import { DeviceError } from "./device.js";
import { E } from "../../kernel-core/errno.js";

const OP = { READ: 1, WRITE: 2, FLUSH: 3, SIZE: 4 } as const;
const HEADER = 12;
const REPLY_HEADER = 8;
/** Blocks one message may carry (512 KiB, under NATS's 1 MiB payload limit). */
export const MAX_BLOCKS_PER_MESSAGE = 128;

/** The largest reply `message` may get: a read's blocks, or just the reply's header. */
export function replyBytesOf(message: Uint8Array, blockSize = 4096): number {
  if (message.length < HEADER || message[0] !== OP.READ) return REPLY_HEADER;
  return REPLY_HEADER + new DataView(message.buffer, message.byteOffset, message.byteLength).getUint32(8, true) * blockSize;
}

/** Sends one message to the driver within a budget; rejects when it cannot. */
export type BlkLink = (message: Uint8Array, budgetMs?: number) => Promise<Uint8Array>;

function encode(op: number, block: number, count: number, data?: Uint8Array): Uint8Array {
  const bytes = new Uint8Array(HEADER + (data?.length ?? 0));
  const v = new DataView(bytes.buffer);
  v.setUint8(0, op);
  v.setUint32(4, block, true);
  v.setUint32(8, count, true);
  if (data) bytes.set(data, HEADER);
  return bytes;
}

function reply(status: number, value = 0, data?: Uint8Array): Uint8Array {
  const bytes = new Uint8Array(REPLY_HEADER + (data?.length ?? 0));
  const v = new DataView(bytes.buffer);
  v.setInt32(0, status, true);
  v.setUint32(4, value, true);
  if (data) bytes.set(data, REPLY_HEADER);
  return bytes;
}

/**
 * Messages one read or write keeps in flight to the driver at once (each up to 512 KiB): enough
 * to keep the bus, the driver and the disk busy together, few enough that none waits so long
 * behind the others that the link sends it again. Per call, not per device: a filesystem
 * operation's small read never queues behind a commit's large writes.
 */
export const MAX_IN_FLIGHT = 4;

/** Runs `tasks` with at most `limit` of them running at once; waits for all, then fails if any did. */
export async function inFlight(tasks: (() => Promise<void>)[], limit = MAX_IN_FLIGHT): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < tasks.length) await tasks[next++]();
  };
  const workers = Array.from({ length: Math.min(limit, tasks.length) }, worker);
  const failed = (await Promise.allSettled(workers)).find((r) => r.status === "rejected");
  if (failed) throw (failed as PromiseRejectedResult).reason;
}

/**
 * The filesystem's side: a BlockDevice whose calls are messages to the driver. A read or write
 * larger than one message is cut into messages of MAX_BLOCKS_PER_MESSAGE, all sent at once (up
 * to MAX_IN_FLIGHT at a time) and awaited together. The driver performs the messages
 * it holds concurrently, in no particular order: a caller that needs order (the journal: log
 * blocks before the flush before the commit block) awaits the writes before it sends the flush.
 */
export function blkOverLink(link: BlkLink, blockSize = 4096): BlockDevice {
  const call = async (message: Uint8Array, budgetMs?: number) => {
    let bytes: Uint8Array;
    try {
      bytes = await link(message, budgetMs);
    } catch (err) {
      throw new DeviceError(`blk driver unreachable: ${(err as Error).message}`);
    }
    if (bytes.length < REPLY_HEADER) throw new DeviceError("blk driver sent a malformed reply");
    const v = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    const status = v.getInt32(0, true);
    if (status < 0) throw new DeviceError(`blk driver failed: errno ${-status}`);
    return { value: v.getUint32(4, true), data: bytes.subarray(REPLY_HEADER) };
  };
  /** The budget counts from the call, including the wait of a message behind the others. */
  const left = (until: number) => {
    const ms = until - performance.now();
    if (ms <= 0) throw new DeviceError("blk driver did not answer within the budget");
    return ms;
  };
  /** The messages `count` blocks take: [first block offset, blocks] each. */
  const pieces = (count: number): [number, number][] => {
    const out: [number, number][] = [];
    for (let done = 0; done < count; done += MAX_BLOCKS_PER_MESSAGE) out.push([done, Math.min(MAX_BLOCKS_PER_MESSAGE, count - done)]);
    return out;
  };
  return {
    blockSize,
    async blocks(budgetMs) {
      return (await call(encode(OP.SIZE, 0, 0), budgetMs)).value;
    },
    async read(block, count, budgetMs) {
      const out = new Uint8Array(count * blockSize);
      const until = performance.now() + (budgetMs ?? Infinity);
      await inFlight(
        pieces(count).map(([done, n]) => async () => {
          const r = await call(encode(OP.READ, block + done, n), budgetMs === undefined ? undefined : left(until));
          if (r.data.length !== n * blockSize) throw new DeviceError("blk driver returned a short read");
          // A copy: the reply may be a view into the transport's receive buffer.
          out.set(r.data, done * blockSize);
        }),
      );
      return out;
    },
    async write(block, data, budgetMs) {
      const until = performance.now() + (budgetMs ?? Infinity);
      await inFlight(
        pieces(data.length / blockSize).map(([done, n]) => async () => {
          const piece = data.subarray(done * blockSize, (done + n) * blockSize);
          await call(encode(OP.WRITE, block + done, n, piece), budgetMs === undefined ? undefined : left(until));
        }),
      );
    },
    async flush(budgetMs) {
      await call(encode(OP.FLUSH, 0, 0), budgetMs);
    },
  };
}

/** The driver's side: decodes a message and performs it on the image. */
export function blkEndpoint(device: BlockDevice): (message: Uint8Array) => Promise<Uint8Array> {
  return async (message) => {
    if (message.length < HEADER) return reply(-E.EINVAL);
    const v = new DataView(message.buffer, message.byteOffset, message.byteLength);
    const op = v.getUint8(0);
    const block = v.getUint32(4, true);
    const count = v.getUint32(8, true);
    try {
      switch (op) {
        case OP.READ:
          if (count > MAX_BLOCKS_PER_MESSAGE) return reply(-E.E2BIG);
          return reply(0, 0, await device.read(block, count));
        case OP.WRITE: {
          const data = message.subarray(HEADER);
          if (count > MAX_BLOCKS_PER_MESSAGE || data.length !== count * device.blockSize) return reply(-E.EINVAL);
          await device.write(block, data);
          return reply(0);
        }
        case OP.FLUSH:
          await device.flush();
          return reply(0);
        case OP.SIZE:
          return reply(0, await device.blocks());
        default:
          return reply(-E.EINVAL);
      }
    } catch {
      return reply(-E.EIO);
    }
  };
}
