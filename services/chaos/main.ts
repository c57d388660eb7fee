/**
 * npm run chaos [-- --mode micro|mono --routing direct|forward|mediate --kills N --duration S
 *                   --target blk|vfs|tty|hello|mem|pm --fault kill|crash --standby NAME,...|none
 *                   --seed N --json FILE]
 * Prints a Markdown summary; with --json also writes the report as JSON (and the summary next
 * to it, FILE with .md).
 */
import { parseArgs } from "node:util";
import { writeFileSync } from "node:fs";
import { runChaos, TARGETS, type Target } from "./run.js";
import { standbyList } from "../launcher.js";
import { markdown } from "./report.js";
import { ROUTING_MODES, type RoutingMode } from "../../kernel-core/kernel.js";

const USAGE =
  "usage: npm run chaos -- [--mode micro|mono] [--routing direct|forward|mediate] [--kills N] [--duration S]\n" +
  `         [--target ${TARGETS.join("|")}] [--fault kill|crash] [--standby NAME,...|none] [--seed N] [--json FILE] [--quiet]\n`;
const fail = (text: string): never => {
  process.stderr.write(`natix chaos: ${text}\n${USAGE}`);
  process.exit(2);
};
if (process.argv.includes("--help") || process.argv.includes("-h")) {
  process.stdout.write(USAGE);
  process.exit(0);
}
const OPTIONS = {
  mode: { type: "string", default: "micro" },
  routing: { type: "string", default: "direct" },
  kills: { type: "string", default: "20" },
  duration: { type: "string", default: "3600" },
  target: { type: "string", default: "blk" },
  fault: { type: "string", default: "kill" },
  seed: { type: "string", default: String(Date.now() % 1_000_000) },
  json: { type: "string" },
  quiet: { type: "boolean", default: false },
  standby: { type: "string" },
} as const;
const parsed = (() => {
  try {
    return parseArgs({ options: OPTIONS });
  } catch (err) {
    // An unknown option or a missing value: said plainly, with the usage, not as a stack trace.
    return fail((err as Error).message);
  }
})();
const values = parsed.values;
if (values.mode !== "micro" && values.mode !== "mono") fail("--mode is micro or mono");
if (!ROUTING_MODES.includes(values.routing as RoutingMode)) fail(`--routing is one of ${ROUTING_MODES.join(", ")}`);
if (!TARGETS.includes(values.target as Target)) fail(`--target is one of ${TARGETS.join(", ")}`);
if (values.fault !== "kill" && values.fault !== "crash") fail("--fault is kill or crash");
const standby = values.standby === undefined ? undefined : standbyList([values.standby]);
if (standby?.some((s) => !TARGETS.includes(s as Target))) fail(`--standby takes components (${TARGETS.join(", ")}) or none`);
const kills = Number(values.kills);
if (!Number.isInteger(kills) || kills < 1) fail("--kills is a positive integer");

const report = await runChaos({
  mode: values.mode as "micro" | "mono",
  routing: values.routing as RoutingMode,
  target: values.target as Target,
  kills,
  durationS: Number(values.duration),
  fault: values.fault as "kill" | "crash",
  seed: Number(values.seed),
  standby,
  progress: values.quiet ? undefined : (line) => process.stderr.write(`${line}\n`),
});
const summary = markdown(report);
process.stdout.write(summary);
if (values.json) {
  writeFileSync(values.json, JSON.stringify(report, null, 2) + "\n");
  writeFileSync(values.json.replace(/\.json$/, "") + ".md", summary);
}
process.exit(0);
