/**
 * POSIX regular expressions for natix's utilities (`natix/coreutils`, as gnulib gives coreutils
 * its regex): a BRE or ERE translated to JavaScript RegExp source with POSIX's and GNU's
 * meanings — \( \) \{ \} \| \+ \? in a BRE, bracket expressions with [:classes:],
 * \< \> \b \w, back-references numbered across several patterns — and POSIX's leftmost-longest
 * matches, which JavaScript's first-alternative matching does not give.
 */

/** A pattern POSIX (and GNU grep) refuses; the message is grep's. */
export class PatternError extends Error {}

export const WORD = "[\\p{L}\\p{N}_]";
const NONWORD = "[^\\p{L}\\p{N}_]";
const CLASSES: Record<string, string> = {
  alpha: "\\p{L}", digit: "0-9", alnum: "\\p{L}0-9", upper: "\\p{Lu}", lower: "\\p{Ll}", space: "\\s", blank: " \\t",
  punct: "!-\\/:-@\\[-`{-~", print: " -~\\u00a0-\\u{10ffff}", graph: "!-~\\u00a1-\\u{10ffff}", cntrl: "\\x00-\\x1f\\x7f",
  xdigit: "0-9A-Fa-f",
};
const UNMATCHED_BRACKET = "Unmatched [, [^, [:, [., or [=";
const SYNTAX = new Set("^$\\.*+?()[]{}|/".split(""));
export const escChar = (ch: string) => (SYNTAX.has(ch) ? "\\" + ch : ch);
const escClass = (ch: string) => ("\\]^-[".includes(ch) ? "\\" + ch : ch);

/** A bracket expression starting at p[i] === "[": [JS class, index after it]. */
function bracket(p: string, i: number): [string, number] {
  i++;
  let neg = false;
  if (p[i] === "^") (neg = true), i++;
  const parts: string[] = [];
  let first = true;
  const element = (): string | null => {
    // One character, or a [.x.] / [=x=] naming one; null for a [:class:] (pushed already).
    if (p[i] === "[" && ".=:".includes(p[i + 1] ?? "")) {
      const kind = p[i + 1];
      const end = p.indexOf(kind + "]", i + 2);
      if (end < 0) throw new PatternError(UNMATCHED_BRACKET);
      const name = p.slice(i + 2, end);
      i = end + 2;
      if (kind === ":") {
        if (!(name in CLASSES)) throw new PatternError("Invalid character class name");
        parts.push(CLASSES[name]);
        return null;
      }
      if ([...name].length !== 1) throw new PatternError("Invalid collation character");
      return name;
    }
    const ch = String.fromCodePoint(p.codePointAt(i)!);
    i += ch.length;
    return ch;
  };
  for (;;) {
    if (i >= p.length) throw new PatternError(UNMATCHED_BRACKET);
    if (p[i] === "]" && !first) {
      i++;
      break;
    }
    first = false;
    const lo = element();
    if (lo === null) continue;
    if (p[i] === "-" && i + 1 < p.length && p[i + 1] !== "]") {
      i++;
      const hi = element();
      if (hi === null || hi.codePointAt(0)! < lo.codePointAt(0)!) throw new PatternError("Invalid range end");
      parts.push(escClass(lo) + "-" + escClass(hi));
    } else parts.push(escClass(lo));
  }
  return [(neg ? "[^" : "[") + parts.join("") + "]", i];
}

/**
 * One POSIX pattern (BRE, or ERE when `extended`) as JavaScript regex source; its groups are
 * numbered from `base` + 1 (several patterns are joined into one RegExp).
 */
export function translate(p: string, extended: boolean, base: number): { src: string; groups: number } {
  let out = "";
  let groups = 0;
  const open: number[] = []; // [out index of "(", groups before]
  let atStart = true; // where "*" is literal and (in a BRE) "^" is an anchor
  let lastAtom = -1; // out index where the last quantifiable atom starts (-1: none)
  let quantified = false;
  const atom = (src: string) => {
    lastAtom = out.length;
    out += src;
    atStart = false;
    quantified = false;
  };
  const quantify = (q: string) => {
    if (lastAtom < 0) return atom(escChar(q[0]) + q.slice(1));
    if (quantified) out = out.slice(0, lastAtom) + "(?:" + out.slice(lastAtom) + ")";
    out += q;
    quantified = true;
  };
  const interval = (body: string): string | null => {
    // "m", "m,", "m,n", ",n": a JS quantifier, or null when it is not an interval.
    const m = /^(\d*)(,?)(\d*)$/.exec(body);
    if (!m || (m[1] === "" && m[2] === "") || (m[1] === "" && m[3] === "" && m[2] === ",") && !extended) return null;
    if (m[1] === "" && m[2] === "," && m[3] === "") return "*";
    const lo = m[1] === "" ? 0 : Number(m[1]);
    if (m[3] !== "" && Number(m[3]) < lo) throw new PatternError("Invalid content of \\{\\}");
    if (Math.max(lo, Number(m[3] || 0)) > 32767) throw new PatternError("Regular expression too big");
    return `{${lo}${m[2]}${m[3]}}`;
  };
  const alternation = () => {
    out += "|";
    atStart = true;
    lastAtom = -1;
    quantified = false;
  };
  const openGroup = () => {
    groups++;
    open.push(out.length);
    out += "(";
    atStart = true;
    lastAtom = -1;
  };
  const closeGroup = () => {
    const at = open.pop()!;
    out += ")";
    lastAtom = at;
    atStart = false;
    quantified = false;
  };
  for (let i = 0; i < p.length; ) {
    const c = p[i];
    if (c === "\\") {
      if (i + 1 >= p.length) throw new PatternError("Trailing backslash");
      const d = p[i + 1];
      i += 2;
      if (!extended && d === "(") openGroup();
      else if (!extended && d === ")") {
        if (open.length === 0) throw new PatternError("Unmatched ) or \\)");
        closeGroup();
      } else if (!extended && d === "|") alternation();
      else if (!extended && d === "{") {
        const end = p.indexOf("\\}", i);
        if (end < 0) throw new PatternError("Unmatched \\{");
        const q = interval(p.slice(i, end));
        if (q === null) throw new PatternError("Invalid content of \\{\\}");
        if (lastAtom < 0) throw new PatternError("Invalid preceding regular expression");
        quantify(q);
        i = end + 2;
      } else if (!extended && (d === "+" || d === "?")) {
        if (atStart) atom("\\" + d);
        else quantify(d);
      } else if (d >= "1" && d <= "9") {
        if (Number(d) > groups) throw new PatternError("Invalid back reference");
        atom(`\\${base + Number(d)}`);
      } else if (d === "<") atom(`(?<!${WORD})(?=${WORD})`);
      else if (d === ">") atom(`(?<=${WORD})(?!${WORD})`);
      else if (d === "b") atom(`(?:(?<=${WORD})(?!${WORD})|(?<!${WORD})(?=${WORD}))`);
      else if (d === "B") atom(`(?:(?<=${WORD})(?=${WORD})|(?<!${WORD})(?!${WORD}))`);
      else if (d === "w") atom(WORD);
      else if (d === "W") atom(NONWORD);
      else if (d === "s") atom("\\s");
      else if (d === "S") atom("\\S");
      else if (d === "`") atom("^");
      else if (d === "'") atom("$");
      else {
        const ch = String.fromCodePoint(p.codePointAt(i - 1)!);
        i += ch.length - 1;
        atom(escChar(ch));
      }
      continue;
    }
    if (c === "[") {
      const [cls, next] = bracket(p, i);
      i = next;
      atom(cls);
      continue;
    }
    i++;
    if (c === "*") {
      if (atStart) atom("\\*");
      else quantify("*");
    } else if (c === "^") {
      if (extended || atStart) {
        out += "^";
        lastAtom = -1;
      } else atom("\\^");
    } else if (c === "$") {
      const rest = p.slice(i);
      if (extended || rest === "" || rest.startsWith("\\)") || rest.startsWith("\\|")) {
        out += "$";
        lastAtom = -1;
        atStart = false;
      } else atom("\\$");
    } else if (c === ".") atom(".");
    else if (extended && c === "(") openGroup();
    else if (extended && c === ")") {
      if (open.length === 0) atom("\\)");
      else closeGroup();
    } else if (extended && c === "|") alternation();
    else if (extended && (c === "+" || c === "?")) {
      if (atStart) atom("\\" + c);
      else quantify(c);
    } else if (extended && c === "{") {
      const end = p.indexOf("}", i);
      const q = end < 0 ? null : interval(p.slice(i, end));
      if (q === null || lastAtom < 0) atom("\\{");
      else {
        quantify(q);
        i = end + 1;
      }
    } else {
      const ch = String.fromCodePoint(p.codePointAt(i - 1)!);
      i += ch.length - 1;
      atom(escChar(ch));
    }
  }
  if (open.length > 0) throw new PatternError("Unmatched ( or \\(");
  return { src: out, groups };
}

/** All patterns as one RegExp (an alternation, back-references renumbered). */
export function compile(patterns: string[], o: { mode: string; x?: boolean; w?: boolean; i?: boolean }): RegExp {
  const alts: string[] = [];
  let base = 0;
  for (const p of patterns) {
    if (o.mode === "F") alts.push([...p].map(escChar).join(""));
    else {
      const t = translate(p, o.mode === "E", base);
      base += t.groups;
      alts.push(t.src);
    }
  }
  let src = alts.map((a) => `(?:${a})`).join("|");
  if (o.x) src = `^(?:${src})$`;
  else if (o.w) src = `(?<!${WORD})(?:${src})(?!${WORD})`;
  try {
    return new RegExp(src, o.i ? "sui" : "su");
  } catch {
    throw new PatternError(`Invalid regular expression`);
  }
}

/**
 * The non-empty matches in `text`, left to right, each the longest at its start as POSIX
 * requires (JavaScript takes the first alternative that matches: "ab\\|abc" would give "ab").
 */
export function longestMatches(re: RegExp, text: string): string[] {
  const found: string[] = [];
  const search = new RegExp(re.source, re.flags + "g");
  const exact = new Map<number, RegExp>(); // n → sticky RegExp matching only when n characters follow the match
  const endingAt = (n: number) => {
    let r = exact.get(n);
    if (r === undefined) exact.set(n, (r = new RegExp(`(?:${re.source})(?=[\\s\\S]{${n}}$)`, re.flags + "y")));
    return r;
  };
  for (let from = 0; from <= text.length; ) {
    search.lastIndex = from;
    const m = search.exec(text);
    if (m === null) break;
    let end = m.index + m[0].length;
    for (let e = text.length; e > end; e--) {
      const r = endingAt(text.length - e);
      r.lastIndex = m.index;
      if (r.test(text)) {
        end = e;
        break;
      }
    }
    if (end > m.index) found.push(text.slice(m.index, end));
    from = end > m.index ? end : m.index + 1;
  }
  return found;
}
