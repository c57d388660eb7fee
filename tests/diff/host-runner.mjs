// Runs differential-test steps on the host filesystem. stdin: {base, cases: [{dir, steps}]};
// stdout: one result array per case. Started by the test as root or as the case's uid.
import { runSteps, hostOps } from "./ops.mjs";
import { join } from "node:path";

let input = "";
for await (const chunk of process.stdin) input += chunk;
const { base, cases } = JSON.parse(input);
process.umask(0o022);
const out = [];
for (const c of cases) {
  process.chdir(join(base, c.dir));
  out.push(runSteps(hostOps, c.steps));
}
process.stdout.write(JSON.stringify(out));
