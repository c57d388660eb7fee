/**
 * struct iovec arrays (readv/writev) in a frame: one in-buffer holding
 * count u32 | length u32 × count | (writev only) the bytes of every iovec, in order.
 * readv sends the lengths only; its reply carries the bytes read, which libc scatters.
 */
export const IOV_MAX = 1024;

export function encodeIov(list: readonly Uint8Array[], withData: boolean, maxBytes: number): Uint8Array {
  const lens: number[] = [];
  let total = 0;
  for (const b of list.slice(0, IOV_MAX)) {
    const n = Math.min(b.length, Math.max(0, maxBytes - total));
    lens.push(n);
    total += n;
  }
  const head = 4 + lens.length * 4;
  const bytes = new Uint8Array(head + (withData ? total : 0));
  const v = new DataView(bytes.buffer);
  v.setUint32(0, lens.length, true);
  lens.forEach((n, i) => v.setUint32(4 + i * 4, n, true));
  if (withData) {
    let at = head;
    lens.forEach((n, i) => {
      bytes.set(list[i].subarray(0, n), at);
      at += n;
    });
  }
  return bytes;
}

/** The lengths (and, with data, the bytes) of an encoded iovec array; undefined if malformed. */
export function decodeIov(bytes: Uint8Array, withData: boolean): { lens: number[]; data: Uint8Array[] } | undefined {
  if (bytes.length < 4) return undefined;
  const v = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const count = v.getUint32(0, true);
  if (count > IOV_MAX || bytes.length < 4 + count * 4) return undefined;
  const lens: number[] = [];
  const data: Uint8Array[] = [];
  let at = 4 + count * 4;
  for (let i = 0; i < count; i++) {
    const n = v.getUint32(4 + i * 4, true);
    lens.push(n);
    if (withData) {
      if (at + n > bytes.length) return undefined;
      data.push(bytes.subarray(at, at + n));
      at += n;
    }
  }
  if (withData ? at !== bytes.length : bytes.length !== 4 + count * 4) return undefined;
  return { lens, data };
}
