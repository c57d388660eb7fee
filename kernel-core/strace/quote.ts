/** strace's way of printing strings and numbers. */

/** A byte string as strace quotes it: C escapes, octal for the rest, at most `max` bytes then "...". */
export function quote(bytes: Uint8Array, max: number, untilNul: boolean): string {
  let end = bytes.length;
  if (untilNul) {
    const nul = bytes.indexOf(0);
    if (nul >= 0) end = nul;
  }
  const cut = end > max;
  const shown = bytes.subarray(0, Math.min(end, max));
  let out = '"';
  for (let i = 0; i < shown.length; i++) {
    const c = shown[i];
    switch (c) {
      case 0x22: out += '\\"'; break;
      case 0x5c: out += "\\\\"; break;
      case 0x0a: out += "\\n"; break;
      case 0x09: out += "\\t"; break;
      case 0x0d: out += "\\r"; break;
      case 0x0b: out += "\\v"; break;
      case 0x0c: out += "\\f"; break;
      default:
        if (c >= 0x20 && c < 0x7f) out += String.fromCharCode(c);
        else {
          // Octal, as short as possible unless a digit follows (then three digits).
          const next = i + 1 < shown.length ? shown[i + 1] : -1;
          out += "\\" + (next >= 0x30 && next <= 0x37 ? c.toString(8).padStart(3, "0") : c.toString(8));
        }
    }
  }
  return out + '"' + (cut ? "..." : "");
}

export const hex = (n: number) => (n < 0 ? "-0x" + (-n).toString(16) : "0x" + n.toString(16));

/** Flag bits by name, "A|B|0x40" for what has no name, "0" when none. */
export function flagNames(value: number, names: ReadonlyArray<readonly [number, string]>, zero = "0"): string {
  const parts: string[] = [];
  let rest = value;
  for (const [bit, name] of names) {
    if (bit !== 0 && (rest & bit) === bit) {
      parts.push(name);
      rest &= ~bit;
    }
  }
  if (rest !== 0) parts.push(hex(rest >>> 0));
  return parts.length > 0 ? parts.join("|") : zero;
}
