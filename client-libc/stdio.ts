/**
 * <stdio.h>: buffered streams over read/write, as in the chapter's fread story — a FILE keeps
 * a buffer in the program, and only a full (or flushed) buffer costs a syscall. stdout is
 * line-buffered when it is a terminal (isatty) and fully buffered otherwise, stderr is
 * unbuffered, and every stream is flushed when the process exits.
 */
import type { Process } from "./process.js";
import { SYS } from "../kernel-core/syscalls/table.js";
import { O, SEEK } from "../kernel-core/abi/fcntl.js";
import { E } from "../kernel-core/errno.js";
import { utf8 } from "../kernel-core/abi/strings.js";
import { format, type PrintfArg } from "./printf.js";

export const EOF = -1;
export const _IOFBF = 0;
export const _IOLBF = 1;
export const _IONBF = 2;
export const BUFSIZ = 8192;

export class FILE {
  /** Buffering mode; undefined until decided (stdout asks isatty on first use). */
  mode: number | undefined;
  size = BUFSIZ;
  wbuf = new Uint8Array(0);
  wlen = 0;
  rbuf = new Uint8Array(0);
  rpos = 0;
  rlen = 0;
  eof = false;
  error = false;

  constructor(
    readonly fd: number,
    readonly readable: boolean,
    readonly writable: boolean,
    mode?: number,
    /** A stand-in for "this process's stdin/stdout/stderr" (the named exports of natix/libc). */
    readonly standard = false,
  ) {
    this.mode = mode;
  }
}

/** The stand-ins natix/libc exports as stdin, stdout and stderr: each resolves to the current process's own stream. */
export const STANDARD_STREAMS = [new FILE(0, true, false, undefined, true), new FILE(1, false, true, undefined, true), new FILE(2, false, true, undefined, true)] as const;

/** fopen's mode string as open(2) flags, or undefined when it is not one. */
export function fopenFlags(mode: string): number | undefined {
  const base = { r: O.RDONLY, w: O.WRONLY | O.CREAT | O.TRUNC, a: O.WRONLY | O.CREAT | O.APPEND }[mode[0] as "r" | "w" | "a"];
  if (base === undefined) return undefined;
  let flags = base;
  for (const c of mode.slice(1)) {
    if (c === "+") flags = (flags & ~O.ACCMODE) | O.RDWR;
    else if (c === "x") flags |= O.EXCL;
    else if (c === "e") flags |= O.CLOEXEC;
    else if (c !== "b") return undefined;
  }
  return flags;
}

export function createStdio(getProc: () => Process | Promise<Process>) {
  const stdin = new FILE(0, true, false, _IOLBF);
  const stdout = new FILE(1, false, true);
  const stderr = new FILE(2, false, true, _IONBF);
  const open = new Set<FILE>([stdin, stdout, stderr]);
  const hooked = new WeakSet<Process>();
  const std = [stdin, stdout, stderr];
  const own = (f: FILE): FILE => (f.standard ? std[f.fd] : f);

  // The process, with "flush everything at exit" registered once.
  const proc = async (): Promise<Process> => {
    const p = await getProc();
    if (!hooked.has(p)) {
      hooked.add(p);
      p.hooks.beforeExit?.push(() => flushAll(p).then(() => undefined));
    }
    return p;
  };

  async function modeOf(p: Process, f: FILE): Promise<number> {
    if (f.mode === undefined) {
      const r = await p.rawSyscall(SYS.ioctl, f.fd, 0x5401, new Uint8Array(60));
      f.mode = r === 0 ? _IOLBF : _IOFBF;
    }
    return f.mode;
  }

  async function writeAll(p: Process, f: FILE, bytes: Uint8Array): Promise<boolean> {
    for (let at = 0; at < bytes.length; ) {
      const n = await p.syscall(SYS.write, f.fd, bytes.subarray(at), bytes.length - at);
      if (n <= 0) {
        f.error = true;
        return false;
      }
      at += n;
    }
    return true;
  }

  async function flushWrites(p: Process, f: FILE): Promise<boolean> {
    if (f.wlen === 0) return true;
    const pending = f.wbuf.subarray(0, f.wlen);
    f.wlen = 0;
    return writeAll(p, f, pending);
  }

  // Switching from reading to writing: give back what was read ahead.
  async function dropReadAhead(p: Process, f: FILE): Promise<void> {
    const ahead = f.rlen - f.rpos;
    f.rpos = f.rlen = 0;
    if (ahead > 0) await p.rawSyscall(SYS.lseek, f.fd, -ahead, SEEK.CUR);
  }

  async function put(file: FILE, bytes: Uint8Array): Promise<boolean> {
    const f = own(file);
    const p = await proc();
    if (!f.writable) {
      f.error = true;
      p.errno = E.EBADF;
      return false;
    }
    if (f.rlen > f.rpos) await dropReadAhead(p, f);
    const mode = await modeOf(p, f);
    if (mode === _IONBF) return writeAll(p, f, bytes);
    if (f.wbuf.length !== f.size) f.wbuf = new Uint8Array(f.size);
    if (f.wlen + bytes.length > f.size && !(await flushWrites(p, f))) return false;
    if (bytes.length >= f.size) return writeAll(p, f, bytes);
    f.wbuf.set(bytes, f.wlen);
    f.wlen += bytes.length;
    if (mode === _IOLBF && bytes.includes(10)) return flushWrites(p, f);
    return true;
  }

  /** Refills the read buffer; false at end of file or on error. */
  async function fill(f: FILE): Promise<boolean> {
    const p = await proc();
    if (!f.readable) {
      f.error = true;
      p.errno = E.EBADF;
      return false;
    }
    if (!(await flushWrites(p, f))) return false;
    // Reading a terminal first shows what a line-buffered stdout holds (the prompt).
    if (f === stdin && stdout.mode === _IOLBF) await flushWrites(p, stdout);
    if (f.rbuf.length !== f.size) f.rbuf = new Uint8Array(f.size);
    const n = await p.syscall(SYS.read, f.fd, f.rbuf, f.mode === _IONBF ? 1 : f.size);
    if (n < 0) f.error = true;
    if (n === 0) f.eof = true;
    f.rpos = 0;
    f.rlen = Math.max(0, n);
    return n > 0;
  }

  async function flushAll(p: Process): Promise<number> {
    let ok = true;
    for (const f of open) if (f.wlen > 0) ok = (await flushWrites(p, f)) && ok;
    return ok ? 0 : EOF;
  }

  async function getc(file: FILE): Promise<number> {
    const f = own(file);
    if (f.rpos >= f.rlen && !(await fill(f))) return EOF;
    return f.rbuf[f.rpos++];
  }

  async function fwrite(buf: Uint8Array | string, size: number, nmemb: number, f: FILE): Promise<number> {
    const bytes = typeof buf === "string" ? utf8(buf) : buf;
    const total = Math.min(bytes.length, size * nmemb);
    if (size === 0 || total === 0) return 0;
    return (await put(f, bytes.subarray(0, total))) ? Math.floor(total / size) : 0;
  }

  async function printTo(f: FILE, fmt: string, args: PrintfArg[]): Promise<number> {
    const bytes = utf8(format(fmt, args));
    return (await put(f, bytes)) ? bytes.length : -1;
  }

  return {
    stdin,
    stdout,
    stderr,
    fopen: async (path: string | Uint8Array, mode: string): Promise<FILE | null> => {
      const p = await proc();
      const flags = fopenFlags(mode);
      if (flags === undefined) {
        p.errno = E.EINVAL;
        return null;
      }
      const fd = await p.syscall(SYS.open, path, flags, 0o666);
      if (fd < 0) return null;
      const acc = flags & O.ACCMODE;
      const f = new FILE(fd, acc !== O.WRONLY, acc !== O.RDONLY, _IOFBF);
      open.add(f);
      return f;
    },
    fdopen: async (fd: number, mode: string): Promise<FILE | null> => {
      const p = await proc();
      const flags = fopenFlags(mode);
      if (flags === undefined) {
        p.errno = E.EINVAL;
        return null;
      }
      if ((await p.syscall(SYS.fcntl, fd, 3, 0)) < 0) return null;
      const acc = flags & O.ACCMODE;
      const f = new FILE(fd, acc !== O.WRONLY, acc !== O.RDONLY);
      open.add(f);
      return f;
    },
    fclose: async (file: FILE): Promise<number> => {
      const f = own(file);
      const p = await proc();
      const flushed = await flushWrites(p, f);
      open.delete(f);
      const closed = await p.syscall(SYS.close, f.fd);
      return flushed && closed === 0 ? 0 : EOF;
    },
    fflush: async (f?: FILE | null): Promise<number> => {
      const p = await proc();
      if (!f) return flushAll(p);
      return (await flushWrites(p, own(f))) ? 0 : EOF;
    },
    setvbuf: (file: FILE, _buf: Uint8Array | null, mode: number, size = BUFSIZ): number => {
      const f = own(file);
      if (mode !== _IOFBF && mode !== _IOLBF && mode !== _IONBF) return -1;
      f.mode = mode;
      f.size = Math.max(1, size || BUFSIZ);
      return 0;
    },
    setbuf: (f: FILE, buf: Uint8Array | null): void => {
      own(f).mode = buf === null ? _IONBF : _IOFBF;
    },
    fread: async (buf: Uint8Array, size: number, nmemb: number, file: FILE): Promise<number> => {
      const f = own(file);
      const want = Math.min(buf.length, size * nmemb);
      let got = 0;
      while (got < want) {
        if (f.rpos >= f.rlen && !(await fill(f))) break;
        const n = Math.min(want - got, f.rlen - f.rpos);
        buf.set(f.rbuf.subarray(f.rpos, f.rpos + n), got);
        f.rpos += n;
        got += n;
      }
      return size === 0 ? 0 : Math.floor(got / size);
    },
    fwrite,
    fgetc: getc,
    getc,
    getchar: () => getc(stdin),
    ungetc: (c: number, file: FILE): number => {
      const f = own(file);
      if (c === EOF) return EOF;
      if (f.rpos > 0) f.rbuf[--f.rpos] = c & 0xff;
      else {
        const merged = new Uint8Array(f.rlen - f.rpos + 1);
        merged[0] = c & 0xff;
        merged.set(f.rbuf.subarray(f.rpos, f.rlen), 1);
        f.rbuf = merged;
        f.rpos = 0;
        f.rlen = merged.length;
      }
      f.eof = false;
      return c & 0xff;
    },
    /**
     * fgets(3): up to n−1 bytes, through the first newline; null at end of file. Call it as C
     * does, fgets(buf, n, stream) (buf receives the bytes and a NUL), or as fgets(n, stream).
     * Either way it returns the line as a string.
     */
    fgets: async (a: Uint8Array | number, b: number | FILE, c?: FILE): Promise<string | null> => {
      const buf = a instanceof Uint8Array ? a : undefined;
      const n = buf ? (b as number) : (a as number);
      const f = buf ? c! : (b as FILE);
      const out: number[] = [];
      while (out.length < n - 1) {
        const ch = await getc(f);
        if (ch === EOF) break;
        out.push(ch);
        if (ch === 10) break;
      }
      if (out.length === 0) return null;
      const bytes = Uint8Array.from(out);
      if (buf) {
        buf.set(bytes.subarray(0, Math.max(0, buf.length - 1)));
        buf[Math.min(bytes.length, buf.length - 1)] = 0;
      }
      return new TextDecoder().decode(bytes);
    },
    fputc: async (c: number, f: FILE): Promise<number> => ((await put(f, Uint8Array.of(c & 0xff))) ? c & 0xff : EOF),
    putc: async (c: number, f: FILE): Promise<number> => ((await put(f, Uint8Array.of(c & 0xff))) ? c & 0xff : EOF),
    putchar: async (c: number): Promise<number> => ((await put(stdout, Uint8Array.of(c & 0xff))) ? c & 0xff : EOF),
    fputs: async (s: string, f: FILE): Promise<number> => ((await put(f, utf8(s))) ? 1 : EOF),
    puts: async (s: string): Promise<number> => {
      const bytes = utf8(s + "\n");
      return (await put(stdout, bytes)) ? bytes.length : EOF;
    },
    printf: (fmt: string, ...args: PrintfArg[]) => printTo(stdout, fmt, args),
    fprintf: (f: FILE, fmt: string, ...args: PrintfArg[]) => printTo(f, fmt, args),
    dprintf: async (fd: number, fmt: string, ...args: PrintfArg[]): Promise<number> => {
      const p = await proc();
      const bytes = utf8(format(fmt, args));
      return p.syscall(SYS.write, fd, bytes, bytes.length);
    },
    fseek: async (file: FILE, offset: number, whence: number): Promise<number> => {
      const f = own(file);
      const p = await proc();
      if (!(await flushWrites(p, f))) return -1;
      const adjust = whence === SEEK.CUR ? f.rlen - f.rpos : 0;
      f.rpos = f.rlen = 0;
      if ((await p.syscall(SYS.lseek, f.fd, offset - adjust, whence)) < 0) return -1;
      f.eof = false;
      return 0;
    },
    ftell: async (file: FILE): Promise<number> => {
      const f = own(file);
      const p = await proc();
      const pos = await p.syscall(SYS.lseek, f.fd, 0, SEEK.CUR);
      return pos < 0 ? -1 : pos - (f.rlen - f.rpos) + f.wlen;
    },
    rewind: async (file: FILE): Promise<void> => {
      const f = own(file);
      const p = await proc();
      await flushWrites(p, f);
      f.rpos = f.rlen = 0;
      await p.syscall(SYS.lseek, f.fd, 0, SEEK.SET);
      f.eof = f.error = false;
    },
    feof: (f: FILE) => (own(f).eof ? 1 : 0),
    ferror: (f: FILE) => (own(f).error ? 1 : 0),
    clearerr: (f: FILE) => {
      own(f).eof = own(f).error = false;
    },
    fileno: (f: FILE) => f.fd,
  };
}

/** sprintf without a buffer: the formatted text. */
export function sprintf(fmt: string, ...args: PrintfArg[]): string {
  return format(fmt, args);
}

/** snprintf(3): at most size−1 bytes and a NUL into buf; returns the full length. */
export function snprintf(buf: Uint8Array, size: number, fmt: string, ...args: PrintfArg[]): number {
  const bytes = utf8(format(fmt, args));
  if (size > 0) {
    const n = Math.min(bytes.length, size - 1, buf.length - 1);
    buf.set(bytes.subarray(0, n));
    buf[n] = 0;
  }
  return bytes.length;
}
