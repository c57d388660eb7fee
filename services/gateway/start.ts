/**
 * Starts the gateway on a connection it was given: its observer, the administrator's actions,
 * the metrics registry, the token, the HTTP server on NATIX_HTTP_HOST:NATIX_HTTP_PORT (default
 * 127.0.0.1:8080), and a NATS micro service (natix-gateway) so it is discovered and health-
 * checked like every component.
 */
import type { NatsConnection } from "@nats-io/transport-node";
import { Svcm } from "@nats-io/services";
import type { Logger } from "pino";
import { hostname } from "node:os";
import { serviceName } from "../../kernel-core/abi/subjects.js";
import { NATIX_VERSION } from "../../kernel-core/version.js";
import { buildGateway } from "./app.js";
import { Observer } from "./observer.js";
import { AdminActions } from "./admin.js";
import { prometheusRegistry } from "./prometheus.js";
import { adminToken } from "./token.js";
import { DEFAULT_LIMITS } from "./runner.js";

export interface GatewayOptions {
  nc: NatsConnection;
  log: Logger;
  natsUrl: string;
  /** The administrator's .creds, for the routes that act (absent on an open bus). */
  adminCreds?: string;
  host?: string;
  port?: number;
  env?: NodeJS.ProcessEnv;
}

export interface RunningGateway {
  readonly url: string;
  readonly token: string;
  stop(): Promise<void>;
}

const positive = (v: string | undefined) => (v !== undefined && Number(v) > 0 ? Number(v) : undefined);

export async function startGateway(opts: GatewayOptions): Promise<RunningGateway> {
  const env = opts.env ?? process.env;
  const observer = new Observer(opts.nc);
  const admin = new AdminActions(opts.natsUrl, opts.adminCreds);
  const registry = prometheusRegistry(observer.store, {
    async processes() {
      const status = await observer.status(1000);
      if (status === undefined) return undefined;
      const byState: Record<string, number> = {};
      for (const p of status.processes) byState[p.state] = (byState[p.state] ?? 0) + 1;
      return byState;
    },
    async restarts() {
      const s = await observer.supervised();
      if (s === undefined) return undefined;
      const byName: Record<string, number> = {};
      for (const i of s) byName[i.name] = (byName[i.name] ?? 0) + i.restarts;
      return byName;
    },
  });
  const token = adminToken(opts.log, env);
  // How long a run may take and how much of its output is kept (NATIX_RUN_TIMEOUT_MS, NATIX_RUN_OUTPUT_BYTES).
  const limits = { timeoutMs: positive(env.NATIX_RUN_TIMEOUT_MS) ?? DEFAULT_LIMITS.timeoutMs, capBytes: positive(env.NATIX_RUN_OUTPUT_BYTES) ?? DEFAULT_LIMITS.capBytes };
  const app = await buildGateway({ natsUrl: opts.natsUrl, observer, admin, registry, token, limits, log: opts.log });
  const host = opts.host ?? env.NATIX_HTTP_HOST ?? "127.0.0.1";
  const port = opts.port ?? Number(env.NATIX_HTTP_PORT ?? 8080);
  const url = await app.listen({ host, port });
  const svc = await new Svcm(opts.nc).add({ name: serviceName("gateway"), version: NATIX_VERSION, description: "natix HTTP gateway", metadata: { pid: String(process.pid), kind: "gateway", url, host: hostname() } });
  opts.log.info(`gateway listening on ${url}`);
  return {
    url,
    token,
    async stop() {
      await svc.stop().catch(() => {});
      await app.close();
      observer.stop();
      await admin.stop();
    },
  };
}
