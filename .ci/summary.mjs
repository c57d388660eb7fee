// Prints CI's closing line, "N passed, N failed", from vitest's JSON report. A missing report
// (the build or the runner failed before any test ran) counts as one failure.
import { readFileSync } from "node:fs";

let passed = 0;
let failed = 0;
try {
  const report = JSON.parse(readFileSync(process.argv[2], "utf8"));
  passed = report.numPassedTests ?? 0;
  failed = report.numFailedTests ?? 0;
  // A suite that failed to load reports no tests; count it so it cannot pass silently.
  for (const suite of report.testResults ?? []) {
    if (suite.status === "failed" && (suite.assertionResults ?? []).length === 0) failed++;
  }
} catch {
  failed = 1;
}
console.log(`${passed} passed, ${failed} failed`);
