/**
 * What the lexer (lex.ts) hands the parser: tokens, and the syntax error either of them raises,
 * worded as dash words it.
 */
import type { Word } from "./ast.js";

/** A syntax error, worded as dash words it. `atEof`: more input could have completed the command. */
export class ShSyntaxError extends Error {
  constructor(
    message: string,
    readonly line: number,
    readonly atEof: boolean,
    /** dash prints a few parse errors without the "Syntax error: " prefix ("Bad substitution"). */
    readonly bare = false,
  ) {
    super(message);
  }
  /** The text after "sh: LINE: ". */
  get text(): string {
    return this.bare ? this.message : `Syntax error: ${this.message}`;
  }
}

interface TokenBase {
  start: number;
  end: number;
  line: number;
}
export type Token =
  | (TokenBase & { t: "word"; word: Word })
  /** The N of N>file: digits written right before a redirection operator. */
  | (TokenBase & { t: "io"; n: number })
  | (TokenBase & { t: "op"; op: string })
  | (TokenBase & { t: "nl" })
  | (TokenBase & { t: "eof" });
