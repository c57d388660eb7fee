/**
 * Writes the role table (kernel-core/bus-roles.ts) into docs/security.md, between its markers:
 * the document shows exactly the table the kernel mints credentials from. `npm run docs:roles`;
 * tests/security-doc.test.ts fails while the two differ.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { rolesMarkdown } from "../../kernel-core/bus-roles.js";

export const BEGIN = "<!-- roles:begin (generated from kernel-core/bus-roles.ts by `npm run docs:roles`; do not edit) -->";
export const END = "<!-- roles:end -->";

/** The document with its table replaced by the current one. */
export function withRoles(doc: string): string {
  const from = doc.indexOf(BEGIN);
  const to = doc.indexOf(END);
  if (from < 0 || to < from) throw new Error("docs/security.md has no roles markers");
  return `${doc.slice(0, from + BEGIN.length)}\n${rolesMarkdown()}${doc.slice(to)}`;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const path = fileURLToPath(new URL("../../../docs/security.md", import.meta.url));
  writeFileSync(path, withRoles(readFileSync(path, "utf8")));
  process.stdout.write(`wrote the role table into ${path}\n`);
}
