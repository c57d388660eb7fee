/**
 * Arithmetic expansion, $(( expression )), as dash evaluates it: signed 64-bit integers (here
 * JavaScript's BigInt, wrapped to 64 bits), C's operators and precedence — unary + - ! ~,
 * * / %, + -, << >>, < <= > >=, == !=, &, ^, |, &&, ||, ?:, and the assignments = *= /= %= +=
 * -= <<= >>= &= ^= |= — parentheses, decimal, octal (0…) and hex (0x…) constants, and variables
 * by name (unset or empty is 0; a value that is not a number is "Illegal number"). Errors are
 * dash's words, and end a non-interactive shell with status 2.
 */

export class ArithError extends Error {}

export interface ArithVars {
  get(name: string): string | undefined;
  set(name: string, value: string): void;
}

const wrap = (n: bigint) => BigInt.asIntN(64, n);

/** A number as the shell reads one (a variable's value, or a constant): undefined when it is not one. */
function parseNumber(text: string): bigint | undefined {
  const t = text.trim();
  const m = /^([+-]?)(0[xX][0-9a-fA-F]+|0[0-7]*|[1-9][0-9]*)$/.exec(t);
  if (m === null) return undefined;
  const digits = m[2];
  const v = /^0[xX]/.test(digits) ? BigInt(digits) : digits.length > 1 && digits[0] === "0" ? BigInt(`0o${digits.slice(1)}`) : BigInt(digits);
  return wrap(m[1] === "-" ? -v : v);
}

type Tok = { k: "num"; v: bigint } | { k: "name"; s: string } | { k: "op"; s: string } | { k: "end" };

const OPS = ["<<=", ">>=", "&&", "||", "==", "!=", "<=", ">=", "<<", ">>", "*=", "/=", "%=", "+=", "-=", "&=", "^=", "|=", "+", "-", "*", "/", "%", "<", ">", "&", "^", "|", "!", "~", "?", ":", "=", "(", ")"];

function tokenize(src: string): Tok[] {
  const out: Tok[] = [];
  let i = 0;
  while (i < src.length) {
    const c = src[i];
    if (/\s/.test(c)) {
      i++;
      continue;
    }
    const num = /^(0[xX][0-9a-fA-F]+|[0-9]+)/.exec(src.slice(i));
    if (num) {
      const v = parseNumber(num[1]);
      if (v === undefined) throw new ArithError(`arithmetic expression: expecting EOF: "${src}"`);
      out.push({ k: "num", v });
      i += num[1].length;
      continue;
    }
    const name = /^[A-Za-z_][A-Za-z0-9_]*/.exec(src.slice(i));
    if (name) {
      out.push({ k: "name", s: name[0] });
      i += name[0].length;
      continue;
    }
    const op = OPS.find((o) => src.startsWith(o, i));
    if (op === undefined) throw new ArithError(`arithmetic expression: expecting primary: "${src}"`);
    out.push({ k: "op", s: op });
    i += op.length;
  }
  out.push({ k: "end" });
  return out;
}

/** Binary operators by precedence, loosest first (C's table). */
const LEVELS: readonly (readonly string[])[] = [["||"], ["&&"], ["|"], ["^"], ["&"], ["==", "!="], ["<", "<=", ">", ">="], ["<<", ">>"], ["+", "-"], ["*", "/", "%"]];
const ASSIGN = new Set(["=", "*=", "/=", "%=", "+=", "-=", "<<=", ">>=", "&=", "^=", "|="]);

/** Evaluates `src`; the untaken side of && || ?: is parsed but has no effect (`live` false). */
export function evaluate(src: string, vars: ArithVars): bigint {
  const toks = tokenize(src);
  let p = 0;
  const peek = () => toks[p];
  const isOp = (s: string) => {
    const t = toks[p];
    return t.k === "op" && t.s === s;
  };
  const fail = (what: string): never => {
    throw new ArithError(`arithmetic expression: ${what}: "${src}"`);
  };
  const valueOf = (name: string): bigint => {
    const text = vars.get(name);
    if (text === undefined || text === "") return 0n;
    const v = parseNumber(text);
    if (v === undefined) throw new ArithError(`Illegal number: ${text}`);
    return v;
  };
  const binary = (op: string, a: bigint, b: bigint, live: boolean): bigint => {
    switch (op) {
      case "||": return a !== 0n || b !== 0n ? 1n : 0n;
      case "&&": return a !== 0n && b !== 0n ? 1n : 0n;
      case "|": return a | b;
      case "^": return a ^ b;
      case "&": return a & b;
      case "==": return a === b ? 1n : 0n;
      case "!=": return a !== b ? 1n : 0n;
      case "<": return a < b ? 1n : 0n;
      case "<=": return a <= b ? 1n : 0n;
      case ">": return a > b ? 1n : 0n;
      case ">=": return a >= b ? 1n : 0n;
      case "<<": return wrap(a << (b & 63n));
      case ">>": return a >> (b & 63n);
      case "+": return wrap(a + b);
      case "-": return wrap(a - b);
      case "*": return wrap(a * b);
      case "/":
      case "%":
        if (b === 0n) return live ? fail("division by zero") : 0n;
        return wrap(op === "/" ? a / b : a % b);
    }
    return fail("expecting primary");
  };

  function primary(live: boolean): bigint {
    const t = peek();
    if (t.k === "op" && ["+", "-", "!", "~"].includes(t.s)) {
      p++;
      const v = primary(live);
      return t.s === "+" ? v : t.s === "-" ? wrap(-v) : t.s === "!" ? (v === 0n ? 1n : 0n) : ~v;
    }
    if (t.k === "op" && t.s === "(") {
      p++;
      const v = assignment(live);
      if (!isOp(")")) fail("expecting ')'");
      p++;
      return v;
    }
    if (t.k === "num") {
      p++;
      return t.v;
    }
    if (t.k === "name") {
      p++;
      const n = toks[p];
      if (n.k === "op" && ASSIGN.has(n.s)) {
        p++;
        const rhs = assignment(live);
        if (!live) return rhs;
        const v = n.s === "=" ? rhs : binary(n.s.slice(0, -1), valueOf(t.s), rhs, live);
        vars.set(t.s, String(v));
        return v;
      }
      return live ? valueOf(t.s) : 0n;
    }
    return fail("expecting primary");
  }

  function level(i: number, live: boolean): bigint {
    if (i === LEVELS.length) return primary(live);
    let a = level(i + 1, live);
    for (;;) {
      const t = peek();
      if (t.k !== "op" || !LEVELS[i].includes(t.s)) return a;
      p++;
      // The right side of && and || is evaluated only when it decides (no assignments otherwise).
      const rightLive = live && !(t.s === "&&" && a === 0n) && !(t.s === "||" && a !== 0n);
      const b = level(i + 1, rightLive);
      a = binary(t.s, a, b, rightLive);
    }
  }

  /** cond ? a : b, and (through primary) assignments: the loosest-binding forms. */
  function assignment(live: boolean): bigint {
    const cond = level(0, live);
    if (!isOp("?")) return cond;
    p++;
    const yes = assignment(live && cond !== 0n);
    if (!isOp(":")) fail("expecting ':'");
    p++;
    const no = assignment(live && cond === 0n);
    return cond !== 0n ? yes : no;
  }

  if (peek().k === "end") return 0n;
  const v = assignment(true);
  if (peek().k !== "end") fail("expecting EOF");
  return v;
}
