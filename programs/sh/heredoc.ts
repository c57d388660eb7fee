/**
 * Here-documents (POSIX 2.7.4): `<<WORD` and `<<-WORD` take the lines after the current one, up
 * to a line that is WORD (leading tabs removed, for <<-, from the body and the delimiter line).
 * A quoted WORD makes the body literal; otherwise it expands as inside double quotes, except that
 * a `"` is itself. The lexer registers each one when the parser meets it and reads the bodies
 * when it reaches the newline that ends the line.
 */
import type { Part, Redir } from "./ast.js";

/** What reading bodies needs of the lexer (lex.ts): its text and position, and how it fails. */
export interface BodySource {
  readonly src: string;
  pos: number;
  line: number;
  /** More input may follow: a body the text does not finish waits for it. */
  readonly partial: boolean;
  fail(message: string): never;
}

/** A here-document whose body is read after the next newline. */
export interface PendingHeredoc {
  redir: Redir;
  delim: string;
  strip: boolean;
  quoted: boolean;
}

export function pendingHeredoc(redir: Redir, strip: boolean): PendingHeredoc {
  const t = redir.target;
  const quoted = t.parts.some((p) => p.k !== "lit" || p.q);
  const delim = t.parts.map((p) => (p.k === "lit" ? p.s : "")).join("") || t.raw;
  return { redir, delim, strip, quoted };
}

/**
 * Reads each body from the lexer's position (just after a newline) and fills in its redirection;
 * `expandable` turns an unquoted body into parts (the lexer's $ and ` reading).
 */
export function readHeredocs(lx: BodySource, pending: PendingHeredoc[], expandable: (body: string, line: number) => Part[]): void {
  for (const h of pending) {
    const start = lx.pos;
    let body = "";
    for (;;) {
      if (lx.pos >= lx.src.length) {
        // The text ended first: dash takes what there is (unless more input may still come).
        if (lx.partial) lx.fail(`here-document wanted "${h.delim}"`);
        break;
      }
      const nl = lx.src.indexOf("\n", lx.pos);
      const end = nl < 0 ? lx.src.length : nl;
      let text = lx.src.slice(lx.pos, end);
      if (h.strip) text = text.replace(/^\t+/, "");
      if (nl < 0 && lx.partial) lx.fail(`here-document wanted "${h.delim}"`);
      lx.pos = nl < 0 ? end : nl + 1;
      lx.line++;
      if (text === h.delim) break;
      body += nl < 0 ? text : `${text}\n`;
    }
    h.redir.heredoc = { body: h.quoted ? [{ k: "lit", s: body, q: true }] : expandable(body, lx.line), raw: lx.src.slice(start, lx.pos) };
  }
}
