/** docs/security.md shows exactly the role table the kernel mints credentials from. */
import { describe, expect, it } from "vitest";
import { readFileSync } from "node:fs";
import { withRoles } from "../build/services/bus/roles-doc.js";
import { grantOf } from "../build/kernel-core/bus-roles.js";

describe("docs/security.md", () => {
  it("holds the current role table (regenerate with npm run docs:roles)", () => {
    const doc = readFileSync("docs/security.md", "utf8");
    expect(doc).toBe(withRoles(doc));
  });

  it("a process's grant names only its own pid: its syscall subjects (kernel's and servers'), its terminal, its inbox", () => {
    const g = grantOf("process", { pid: "42" });
    expect(g.pub).toEqual(["natix.sys.42", "natix.sys.42.>", "natix.srv.*.42"]);
    // Beside its own subjects it hears only the route table the kernel publishes for everyone.
    expect(g.sub).toEqual(["natix.tty.42", "natix.sig.42", "natix.kernel.routes", "_INBOX.p.42.>"]);
    for (const s of [...g.pub, ...g.sub].filter((x) => x !== "natix.kernel.routes")) expect(s).toMatch(/\b42$|\b42\./);
  });

  it("a direct call's subject carries the pid last, so no process may call a server as another", () => {
    const g = grantOf("process", { pid: "42" });
    for (const other of ["natix.srv.vfs.43", "natix.srv.vfs.420", "natix.srv.vfs.peer", "natix.srv.vfs", "natix.srv.vfs.42.x"]) {
      expect(g.pub.some((p: string) => covers(p, other)), other).toBe(false);
    }
    expect(g.pub.some((p: string) => covers(p, "natix.srv.vfs.42"))).toBe(true);
  });

  it("only kernel-core (and the monolith, which is it too) may send a process its signal notices", async () => {
    const { ROLES } = await import("../build/kernel-core/bus-roles.js");
    const reach = ROLES.filter((r: { pub: readonly string[] }) => r.pub.some((s) => covers(s, "natix.sig.42")));
    expect(reach.map((r: { role: string }) => r.role).sort()).toEqual(["kernel", "mono"]);
  });

  it("only the vfs server (and the monolith, which is it too) may reach the blk driver", async () => {
    const { ROLES } = await import("../build/kernel-core/bus-roles.js");
    const reach = ROLES.filter((r: { pub: readonly string[] }) => r.pub.some((s) => s === "natix.drv.blk" || s === "natix.drv.*" || s === "natix.>" || s === ">"));
    expect(reach.map((r: { role: string }) => r.role).sort()).toEqual(["mono", "vfs"]);
  });
});

/** Whether NATS subject pattern `p` (with * and >) covers `subject`. */
function covers(p: string, subject: string): boolean {
  const a = p.split(".");
  const b = subject.split(".");
  for (let i = 0; i < a.length; i++) {
    if (a[i] === ">") return b.length > i;
    if (i >= b.length || (a[i] !== "*" && a[i] !== b[i])) return false;
  }
  return a.length === b.length;
}

describe("the role table's rules (issue #9)", () => {
  const publishers = async (subject: string) => {
    const { ROLES } = await import("../build/kernel-core/bus-roles.js");
    // Each row with its own name filled in ({pid} stays a placeholder: no real pid matches it).
    return ROLES.filter((r: { role: string; pub: readonly string[] }) => r.pub.some((p) => covers(p.replaceAll("{name}", r.role), subject)))
      .map((r: { role: string }) => r.role)
      .sort();
  };

  it("only administrator credentials may spawn, load or unload modules, attach strace, kill or restart components, inject faults", async () => {
    for (const s of ["natix.kernel.spawn", "natix.kernel.insmod", "natix.kernel.rmmod", "natix.kernel.trace", "natix.rs.kill", "natix.rs.restart", "natix.ctl.vfs", "natix.fault.blk"]) {
      expect(await publishers(s), s).toEqual(["admin"]);
    }
  });

  it("only kernel-side components may publish kernel log lines, each under its own name", async () => {
    // The monolith is every one of them in one process.
    expect(await publishers("natix.kmsg.vfs")).toEqual(["mono", "vfs"]);
    expect(await publishers("natix.kmsg.hello")).toEqual(["hello", "mono"]);
    expect((await publishers("natix.kmsg.kernel")).includes("process")).toBe(false);
  });

  it("a process may publish nowhere but its own syscall subjects", async () => {
    for (const s of ["natix.sys.43", "natix.srv.vfs", "natix.drv.blk", "natix.kernel.spawn", "natix.kmsg.kernel", "natix.tty.43", "_INBOX.p.43.x"]) {
      expect((await publishers(s)).includes("process"), s).toBe(false);
    }
  });
});
