/**
 * Which system a command talks to, and as whom: --nats URL (or NATS_URL), and --creds FILE (or
 * NATIX_CREDS, or the administrator's credentials `natix up` left for that URL in the per-user
 * runtime directory — see transport/credentials.ts).
 */
import { UsageError } from "./usage-error.js";

export function natsUrlFrom(value: string | undefined): string {
  const url = value ?? process.env.NATS_URL;
  if (!url) throw new UsageError("no system to talk to: pass --nats URL or set NATS_URL");
  return url;
}

/** --creds FILE: every connection this command makes uses it (as NATIX_CREDS would). */
export function useCreds(path: string | undefined): void {
  if (path !== undefined) process.env.NATIX_CREDS = path;
}

/** The parseArgs options every command that talks to a system takes. */
export const TARGET_OPTIONS = { nats: { type: "string" }, creds: { type: "string" } } as const;
