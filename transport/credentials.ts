/**
 * Where a natix client finds the credentials it connects with: `--creds FILE` (an explicit
 * path), else NATIX_CREDS=FILE, else the per-user runtime directory where `natix up` left the
 * administrator's credentials for its URL (NATIX_RUNTIME_DIR, else $XDG_RUNTIME_DIR/natix, else
 * /tmp/natix-<uid> — /tmp itself, not $TMPDIR, so every shell of the user finds it, as tmux's
 * socket directory; mode 0700, owned by the user: one that is not is refused, as a shared /tmp
 * invites planting).
 */
import { chmodSync, existsSync, lstatSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";

export interface FoundCredentials {
  bytes: Uint8Array;
  /** Where they came from, for error messages. */
  source: string;
}

export class CredentialsError extends Error {}

/** The per-user runtime directory natix keeps administrator credentials in. */
export function runtimeDir(): string {
  if (process.env.NATIX_RUNTIME_DIR) return process.env.NATIX_RUNTIME_DIR;
  const uid = process.getuid?.() ?? 0;
  const xdg = process.env.XDG_RUNTIME_DIR;
  return xdg && existsSync(xdg) ? join(xdg, "natix") : join("/tmp", `natix-${uid}`);
}

function ensurePrivateDir(dir: string): void {
  if (!existsSync(dir)) mkdirSync(dir, { recursive: true, mode: 0o700 });
  const st = lstatSync(dir);
  const uid = process.getuid?.() ?? st.uid;
  if (!st.isDirectory() || st.uid !== uid) throw new CredentialsError(`natix: ${dir} is not a directory of this user; refusing to keep credentials there`);
  if ((st.mode & 0o077) !== 0) chmodSync(dir, 0o700);
}

/** One file per server URL: nats://127.0.0.1:4222 → 127.0.0.1_4222.creds. */
export function credsFileFor(url: string): string {
  const u = new URL(url.trim().includes("://") ? url.trim() : `nats://${url.trim()}`);
  return join(runtimeDir(), `${u.hostname.replace(/[^\w.-]/g, "_")}_${u.port || "4222"}.creds`);
}

const urlsOf = (url: string) => url.split(",").map((u) => u.trim()).filter(Boolean);

/** Credentials for a client of `url`: explicit path, NATIX_CREDS, then the runtime directory. */
export function findCredentials(url: string, explicitPath?: string): FoundCredentials | undefined {
  const path = explicitPath ?? process.env.NATIX_CREDS;
  if (path) {
    if (!existsSync(path)) throw new CredentialsError(`natix: credentials file ${path}: No such file or directory`);
    return { bytes: readFileSync(path), source: path };
  }
  for (const u of urlsOf(url)) {
    const file = credsFileFor(u);
    if (!existsSync(file)) continue;
    const st = lstatSync(file);
    // Only a private file of our own, never a link someone planted.
    if (!st.isFile() || st.uid !== (process.getuid?.() ?? st.uid) || (st.mode & 0o077) !== 0) continue;
    return { bytes: readFileSync(file), source: file };
  }
  return undefined;
}

/** Leaves administrator credentials for `url` (each URL of a cluster list); returns the cleanup. */
export function saveAdminCredentials(url: string, creds: Uint8Array): () => void {
  ensurePrivateDir(runtimeDir());
  const files = urlsOf(url).map(credsFileFor);
  for (const f of files) {
    rmSync(f, { force: true });
    writeFileSync(f, creds, { mode: 0o600, flag: "wx" });
  }
  return () => {
    for (const f of files) {
      // Only our own file: another system may have taken the port (and the file) since.
      try {
        if (Buffer.compare(readFileSync(f), Buffer.from(creds)) === 0) rmSync(f, { force: true });
      } catch {
        // already gone
      }
    }
  };
}

/**
 * A .creds file's user JWT and seed: its first two armoured blocks, as nats.js reads them (no
 * check here: nats-server checks the JWT, the seed is checked when decoded).
 */
export function parseCredentials(creds: Uint8Array): { jwt: string; seed: string } | undefined {
  const blocks = [...new TextDecoder().decode(creds).matchAll(/-{3,}[^\n]*-{3,}\s*\n\s*(\S+)\s*\n\s*-{3,}[^\n]*-{3,}/g)].map((m) => m[1]);
  return blocks.length >= 2 ? { jwt: blocks[0], seed: blocks[1] } : undefined;
}

/** A JWT's claims, unverified (nats-server checks the signature), or undefined when it is none. */
export function jwtClaims(jwt: string): { name?: unknown; sub?: unknown } | undefined {
  try {
    const claims: unknown = JSON.parse(Buffer.from(jwt.split(".")[1] ?? "", "base64url").toString("utf8"));
    return typeof claims === "object" && claims !== null ? claims : undefined;
  } catch {
    return undefined;
  }
}

/** The user name inside a .creds file's JWT (no signature check: nats-server does that). */
export function credentialsName(creds: Uint8Array): string | undefined {
  const jwt = parseCredentials(creds)?.jwt;
  const name = jwt === undefined ? undefined : jwtClaims(jwt)?.name;
  return typeof name === "string" ? name : undefined;
}
