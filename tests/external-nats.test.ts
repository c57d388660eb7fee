/**
 * natix on a nats-server the user runs: `natix keys init DIR` makes the keys and the
 * configuration that trusts them; `natix up --nats URL --keys DIR` isolates that server as its
 * own; without --keys, a server in operator mode is refused up front, and one not in operator
 * mode runs natix with a loud warning (log and natix ps). The CLI finds the administrator's
 * credentials by URL, or takes --creds FILE.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { mkdtempSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startNatsServer, type NatsServer } from "../build/services/nats-server.js";
import { natix, natixAsync, natixUp } from "./helpers/cli.js";

let work: string;
beforeAll(() => {
  work = mkdtempSync(join(tmpdir(), "natix-external-"));
});
afterAll(() => rmSync(work, { recursive: true, force: true }));

describe("natix keys init DIR, then a user's own nats-server", () => {
  let keys: string;
  let server: NatsServer;
  let up: Awaited<ReturnType<typeof natixUp>>;
  beforeAll(async () => {
    keys = join(work, "keys");
    const init = natix(["keys", "init", keys]);
    expect(init.status).toBe(0);
    server = await startNatsServer({ extra: readFileSync(join(keys, "nats-server.conf"), "utf8") });
    up = await natixUp(["--nats", server.url, "--keys", keys]);
  }, 60_000);
  afterAll(async () => {
    await up?.stop();
    await server?.stop();
  });

  it("writes private keys (0600 in a 0700 directory) and prints the configuration that trusts them", () => {
    expect(statSync(keys).mode & 0o777).toBe(0o700);
    for (const f of ["operator.nk", "operator-signing.nk", "system.nk", "natix.nk", "natix-signing.nk", "nats-server.conf"]) expect(statSync(join(keys, f)).mode & 0o777, f).toBe(0o600);
    const conf = readFileSync(join(keys, "nats-server.conf"), "utf8");
    for (const line of [/^operator: eyJ/m, /^system_account: A[A-Z2-7]{55}$/m, /^resolver: MEMORY$/m, /^resolver_preload: \{$/m]) expect(conf).toMatch(line);
  });

  it("refuses to replace keys that exist", () => {
    const again = natix(["keys", "init", keys]);
    expect(again.status).toBe(1);
    expect(again.stderr).toContain("refusing to replace");
  });

  it("natix up --nats URL --keys DIR runs the chapter's example, and the server admits no one without credentials", async () => {
    const r = await natixAsync(["run", "examples/ex11_2.mjs", "Linus"], { NATS_URL: up.url });
    expect(r.stdout).toBe("Message: Hello Linus!\n");
    expect(r.status).toBe(0);
    const anonymous = await natixAsync(["ps"], { NATS_URL: up.url, NATIX_RUNTIME_DIR: join(work, "empty-runtime") });
    expect(anonymous.status).toBe(1);
    expect(anonymous.stderr).toMatch(/refused the connection: it wants credentials/);
  });

  it("--creds FILE, or NATIX_CREDS=FILE, is used instead of the runtime directory", async () => {
    const file = join(process.env.NATIX_RUNTIME_DIR ?? `/tmp/natix-${process.getuid!()}`, `127.0.0.1_${new URL(up.url).port}.creds`);
    const elsewhere = { NATS_URL: up.url, NATIX_RUNTIME_DIR: join(work, "empty-runtime") };
    const flag = await natixAsync(["ps", "--creds", file], elsewhere);
    expect(flag.status).toBe(0);
    expect(flag.stdout).toMatch(/natix-kernel/);
    expect(flag.stderr).not.toMatch(/not isolated/);
    const env = await natixAsync(["run", "examples/ex11_2.mjs"], { ...elsewhere, NATIX_CREDS: file });
    expect(env.stdout).toBe("Message: Hello Kam!\n");
  });

  it("without --keys, natix up on that server stops before starting anything, saying why", () => {
    const r = natix(["up", "--nats", server.url]);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/wants credentials \(operator mode\).*--keys DIR/);
  });
});

describe("a nats-server not in operator mode", () => {
  let server: NatsServer;
  let up: Awaited<ReturnType<typeof natixUp>>;
  beforeAll(async () => {
    server = await startNatsServer();
    up = await natixUp(["--nats", server.url]);
  }, 60_000);
  afterAll(async () => {
    await up?.stop();
    await server?.stop();
  });

  it("natix still runs, and says loudly that the bus is not isolated: in natix ps and in the kernel log", async () => {
    const r = await natixAsync(["run", "examples/ex11_2.mjs"], { NATS_URL: up.url });
    expect(r.stdout).toBe("Message: Hello Kam!\n");
    const ps = await natixAsync(["ps"], { NATS_URL: up.url });
    expect(ps.stderr).toMatch(/WARNING: bus not isolated/);
    expect(ps.stdout).toMatch(/BUS: not isolated/);
    const log = await natixAsync(["dmesg"], { NATS_URL: up.url });
    expect(log.stdout).toMatch(/bus not isolated/);
  });
});
