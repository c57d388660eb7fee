/** UTF-8 helpers for C strings crossing the user/kernel boundary. */
const encoder = new TextEncoder();
const decoder = new TextDecoder("utf-8");

export function utf8(text: string): Uint8Array {
  return encoder.encode(text);
}

/** A JS string as a C string: its UTF-8 bytes and a terminating NUL. */
export function cString(text: string): Uint8Array {
  const bytes = new Uint8Array(Buffer.byteLength(text, "utf8") + 1);
  encoder.encodeInto(text, bytes);
  return bytes;
}

/** The bytes before the first NUL (all of them when there is none). */
export function untilNul(bytes: Uint8Array): Uint8Array {
  const nul = bytes.indexOf(0);
  return nul < 0 ? bytes : bytes.subarray(0, nul);
}

export function decodeUtf8(bytes: Uint8Array): string {
  return decoder.decode(bytes);
}
