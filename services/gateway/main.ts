/**
 * The gateway as a component process (natix up --http, docker compose): its own credentials in
 * NATIX_CREDS, the administrator's in NATIX_ADMIN_CREDS, the token in NATIX_ADMIN_TOKEN or
 * NATIX_TOKEN_FILE.
 */
import { runComponent } from "../component.js";
import { startGateway } from "./start.js";

await runComponent("gateway", (nc, log) => startGateway({ nc, log, natsUrl: process.env.NATS_URL!, adminCreds: process.env.NATIX_ADMIN_CREDS }));
