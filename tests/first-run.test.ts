/**
 * A first run on a machine without nats-server on PATH: with a Docker engine, natix up runs NATS
 * in a container (testcontainers, host networking) and everything works; with neither, npm
 * start's demo says so in one line and runs the chapter embedded, and natix up says what to
 * install. (With nats-server on PATH: tests/cli.test.ts.) NATS_SERVER_BIN points natix at a
 * binary that is not there; DOCKER_HOST at an engine that is not there.
 */
import { describe, expect, it } from "vitest";
import { spawnSync } from "node:child_process";
import { natix, natixAsync, natixUp } from "./helpers/cli.js";

const NO_NATS = { NATS_SERVER_BIN: "/nonexistent/nats-server" };
const NO_DOCKER = { DOCKER_HOST: "unix:///nonexistent/docker.sock" };
const DOCKER = spawnSync("docker", ["info"], { stdio: "ignore" }).status === 0;
const containers = () => spawnSync("docker", ["ps", "-q"]).stdout.toString().trim().split("\n").filter(Boolean).length;

describe("without nats-server on PATH", () => {
  it.skipIf(!DOCKER && process.env.NATIX_REQUIRE_DOCKER !== "1")("with a Docker engine: natix up runs NATS in a container, the chapter runs, and stopping removes the container", async () => {
    const before = containers();
    const up = await natixUp([], NO_NATS);
    try {
      const r = await natixAsync(["run", "examples/ex11_2.mjs", "Docker"], { NATS_URL: up.url });
      expect(r.stdout).toBe("Message: Hello Docker!\n");
      expect(containers()).toBe(before + 1);
    } finally {
      expect(await up.stop()).toBe(0);
    }
    expect(containers()).toBe(before);
  }, 120_000);

  it("with no Docker engine either: npm start's demo says so in one line and runs the chapter embedded, exit 0", () => {
    const r = natix(["demo"], { ...NO_NATS, ...NO_DOCKER });
    expect(r.status).toBe(0);
    const said = r.stdout.split("\n").filter((l) => l.includes("running the chapter with the kernel embedded"));
    expect(said).toHaveLength(1);
    expect(said[0]).toMatch(/not found on PATH.*no Docker engine answers.*install nats-server .* or Docker/);
    for (const line of ["Hello World!", "Message: Hello Kam!", "[ERR] Ret val: -1", "Hello World From Kernel Module!"]) expect(r.stdout).toContain(line);
    expect(r.stderr).toContain('hello_world("Kam", 4, "Hello Kam!", 64) = 0'); // strace's lines, on stderr
    expect(r.stdout).not.toMatch(/^\{"level"/m);
  }, 120_000);

  it("with no Docker engine either: natix up exits 1 saying what to install", () => {
    const r = natix(["up"], { ...NO_NATS, ...NO_DOCKER });
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/nats-server.*not found on PATH.*no Docker engine answers/);
  });
});
