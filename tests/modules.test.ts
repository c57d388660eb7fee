/**
 * Kernel modules: the chapter's hwkm (/proc/hwkm, its load and unload lines in the kernel log)
 * and a module that adds a syscall to a running kernel — in micro (a server process), mono
 * (imported into the kernel's process) and embedded (imported into the program's process).
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { fileURLToPath } from "node:url";
import { E, O_RDONLY, type Proc } from "../build/client-libc/mod.js";
import { formatKmsg } from "../build/kernel-core/kmsg.js";
import { bootMode, type TestSystem } from "./helpers/modes.js";
import { natix, processesMatching } from "./helpers/cli.js";

const moduleFile = (name: string) => fileURLToPath(new URL(`../build/modules/${name}.js`, import.meta.url));

async function readWhole(p: Proc, path: string): Promise<string | number> {
  const fd = await p.open(path, O_RDONLY);
  if (fd < 0) return -p.errno;
  const buf = new Uint8Array(4096);
  const n = await p.read(fd, buf, buf.length);
  await p.close(fd);
  return Buffer.from(buf.subarray(0, n)).toString();
}

async function strrev(p: Proc, text: string): Promise<{ ret: number; out: string; errno: number }> {
  const out = new Uint8Array(32);
  const ret = await p.syscall(1000, Buffer.from(text), text.length, out, out.length);
  return { ret, out: Buffer.from(out.subarray(0, out.indexOf(0))).toString(), errno: p.errno };
}

for (const mode of ["micro", "mono", "embedded"] as const) {
  describe(`modules (${mode})`, () => {
    let sys: TestSystem;
    let insmod: (name: string) => Promise<string | undefined>;
    let rmmod: (name: string) => Promise<string | undefined>;
    let kernelLog: () => Promise<string[]>;
    beforeAll(async () => {
      sys = await bootMode(mode);
      if (mode === "embedded") {
        const mono = sys.embedded!.monolith;
        insmod = (name) => mono.modules.insmod(moduleFile(name));
        rmmod = (name) => mono.modules.rmmod(name);
        kernelLog = async () => mono.kernel.kmsg.since(0).map(formatKmsg);
      } else {
        const cli = (args: string[]) => {
          const r = natix([...args, "--nats", sys.natsUrl!]);
          return Promise.resolve(r.status === 0 ? undefined : r.stderr.trim());
        };
        insmod = (name) => cli(["insmod", name]);
        rmmod = (name) => cli(["rmmod", name]);
        kernelLog = async () => natix(["dmesg", "--nats", sys.natsUrl!]).stdout.split("\n");
      }
    });
    afterAll(async () => sys?.stop());

    it("hwkm: /proc/hwkm reads 'Hello World From Kernel Module!' every time; the log shows load and unload", async () => {
      const { proc } = await sys.spawn();
      expect(await readWhole(proc, "/proc/hwkm")).toBe(-E.ENOENT);
      expect(await insmod("hwkm")).toBeUndefined();
      expect(await readWhole(proc, "/proc/hwkm")).toBe("Hello World From Kernel Module!\n");
      expect(await readWhole(proc, "/proc/hwkm")).toBe("Hello World From Kernel Module!\n");
      expect(await readWhole(proc, "/proc/modules")).toMatch(/^hwkm \d+ 0 - Live 0x[0-9a-f]+ \(O\)\n$/);
      expect(await insmod("hwkm")).toMatch(/File exists/);
      expect(await rmmod("hwkm")).toBeUndefined();
      expect(await readWhole(proc, "/proc/hwkm")).toBe(-E.ENOENT);
      expect(await readWhole(proc, "/proc/modules")).toBe("");
      expect(await rmmod("hwkm")).toMatch(/not currently loaded/);
      const log = await kernelLog();
      const loaded = log.findIndex((l) => /^\[\s*\d+\.\d{6}\] Hello World module is loaded\.$/.test(l));
      const goodbye = log.findIndex((l) => /^\[\s*\d+\.\d{6}\] Goodbye World!$/.test(l));
      expect(loaded).toBeGreaterThanOrEqual(0);
      expect(goodbye).toBeGreaterThan(loaded);
    });

    it("strrev adds syscall 1000 without a restart; after rmmod it is ENOSYS again", async () => {
      const { proc } = await sys.spawn();
      expect(await strrev(proc, "abc")).toMatchObject({ ret: -1, errno: E.ENOSYS });
      expect(await insmod("strrev")).toBeUndefined();
      expect(await strrev(proc, "natix")).toEqual({ ret: 5, out: "xitan", errno: E.ENOSYS });
      expect((await strrev(proc, "a".repeat(40))).errno).toBe(E.ERANGE);
      expect(await rmmod("strrev")).toBeUndefined();
      expect(await strrev(proc, "abc")).toMatchObject({ ret: -1, errno: E.ENOSYS });
      if (mode === "micro") expect(processesMatching(`natix-strrev ${sys.natsUrl}`)).toEqual([]);
    });
  });
}

it("lsmod lists what /proc/modules holds", async () => {
  const sys = await bootMode("micro");
  try {
    expect(natix(["insmod", "hwkm", "--nats", sys.natsUrl!]).status).toBe(0);
    const out = natix(["lsmod", "--nats", sys.natsUrl!]).stdout.split("\n");
    expect(out[0]).toBe("Module                  Size  Used by");
    expect(out[1]).toMatch(/^hwkm {16}\s*\d+  0$/);
    expect(natix(["insmod", "/no/such/module.js", "--nats", sys.natsUrl!]).stderr).toMatch(/No such file or directory/);
  } finally {
    await sys.stop();
  }
});
