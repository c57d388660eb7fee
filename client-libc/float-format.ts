/**
 * %f, %e and %g exactly as glibc prints them: digits come from the exact binary value of the
 * double, rounded half-to-even (BigInt arithmetic), not from JS's toFixed, which rounds ties
 * away from zero.
 */

/** x = mantissa × 2^exponent with an integer mantissa (x finite, ≥ 0). */
function decompose(x: number): { m: bigint; e: number } {
  if (x === 0) return { m: 0n, e: 0 };
  const view = new DataView(new ArrayBuffer(8));
  view.setFloat64(0, x);
  const bits = view.getBigUint64(0);
  const biased = Number((bits >> 52n) & 0x7ffn);
  const frac = bits & ((1n << 52n) - 1n);
  return biased === 0 ? { m: frac, e: -1074 } : { m: frac | (1n << 52n), e: biased - 1075 };
}

/** round(x × 10^p), half to even, for x ≥ 0 finite; p may be negative. */
function scaledRound(x: number, p: number): bigint {
  const { m, e } = decompose(x);
  let num = m;
  let den = 1n;
  if (e >= 0) num <<= BigInt(e);
  else den <<= BigInt(-e);
  if (p >= 0) num *= 10n ** BigInt(p);
  else den *= 10n ** BigInt(-p);
  const q = num / den;
  const r2 = (num % den) * 2n;
  if (r2 > den || (r2 === den && (q & 1n) === 1n)) return q + 1n;
  return q;
}

/** Digits of |x| with `prec` digits after the point. */
export function fixedDigits(x: number, prec: number): string {
  const s = scaledRound(x, prec).toString();
  if (prec === 0) return s;
  const padded = s.padStart(prec + 1, "0");
  return `${padded.slice(0, padded.length - prec)}.${padded.slice(padded.length - prec)}`;
}

/** |x| as d.ddd (prec digits) and its decimal exponent. */
export function exponentDigits(x: number, prec: number): { mantissa: string; exp: number } {
  if (x === 0) return { mantissa: prec > 0 ? `0.${"0".repeat(prec)}` : "0", exp: 0 };
  let exp = Math.floor(Math.log10(x));
  let digits = scaledRound(x, prec - exp);
  const low = 10n ** BigInt(prec);
  // log10 can be off by one near powers of ten, and rounding can carry into a new digit.
  if (digits < low) {
    exp -= 1;
    digits = scaledRound(x, prec - exp);
  }
  if (digits >= low * 10n) {
    exp += 1;
    digits = scaledRound(x, prec - exp);
  }
  const s = digits.toString();
  return { mantissa: prec > 0 ? `${s[0]}.${s.slice(1)}` : s, exp };
}

export function expString(exp: number, upper: boolean): string {
  const sign = exp < 0 ? "-" : "+";
  return `${upper ? "E" : "e"}${sign}${String(Math.abs(exp)).padStart(2, "0")}`;
}

/** %g: `prec` significant digits, %e style or %f style, trailing zeros removed unless `alt`. */
export function generalDigits(x: number, prec: number, alt: boolean, upper: boolean): string {
  const p = prec === 0 ? 1 : prec;
  const { exp } = exponentDigits(x, p - 1);
  let out: string;
  if (p > exp && exp >= -4) {
    out = fixedDigits(x, p - 1 - exp);
    if (!alt && out.includes(".")) out = out.replace(/\.?0+$/, "");
    else if (alt && !out.includes(".")) out += ".";
  } else {
    let { mantissa } = exponentDigits(x, p - 1);
    if (!alt && mantissa.includes(".")) mantissa = mantissa.replace(/\.?0+$/, "");
    else if (alt && !mantissa.includes(".")) mantissa += ".";
    out = mantissa + expString(exp, upper);
  }
  return out;
}
