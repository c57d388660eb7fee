/** kernel-core on its own: the tables, argument checks, the registry, routing decisions. */
import { describe, expect, it } from "vitest";
import pino from "pino";
import {
  Kernel,
  Registry,
  SYSCALL_TABLE,
  SYS,
  E,
  strerror,
  errnoName,
  allErrnos,
  syscallByNr,
} from "../build/kernel-core/mod.js";
import { validateArgs } from "../build/kernel-core/admit.js";

const log = pino({ level: "silent" });
const request = (nr: number, args: number[] = [], input: (Uint8Array | undefined)[] = [], outCap: number[] = []) => ({
  nr,
  args,
  input,
  outCap: args.map((_, i) => outCap[i] ?? -1),
});

describe("the syscall table", () => {
  it("uses Linux x86-64 numbers and 999 for hello_world", () => {
    expect(SYS.read).toBe(0);
    expect(SYS.write).toBe(1);
    expect(SYS.close).toBe(3);
    expect(SYS.getpid).toBe(39);
    expect(SYS.exit).toBe(60);
    expect(SYS.uname).toBe(63);
    expect(SYS.getuid).toBe(102);
    expect(SYS.exit_group).toBe(231);
    expect(SYS.hello_world).toBe(999);
  });

  it("has unique numbers and names, and every buffer's length argument is an integer argument", () => {
    expect(new Set(SYSCALL_TABLE.map((d) => d.nr)).size).toBe(SYSCALL_TABLE.length);
    expect(new Set(SYSCALL_TABLE.map((d) => d.name)).size).toBe(SYSCALL_TABLE.length);
    for (const d of SYSCALL_TABLE) {
      expect(d.args.length).toBeLessThanOrEqual(6);
      for (const a of d.args) {
        if ((a.kind === "in" || a.kind === "out") && a.len >= 0) {
          expect(["int", "uint", "long", "ulong"], `${d.name}.${a.name}`).toContain(d.args[a.len].kind);
        }
      }
    }
  });
});

describe("the errno table", () => {
  it("has Linux values, names and glibc messages", () => {
    expect([E.EPERM, E.ENOENT, E.EBADF, E.EFAULT, E.EINVAL, E.ENOSYS, E.ETIMEDOUT]).toEqual([1, 2, 9, 14, 22, 38, 110]);
    expect(strerror(2)).toBe("No such file or directory");
    expect(strerror(38)).toBe("Function not implemented");
    expect(strerror(4242)).toBe("Unknown error 4242");
    expect(errnoName(13)).toBe("EACCES");
    expect(E.EWOULDBLOCK).toBe(E.EAGAIN);
    const values = allErrnos().map((e) => e.errno);
    expect(new Set(values).size).toBe(values.length);
  });
});

describe("argument checks driven by the table", () => {
  const pathCall = { nr: 2, name: "open", owner: "vfs", args: [{ name: "path", kind: "path" as const }] };
  it("accepts a NUL-terminated path within PATH_MAX", () => {
    expect(validateArgs(pathCall, request(2, [0], [Buffer.from("/etc/passwd\0")]))).toBe(0);
  });
  it("refuses unterminated, too long, or missing paths", () => {
    expect(validateArgs(pathCall, request(2, [0], [Buffer.from("/etc")]))).toBe(-E.EFAULT);
    expect(validateArgs(pathCall, request(2, [0], [new Uint8Array(4096).fill(0x61)]))).toBe(-E.ENAMETOOLONG);
    const long = new Uint8Array(5000).fill(0x61);
    long[4500] = 0;
    expect(validateArgs(pathCall, request(2, [0], [long]))).toBe(-E.ENAMETOOLONG);
    expect(validateArgs(pathCall, request(2, [0], [undefined], [8]))).toBe(-E.EINVAL);
  });
  it("refuses a buffer in the wrong direction or where an integer goes", () => {
    const write = syscallByNr(SYS.write)!;
    expect(validateArgs(write, request(1, [1, 0, 3], [undefined, undefined], [-1, 3]))).toBe(-E.EINVAL);
    expect(validateArgs(write, request(1, [1, 0, 3], [Buffer.from("x")]))).toBe(-E.EINVAL);
  });
});

describe("the registry", () => {
  it("routes a server's numbers once it registers, and refuses numbers it does not own", () => {
    const r = new Registry();
    expect(r.route(999)).toBeUndefined();
    expect(r.register({ name: "hello", kind: "server", instance: "a", syscalls: [999] })).toBeUndefined();
    expect(r.route(999)).toBe("hello");
    expect(r.register({ name: "evil", kind: "server", instance: "x", syscalls: [1] })).toMatch(/belongs to vfs/);
    expect(r.register({ name: "hello", kind: "server", instance: "b", syscalls: [4321] })).toMatch(/not in the table/);
  });
  it("keeps the route until the last replica leaves", () => {
    const r = new Registry();
    r.register({ name: "hello", kind: "server", instance: "a", syscalls: [999] });
    r.register({ name: "hello", kind: "server", instance: "b", syscalls: [999] });
    expect(r.list()).toEqual([{ name: "hello", kind: "server", instances: 2, syscalls: [999] }]);
    r.unregister("hello", "a");
    expect(r.route(999)).toBe("hello");
    r.unregister("hello", "b");
    expect(r.route(999)).toBeUndefined();
  });
  it("lets a module add table entries, and removes them when it leaves", () => {
    const r = new Registry();
    const def = { nr: 1001, name: "answer", owner: "answer", args: [] };
    expect(r.register({ name: "answer", kind: "server", instance: "m", syscalls: [1001], definitions: [def] })).toBeUndefined();
    expect(r.definition(1001)?.name).toBe("answer");
    expect(r.register({ name: "other", kind: "server", instance: "o", syscalls: [], definitions: [{ ...def, owner: "other" }] })).toMatch(/already exists/);
    r.unregister("answer", "m");
    expect(r.definition(1001)).toBeUndefined();
  });
});

describe("routing decisions", () => {
  it("ESRCH for unknown pids, ENOSYS for unknown numbers or unregistered servers, kernel calls answered in place", async () => {
    const k = new Kernel({ log });
    const p = k.spawn({ argv: ["t"], uid: 5, gid: 6 });
    expect(k.route(4242, request(SYS.getpid))).toEqual({ kind: "reply", reply: { ret: -E.ESRCH } });
    expect(k.route(p.pid, request(31337))).toEqual({ kind: "reply", reply: { ret: -E.ENOSYS } });
    expect(k.route(p.pid, request(SYS.hello_world, [0, 4, 0, 64]))).toEqual({ kind: "reply", reply: { ret: -E.ENOSYS } });
    const own = k.route(p.pid, request(SYS.getuid));
    expect(own.kind).toBe("reply");
    if (own.kind === "reply") expect(await own.reply).toEqual({ ret: 5 });
    k.registry.register({ name: "hello", kind: "server", instance: "i", syscalls: [999] });
    const routed = k.route(p.pid, request(SYS.hello_world, [0, 4, 0, 64]));
    expect(routed).toEqual({ kind: "server", server: "hello", caller: { pid: p.pid, uid: 5, gid: 6, euid: 5, egid: 6 } });
  });
  it("exit removes the process and tells the servers", () => {
    const exited: number[] = [];
    const k = new Kernel({ log, events: { processExited: (pid) => exited.push(pid) } });
    const p = k.spawn({ argv: ["t"] });
    k.route(p.pid, request(SYS.exit_group, [3]));
    expect(exited).toEqual([p.pid]);
    expect(k.route(p.pid, request(SYS.getpid))).toEqual({ kind: "reply", reply: { ret: -E.ESRCH } });
  });
});
