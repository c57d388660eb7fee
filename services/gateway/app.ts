/**
 * The gateway's HTTP face (fastify 5): the routes, their JSON schemas (which validate requests
 * and make the OpenAPI document at /openapi.json, shown at /docs), and the dashboard at /.
 * Built from its dependencies so tests can inject requests without opening a port.
 */
import Fastify, { type FastifyBaseLogger, type FastifyInstance } from "fastify";
import fastifyStatic from "@fastify/static";
import fastifySwagger from "@fastify/swagger";
import fastifySwaggerUi from "@fastify/swagger-ui";
import { fileURLToPath } from "node:url";
import { NATIX_VERSION } from "../../kernel-core/version.js";
import type { GatewayDeps } from "./deps.js";
import { observeRoutes } from "./routes/observe.js";
import { actRoutes } from "./routes/act.js";

/** The dashboard's files: served as they are, no build step. Request data is validated as sent (no coercion: 1 is not "1"). */
export const PUBLIC_DIR = fileURLToPath(new URL("../../../services/gateway/public/", import.meta.url));

export async function buildGateway(deps: GatewayDeps): Promise<FastifyInstance> {
  const app: FastifyInstance = Fastify({ loggerInstance: deps.log as FastifyBaseLogger | undefined, disableRequestLogging: true, ajv: { customOptions: { removeAdditional: false, coerceTypes: false } } });
  await app.register(fastifySwagger, {
    openapi: {
      info: { title: "natix gateway", version: NATIX_VERSION, description: "HTTP face of a natix system: run the chapter's examples, read /proc and the kernel log, load modules, kill and restart components, Prometheus metrics." },
      components: { securitySchemes: { bearer: { type: "http", scheme: "bearer" } } },
    },
  });
  await app.register(fastifySwaggerUi, { routePrefix: "/docs" });
  await app.register(fastifyStatic, { root: PUBLIC_DIR, index: ["index.html"] });
  app.get("/openapi.json", { schema: { hide: true } }, async () => app.swagger());
  await app.register(async (scope) => observeRoutes(scope, deps));
  await app.register(async (scope) => actRoutes(scope, deps));
  // Every error is JSON with a message (fastify's validation errors already are).
  app.setNotFoundHandler((req, reply) => reply.code(404).send({ message: `no route ${req.method} ${req.url.split("?")[0]}` }));
  await app.ready();
  return app;
}
