/**
 * Buffered stdio on natix: printf's output compared byte for byte with glibc's (a C program
 * built here with cc), the buffering rules (line-buffered on a terminal, fully buffered
 * otherwise, stderr unbuffered, flushed at exit), and FILE streams on files.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { execFileSync, spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { E, EOF, SEEK_SET, _IONBF, type FILE } from "../build/client-libc/mod.js";
import { format } from "../build/client-libc/printf.js";
import { bootMode, type TestSystem } from "./helpers/modes.js";
import { Capture } from "./helpers/capture.js";

type Arg = { i: number } | { l: bigint } | { u: number } | { d: number } | { s: string } | { c: number };

/** [format, args]: each printed by glibc and by natix. */
const FORMATS: [string, Arg[]][] = [
  ["%5.2f|%-4d|%s", [{ d: 3.14159 }, { i: 42 }, { s: "ok" }]],
  ["%d %i %u %x %X %o", [{ i: -42 }, { i: 7 }, { u: 4294967295 }, { i: 255 }, { i: 255 }, { i: 8 }]],
  ["%ld %lld %lu %llx", [{ l: -9007199254740993n }, { l: 123456789012345n }, { l: 18446744073709551615n }, { l: -1n }]],
  ["%hhd %hd %hhu %hu", [{ i: 300 }, { i: 70000 }, { i: -1 }, { i: -1 }]],
  ["[%8d] [%-8d] [%08d] [%+d] [% d] [%+.3d] [%.0d] [%5.0d]", [{ i: 42 }, { i: 42 }, { i: -42 }, { i: 42 }, { i: 42 }, { i: 7 }, { i: 0 }, { i: 0 }]],
  ["[%#x] [%#X] [%#o] [%#x] [%#o] [%08x] [%-#10x]", [{ i: 255 }, { i: 255 }, { i: 8 }, { i: 0 }, { i: 0 }, { i: 48879 }, { i: 48879 }]],
  ["%f %f %f %f %f", [{ d: 0 }, { d: -0.5 }, { d: 1e10 }, { d: 123.456 }, { d: 1 / 3 }]],
  ["%.0f %.0f %.0f %.0f %.1f %.2f %.3f", [{ d: 0.5 }, { d: 1.5 }, { d: 2.5 }, { d: -3.5 }, { d: 0.05 }, { d: 1.005 }, { d: 2.0005 }]],
  ["%e %E %.0e %.3e %e %e", [{ d: 12345.678 }, { d: 0.000123 }, { d: 5e-300 }, { d: -1.5 }, { d: 0 }, { d: 1e100 }]],
  ["%g %g %g %g %g %g %g", [{ d: 100000 }, { d: 1000000 }, { d: 0.0001 }, { d: 0.00001 }, { d: 123456789 }, { d: 3.0 }, { d: 0 }]],
  ["%G %.3g %.10g %#g %#.3g %g", [{ d: 1e-20 }, { d: 3.14159 }, { d: 1 / 7 }, { d: 2 }, { d: 1 }, { d: 0.1 + 0.2 }]],
  ["[%10.3f] [%-10.3f] [%010.3f] [%+f] [% f] [%+e]", [{ d: Math.PI }, { d: Math.PI }, { d: -Math.PI }, { d: 1 }, { d: 1 }, { d: 0.001 }]],
  ["%f %e %g %F %E %G", [{ d: Infinity }, { d: -Infinity }, { d: NaN }, { d: Infinity }, { d: NaN }, { d: -Infinity }]],
  ["[%5f] [%-6e] [%05g]", [{ d: Infinity }, { d: NaN }, { d: -Infinity }]],
  ["[%s] [%10s] [%-10s] [%.2s] [%5.1s] [%c] [%3c] [%-3c]", [{ s: "hello" }, { s: "hi" }, { s: "hi" }, { s: "hello" }, { s: "xyz" }, { c: 65 }, { c: 66 }, { c: 67 }]],
  ["100%% [%*d] [%-*d] [%.*f]", [{ i: 6 }, { i: 42 }, { i: 6 }, { i: 42 }, { i: 2 }, { d: 2.71828 }]],
  ["%.15g %.17g %.20f", [{ d: 0.1 }, { d: 0.1 }, { d: 0.1 }]],
  ["%f %.3e %g", [{ d: 1.7976931348623157e308 }, { d: 4.9e-324 }, { d: 2.2250738585072014e-308 }]],
];

const cLiteral = (a: Arg): string => {
  if ("i" in a) return `(int)${a.i}`;
  if ("l" in a) return `(long long)${a.l < 0n ? `(-${-a.l - 1n}LL - 1)` : `${a.l}ULL`}`;
  if ("u" in a) return `(unsigned)${a.u}U`;
  if ("c" in a) return `(int)${a.c}`;
  if ("s" in a) return JSON.stringify(a.s);
  if (Number.isNaN(a.d)) return "NAN";
  if (!Number.isFinite(a.d)) return a.d > 0 ? "INFINITY" : "-INFINITY";
  return `(double)${a.d.toPrecision(17)}`;
};
const jsValue = (a: Arg) => ("i" in a ? a.i : "l" in a ? a.l : "u" in a ? a.u : "c" in a ? a.c : "s" in a ? a.s : a.d);

function glibcOutput(): string[] | undefined {
  if (spawnSync("cc", ["--version"]).status !== 0) return undefined;
  const dir = mkdtempSync(join(tmpdir(), "natix-printf-"));
  try {
    const body = FORMATS.map(([f, args]) => `  printf(${JSON.stringify(f + "\n")}${args.map((a) => `, ${cLiteral(a)}`).join("")});`).join("\n");
    writeFileSync(join(dir, "p.c"), `#include <stdio.h>\n#include <math.h>\nint main(void) {\n${body}\n  return 0;\n}\n`);
    execFileSync("cc", ["-w", "-o", join(dir, "p"), join(dir, "p.c"), "-lm"]);
    return execFileSync(join(dir, "p"), { encoding: "utf8" }).split("\n").slice(0, FORMATS.length);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

describe("printf against glibc", () => {
  const expected = glibcOutput();
  it("has a C compiler to compare with", () => {
    expect(expected, "cc is needed for the glibc comparison").toBeDefined();
  });
  it("prints the issue's example exactly as glibc does", () => {
    expect(format("%5.2f|%-4d|%s\n", [3.14159, 42, "ok"])).toBe(" 3.14|42  |ok\n");
    expect(expected?.[0]).toBe(" 3.14|42  |ok");
  });
  FORMATS.forEach(([fmt, args], i) => {
    it(`printf(${JSON.stringify(fmt)})`, () => {
      expect(format(fmt, args.map(jsValue))).toBe(expected![i]);
    });
  });
});

for (const mode of ["embedded", "micro"] as const) {
  describe(`stdio streams (${mode})`, () => {
    let sys: TestSystem;
    beforeAll(async () => {
      sys = await bootMode(mode);
    });
    afterAll(async () => {
      await sys?.stop();
    });

    it("stdout is fully buffered when it is not a terminal, and flushed at exit", async () => {
      const t = await sys.spawn();
      expect(await t.proc.printf("first %d\n", 1)).toBe(8);
      expect(await t.proc.write(1, "raw\n")).toBe(4);
      expect(t.stdout.text).toBe("raw\n");
      expect(await t.proc.puts("second")).toBe(7);
      await t.proc.exit(0);
      expect(t.stdout.text).toBe("raw\nfirst 1\nsecond\n");
    });

    it("stdout is line-buffered on a terminal; stderr is unbuffered", async () => {
      const stdout = Object.assign(new Capture(), { isTTY: true });
      const t = await sys.spawn({ stdout });
      await t.proc.printf("line\n");
      await t.proc.write(1, "raw");
      await t.proc.printf("partial");
      await t.proc.write(1, "!");
      expect(stdout.text).toBe("line\nraw!");
      await t.proc.fprintf(t.proc.stderr, "err");
      expect(t.stderr.text).toBe("err");
      expect(await t.proc.fflush(t.proc.stdout)).toBe(0);
      expect(stdout.text).toBe("line\nraw!partial");
    });

    it("setvbuf(_IONBF) writes at once; _exit does not flush", async () => {
      const t = await sys.spawn();
      expect(t.proc.setvbuf(t.proc.stdout, null, _IONBF, 0)).toBe(0);
      await t.proc.printf("now");
      expect(t.stdout.text).toBe("now");
      const u = await sys.spawn();
      await u.proc.printf("lost");
      await u.proc._exit(0);
      expect(u.stdout.text).toBe("");
    });

    it("fopen/fwrite/fread/fseek/ftell/fgets/fgetc/ungetc/fputc/fputs/fclose on a file", async () => {
      const { proc: p } = await sys.spawn();
      const path = `/tmp/stdio-${mode}-${p.pid}.txt`;
      const w = (await p.fopen(path, "w")) as FILE;
      expect(w).not.toBe(null);
      expect(await p.fputs("alpha\n", w)).toBeGreaterThanOrEqual(0);
      expect(await p.fprintf(w, "%s %d\n", "beta", 2)).toBe(7);
      expect(await p.fputc(0x7a, w)).toBe(0x7a);
      expect(await p.fwrite(Buffer.from("\nlast line without newline"), 1, 26, w)).toBe(26);
      expect(await p.ftell(w)).toBe(6 + 7 + 1 + 26);
      expect(await p.fclose(w)).toBe(0);
      const r = (await p.fopen(path, "r")) as FILE;
      expect(await p.fgets(100, r)).toBe("alpha\n");
      const buf = new Uint8Array(16);
      expect(await p.fgets(buf, 16, r)).toBe("beta 2\n");
      expect(Buffer.from(buf.subarray(0, 8))).toEqual(Buffer.from("beta 2\n\0"));
      expect(await p.fgetc(r)).toBe(0x7a);
      expect(p.ungetc(0x79, r)).toBe(0x79);
      expect(await p.fgetc(r)).toBe(0x79);
      expect(await p.ftell(r)).toBe(6 + 7 + 1);
      expect(await p.fseek(r, 2, SEEK_SET)).toBe(0);
      const block = new Uint8Array(4);
      expect(await p.fread(block, 1, 4, r)).toBe(4);
      expect(Buffer.from(block).toString()).toBe("pha\n");
      expect(await p.fseek(r, -4, 2)).toBe(0);
      expect(await p.fgets(100, r)).toBe("line");
      expect(await p.fgets(100, r)).toBe(null);
      expect(p.feof(r)).toBe(1);
      expect(await p.fgetc(r)).toBe(EOF);
      expect(await p.fclose(r)).toBe(0);
      const a = (await p.fopen(path, "a")) as FILE;
      await p.fputs("+appended", a);
      await p.fclose(a);
      expect(((await p.stat(path)) as { st_size: number }).st_size).toBe(40 + 9);
    });

    it("fopen failures: missing file ENOENT, bad mode EINVAL", async () => {
      const { proc: p } = await sys.spawn();
      expect(await p.fopen("/tmp/does/not/exist", "r")).toBe(null);
      expect(p.errno).toBe(E.ENOENT);
      expect(await p.fopen("/tmp/x", "q")).toBe(null);
      expect(p.errno).toBe(E.EINVAL);
    });
  });
}
