/**
 * The parser: tokens to the tree of ast.ts, one complete command (a list ended by a newline)
 * at a time, because dash runs each line before it reads the next: `echo a` on line 1 prints
 * even when line 2 has a syntax error.
 */
import type { AndOr, Assign, Case, Command, Compound, FuncDef, List, Pipeline, Redir, RedirOp, Simple, Word } from "./ast.js";
import { Lexer } from "./lex.js";
import { ShSyntaxError, type Token } from "./tokens.js";

export { ShSyntaxError } from "./tokens.js";

const REDIR_OPS = new Set(["<", ">", ">>", ">|", "<>", ">&", "<&"]);
/** Reserved words that start a compound command (compound.ts). */
const COMPOUND = new Set(["if", "while", "until", "for", "case"]);
/** Reserved words that may not start a command (dash: `"then" unexpected`). */
const MISPLACED = new Set(["then", "else", "elif", "fi", "do", "done", "esac", "}", "in"]);
const RESERVED = new Set([...COMPOUND, ...MISPLACED, "{", "!"]);
/** A compound command before its redirections and source are known. */
type Bare<T> = T extends unknown ? Omit<T, "redirs" | "src" | "line"> : never;
const NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
const ASSIGNMENT = /^([A-Za-z_][A-Za-z0-9_]*)=/;

export class Parser {
  private readonly lexer: Lexer;
  /** The lookahead, lexed only when asked for: after a command's newline nothing more is read, so a stdin reader can stop there. */
  private peeked: Token | null = null;
  /** Where the last consumed token ended: the end of a node's source text. */
  private lastEnd = 0;
  /** Every here-document redirection so far, in order: a node takes those made while it was parsed. */
  private readonly heredocs: Redir[] = [];

  constructor(
    readonly src: string,
    pos = 0,
    line = 1,
    /** More input may follow (read line by line): an unfinished here-document waits for it. */
    partial = false,
  ) {
    this.lexer = new Lexer(src, pos, line, partial);
  }

  /** The here-documents registered since `from` (a node's own), if any. */
  private heredocsSince(from: number): { heredocs?: Redir[] } {
    return this.heredocs.length > from ? { heredocs: this.heredocs.slice(from) } : {};
  }

  private tok(): Token {
    return (this.peeked ??= this.lexer.next());
  }

  /** Where the text not parsed yet starts (after a complete command), to resume there. */
  get position(): { pos: number; line: number } {
    return { pos: this.lexer.pos, line: this.lexer.line };
  }

  /** The next complete command, or null at the end of the text. */
  parseCommand(): List | null {
    while (this.tok().t === "nl") this.advance();
    if (this.tok().t === "eof") return null;
    const list = this.parseList(null);
    if (this.tok().t === "nl") this.advance();
    else if (this.tok().t !== "eof") this.unexpected();
    return list;
  }

  private advance(): Token {
    const t = this.tok();
    this.lastEnd = t.end;
    this.peeked = null;
    return t;
  }

  /** dash's message for a token where it cannot stand, with what it expected if anything. */
  private unexpected(expecting?: string): never {
    const t = this.tok();
    const name =
      t.t === "eof" ? "end of file" : t.t === "nl" ? "newline" : t.t === "op" ? `"${t.op}"` : t.t === "io" ? `"${t.n}"` : isReserved(t.word) && RESERVED.has(t.word.raw) ? `"${t.word.raw}"` : "word";
    const suffix = expecting ? ` (expecting "${expecting}")` : "";
    throw new ShSyntaxError(`${name} unexpected${suffix}`, this.lexer.line, t.t === "eof");
  }

  private isOp(op: string): boolean {
    const t = this.tok();
    return t.t === "op" && t.op === op;
  }

  private isWord(raw: string): boolean {
    const t = this.tok();
    return t.t === "word" && t.word.raw === raw;
  }

  private skipNewlines(): void {
    while (this.tok().t === "nl") this.advance();
  }

  /** Whether the lookahead is one of `closers`: an operator (")" or ";;") or a reserved word. */
  private atCloser(closers: readonly string[]): boolean {
    const t = this.tok();
    if (t.t === "op") return closers.includes(t.op);
    return t.t === "word" && isReserved(t.word) && closers.includes(t.word.raw);
  }

  /**
   * and-or lists separated by ; & (and, inside a compound command, newlines), up to one of
   * `closers` (")", "}", "fi", "done", ...), or at top level up to a newline. `expecting` names
   * the closer dash mentions when the text ends first.
   */
  private parseList(closers: readonly string[] | null, expecting = closers?.[closers.length - 1]): List {
    const items: List["items"] = [];
    if (closers) this.skipNewlines();
    for (;;) {
      if (!this.startsCommand()) this.unexpected(closers !== null && this.tok().t === "eof" ? expecting : undefined);
      const andOr = this.parseAndOr();
      const separated = this.isOp(";") || this.isOp("&");
      const background = separated && (this.advance() as { op: string }).op === "&";
      items.push({ andOr, background });
      if (closers === null) {
        if (!separated || this.tok().t === "nl" || this.tok().t === "eof" || !this.startsCommand()) return { items };
        continue;
      }
      if (!separated && this.tok().t !== "nl" && !this.atCloser(closers)) this.unexpected(this.tok().t === "eof" ? expecting : undefined);
      this.skipNewlines();
      if (this.atCloser(closers)) return { items };
      if (this.tok().t === "eof") this.unexpected(expecting);
    }
  }

  /** Consumes reserved word `word`, or fails saying it was expected. */
  private expectWord(word: string): void {
    if (!this.atCloser([word])) this.unexpected(word);
    this.advance();
  }

  private startsCommand(): boolean {
    const t = this.tok();
    if (t.t === "word") return !MISPLACED.has(t.word.raw) || !isReserved(t.word);
    if (t.t === "io") return true;
    return t.t === "op" && (t.op === "(" || REDIR_OPS.has(t.op) || t.op === "<<" || t.op === "<<-");
  }

  private parseAndOr(): AndOr {
    const start = this.tok().start;
    const line = this.tok().line;
    const h0 = this.heredocs.length;
    const first = this.parsePipeline();
    const rest: AndOr["rest"] = [];
    while (this.isOp("&&") || this.isOp("||")) {
      const op = (this.advance() as { op: "&&" | "||" }).op;
      this.skipNewlines();
      rest.push({ op, pipeline: this.parsePipeline() });
    }
    return { first, rest, src: this.src.slice(start, this.lastEnd), line, ...this.heredocsSince(h0) };
  }

  private parsePipeline(): Pipeline {
    const start = this.tok().start;
    const line = this.tok().line;
    const h0 = this.heredocs.length;
    let negate = false;
    const t0 = this.tok();
    if (t0.t === "word" && t0.word.raw === "!") {
      negate = true;
      this.advance();
    }
    const cmds = [this.parseUnit()];
    while (this.isOp("|")) {
      this.advance();
      this.skipNewlines();
      cmds.push(this.parseUnit());
    }
    return { negate, cmds, src: this.src.slice(start, this.lastEnd), line, ...this.heredocsSince(h0) };
  }

  /** One command of a pipeline: ( list ), { list; } or a simple command. */
  private parseUnit(): Command {
    const start = this.tok().start;
    const line = this.tok().line;
    const h0 = this.heredocs.length;
    if (this.isOp("(")) {
      const open = this.advance();
      const body = this.parseList([")"]);
      if (!this.isOp(")")) this.unexpected(")");
      const inner = this.src.slice(open.end, this.advance().start);
      const redirs = this.parseRedirs();
      return { type: "subshell", body, inner, redirs, src: this.src.slice(start, this.lastEnd), line, ...this.heredocsSince(h0) };
    }
    const t = this.tok();
    if (t.t === "word" && isReserved(t.word)) {
      const raw = t.word.raw;
      if (raw === "{") {
        this.advance();
        const body = this.parseList(["}"]);
        this.advance();
        const redirs = this.parseRedirs();
        return { type: "group", body, redirs, src: this.src.slice(start, this.lastEnd), line, ...this.heredocsSince(h0) };
      }
      if (COMPOUND.has(raw)) return { ...this.parseCompound(raw, start, line), ...this.heredocsSince(h0) };
      if (MISPLACED.has(raw) || raw === "!") this.unexpected();
    }
    return { ...this.parseSimple(start, line), ...this.heredocsSince(h0) };
  }

  /** if / while / until / for / case, and the redirections after it. */
  private parseCompound(word: string, start: number, line: number): Command {
    this.advance();
    const node = word === "if" ? this.parseIf() : word === "for" ? this.parseFor() : word === "case" ? this.parseCase() : this.parseLoop(word === "until");
    const redirs = this.parseRedirs();
    return { ...node, redirs, src: this.src.slice(start, this.lastEnd), line } as Command;
  }

  private parseIf(): Bare<Compound> {
    const clauses: { cond: List; body: List }[] = [];
    let elseBody: List | undefined;
    for (;;) {
      const cond = this.parseList(["then"]);
      this.expectWord("then");
      clauses.push({ cond, body: this.parseList(["elif", "else", "fi"]) });
      if (this.atCloser(["elif"])) {
        this.advance();
        continue;
      }
      if (this.atCloser(["else"])) {
        this.advance();
        elseBody = this.parseList(["fi"]);
      }
      this.expectWord("fi");
      return { type: "if", clauses, elseBody };
    }
  }

  private parseLoop(until: boolean): Bare<Compound> {
    const cond = this.parseList(["do"]);
    this.expectWord("do");
    const body = this.parseList(["done"]);
    this.expectWord("done");
    return { type: "loop", until, cond, body };
  }

  private parseFor(): Bare<Compound> {
    const t = this.tok();
    if (t.t !== "word" || !NAME.test(t.word.raw)) throw new ShSyntaxError("Bad for loop variable", this.lexer.line, t.t === "eof");
    this.advance();
    let words: Word[] | null = null;
    this.skipNewlines();
    if (this.atCloser(["in"])) {
      this.advance();
      words = [];
      for (let w = this.tok(); w.t === "word"; w = this.tok()) words.push((this.advance() as { word: Word }).word);
      if (!this.isOp(";") && this.tok().t !== "nl") this.unexpected("do");
      this.advance();
    } else if (this.isOp(";")) this.advance();
    this.skipNewlines();
    this.expectWord("do");
    const body = this.parseList(["done"]);
    this.expectWord("done");
    return { type: "for", name: t.word.raw, words, body };
  }

  private parseCase(): Bare<Compound> {
    const t = this.tok();
    if (t.t !== "word") this.unexpected();
    this.advance();
    this.skipNewlines();
    this.expectWord("in");
    const items: Case["items"] = [];
    this.skipNewlines();
    while (!this.atCloser(["esac"])) {
      if (this.isOp("(")) this.advance();
      const patterns: Word[] = [];
      for (;;) {
        const p = this.tok();
        if (p.t !== "word") this.unexpected(")");
        patterns.push((this.advance() as { word: Word }).word);
        if (!this.isOp("|")) break;
        this.advance();
      }
      if (!this.isOp(")")) this.unexpected(")");
      this.advance();
      this.skipNewlines();
      items.push({ patterns, body: this.atCloser([";;", "esac"]) ? null : this.parseList([";;", "esac"], ";;") });
      if (!this.isOp(";;")) break;
      this.advance();
      this.skipNewlines();
    }
    this.expectWord("esac");
    return { type: "case", subject: t.word, items };
  }

  private parseSimple(start: number, line: number): Simple | FuncDef {
    const assigns: Assign[] = [];
    const words: Word[] = [];
    const redirs: Redir[] = [];
    for (;;) {
      const t = this.tok();
      if (t.t === "io" || (t.t === "op" && (REDIR_OPS.has(t.op) || t.op === "<<" || t.op === "<<-"))) redirs.push(this.parseRedir());
      else if (t.t === "word") {
        const assign = words.length === 0 ? asAssignment(t.word) : null;
        if (assign) assigns.push(assign);
        else words.push(t.word);
        this.advance();
      } else break;
    }
    if (this.isOp("(")) {
      // NAME ( ) COMMAND is a function definition; anything else before "(" is an error.
      if (words.length !== 1 || assigns.length > 0 || redirs.length > 0) this.unexpected();
      const name = words[0].raw;
      if (!NAME.test(name)) throw new ShSyntaxError(`Bad function name`, this.tok().line, false, true);
      this.advance();
      if (!this.isOp(")")) this.unexpected(")");
      this.advance();
      this.skipNewlines();
      if (!this.startsCommand()) this.unexpected();
      const body = this.parseUnit();
      return { type: "funcdef", name, body, src: this.src.slice(start, this.lastEnd), line };
    }
    if (assigns.length + words.length + redirs.length === 0) this.unexpected();
    return { type: "simple", assigns, words, redirs, src: this.src.slice(start, this.lastEnd), line };
  }

  private parseRedirs(): Redir[] {
    const redirs: Redir[] = [];
    for (let t = this.tok(); t.t === "io" || (t.t === "op" && (REDIR_OPS.has(t.op) || t.op === "<<" || t.op === "<<-")); t = this.tok()) redirs.push(this.parseRedir());
    return redirs;
  }

  private parseRedir(): Redir {
    let fd: number | undefined;
    if (this.tok().t === "io") fd = (this.advance() as { n: number }).n;
    const t = this.tok();
    if (t.t !== "op") this.unexpected();
    const op = t.op;
    const heredoc = op === "<<" || op === "<<-";
    if (!REDIR_OPS.has(op) && !heredoc) this.unexpected();
    this.advance();
    if (this.tok().t !== "word") this.unexpected();
    const target = (this.advance() as { word: Word }).word;
    const redir: Redir = { fd: fd ?? (op[0] === "<" ? 0 : 1), op: op as RedirOp, target };
    if (heredoc) {
      // Registered before the next token is lexed: the body starts after this line's newline.
      this.lexer.heredoc(redir, op === "<<-");
      this.heredocs.push(redir);
    }
    return redir;
  }
}

/** A word written plainly (no quoting, no expansion): the only kind that can be a reserved word. */
function isReserved(word: Word): boolean {
  return word.parts.length === 1 && word.parts[0].k === "lit" && !word.parts[0].q;
}

/** NAME=value with NAME unquoted: an assignment; the value is the rest of the word. */
function asAssignment(word: Word): Assign | null {
  const m = ASSIGNMENT.exec(word.raw);
  const first = word.parts[0];
  if (!m || !first || first.k !== "lit" || first.q || !first.s.startsWith(m[0])) return null;
  const rest = first.s.slice(m[0].length);
  const parts = rest === "" ? word.parts.slice(1) : [{ ...first, s: rest }, ...word.parts.slice(1)];
  return { name: m[1], value: { parts, raw: word.raw.slice(m[0].length) } };
}

/** Parses a whole text (for tests and for `sh -c`'s syntax check): every complete command. */
export function parseAll(src: string): List[] {
  const parser = new Parser(src);
  const lists: List[] = [];
  for (let list; (list = parser.parseCommand()) !== null; ) lists.push(list);
  return lists;
}
