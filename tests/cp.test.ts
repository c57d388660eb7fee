/**
 * natix cp: files into natix and back out, byte for byte, with their permission bits, into a
 * directory by name; GNU cp's messages and exit 1 for what cannot be copied — a missing source, a
 * directory, a place the caller may not write or a file it may not read (natixfs's permissions
 * apply: cp runs as an emulated process) — and exit 2 for a command line that names no copy.
 * Embedded over a disk image kept in a directory, and once through a running micro system.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { chmodSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { natix, natixUp } from "./helpers/cli.js";

describe("natix cp", () => {
  let work: string;
  let data: string;
  const cp = (...args: string[]) => natix(["cp", "--embedded", "--data", data, ...args]);
  beforeAll(() => {
    work = mkdtempSync(join(tmpdir(), "natix-cp-"));
    data = join(work, "disk");
  });
  afterAll(() => rmSync(work, { recursive: true, force: true }));

  it("copies a file in (HOSTPATH NATIXPATH) and back out (natix:PATH HOSTPATH) byte for byte, keeping its mode", () => {
    const host = join(work, "tool");
    const bytes = Buffer.from(Array.from({ length: 3 * 1024 * 1024 + 17 }, (_, i) => (i * 31 + (i >> 9)) & 255));
    writeFileSync(host, bytes);
    chmodSync(host, 0o750);
    const inward = cp(host, "/tmp/tool");
    expect(inward.stderr).toBe("");
    expect(inward.status).toBe(0);
    const back = join(work, "tool.back");
    const outward = cp("natix:/tmp/tool", back);
    expect(outward.stderr).toBe("");
    expect(outward.status).toBe(0);
    expect(Buffer.compare(readFileSync(back), bytes)).toBe(0);
    expect(statSync(back).mode & 0o777).toBe(0o750);
  });

  it("a directory as destination gets the source's name inside it, either way", () => {
    const host = join(work, "note.txt");
    writeFileSync(host, "in a directory\n");
    expect(cp(host, "natix:/tmp/").status).toBe(0);
    const out = mkdtempSync(join(work, "out-"));
    expect(cp("natix:/tmp/note.txt", out).status).toBe(0);
    expect(readFileSync(join(out, "note.txt"), "utf8")).toBe("in a directory\n");
  });

  it("says what cannot be copied as GNU cp does, and exits 1", () => {
    const missingHost = cp(join(work, "nothing"), "/tmp/x");
    expect(missingHost.status).toBe(1);
    expect(missingHost.stderr).toBe(`natix cp: cannot stat '${join(work, "nothing")}': No such file or directory\n`);
    const missing = cp("natix:/tmp/nothing", join(work, "y"));
    expect(missing.status).toBe(1);
    expect(missing.stderr).toBe("natix cp: cannot stat 'natix:/tmp/nothing': No such file or directory\n");
    const dir = cp("natix:/tmp", join(work, "z"));
    expect(dir.status).toBe(1);
    expect(dir.stderr).toBe("natix cp: -r not specified; omitting directory 'natix:/tmp'\n");
  });

  it("runs as whoever it is told to: uid 1000 may not write into / nor read root's 0600 file", () => {
    const host = join(work, "secret");
    writeFileSync(host, "root only\n");
    chmodSync(host, 0o600);
    expect(cp(host, "/tmp/secret").status).toBe(0); // as root
    const write = cp("--uid", "1000", "--gid", "1000", host, "/planted");
    expect(write.status).toBe(1);
    expect(write.stderr).toBe("natix cp: cannot create regular file '/planted': Permission denied\n");
    const read = cp("--uid", "1000", "--gid", "1000", "natix:/tmp/secret", join(work, "stolen"));
    expect(read.status).toBe(1);
    expect(read.stderr).toBe("natix cp: cannot open 'natix:/tmp/secret' for reading: Permission denied\n");
    expect(() => statSync(join(work, "stolen"))).toThrow();
  });

  it("a command line that names no copy is a usage error (exit 2)", () => {
    for (const args of [["only-one"], ["a", "b", "c"], ["natix:/a", "natix:/b"], ["host", "natix:relative"]]) {
      const r = cp(...args);
      expect(r.status, args.join(" ")).toBe(2);
      expect(r.stderr).toContain("usage: natix cp");
    }
  });

  it("through a running micro system (natix up), in and out", async () => {
    const up = await natixUp(["--mode", "micro"]);
    try {
      const host = join(work, "micro.txt");
      writeFileSync(host, "over the bus\n");
      expect(natix(["cp", "--nats", up.url, host, "natix:/tmp/micro.txt"]).status).toBe(0);
      const back = join(work, "micro.back");
      expect(natix(["cp", "--nats", up.url, "natix:/tmp/micro.txt", back]).status).toBe(0);
      expect(readFileSync(back, "utf8")).toBe("over the bus\n");
    } finally {
      await up.stop();
    }
  }, 60_000);
});
