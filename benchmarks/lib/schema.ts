/** Checks a results object against benchmarks/results.schema.json (with Ajv). */
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { fileURLToPath } from "node:url";
import type { Ajv as AjvClass, ValidateFunction } from "ajv";

export const SCHEMA_FILE = fileURLToPath(new URL("../../../benchmarks/results.schema.json", import.meta.url));

// Ajv ships CommonJS; require() gives its class without ESM interop guesswork.
const Ajv = createRequire(import.meta.url)("ajv").default as typeof AjvClass;

let validator: ValidateFunction | undefined;

/** Problems with `results`, one line each; empty when it matches the schema. */
export function schemaErrors(results: unknown): string[] {
  const validate = (validator ??= new Ajv({ allErrors: true }).compile(JSON.parse(readFileSync(SCHEMA_FILE, "utf8"))));
  if (validate(results)) return [];
  return (validate.errors ?? []).map((e) => `${e.instancePath || "/"} ${e.message ?? "is invalid"} ${JSON.stringify(e.params)}`);
}
