/**
 * Killing and restarting a component, as the administrator asks (natix kill / restart, the
 * gateway's buttons): through the reincarnation supervisor where one runs the system (natix
 * up), else by the component's own kill switch (natix.ctl.<name>; under docker compose Docker
 * restarts what ended). An error text, or undefined when done.
 */
import type { NatsConnection } from "@nats-io/transport-node";
import { RS_SUBJECTS, SUBJECTS } from "../../kernel-core/abi/subjects.js";
import { classifyRequestError } from "../../transport/nats-errors.js";

async function ask(nc: NatsConnection, subject: string, body: object, timeoutMs: number): Promise<string | undefined | "no-responders"> {
  try {
    const reply = (await nc.request(subject, JSON.stringify(body), { timeout: timeoutMs })).json<{ error?: string }>();
    return reply.error;
  } catch (err) {
    if (classifyRequestError(err) === "no-responders") return "no-responders";
    throw err;
  }
}

export async function killService(nc: NatsConnection, name: string, signal = "TERM", replica = 0): Promise<string | undefined> {
  const viaSupervisor = await ask(nc, RS_SUBJECTS.kill, { name, signal, replica }, 20_000);
  if (viaSupervisor !== "no-responders") return viaSupervisor;
  const own = await ask(nc, SUBJECTS.control(name), { signal }, 5000);
  return own === "no-responders" ? `no service ${name} answers` : own;
}

export async function restartService(nc: NatsConnection, name: string): Promise<string | undefined> {
  const viaSupervisor = await ask(nc, RS_SUBJECTS.restart, { name }, 20_000);
  if (viaSupervisor !== "no-responders") return viaSupervisor;
  // Without a supervisor, a clean stop is a restart: whatever runs the component starts it again.
  const own = await ask(nc, SUBJECTS.control(name), { signal: "TERM" }, 5000);
  return own === "no-responders" ? `no service ${name} answers` : own;
}
