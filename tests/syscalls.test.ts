/**
 * The syscall case table against every way natix runs, over a real nats-server: micro with
 * direct routing (default), reply forwarding and full mediation, mono, and embedded.
 */
import { afterAll, beforeAll, describe, it } from "vitest";
import { bootMode, type ModeName, type TestSystem } from "./helpers/modes.js";
import { SYSCALL_CASES } from "./cases/syscall-cases.js";
import { FILE_CASES } from "./cases/file-cases.js";
import type { RoutingMode } from "../build/kernel-core/kernel.js";

const VARIANTS: { label: string; mode: ModeName; routing?: RoutingMode }[] = [
  { label: "micro", mode: "micro" },
  { label: "micro, forwarded", mode: "micro", routing: "forward" },
  { label: "micro, mediated", mode: "micro", routing: "mediate" },
  { label: "mono", mode: "mono" },
  { label: "embedded", mode: "embedded" },
];

for (const v of VARIANTS) {
  describe(`syscall table cases (${v.label})`, () => {
    let sys: TestSystem;
    beforeAll(async () => {
      sys = await bootMode(v.mode, { routing: v.routing });
    });
    afterAll(async () => {
      await sys?.stop();
    });
    for (const c of [...SYSCALL_CASES, ...FILE_CASES]) {
      it(c.name, async () => {
        const t = await sys.spawn(c.spawn?.());
        await c.run(t);
      });
    }
  });
}
