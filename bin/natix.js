#!/usr/bin/env node
// The natix command. The code lives in build/ (compiled by `npm run build`), so starting a
// process never transpiles TypeScript.
import { existsSync } from "node:fs";

const entry = new URL("../build/services/cli.js", import.meta.url);
if (!existsSync(entry)) {
  process.stderr.write("natix: not built yet; run `npm run build` (or `npm ci`, which builds) first\n");
  process.exit(1);
}
const { main } = await import(entry.href);
const status = await main(process.argv.slice(2));
process.exit(status);
