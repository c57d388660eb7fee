/**
 * The lexer: source text to tokens (words with their quoting kept as parts, operators,
 * newlines). Quoting is resolved here, once, so expansion never looks at backslashes again.
 */
import type { Part, ParamOp, Redir, Word } from "./ast.js";
import { pendingHeredoc, readHeredocs, type PendingHeredoc } from "./heredoc.js";
import { ShSyntaxError, type Token } from "./tokens.js";

// Longest first, so ">>" wins over ">".
const OPERATORS = ["<<-", "&&", "||", ";;", "<<", ">>", "<&", ">&", "<>", ">|", ";", "&", "|", "(", ")", "<", ">"];
const META = new Set([" ", "\t", "\n", ";", "&", "|", "<", ">", "(", ")"]);
const NAME_START = /[A-Za-z_]/;
const NAME_CHAR = /[A-Za-z0-9_]/;
const SPECIAL_PARAMS = new Set(["?", "!", "$", "#", "@", "*", "-", "0", "1", "2", "3", "4", "5", "6", "7", "8", "9"]);

export class Lexer {
  pos: number;
  line: number;
  /** Here-documents whose bodies start after the next newline. */
  private readonly pending: PendingHeredoc[] = [];

  constructor(
    readonly src: string,
    pos = 0,
    line = 1,
    /** More input may follow `src` (a terminal or pipe read line by line): an unfinished body waits for it. */
    readonly partial = false,
  ) {
    this.pos = pos;
    this.line = line;
  }

  /** `redir` (<< or <<-) takes the lines after the current one (heredoc.ts). */
  heredoc(redir: Redir, strip: boolean): void {
    this.pending.push(pendingHeredoc(redir, strip));
  }

  /** A here-document's unquoted body as parts: $ and ` expand, a backslash quotes only $ ` \\ and newline. */
  static expandable(body: string, line: number): Part[] {
    const lx = new Lexer(body, 0, line);
    const parts = new PartList();
    while (lx.pos < body.length) {
      const c = body[lx.pos];
      if (c === "$") lx.readDollar(parts, true);
      else if (c === "`") lx.readBackquote(parts, true);
      else if (c === "\\" && "$`\\\n".includes(body[lx.pos + 1] ?? "")) {
        if (body[lx.pos + 1] !== "\n") parts.lit(body[lx.pos + 1], true);
        lx.pos += 2;
      } else {
        parts.lit(c, true);
        lx.pos++;
      }
    }
    return parts.done();
  }

  /** Throws a syntax error at the current position (heredoc.ts reports through it too). */
  fail(message: string, bare = false): never {
    throw new ShSyntaxError(message, this.line, this.pos >= this.src.length, bare);
  }

  /** Skips a backslash-newline pair (a line continuation) wherever one may stand. */
  private skipContinuations(): void {
    while (this.src[this.pos] === "\\" && this.src[this.pos + 1] === "\n") {
      this.pos += 2;
      this.line++;
    }
  }

  private skipBlanks(): void {
    for (;;) {
      this.skipContinuations();
      const c = this.src[this.pos];
      if (c === " " || c === "\t") this.pos++;
      else if (c === "#") {
        while (this.pos < this.src.length && this.src[this.pos] !== "\n") this.pos++;
      } else return;
    }
  }

  next(): Token {
    this.skipBlanks();
    const start = this.pos;
    const line = this.line;
    if (this.pos >= this.src.length) {
      if (this.pending.length > 0) readHeredocs(this, this.pending.splice(0), Lexer.expandable); // `cat <<EOF` and nothing after: an empty body
      return { t: "eof", start, end: start, line };
    }
    if (this.src[this.pos] === "\n") {
      this.pos++;
      this.line++;
      if (this.pending.length > 0) readHeredocs(this, this.pending.splice(0), Lexer.expandable);
      return { t: "nl", start, end: this.pos, line };
    }
    for (const op of OPERATORS) {
      if (this.src.startsWith(op, this.pos)) {
        this.pos += op.length;
        return { t: "op", op, start, end: this.pos, line };
      }
    }
    const word = this.readWord();
    const end = this.pos;
    const c = this.src[this.pos];
    if ((c === "<" || c === ">") && /^[0-9]+$/.test(word.raw)) return { t: "io", n: Number(word.raw), start, end, line };
    return { t: "word", word, start, end, line };
  }

  /** Reads one word up to an unquoted metacharacter. */
  private readWord(): Word {
    const start = this.pos;
    const parts = new PartList();
    if (this.src[this.pos] === "~") this.readTilde(parts);
    for (;;) {
      this.skipContinuations();
      const c = this.src[this.pos];
      if (c === undefined || META.has(c)) break;
      if (c === "'") this.readSingle(parts);
      else if (c === '"') this.readDouble(parts);
      else if (c === "\\") {
        parts.lit(this.src[this.pos + 1] ?? "", true);
        this.pos += 2;
        if (this.pos > this.src.length) this.pos = this.src.length;
      } else if (c === "$") this.readDollar(parts, false);
      else if (c === "`") this.readBackquote(parts, false);
      else {
        parts.lit(c, false);
        this.pos++;
      }
    }
    return { parts: parts.done(), raw: this.src.slice(start, this.pos) };
  }

  /** ~ or ~user, when nothing in it is quoted; otherwise the ~ stays a literal. */
  private readTilde(parts: PartList): void {
    let end = this.pos + 1;
    while (end < this.src.length && this.src[end] !== "/" && !META.has(this.src[end])) end++;
    const user = this.src.slice(this.pos + 1, end);
    if (/^[A-Za-z0-9_.-]*$/.test(user)) {
      parts.push({ k: "tilde", user });
      this.pos = end;
    }
  }

  private readSingle(parts: PartList): void {
    const close = this.src.indexOf("'", this.pos + 1);
    if (close < 0) {
      this.pos = this.src.length;
      this.fail("Unterminated quoted string");
    }
    const text = this.src.slice(this.pos + 1, close);
    this.line += countNewlines(text);
    parts.lit(text, true);
    this.pos = close + 1;
  }

  private readDouble(parts: PartList): void {
    this.pos++;
    parts.lit("", true); // "" is an empty field, not nothing
    for (;;) {
      const c = this.src[this.pos];
      if (c === undefined) this.fail("Unterminated quoted string");
      if (c === '"') {
        this.pos++;
        return;
      }
      if (c === "\\") {
        const d = this.src[this.pos + 1];
        if (d === "\n") this.line++;
        else if (d === "$" || d === "`" || d === '"' || d === "\\") parts.lit(d, true);
        else parts.lit("\\", true);
        this.pos += d === "\n" || d === "$" || d === "`" || d === '"' || d === "\\" ? 2 : 1;
      } else if (c === "$") this.readDollar(parts, true);
      else if (c === "`") this.readBackquote(parts, true);
      else {
        if (c === "\n") this.line++;
        parts.lit(c, true);
        this.pos++;
      }
    }
  }

  /** $NAME, ${...}, $(...), $?, ...; a $ followed by nothing of these is a literal $. */
  private readDollar(parts: PartList, q: boolean): void {
    const c = this.src[this.pos + 1];
    if (c === "{") return this.readBraced(parts, q);
    if (c === "(" && this.src[this.pos + 2] === "(") return this.readArith(parts, q);
    if (c === "(") return this.readCommandSubst(parts, q);
    if (c !== undefined && SPECIAL_PARAMS.has(c)) {
      parts.push({ k: "param", name: c, q });
      this.pos += 2;
      return;
    }
    if (c !== undefined && NAME_START.test(c)) {
      let end = this.pos + 2;
      while (end < this.src.length && NAME_CHAR.test(this.src[end])) end++;
      parts.push({ k: "param", name: this.src.slice(this.pos + 1, end), q });
      this.pos = end;
      return;
    }
    parts.lit("$", q);
    this.pos++;
  }

  private readBraced(parts: PartList, q: boolean): void {
    this.pos += 2;
    let len = false;
    if (this.src[this.pos] === "#" && this.src[this.pos + 1] !== "}") {
      len = true;
      this.pos++;
    }
    const name = this.readParamName();
    if (name === "") this.badSubstitution();
    if (this.src[this.pos] === "}") {
      this.pos++;
      parts.push({ k: "param", name, q, len });
      return;
    }
    if (len) this.badSubstitution();
    const opMatch = /^(:?[-=+?]|##?|%%?)/.exec(this.src.slice(this.pos, this.pos + 2));
    if (!opMatch) this.badSubstitution();
    const op = opMatch[1] as ParamOp;
    this.pos += op.length;
    const arg = new PartList();
    for (;;) {
      this.skipContinuations();
      const c = this.src[this.pos];
      if (c === undefined) this.fail("Missing '}'");
      if (c === "}") break;
      if (c === "'" && !q) this.readSingle(arg);
      else if (c === '"') this.readDouble(arg);
      else if (c === "\\") {
        arg.lit(this.src[this.pos + 1] ?? "", true);
        this.pos += 2;
      } else if (c === "$") this.readDollar(arg, q);
      else if (c === "`") this.readBackquote(arg, q);
      else {
        if (c === "\n") this.line++;
        arg.lit(c, q);
        this.pos++;
      }
    }
    this.pos++;
    parts.push({ k: "param", name, q, op, arg: arg.done() });
  }

  private readParamName(): string {
    const c = this.src[this.pos];
    if (c === undefined) this.fail("Missing '}'");
    if (NAME_START.test(c)) {
      let end = this.pos + 1;
      while (end < this.src.length && NAME_CHAR.test(this.src[end])) end++;
      const name = this.src.slice(this.pos, end);
      this.pos = end;
      return name;
    }
    if (/[0-9]/.test(c)) {
      let end = this.pos + 1;
      while (end < this.src.length && /[0-9]/.test(this.src[end])) end++;
      const name = this.src.slice(this.pos, end);
      this.pos = end;
      return name;
    }
    if (SPECIAL_PARAMS.has(c)) {
      this.pos++;
      return c;
    }
    return "";
  }

  /** dash reports a malformed ${...} without the "Syntax error" prefix; an unclosed one with it. */
  private badSubstitution(): never {
    const close = this.src.indexOf("}", this.pos);
    if (close < 0) {
      this.pos = this.src.length;
      this.fail("Missing '}'");
    }
    this.fail("Bad substitution", true);
  }

  /** $(( ... )): the text up to the )) that closes it (nested parentheses counted), lexed as inside double quotes. */
  private readArith(parts: PartList, q: boolean): void {
    let depth = 0;
    let i = this.pos + 3;
    for (; i < this.src.length; i++) {
      const c = this.src[i];
      if (c === "(") depth++;
      else if (c === ")") {
        if (depth === 0 && this.src[i + 1] === ")") break;
        if (depth === 0) this.fail('Missing ")"');
        depth--;
      }
    }
    if (i >= this.src.length) {
      this.pos = this.src.length;
      this.fail('end of file unexpected (expecting ")")');
    }
    const src = this.src.slice(this.pos + 3, i);
    const inner = new Lexer(src, 0, this.line);
    const arith = new PartList();
    while (inner.pos < src.length) {
      const c = src[inner.pos];
      if (c === "$") inner.readDollar(arith, true);
      else if (c === "`") inner.readBackquote(arith, true);
      else if (c === '"' || c === "'" || c === "\\") inner.pos++; // quote removal
      else {
        arith.lit(c, true);
        inner.pos++;
      }
    }
    this.line += countNewlines(src);
    parts.push({ k: "arith", parts: arith.done(), src, q });
    this.pos = i + 2;
  }

  /** $( ... ): the text up to the matching ), found by lexing it (so quotes and nested parens count). */
  private readCommandSubst(parts: PartList, q: boolean): void {
    const inner = new Lexer(this.src, this.pos + 2, this.line);
    let depth = 0;
    for (;;) {
      const tok = inner.next();
      if (tok.t === "eof") {
        this.pos = inner.pos;
        this.line = inner.line;
        this.fail('end of file unexpected (expecting ")")');
      }
      if (tok.t === "op" && tok.op === "(") depth++;
      if (tok.t === "op" && tok.op === ")" && depth-- === 0) {
        parts.push({ k: "cmdsub", src: this.src.slice(this.pos + 2, tok.start), q });
        this.pos = tok.end;
        this.line = inner.line;
        return;
      }
    }
  }

  /** `...`: backslash quotes only $, ` and \ inside. */
  private readBackquote(parts: PartList, q: boolean): void {
    let text = "";
    let i = this.pos + 1;
    for (;;) {
      const c = this.src[i];
      if (c === undefined) {
        this.pos = i;
        this.fail("EOF in backquote substitution");
      }
      if (c === "`") break;
      if (c === "\\" && (this.src[i + 1] === "$" || this.src[i + 1] === "`" || this.src[i + 1] === "\\")) {
        text += this.src[i + 1];
        i += 2;
        continue;
      }
      if (c === "\n") this.line++;
      text += c;
      i++;
    }
    this.pos = i + 1;
    parts.push({ k: "cmdsub", src: text, q });
  }
}

/** Builds a part list, merging adjacent literals of the same quoting. */
class PartList {
  private parts: Part[] = [];
  lit(s: string, q: boolean): void {
    const last = this.parts[this.parts.length - 1];
    if (last && last.k === "lit" && last.q === q) last.s += s;
    else this.parts.push({ k: "lit", s, q });
  }
  push(p: Part): void {
    this.parts.push(p);
  }
  done(): Part[] {
    return this.parts;
  }
}

function countNewlines(s: string): number {
  let n = 0;
  for (const c of s) if (c === "\n") n++;
  return n;
}
