/**
 * Routes that act: running the shipped examples (plain, streamed, under strace), loading and
 * unloading modules, killing and restarting components. Module and service routes change the
 * system: they want the administrator's bearer token (401 without, 403 with a wrong one).
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import { readdirSync } from "node:fs";
import { fileURLToPath } from "node:url";
import type { GatewayDeps } from "../deps.js";
import { PROGRAM_NAMES, type ProgramName } from "../programs.js";
import { runProgram, straceProgram } from "../runner.js";
import { checkBearer } from "../token.js";
import { sse } from "../sse.js";
import { CONTROL_SIGNALS } from "../../nats/self-control.js";

const message = { type: "object", properties: { message: { type: "string" } } } as const;
const runBody = {
  type: "object",
  required: ["program"],
  additionalProperties: false,
  properties: {
    program: { type: "string", description: `one of ${PROGRAM_NAMES.join(", ")}` },
    args: { type: "array", items: { type: "string", maxLength: 256 }, maxItems: 16, default: [] },
  },
} as const;
const runResult = {
  type: "object",
  properties: { status: { type: ["integer", "null"] }, stdout: { type: "string" }, stderr: { type: "string" }, truncated: { type: "boolean" }, message: { type: "string" } },
} as const;

/** The modules natix ships (a web caller names one, never a path). */
const SHIPPED_MODULES = readdirSync(fileURLToPath(new URL("../../../modules/", import.meta.url)))
  .filter((f) => f.endsWith(".js"))
  .map((f) => f.slice(0, -3));

const known = (program: string): program is ProgramName => (PROGRAM_NAMES as string[]).includes(program);

/** Query args: ?args=a&args=b, or one ?args= value (split on spaces). */
const queryArgs = (v: string | string[] | undefined) => (v === undefined ? [] : Array.isArray(v) ? v : v.split(" ").filter(Boolean));

export async function actRoutes(app: FastifyInstance, deps: GatewayDeps): Promise<void> {
  const target = { natsUrl: deps.natsUrl, adminCreds: deps.admin.credsPath };
  const needsToken = async (req: FastifyRequest, reply: FastifyReply) => {
    const refused = checkBearer(req.headers.authorization, deps.token);
    if (refused === 401) return reply.code(401).header("www-authenticate", "Bearer").send({ message: "this route wants the administrator's bearer token (Authorization: Bearer TOKEN)" });
    if (refused === 403) return reply.code(403).send({ message: "wrong bearer token" });
  };

  app.post<{ Body: { program: string; args: string[] } }>("/v1/run", {
    schema: { summary: "Runs a shipped example as a natix process; its exit status and output", body: runBody, response: { 200: runResult, 404: message, 504: runResult } },
    handler: async (req, reply) => {
      const { program, args } = req.body;
      if (!known(program)) return reply.code(404).send({ message: `no program ${program} (known: ${PROGRAM_NAMES.join(", ")})` });
      const r = await runProgram(target, program, args, deps.limits);
      const body = { status: r.status, stdout: r.stdout, stderr: r.stderr, truncated: r.truncated };
      return r.timedOut ? reply.code(504).send({ ...body, message: `the run took longer than ${deps.limits.timeoutMs} ms and was killed` }) : body;
    },
  });

  const streamQuery = { type: "object", required: ["program"], properties: { program: { type: "string" }, args: { anyOf: [{ type: "string" }, { type: "array", items: { type: "string" } }] } } } as const;

  app.get<{ Querystring: { program: string; args?: string | string[] } }>("/v1/run/stream", {
    schema: { summary: "The same run, streamed as server-sent events: stdout, stderr, then exit {status}", querystring: streamQuery, response: { 404: message } },
    handler: async (req, reply) => {
      const { program } = req.query;
      if (!known(program)) return reply.code(404).send({ message: `no program ${program}` });
      const stream = sse(reply);
      const r = await runProgram(target, program, queryArgs(req.query.args), deps.limits, (c) => stream.send(c.stream, c.text));
      stream.send("exit", { status: r.status, timedOut: r.timedOut, truncated: r.truncated });
      stream.end();
    },
  });

  app.get<{ Querystring: { program: string; args?: string | string[] } }>("/v1/strace", {
    schema: {
      summary: "Runs a shipped example under strace: the kernel's trace lines and the program's output",
      querystring: streamQuery,
      response: { 200: { type: "object", properties: { ...runResult.properties, trace: { type: "array", items: { type: "string" } } } }, 404: message },
    },
    handler: async (req, reply) => {
      const { program } = req.query;
      if (!known(program)) return reply.code(404).send({ message: `no program ${program}` });
      const r = await straceProgram(target, program, queryArgs(req.query.args), deps.limits);
      return { status: r.status, stdout: r.stdout, stderr: r.stderr, truncated: r.truncated, trace: r.trace };
    },
  });

  app.post<{ Body: { name: string } }>("/v1/modules", {
    preHandler: needsToken,
    schema: {
      summary: "insmod a module shipped with natix",
      security: [{ bearer: [] }],
      body: { type: "object", required: ["name"], additionalProperties: false, properties: { name: { type: "string", pattern: "^[a-z][a-z0-9_-]{0,31}$" } } },
      response: { 201: { type: "object", properties: { name: { type: "string" } } }, 404: message, 409: message },
    },
    handler: async (req, reply) => {
      const { name } = req.body;
      if (!SHIPPED_MODULES.includes(name)) return reply.code(404).send({ message: `no module ${name} ships with natix (known: ${SHIPPED_MODULES.join(", ")})` });
      const error = await deps.admin.insmod(name);
      if (error) return reply.code(/File exists/.test(error) ? 409 : 502).send({ message: error });
      return reply.code(201).send({ name });
    },
  });

  app.delete<{ Params: { name: string } }>("/v1/modules/:name", {
    preHandler: needsToken,
    schema: { summary: "rmmod", security: [{ bearer: [] }], params: { type: "object", properties: { name: { type: "string", pattern: "^[a-z][a-z0-9_-]{0,31}$" } } }, response: { 204: { type: "null" }, 404: message } },
    handler: async (req, reply) => {
      const error = await deps.admin.rmmod(req.params.name);
      if (error) return reply.code(/not currently loaded/.test(error) ? 404 : 502).send({ message: error });
      return reply.code(204).send();
    },
  });

  for (const action of ["kill", "restart"] as const) {
    app.post<{ Params: { name: string }; Body: { signal?: string } | undefined }>(`/v1/services/:name/${action}`, {
      preHandler: needsToken,
      schema: {
        summary: action === "kill" ? "Signals a component's process (default SIGKILL): the chaos button" : "Starts a component afresh",
        security: [{ bearer: [] }],
        params: { type: "object", properties: { name: { type: "string", pattern: "^[a-z][a-z0-9_-]{0,31}$" } } },
        ...(action === "kill" ? { body: { type: ["object", "null"], additionalProperties: false, properties: { signal: { enum: [...CONTROL_SIGNALS, ...CONTROL_SIGNALS.map((s) => `SIG${s}`)] } } } } : {}),
        response: { 202: { type: "object", properties: { accepted: { type: "boolean" }, name: { type: "string" } } }, 404: message },
      },
      handler: async (req, reply) => {
        const { name } = req.params;
        const error = action === "kill" ? await deps.admin.kill(name, req.body?.signal ?? "KILL") : await deps.admin.restart(name);
        if (error) return reply.code(/no service|not running/.test(error) ? 404 : 502).send({ message: error });
        return reply.code(202).send({ accepted: true, name });
      },
    });
  }
}
