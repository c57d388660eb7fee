/**
 * The HTTP gateway against a real system (micro, isolated bus), through a real socket: every
 * route, its JSON errors, the bearer token on the routes that act, server-sent events, the
 * Prometheus metrics the components published, and the OpenAPI document.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { readFileSync } from "node:fs";
import { startSystem, type RunningSystem } from "../build/services/launcher.js";
import { startTestNats, type TestNats } from "./helpers/nats.js";
import { natixAsync } from "./helpers/cli.js";
import { spawn } from "node:child_process";

/** A request to the gateway: status, JSON (or text) body, content type. */
async function http(base: string, path: string, init: { method?: string; body?: unknown; token?: string } = {}) {
  const headers: Record<string, string> = {};
  if (init.body !== undefined) headers["content-type"] = "application/json";
  if (init.token) headers.authorization = `Bearer ${init.token}`;
  const r = await fetch(base + path, { method: init.method ?? "GET", headers, body: init.body === undefined ? undefined : JSON.stringify(init.body) });
  const text = await r.text();
  const type = r.headers.get("content-type") ?? "";
  return { status: r.status, type, text, json: type.includes("json") && text ? JSON.parse(text) : undefined };
}

/** The events of a server-sent-events response, until it ends (or `until` says stop). */
async function events(url: string, until?: (e: { event: string; data: unknown }[]) => boolean, ms = 15_000) {
  const ctl = new AbortController();
  const timer = setTimeout(() => ctl.abort(), ms);
  const seen: { event: string; data: unknown }[] = [];
  try {
    const r = await fetch(url, { signal: ctl.signal });
    expect(r.headers.get("content-type")).toMatch(/text\/event-stream/);
    let buffer = "";
    for await (const chunk of r.body!) {
      buffer += Buffer.from(chunk).toString();
      let cut;
      while ((cut = buffer.indexOf("\n\n")) >= 0) {
        const block = buffer.slice(0, cut);
        buffer = buffer.slice(cut + 2);
        const event = /^event: (.*)$/m.exec(block)?.[1];
        const data = /^data: (.*)$/m.exec(block)?.[1];
        if (event && data !== undefined) seen.push({ event, data: JSON.parse(data) });
      }
      if (until?.(seen)) break;
    }
  } catch (err) {
    if ((err as Error).name !== "AbortError") throw err;
  } finally {
    clearTimeout(timer);
    ctl.abort();
  }
  return seen;
}

describe("the gateway (micro, isolated bus, a real socket)", () => {
  let nats: TestNats;
  let sys: RunningSystem;
  let base: string;
  let token: string;
  beforeAll(async () => {
    nats = await startTestNats();
    sys = await startSystem({ mode: "micro", nats: nats.url, keys: nats.keysDir, http: { port: 0 } });
    base = sys.http!.url;
    token = readFileSync(sys.http!.tokenFile, "utf8").trim();
  }, 60_000);
  afterAll(async () => {
    await sys?.stop();
    await nats?.stop();
  });

  it("GET /healthz: 200 {status: ok} when kernel-core and every server and driver answer", async () => {
    const r = await http(base, "/healthz");
    expect(r.status).toBe(200);
    expect(r.json).toEqual({ status: "ok" });
  });

  it("POST /v1/run runs a shipped example as a natix process: its status and output", async () => {
    const r = await http(base, "/v1/run", { method: "POST", body: { program: "ex11_2", args: ["Kam"] } });
    expect(r.status).toBe(200);
    expect(r.json).toEqual({ status: 0, stdout: "Message: Hello Kam!\n", stderr: "", truncated: false });
    const long = await http(base, "/v1/run", { method: "POST", body: { program: "ex11_2_long" } });
    expect(long.json.status).toBe(1);
    expect(long.json.stdout).toBe("[ERR] Ret val: -1\n");
  });

  it("POST /v1/run: an unknown program is 404, a malformed body 400, both JSON with a message", async () => {
    const unknown = await http(base, "/v1/run", { method: "POST", body: { program: "../../bin/sh" } });
    expect(unknown.status).toBe(404);
    expect(unknown.json.message).toMatch(/no program/);
    for (const body of [{}, { program: 1 }, { program: "ex11_2", args: "Kam" }, { program: "ex11_2", extra: 1 }, { program: "ex11_2", args: Array(17).fill("x") }]) {
      const bad = await http(base, "/v1/run", { method: "POST", body });
      expect(bad.status, JSON.stringify(body)).toBe(400);
      expect(typeof bad.json.message).toBe("string");
    }
    const notJson = await fetch(`${base}/v1/run`, { method: "POST", headers: { "content-type": "application/json" }, body: "{" });
    expect(notJson.status).toBe(400);
  });

  it("GET /v1/run/stream streams stdout, then exit, as server-sent events", async () => {
    const seen = await events(`${base}/v1/run/stream?program=ex11_2&args=Linus`);
    expect(seen.filter((e) => e.event === "stdout").map((e) => e.data).join("")).toBe("Message: Hello Linus!\n");
    expect(seen[seen.length - 1]).toEqual({ event: "exit", data: { status: 0, timedOut: false, truncated: false } });
  });

  it("GET /v1/strace: the kernel's trace of example 11.2, as the chapter shows it, and its output", async () => {
    const r = await http(base, "/v1/strace?program=ex11_2&args=Kam");
    expect(r.status).toBe(200);
    expect(r.json.trace).toEqual(['hello_world("Kam", 4, "Hello Kam!", 64) = 0', 'write(1, "Message: Hello Kam!\\n", 20) = 20', "exit_group(0) = ?", "+++ exited with 0 +++"]);
    expect(r.json.stdout).toBe("Message: Hello Kam!\n");
  });

  it("GET /v1/proc/<path>: procfs as text/plain; 404 when absent; no way out of /proc", async () => {
    const meminfo = await http(base, "/v1/proc/meminfo");
    expect(meminfo.status).toBe(200);
    expect(meminfo.type).toMatch(/^text\/plain/);
    expect(meminfo.text).toMatch(/^MemTotal: +\d+ kB$/m);
    expect((await http(base, "/v1/proc/hwkm")).status).toBe(404);
    expect((await http(base, "/v1/proc/no/such")).status).toBe(404);
    for (const p of ["/v1/proc/..%2f..%2fetc%2fpasswd", "/v1/proc/self/../../etc"]) expect([400, 404]).toContain((await http(base, p)).status);
  });

  it("modules: 401 without the token, 403 with a wrong one; with it, insmod, /proc/hwkm, 409 again, rmmod, 404 after", async () => {
    const hwkm = { name: "hwkm" };
    const none = await http(base, "/v1/modules", { method: "POST", body: hwkm });
    expect(none.status).toBe(401);
    expect(none.json.message).toMatch(/bearer token/);
    expect((await http(base, "/v1/modules", { method: "POST", body: hwkm, token: "not-it" })).status).toBe(403);
    expect((await http(base, "/v1/modules", { method: "POST", body: { name: "nosuch" }, token })).status).toBe(404);
    expect((await http(base, "/v1/modules", { method: "POST", body: hwkm, token })).status).toBe(201);
    expect((await http(base, "/v1/proc/hwkm")).text).toBe("Hello World From Kernel Module!\n");
    expect((await http(base, "/v1/modules", { method: "POST", body: hwkm, token })).status).toBe(409);
    expect((await http(base, "/v1/modules/hwkm", { method: "DELETE" })).status).toBe(401);
    expect((await http(base, "/v1/modules/hwkm", { method: "DELETE", token })).status).toBe(204);
    expect((await http(base, "/v1/modules/hwkm", { method: "DELETE", token })).status).toBe(404);
    expect((await http(base, "/v1/proc/hwkm")).status).toBe(404);
  });

  it("GET /v1/dmesg is the kernel log in dmesg's format; ?follow=1 streams new lines", async () => {
    const r = await http(base, "/v1/dmesg");
    expect(r.type).toMatch(/^text\/plain/);
    expect(r.text.split("\n").filter(Boolean).every((l) => /^\[ *\d+\.\d{6}\] /.test(l))).toBe(true);
    const following = events(`${base}/v1/dmesg?follow=1`, (seen) => seen.some((e) => String(e.data).includes("Message: Hello Follow!")));
    await new Promise((r) => setTimeout(r, 500));
    await http(base, "/v1/run", { method: "POST", body: { program: "ex11_2", args: ["Follow"] } });
    expect((await following).some((e) => e.event === "line" && /\] Message: Hello Follow!$/.test(String(e.data)))).toBe(true);
  });

  it("POST /v1/services/<name>/kill: 401 without the token; 202, and the supervisor brings it back (ps shows the restart)", async () => {
    expect((await http(base, "/v1/services/blk/kill", { method: "POST" })).status).toBe(401);
    expect((await http(base, "/v1/services/nosuch/kill", { method: "POST", token })).status).toBe(404);
    const r = await http(base, "/v1/services/blk/kill", { method: "POST", token });
    expect(r.status).toBe(202);
    expect(r.json).toEqual({ accepted: true, name: "blk" });
    await expect
      .poll(async () => (await http(base, "/v1/ps")).json.services.find((s: { name: string }) => s.name === "blk"), { timeout: 10_000 })
      .toMatchObject({ state: "running", restarts: 1 });
    expect((await http(base, "/v1/run", { method: "POST", body: { program: "ex11_2" } })).json.stdout).toBe("Message: Hello Kam!\n");
  });

  it("GET /v1/ps: processes and services as JSON", async () => {
    const r = await http(base, "/v1/ps");
    expect(r.json.bus).toBe("isolated");
    expect(r.json.services.map((s: { name: string }) => s.name)).toEqual(expect.arrayContaining(["kernel", "vfs", "mem", "hello", "pm", "tty", "blk", "gateway"]));
    for (const s of r.json.services) expect(s).toMatchObject({ state: "running", pid: expect.any(Number) });
  });

  it("GET /metrics: syscalls counted where they ran, latency histograms, restarts, processes, and the process defaults", async () => {
    // Components publish every second (every five when idle).
    await expect.poll(async () => (await http(base, "/metrics")).text, { timeout: 10_000 }).toMatch(/^natix_syscalls_total\{syscall="hello_world",server="hello",result="ok"\} [1-9]\d*$/m);
    const text = (await http(base, "/metrics")).text;
    expect(text).toMatch(/^# TYPE natix_syscall_duration_seconds histogram$/m);
    expect(text).toMatch(/^natix_syscall_duration_seconds_bucket\{syscall="hello_world",server="hello",le="\+Inf"\} [1-9]\d*$/m);
    expect(text).toMatch(/^natix_syscall_duration_seconds_count\{syscall="hello_world",server="hello"\} [1-9]\d*$/m);
    expect(text).toMatch(/^natix_syscalls_total\{syscall="write",server="vfs",result="ok"\} [1-9]\d*$/m);
    // Example 11.2's long name: the chapter's syscall refuses it with EPERM.
    expect(text).toMatch(/^natix_syscalls_total\{syscall="hello_world",server="hello",result="EPERM"\} [1-9]\d*$/m);
    expect(text).toMatch(/^natix_service_restarts_total\{service="blk"\} 1$/m);
    expect(text).toMatch(/^natix_processes\{state="running"\} \d+$/m);
    expect(text).toMatch(/^process_cpu_user_seconds_total /m);
  });

  it("GET /v1/stats: calls per second and p50/p99 per server over the last seconds", async () => {
    await http(base, "/v1/run", { method: "POST", body: { program: "ex11_2" } });
    await expect.poll(async () => (await http(base, "/v1/stats")).json.find((s: { server: string }) => s.server === "hello")?.callsPerSec ?? 0, { timeout: 10_000 }).toBeGreaterThan(0);
    const hello = (await http(base, "/v1/stats")).json.find((s: { server: string }) => s.server === "hello");
    expect(hello.p50Ms).toBeGreaterThan(0);
    expect(hello.p99Ms).toBeGreaterThanOrEqual(hello.p50Ms);
  });

  it("GET /openapi.json documents every route from its schemas; /docs shows it; / is the dashboard", async () => {
    const doc = (await http(base, "/openapi.json")).json;
    expect(doc.openapi).toMatch(/^3\./);
    for (const p of ["/healthz", "/v1/run", "/v1/run/stream", "/v1/proc/{*}", "/v1/dmesg", "/v1/ps", "/v1/strace", "/v1/modules", "/v1/modules/{name}", "/v1/services/{name}/kill", "/v1/services/{name}/restart", "/metrics"]) {
      expect(doc.paths[p], p).toBeDefined();
    }
    expect(doc.paths["/v1/run"].post.requestBody.content["application/json"].schema.required).toEqual(["program"]);
    expect(doc.paths["/v1/modules"].post.security).toEqual([{ bearer: [] }]);
    expect((await http(base, "/docs")).status).toBe(200);
    const page = await http(base, "/");
    expect(page.type).toMatch(/^text\/html/);
    expect(page.text).toMatch(/<title>natix/);
    expect((await http(base, "/nowhere")).json).toEqual({ message: "no route GET /nowhere" });
  });

  it("a run that outlives its limit is killed and answered 504 with what it printed; output is capped (natix gateway, run by hand)", async () => {
    const child = spawn(process.execPath, ["bin/natix.js", "gateway", "--port", "0"], { env: { ...process.env, NATS_URL: nats.url, NATIX_RUN_TIMEOUT_MS: "1", NATIX_ADMIN_TOKEN: "t" }, stdio: ["ignore", "pipe", "pipe"] });
    try {
      const url = await new Promise<string>((resolve, reject) => {
        child.stdout!.on("data", (d: Buffer) => {
          const m = /natix gateway: (http:\/\/\S+)/.exec(d.toString());
          if (m) resolve(m[1]);
        });
        child.once("exit", (code) => reject(new Error(`natix gateway exited ${code}`)));
      });
      const r = await http(url, "/v1/run", { method: "POST", body: { program: "ex11_2" } });
      expect(r.status).toBe(504);
      expect(r.json).toMatchObject({ status: null, message: expect.stringMatching(/longer than 1 ms/) });
    } finally {
      child.kill("SIGTERM");
    }
    const capped = await natixAsync(["--help"]);
    expect(capped.status).toBe(0);
    expect(capped.stdout).toMatch(/natix gateway/);
  });
});

describe("the gateway on a system that loses a server (no supervisor)", () => {
  it("GET /healthz answers 503 with what is missing", async () => {
    const nats = await startTestNats();
    const sys = await startSystem({ mode: "micro", nats: nats.url, keys: nats.keysDir, http: { port: 0 }, supervise: false });
    try {
      const hello = sys.supervisor.child("hello")!;
      hello.kill("SIGKILL");
      await new Promise((r) => hello.once("exit", r));
      await expect.poll(async () => (await http(sys.http!.url, "/healthz")).status, { timeout: 10_000 }).toBe(503);
      expect((await http(sys.http!.url, "/healthz")).json).toEqual({ status: "unavailable", missing: ["hello"] });
    } finally {
      await sys.stop();
      await nats.stop();
    }
  }, 60_000);
});
