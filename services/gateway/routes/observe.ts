/** Routes that only look: health, processes and services, /proc, the kernel log, metrics, stats. */
import type { FastifyInstance } from "fastify";
import { formatKmsg } from "../../../kernel-core/kmsg.js";
import { errnoName } from "../../../kernel-core/errno.js";
import type { GatewayDeps } from "../deps.js";
import { sse } from "../sse.js";

const message = { type: "object", properties: { message: { type: "string" } } } as const;

export async function observeRoutes(app: FastifyInstance, deps: GatewayDeps): Promise<void> {
  const { observer } = deps;

  app.get("/healthz", {
    schema: {
      summary: "200 when kernel-core and every server and driver answer; 503 with what is missing",
      response: { 200: { type: "object", properties: { status: { const: "ok" } } }, 503: { type: "object", properties: { status: { type: "string" }, missing: { type: "array", items: { type: "string" } } } } },
    },
    handler: async (_req, reply) => {
      const h = await observer.health();
      return h.ok ? { status: "ok" } : reply.code(503).send({ status: "unavailable", missing: h.missing });
    },
  });

  app.get("/v1/ps", {
    schema: {
      summary: "Processes (as ps -ef) and services (state, pid, restarts, uptime)",
      response: {
        200: {
          type: "object",
          properties: {
            bus: { type: "string" },
            processes: { type: "array", items: { type: "object", properties: { pid: { type: "integer" }, ppid: { type: "integer" }, uid: { type: "integer" }, state: { type: "string" }, cmd: { type: "string" } } } },
            services: { type: "array", items: { type: "object", properties: { name: { type: "string" }, kind: { type: "string" }, replica: { type: "integer" }, state: { type: "string" }, pid: { type: ["integer", "null"] }, restarts: { type: "integer" }, uptimeMs: { type: "number" } } } },
          },
        },
        503: message,
      },
    },
    handler: async (_req, reply) => {
      const [status, services] = await Promise.all([observer.status(), observer.services()]);
      if (status === undefined) return reply.code(503).send({ message: "kernel-core does not answer" });
      return {
        bus: status.bus ?? "isolated",
        processes: status.processes.map((p) => ({ pid: p.pid, ppid: p.ppid, uid: p.uid, state: p.state, cmd: p.argv.join(" ") })),
        services,
      };
    },
  });

  app.get("/v1/stats", {
    schema: {
      summary: "Calls per second, errors per second and p50/p99 handler latency per server, over the last five seconds",
      response: { 200: { type: "array", items: { type: "object", properties: { server: { type: "string" }, callsPerSec: { type: "number" }, errorsPerSec: { type: "number" }, p50Ms: { type: ["number", "null"] }, p99Ms: { type: ["number", "null"] } } } } },
    },
    handler: async () => observer.store.stats(),
  });

  app.get<{ Params: { "*": string } }>("/v1/proc/*", {
    schema: { summary: "A file under /proc, as text (/v1/proc/meminfo, /v1/proc/hwkm after insmod)", params: { type: "object", properties: { "*": { type: "string", pattern: "^[\\w.-]+(/[\\w.-]+)*$", maxLength: 255 } } }, response: { 404: message } },
    handler: async (req, reply) => {
      const path = req.params["*"];
      if (path.split("/").some((p) => p === "..")) return reply.code(400).send({ message: "a path under /proc, without .." });
      const text = await deps.admin.readProc(path);
      if (typeof text === "number") return reply.code(text === -2 ? 404 : 502).send({ message: `/proc/${path}: ${errnoName(-text) ?? text}` });
      return reply.type("text/plain; charset=utf-8").send(text);
    },
  });

  app.get<{ Querystring: { follow?: string } }>("/v1/dmesg", {
    schema: { summary: "The kernel log in dmesg's format; ?follow=1 streams new lines as server-sent events", querystring: { type: "object", properties: { follow: { enum: ["0", "1", "true", "false"] } }, additionalProperties: false } },
    handler: async (req, reply) => {
      const follow = req.query.follow === "1" || req.query.follow === "true";
      if (!follow) return reply.type("text/plain; charset=utf-8").send((await observer.dmesg()).map((r) => formatKmsg(r) + "\n").join(""));
      const stream = sse(reply);
      let last = 0;
      const send = (r: { seq: number; usec: number; level: number; component: string; msg: string }) => {
        if (r.seq <= last) return;
        last = r.seq;
        stream.send("line", formatKmsg(r));
      };
      const stop = observer.followLog(send);
      (await observer.dmesg()).forEach(send);
      stream.onClose(stop);
    },
  });

  app.get("/metrics", {
    schema: { summary: "Prometheus text: natix_syscalls_total, natix_syscall_duration_seconds, natix_service_restarts_total, natix_processes, and the gateway process's defaults" },
    handler: async (_req, reply) => reply.type(deps.registry.contentType).send(await deps.registry.metrics()),
  });
}
