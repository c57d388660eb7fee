/**
 * The bearer token every mutating route wants: NATIX_ADMIN_TOKEN, else the one kept in
 * NATIX_TOKEN_FILE (beside the credentials), else a new one written there (mode 0600) and said
 * once in the log. Compared in constant time.
 */
import { randomBytes, timingSafeEqual } from "node:crypto";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import type { Logger } from "pino";

export function adminToken(log: Logger, env: NodeJS.ProcessEnv = process.env): string {
  if (env.NATIX_ADMIN_TOKEN) return env.NATIX_ADMIN_TOKEN;
  const file = env.NATIX_TOKEN_FILE;
  if (file && existsSync(file)) return readFileSync(file, "utf8").trim();
  const token = randomBytes(24).toString("base64url");
  if (file) writeFileSync(file, token + "\n", { mode: 0o600 });
  log.warn(`gateway: admin token (for POST/DELETE routes: Authorization: Bearer TOKEN): ${token}${file ? ` — kept in ${file}` : ""}`);
  return token;
}

/** 401 without a bearer token, 403 with a wrong one, undefined when it is right. */
export function checkBearer(header: string | undefined, token: string): 401 | 403 | undefined {
  const m = /^Bearer\s+(\S+)$/i.exec(header ?? "");
  if (!m) return 401;
  const given = Buffer.from(m[1]);
  const want = Buffer.from(token);
  return given.length === want.length && timingSafeEqual(given, want) ? undefined : 403;
}
