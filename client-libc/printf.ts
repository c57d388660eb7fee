/**
 * The printf family's formatting, as glibc does it: %d %i %u %x %X %o %s %c %p %f %F %e %E
 * %g %G %%, flags "-+ #0", width and precision (also as *), and the length modifiers hh h l ll
 * j z t (L and q accepted). Integers wrap to the modifier's width as C's conversions do.
 * A Uint8Array passed for %s is a char array, read up to its NUL.
 */
import { exponentDigits, expString, fixedDigits, generalDigits } from "./float-format.js";

export type PrintfArg = number | bigint | string | boolean | Uint8Array | null | undefined;

const decoder = new TextDecoder();

interface Spec {
  minus: boolean;
  plus: boolean;
  space: boolean;
  alt: boolean;
  zero: boolean;
  width: number;
  prec: number | undefined;
  length: string;
  conv: string;
}

const SPEC = /%([-+ #0]*)(\*|\d+)?(?:\.(\*|\d*))?(hh|h|ll|l|j|z|t|L|q)?([diouxXfFeEgGaAcspn%])/g;

function toBig(v: PrintfArg): bigint {
  if (typeof v === "bigint") return v;
  if (typeof v === "number") return Number.isFinite(v) ? BigInt(Math.trunc(v)) : 0n;
  if (typeof v === "boolean") return v ? 1n : 0n;
  if (typeof v === "string") return v.length > 0 ? BigInt(v.codePointAt(0)!) : 0n;
  return 0n;
}

/** The integer as C sees it after conversion to the modifier's type. */
function integer(v: PrintfArg, length: string, signed: boolean): bigint {
  const bits = length === "hh" ? 8 : length === "h" ? 16 : length === "" ? 32 : 64;
  const n = toBig(v);
  return signed ? BigInt.asIntN(bits, n) : BigInt.asUintN(bits, n);
}

function pad(body: string, prefix: string, s: Spec, zeroAllowed: boolean): string {
  const len = prefix.length + body.length;
  if (len >= s.width) return prefix + body;
  const fill = s.width - len;
  if (s.minus) return prefix + body + " ".repeat(fill);
  if (s.zero && zeroAllowed) return prefix + "0".repeat(fill) + body;
  return " ".repeat(fill) + prefix + body;
}

const signOf = (negative: boolean, s: Spec) => (negative ? "-" : s.plus ? "+" : s.space ? " " : "");

function formatInteger(v: PrintfArg, s: Spec): string {
  const signed = s.conv === "d" || s.conv === "i";
  const n = integer(v, s.length, signed);
  const negative = n < 0n;
  const abs = negative ? -n : n;
  const base = s.conv === "o" ? 8 : s.conv === "x" || s.conv === "X" ? 16 : 10;
  let digits = abs.toString(base);
  if (s.conv === "X") digits = digits.toUpperCase();
  if (s.prec !== undefined) {
    digits = s.prec === 0 && abs === 0n ? "" : digits.padStart(s.prec, "0");
  }
  let prefix = signed ? signOf(negative, s) : "";
  if (s.alt) {
    if (s.conv === "o" && !digits.startsWith("0")) digits = "0" + digits;
    if ((s.conv === "x" || s.conv === "X") && abs !== 0n) prefix = s.conv === "x" ? "0x" : "0X";
  }
  return pad(digits, prefix, s, s.prec === undefined);
}

function formatFloat(v: PrintfArg, s: Spec): string {
  const x = typeof v === "number" ? v : typeof v === "bigint" ? Number(v) : Number(v ?? 0);
  const upper = s.conv === "F" || s.conv === "E" || s.conv === "G" || s.conv === "A";
  const negative = x < 0 || Object.is(x, -0);
  const prefix = signOf(negative, s);
  if (!Number.isFinite(x)) {
    const word = Number.isNaN(x) ? "nan" : "inf";
    return pad(upper ? word.toUpperCase() : word, Number.isNaN(x) ? signOf(false, s) : prefix, s, false);
  }
  const a = Math.abs(x);
  const prec = s.prec ?? 6;
  let body: string;
  switch (s.conv.toLowerCase()) {
    case "f":
      body = fixedDigits(a, prec);
      if (s.alt && prec === 0) body += ".";
      break;
    case "e": {
      const { mantissa, exp } = exponentDigits(a, prec);
      body = mantissa + (s.alt && prec === 0 ? "." : "") + expString(exp, upper);
      break;
    }
    case "g":
      body = generalDigits(a, prec, s.alt, upper);
      break;
    default: {
      // %a: hexadecimal floating point, enough for diagnostics.
      body = a === 0 ? "0x0p+0" : `0x${a.toString(16)}`;
      if (upper) body = body.toUpperCase();
    }
  }
  return pad(body, prefix, s, true);
}

function cString(v: PrintfArg): string {
  if (v instanceof Uint8Array) {
    const nul = v.indexOf(0);
    return decoder.decode(nul < 0 ? v : v.subarray(0, nul));
  }
  if (v === null || v === undefined) return "(null)";
  return String(v);
}

/** Formats like C's printf; the result is the text (its UTF-8 bytes are what gets written). */
export function format(fmt: string, args: readonly PrintfArg[]): string {
  let next = 0;
  const take = (): PrintfArg => args[next++];
  return fmt.replace(SPEC, (_m, flags: string, width: string | undefined, prec: string | undefined, length: string | undefined, conv: string) => {
    if (conv === "%") return "%";
    const s: Spec = {
      minus: flags.includes("-"),
      plus: flags.includes("+"),
      space: flags.includes(" "),
      alt: flags.includes("#"),
      zero: flags.includes("0"),
      width: 0,
      prec: undefined,
      length: length === "L" || length === "q" ? "ll" : (length ?? ""),
      conv,
    };
    if (width === "*") {
      const w = Number(toBig(take()));
      if (w < 0) s.minus = true;
      s.width = Math.abs(w);
    } else if (width) s.width = Number(width);
    if (prec !== undefined) {
      const p = prec === "*" ? Number(toBig(take())) : Number(prec || 0);
      s.prec = p < 0 ? undefined : p;
    }
    switch (conv) {
      case "d":
      case "i":
      case "u":
      case "o":
      case "x":
      case "X":
        return formatInteger(take(), s);
      case "c": {
        const v = take();
        const ch = typeof v === "string" ? v.slice(0, 1) : String.fromCharCode(Number(toBig(v) & 0xffn));
        return pad(ch, "", s, false);
      }
      case "s": {
        let text = cString(take());
        if (s.prec !== undefined) text = text.slice(0, s.prec);
        return pad(text, "", s, false);
      }
      case "p": {
        const v = take();
        const n = v instanceof Uint8Array ? BigInt(v.byteOffset + 0x1000) : toBig(v);
        return pad(n === 0n ? "(nil)" : "0x" + BigInt.asUintN(64, n).toString(16), "", s, false);
      }
      case "n":
        next++;
        return "";
      default:
        return formatFloat(take(), s);
    }
  });
}
