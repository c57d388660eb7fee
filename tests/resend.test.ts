/**
 * requestResending on a real nats-server: the behaviour the outage and supervisor paths rely on.
 * A resend must never discard a late answer to an earlier attempt (the outage regression: the
 * server's EIO, sent after its driver budget, was lost and the caller saw ETIMEDOUT).
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { NatsConnection } from "@nats-io/transport-node";
import { ServerReturns, requestResending } from "../build/transport/resend.js";
import { startTestNats, type TestNats } from "./helpers/nats.js";

const enc = new TextEncoder();
const dec = new TextDecoder();

describe("requestResending (real broker)", () => {
  let nats: TestNats;
  let nc: NatsConnection;
  beforeAll(async () => {
    nats = await startTestNats();
    nc = await nats.connect("resend");
  });
  afterAll(async () => {
    await nc?.close();
    await nats?.stop();
  });

  it("takes a late answer to the first attempt although later attempts were sent", async () => {
    const seen: string[] = [];
    const sub = nc.subscribe("t.late");
    (async () => {
      for await (const m of sub) {
        seen.push(dec.decode(m.data));
        // Only the first attempt is ever answered, and only after three slices.
        if (seen.length === 1) setTimeout(() => m.respond(enc.encode("first")), 300);
      }
    })();
    await nc.flush();
    const r = await requestResending(nc, "t.late", enc.encode("x"), performance.now() + 2000, 100);
    sub.unsubscribe();
    expect(r.ok).toBe(true);
    expect(r.ok && dec.decode(r.data)).toBe("first");
    expect(seen.length).toBeGreaterThanOrEqual(2);
  });

  it("waits out 'no responders' until a responder subscribes", async () => {
    const started = performance.now();
    setTimeout(() => {
      const sub = nc.subscribe("t.later", { max: 1, callback: (_e, m) => m.respond(enc.encode("here")) });
      void sub;
    }, 250);
    const r = await requestResending(nc, "t.later", enc.encode("x"), performance.now() + 3000);
    expect(r.ok && dec.decode(r.data)).toBe("here");
    expect(performance.now() - started).toBeGreaterThanOrEqual(200);
  });

  it("ends with a timeout at the deadline when nobody answers", async () => {
    const sub = nc.subscribe("t.silent");
    await nc.flush();
    const started = performance.now();
    const r = await requestResending(nc, "t.silent", enc.encode("x"), performance.now() + 400, 100);
    sub.unsubscribe();
    expect(r).toEqual({ ok: false, why: "timeout" });
    expect(performance.now() - started).toBeGreaterThanOrEqual(380);
  });

  it("ends with a timeout at the deadline when no responder ever comes", async () => {
    const r = await requestResending(nc, "t.nobody", enc.encode("x"), performance.now() + 300);
    expect(r).toEqual({ ok: false, why: "timeout" });
  });
  it("sends a pending idempotent request again as soon as its server's return is announced, in order", async () => {
    const returns = new ServerReturns();
    const seen: string[] = [];
    // The "old server" takes every request and never answers (killed with them).
    const old = nc.subscribe("t.returns", { callback: (_e, m) => seen.push(`old ${dec.decode(m.data)}`) });
    await nc.flush();
    // A slice of a minute: only the announcement can make them go again within the test.
    const a = requestResending(nc, "t.returns", enc.encode("a"), performance.now() + 120_000, 60_000, undefined, returns);
    const b = requestResending(nc, "t.returns", enc.encode("b"), performance.now() + 120_000, 60_000, undefined, returns);
    await nc.flush();
    while (seen.length < 2) await new Promise((r) => setTimeout(r, 10));
    old.unsubscribe();
    const fresh = nc.subscribe("t.returns", { callback: (_e, m) => (seen.push(`new ${dec.decode(m.data)}`), m.respond(m.data)) });
    await nc.flush();
    returns.announce();
    const [ra, rb] = await Promise.all([a, b]);
    fresh.unsubscribe();
    expect([ra.ok && dec.decode(ra.data), rb.ok && dec.decode(rb.data)]).toEqual(["a", "b"]);
    expect(seen).toEqual(["old a", "old b", "new a", "new b"]);
  });

  it("does not send a request that may not run twice again when a server returns, unless it reached no one", async () => {
    const returns = new ServerReturns();
    let arrivals = 0;
    const sub = nc.subscribe("t.once", { callback: () => arrivals++ }); // heard, never answered
    await nc.flush();
    const pending = requestResending(nc, "t.once", enc.encode("w"), performance.now() + 1500, Infinity, undefined, returns);
    while (arrivals < 1) await new Promise((r) => setTimeout(r, 10));
    returns.announce();
    const r = await pending;
    sub.unsubscribe();
    expect(r).toEqual({ ok: false, why: "timeout" });
    expect(arrivals).toBe(1);
  });
});
