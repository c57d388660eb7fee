/**
 * natix's /bin/sh, modelled on dash:
 *   sh -c CMD [NAME [ARGS...]]   runs CMD ($0 = NAME)
 *   sh FILE [ARGS...]            runs the script FILE ($0 = FILE)
 *   sh                           reads commands from stdin, prompting "$ " on stderr at a terminal
 * Each complete command is parsed and run before the next is read, as dash does.
 */
import { Executor } from "./exec.js";
import { close, getcwd, isatty, open, read, strerror, errno, E, O_RDONLY } from "./libc.js";
import { Parser, ShSyntaxError } from "./parse.js";
import { CommandError, ExitRequest, ReturnRequest, Shell } from "./state.js";

export default async function main(argv: string[]): Promise<number> {
  const sh = new Shell();
  sh.name = shellName(argv[0]);
  await sh.init();
  const cwd = await getcwd();
  if (cwd !== null) sh.export("PWD", cwd);
  const exec = new Executor(sh);
  try {
    await defineInherited(sh, exec);
    if (argv[1] === "-c") {
      if (argv[2] === undefined) {
        await sh.print(2, `${sh.name}: 0: -c requires an argument\n`);
        return 2;
      }
      if (argv[3] !== undefined) sh.name = argv[3];
      sh.args = argv.slice(4);
      return await runText(sh, exec, argv[2]);
    }
    if (argv[1] !== undefined) {
      sh.args = argv.slice(2);
      const text = await readFile(argv[1]);
      if (typeof text === "number") {
        const why = text === E.ENOENT ? "No such file" : strerror(text);
        await sh.print(2, `${sh.name}: 0: cannot open ${argv[1]}: ${why}\n`);
        return 2;
      }
      sh.name = argv[1];
      return await runText(sh, exec, text);
    }
    return await runInput(sh, exec);
  } catch (e) {
    if (e instanceof ExitRequest || e instanceof ReturnRequest) return e.status;
    throw e;
  }
}

/** A child shell standing for a subshell defines its parent's functions first (FUNCTIONS_ENV); its $? stays the parent's. */
async function defineInherited(sh: Shell, exec: Executor): Promise<void> {
  if (sh.inheritedFunctions === undefined) return;
  const status = sh.status;
  const parser = new Parser(sh.inheritedFunctions);
  for (let list = parser.parseCommand(); list !== null; list = parser.parseCommand()) await exec.runList(list);
  sh.status = status;
  sh.line = 1;
}

/**
 * $0 as dash sets it: argv[0] as given; but a program file's own path (natix run's
 * `programs/bin/sh.mjs`) says only "sh", the name the messages should carry.
 */
function shellName(arg0: string | undefined): string {
  if (arg0 === undefined) return "sh";
  if (/\.(mjs|js|ts)$/.test(arg0)) return arg0.replace(/^.*\//, "").replace(/\.(mjs|js|ts)$/, "").replace(/^main$/, "sh");
  return arg0;
}

/** Runs a whole text (a -c string or a script), one complete command at a time. */
async function runText(sh: Shell, exec: Executor, text: string): Promise<number> {
  const parser = new Parser(text);
  for (;;) {
    let list;
    try {
      list = parser.parseCommand();
    } catch (e) {
      if (!(e instanceof ShSyntaxError)) throw e;
      sh.line = e.line;
      await sh.error(e.text);
      return 2;
    }
    if (list === null) return sh.status;
    await runOne(sh, exec, list);
  }
}

async function runOne(sh: Shell, exec: Executor, list: Parameters<Executor["runList"]>[0]): Promise<void> {
  try {
    await exec.runList(list);
  } catch (e) {
    if (e instanceof CommandError) sh.status = e.status;
    else throw e;
  }
}

/**
 * Reads stdin through read(0) as lines arrive: a command is run once its lines are complete,
 * so `echo a; sleep 1` typed at a terminal prints before the next line is typed.
 */
async function runInput(sh: Shell, exec: Executor): Promise<number> {
  const interactive = (await isatty(0)) === 1;
  const decoder = new TextDecoder();
  const chunk = new Uint8Array(4096);
  let text = "";
  let pos = 0;
  let line = 1;
  let eof = false;
  let prompt = "$ ";
  for (;;) {
    const complete = text.lastIndexOf("\n") + 1;
    if (!eof && complete <= pos) {
      await readMore();
      continue;
    }
    const parser = new Parser(text.slice(0, eof ? text.length : complete), pos, line, !eof);
    let list;
    try {
      list = parser.parseCommand();
    } catch (e) {
      if (!(e instanceof ShSyntaxError)) throw e;
      if (e.atEof && !eof) {
        // The command goes on past what has arrived: read its next line.
        prompt = "> ";
        await readMore();
        continue;
      }
      sh.line = e.line;
      await sh.error(e.text);
      if (!interactive) return 2;
      sh.status = 2;
      ({ pos, line } = { pos: complete, line: e.line + 1 });
      prompt = "$ ";
      continue;
    }
    prompt = "$ ";
    ({ pos, line } = parser.position);
    if (list === null) {
      if (eof) return sh.status;
      continue;
    }
    try {
      await runOne(sh, exec, list);
    } catch (e) {
      if (e instanceof ExitRequest || e instanceof ReturnRequest) return e.status;
      throw e;
    }
  }

  async function readMore(): Promise<void> {
    if (interactive) await sh.print(2, prompt);
    const n = await read(0, chunk, chunk.length);
    if (n <= 0) eof = true;
    else text += decoder.decode(chunk.subarray(0, n), { stream: true });
  }
}

/** A script's text through open/read; the errno when it cannot be opened. */
async function readFile(path: string): Promise<string | number> {
  const fd = await open(path, O_RDONLY);
  if (fd < 0) return errno;
  const chunks: Buffer[] = [];
  const buf = new Uint8Array(64 * 1024);
  for (let n; (n = await read(fd, buf, buf.length)) > 0; ) chunks.push(Buffer.from(buf.subarray(0, n)));
  await close(fd);
  return Buffer.concat(chunks).toString("utf8");
}
