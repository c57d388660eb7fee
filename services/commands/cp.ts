/**
 * natix cp [--nats URL | --embedded [--data DIR]] [--creds FILE] [--uid N] [--gid N] SOURCE DEST
 * Copies one file into natix or out of it, as an emulated process (so natixfs's permissions
 * apply to whoever it runs as). A path in natix is written natix:/PATH; with neither side marked,
 * SOURCE is the host's and DEST natix's (`natix cp HOSTPATH NATIXPATH`). A destination that is
 * a directory gets the source's name inside it, and the copy keeps the source's permission
 * bits (less the umask), as cp(1) does. Messages follow GNU cp's.
 */
import { readFileSync, statSync, writeFileSync } from "node:fs";
import { basename, join } from "node:path";
import { connect } from "../../client-libc/connect.js";
import type { Proc } from "../../client-libc/mod.js";
import { O, S_IF } from "../../kernel-core/abi/fcntl.js";
import { strerror } from "../../kernel-core/errno.js";
import { parseTargetArgs } from "./run.js";
import { UsageError } from "./usage-error.js";

export const usage = "natix cp [--nats URL | --embedded [--data DIR]] [--creds FILE] [--uid N] [--gid N] HOSTPATH [natix:]NATIXPATH | natix:NATIXPATH HOSTPATH";

const PREFIX = "natix:";
/** Bytes one read asks for when copying out. */
const CHUNK = 1024 * 1024;

class CopyError extends Error {}

export async function cp(argv: string[]): Promise<number> {
  const { connect: target, dataDir, rest } = parseTargetArgs(argv);
  if (rest.length !== 2) throw new UsageError(rest.length < 2 ? "SOURCE and DEST are needed" : `one SOURCE and one DEST, not ${rest.length} paths`);
  const [from, to] = rest;
  if (from.startsWith(PREFIX) && to.startsWith(PREFIX)) throw new UsageError("copies between two natix paths are not supported: one side is the host's");
  const outward = from.startsWith(PREFIX);
  const natixPath = (outward ? from : to).replace(PREFIX, "");
  if (!natixPath.startsWith("/")) throw new UsageError(`a natix path is absolute: ${natixPath || "(empty)"}`);
  if (dataDir) process.env.NATIX_DATA_DIR = dataDir;
  const proc = await connect({ ...target, argv: ["cp", from, to] });
  let status = 0;
  try {
    if (outward) await copyOut(proc, natixPath, to);
    else await copyIn(proc, from, natixPath);
  } catch (err) {
    if (!(err instanceof CopyError)) throw err;
    process.stderr.write(`natix cp: ${err.message}\n`);
    status = 1;
  }
  await proc.exit(status);
  return status;
}

const why = (proc: Proc) => strerror(proc.errno);
const hostWhy = (err: unknown) => strerror(-((err as NodeJS.ErrnoException).errno ?? -5));

async function copyIn(proc: Proc, host: string, natixPath: string): Promise<void> {
  let data: Buffer;
  let mode: number;
  try {
    const st = statSync(host);
    if (st.isDirectory()) throw new CopyError(`-r not specified; omitting directory '${host}'`);
    mode = st.mode & 0o7777;
    data = readFileSync(host);
  } catch (err) {
    if (err instanceof CopyError) throw err;
    throw new CopyError(`cannot stat '${host}': ${hostWhy(err)}`);
  }
  const st = await proc.stat(natixPath);
  const dest = st !== -1 && (st.st_mode & S_IF.MT) === S_IF.DIR ? `${natixPath.replace(/\/+$/, "")}/${basename(host)}` : natixPath;
  const fd = await proc.open(dest, O.WRONLY | O.CREAT | O.TRUNC, mode & 0o777);
  if (fd < 0) throw new CopyError(`cannot create regular file '${dest}': ${why(proc)}`);
  for (let at = 0; at < data.length; ) {
    const n = await proc.write(fd, data.subarray(at), data.length - at);
    if (n < 0) throw new CopyError(`error writing '${dest}': ${why(proc)}`);
    at += n;
  }
  // The copy is on natix's disk when cp says it is done.
  if ((await proc.fsync(fd)) < 0) throw new CopyError(`error writing '${dest}': ${why(proc)}`);
  await proc.close(fd);
}

async function copyOut(proc: Proc, natixPath: string, host: string): Promise<void> {
  const st = await proc.stat(natixPath);
  if (st === -1) throw new CopyError(`cannot stat '${PREFIX}${natixPath}': ${why(proc)}`);
  if ((st.st_mode & S_IF.MT) === S_IF.DIR) throw new CopyError(`-r not specified; omitting directory '${PREFIX}${natixPath}'`);
  const fd = await proc.open(natixPath, O.RDONLY);
  if (fd < 0) throw new CopyError(`cannot open '${PREFIX}${natixPath}' for reading: ${why(proc)}`);
  const parts: Uint8Array[] = [];
  for (;;) {
    const buf = new Uint8Array(CHUNK);
    const n = await proc.read(fd, buf, CHUNK);
    if (n < 0) throw new CopyError(`error reading '${PREFIX}${natixPath}': ${why(proc)}`);
    if (n === 0) break;
    parts.push(buf.subarray(0, n));
  }
  await proc.close(fd);
  let dest = host;
  try {
    if (statSync(host).isDirectory()) dest = join(host, basename(natixPath));
  } catch {
    // No such path yet: it is the file to create.
  }
  try {
    writeFileSync(dest, Buffer.concat(parts), { mode: st.st_mode & 0o777 });
  } catch (err) {
    throw new CopyError(`cannot create regular file '${dest}': ${hostWhy(err)}`);
  }
}
