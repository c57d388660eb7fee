/** What the gateway's routes are built from (services/gateway/app.ts wires them; tests inject fakes). */
import type { Logger } from "pino";
import type { Registry } from "prom-client";
import type { Observer } from "./observer.js";
import type { AdminActions } from "./admin.js";
import type { RunLimits } from "./runner.js";

export interface GatewayDeps {
  natsUrl: string;
  observer: Observer;
  admin: AdminActions;
  registry: Registry;
  /** The bearer token mutating routes want. */
  token: string;
  limits: RunLimits;
  log?: Logger;
}
