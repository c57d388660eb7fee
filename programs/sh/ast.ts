/**
 * The shell's syntax tree. Every command keeps the source text it came from, because a
 * subshell (and a builtin inside a pipeline) runs as a child `sh -c TEXT`: JavaScript cannot
 * fork, so the child gets the text again instead of a copy of our memory.
 */

/** One piece of a word, before expansion. `q` marks quoted text: no field splitting applies to it. */
export type Part =
  | { k: "lit"; s: string; q: boolean }
  /** $NAME, ${NAME}, $?, $1, ${NAME-word} ...: `op` is the ${} operator, `arg` its word. */
  | { k: "param"; name: string; q: boolean; op?: ParamOp; arg?: Part[]; len?: boolean }
  /** ~ or ~user at the start of an unquoted word. */
  | { k: "tilde"; user: string }
  /** $( ... ) or `...`: run as a child shell, its output is the text. */
  | { k: "cmdsub"; src: string; q: boolean }
  /** $(( expression )): its text's own expansions (as inside double quotes), then evaluated. */
  | { k: "arith"; parts: Part[]; src: string; q: boolean };

export type ParamOp = "-" | ":-" | "=" | ":=" | "+" | ":+" | "?" | ":?" | "#" | "##" | "%" | "%%";

export interface Word {
  parts: Part[];
  /** The word as written (for assignments' names, reserved words and messages). */
  raw: string;
}

export type RedirOp = "<" | ">" | ">>" | ">|" | "<>" | ">&" | "<&" | "<<" | "<<-";

export interface Redir {
  /** The descriptor redirected (N in N>file); the operator's default when not written. */
  fd: number;
  op: RedirOp;
  /** The file, descriptor or (for << and <<-) the delimiter. */
  target: Word;
  /** A here-document's body, filled in once the lines after the command are read. */
  heredoc?: Heredoc;
}

export interface Heredoc {
  /** The body to expand (as inside double quotes; all literal when the delimiter was quoted). */
  body: Part[];
  /** The body's source lines and the delimiter line, as written: a child shell gets them again. */
  raw: string;
}

export interface Assign {
  name: string;
  value: Word;
}

interface Node {
  /** The command's source text, for running it again in a child shell. */
  src: string;
  /** Here-documents inside it: their bodies follow its line, so a child shell is given them after `src`. */
  heredocs?: Redir[];
  /** The line it starts on, for messages ("sh: LINE: ..."). */
  line: number;
}

export interface Simple extends Node {
  type: "simple";
  assigns: Assign[];
  words: Word[];
  redirs: Redir[];
}

/** ( list ) — always a child shell. */
export interface Subshell extends Node {
  type: "subshell";
  body: List;
  /** The text between the parentheses: what the child shell runs. */
  inner: string;
  redirs: Redir[];
}

/** { list; } — runs in this shell. */
export interface Group extends Node {
  type: "group";
  body: List;
  redirs: Redir[];
}

/** if LIST then LIST [elif LIST then LIST]... [else LIST] fi */
export interface If extends Node {
  type: "if";
  clauses: { cond: List; body: List }[];
  elseBody?: List;
  redirs: Redir[];
}

/** while LIST do LIST done, or until (the condition negated). */
export interface Loop extends Node {
  type: "loop";
  until: boolean;
  cond: List;
  body: List;
  redirs: Redir[];
}

/** for NAME [in WORD...] do LIST done; without `in`, over "$@". */
export interface For extends Node {
  type: "for";
  name: string;
  words: Word[] | null;
  body: List;
  redirs: Redir[];
}

/** case WORD in PATTERN[|PATTERN]...) LIST;; ... esac */
export interface Case extends Node {
  type: "case";
  subject: Word;
  items: { patterns: Word[]; body: List | null }[];
  redirs: Redir[];
}

export type Compound = If | Loop | For | Case;

/** NAME ( ) COMMAND: defines a function; its `src` is the whole definition (a child shell gets it again). */
export interface FuncDef extends Node {
  type: "funcdef";
  name: string;
  body: Command;
}

export type Command = Simple | Subshell | Group | Compound | FuncDef;

export interface Pipeline extends Node {
  negate: boolean;
  cmds: Command[];
}

export interface AndOr extends Node {
  first: Pipeline;
  rest: { op: "&&" | "||"; pipeline: Pipeline }[];
}

export interface List {
  items: { andOr: AndOr; background: boolean }[];
}
