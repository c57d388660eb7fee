/**
 * The syscall path's request/reply (transport/requester.ts) on a real nats-server in operator
 * mode: answers matched to their requests, and every way a request fails read by
 * classifyRequestError as nats.js's own request's failures are — no responders, timeout, a
 * publish the bus refused (at once, not at the timeout), the connection closed. And what another
 * user can do to its replies: nothing beyond the one answer the bus lets a responder send.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { errors, headers, type Msg, type NatsConnection } from "@nats-io/transport-node";
import { Requester, requesterOf } from "../build/transport/requester.js";
import { classifyRequestError } from "../build/transport/nats-errors.js";
import { startTestNats, type TestNats } from "./helpers/nats.js";

const enc = new TextEncoder();
const dec = new TextDecoder();
const failureOf = (p: Promise<unknown>) => p.then(() => "answered", (err) => err as Error);

describe("Requester (real broker)", () => {
  let nats: TestNats;
  let nc: NatsConnection;
  let server: NatsConnection;
  beforeAll(async () => {
    nats = await startTestNats();
    nc = await nats.connect("req", { pub: ["t.>"], sub: [] });
    server = await nats.connect("srv", { pub: [], sub: ["t.>"] });
  });
  afterAll(async () => {
    await nc?.close();
    await server?.close();
    await nats?.stop();
  });

  it("matches 200 concurrent requests to their answers, answered in reverse order, headers both ways", async () => {
    const held: Msg[] = [];
    const sub = server.subscribe("t.echo", {
      callback: (_e, m) => {
        held.push(m);
        if (held.length < 200) return;
        for (const h of held.reverse()) {
          const hdrs = headers();
          hdrs.set("Seen", h.headers?.get("Tag") ?? "");
          h.respond(h.data, { headers: hdrs });
        }
      },
    });
    await server.flush();
    const r = requesterOf(nc);
    const replies = await Promise.all(
      Array.from({ length: 200 }, (_, i) => {
        const hdrs = headers();
        hdrs.set("Tag", `t${i}`);
        return r.request("t.echo", enc.encode(`call ${i}`), { timeout: 10_000, headers: hdrs });
      }),
    );
    sub.unsubscribe();
    expect(replies.map((m) => dec.decode(m.data))).toEqual(Array.from({ length: 200 }, (_, i) => `call ${i}`));
    expect(replies.map((m) => m.headers?.get("Seen"))).toEqual(Array.from({ length: 200 }, (_, i) => `t${i}`));
    // Replies come to this user's own inbox: the only one the bus lets it read.
    expect(held.every((m) => m.reply?.startsWith("_INBOX.test.req."))).toBe(true);
  });

  it("is one requester per connection", () => {
    expect(requesterOf(nc)).toBe(requesterOf(nc));
  });

  it("fails with no responders when nobody is subscribed", async () => {
    const err = await failureOf(requesterOf(nc).request("t.nobody", enc.encode("x"), { timeout: 10_000 }));
    expect(err).toBeInstanceOf(errors.NoRespondersError);
    expect(classifyRequestError(err)).toBe("no-responders");
  });

  it("times out when the answer is late, and drops the late answer without disturbing the next call", async () => {
    const late: Msg[] = [];
    const sub = server.subscribe("t.slow", { callback: (_e, m) => (dec.decode(m.data) === "first" ? late.push(m) : m.respond(enc.encode("second's"))) });
    await server.flush();
    const r = requesterOf(nc);
    const err = await failureOf(r.request("t.slow", enc.encode("first"), { timeout: 150 }));
    expect(err).toBeInstanceOf(errors.TimeoutError);
    expect(classifyRequestError(err)).toBe("timeout");
    const next = r.request("t.slow", enc.encode("second"), { timeout: 10_000 });
    late[0].respond(enc.encode("first's, too late"));
    expect(dec.decode((await next).data)).toBe("second's");
    sub.unsubscribe();
  });

  it("waits for an answer without bound when the timeout is Infinity (setTimeout alone would fire at once)", async () => {
    const sub = server.subscribe("t.unbounded", { callback: (_e, m) => setTimeout(() => m.respond(enc.encode("later")), 100) });
    await server.flush();
    expect(dec.decode((await requesterOf(nc).request("t.unbounded", enc.encode("x"), { timeout: Infinity })).data)).toBe("later");
    sub.unsubscribe();
  });

  it("fails at once when the bus refuses the publish, and only that request", async () => {
    const sub = server.subscribe("t.fine", { callback: (_e, m) => setTimeout(() => m.respond(enc.encode("fine")), 200) });
    await server.flush();
    const r = requesterOf(nc);
    const fine = r.request("t.fine", enc.encode("x"), { timeout: 10_000 });
    // A timeout far beyond the test's own: only the bus's refusal can end this in time.
    const refused = await failureOf(r.request("natix.drv.blk", enc.encode("raw block"), { timeout: 60_000 }));
    expect(refused).toBeInstanceOf(errors.PermissionViolationError);
    expect(classifyRequestError(refused)).toBe("other");
    expect(dec.decode((await fine).data)).toBe("fine");
    sub.unsubscribe();
  }, 10_000);

  it("lets a responder answer once: a second answer and a guessed reply subject reach nothing", async () => {
    const hostile = await nats.connect("hostile", { pub: [], sub: ["t.>"] });
    const refusals: string[] = [];
    void (async () => {
      for await (const s of hostile.status()) if (s.type === "error") refusals.push(String(s.error.message));
    })();
    const sub = hostile.subscribe("t.hostile", {
      callback: (_e, m) => {
        m.respond(enc.encode("one"));
        m.respond(enc.encode("two")); // over the one answer the bus allows
        hostile.publish(m.reply!.replace(/\.([0-9a-z]+)$/, (_all, t: string) => `.${(parseInt(t, 36) + 1).toString(36)}`), enc.encode("forged"));
      },
    });
    await hostile.flush();
    const r = requesterOf(nc);
    expect(dec.decode((await r.request("t.hostile", enc.encode("a"), { timeout: 10_000 })).data)).toBe("one");
    sub.unsubscribe();
    const honest = server.subscribe("t.after", { callback: (_e, m) => m.respond(enc.encode("honest")) });
    await server.flush();
    expect(dec.decode((await r.request("t.after", enc.encode("b"), { timeout: 10_000 })).data)).toBe("honest");
    await hostile.flush();
    expect(refusals.some((m) => /Permissions Violation for Publish/i.test(m))).toBe(true);
    honest.unsubscribe();
    await hostile.close();
  });

  it("fails what is pending when its connection closes, and every request after", async () => {
    const own = await nats.connect("closing", { pub: ["t.>"], sub: [] });
    const sub = server.subscribe("t.never", { callback: () => {} });
    await server.flush();
    const r = new Requester(own);
    const pending = failureOf(r.request("t.never", enc.encode("x"), { timeout: 60_000 }));
    await own.flush();
    await own.close();
    const err = await pending;
    expect(classifyRequestError(err)).toBe("closed");
    expect(classifyRequestError(await failureOf(r.request("t.never", enc.encode("y"), { timeout: 60_000 })))).toBe("closed");
    sub.unsubscribe();
  }, 10_000);
});
