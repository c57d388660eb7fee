// A hostile natix program: holding only its own bus connection (busConnection(), exactly the
// rights the kernel gave its process), it tries what a process must not do and reports, as one
// JSON line on stdout, how each attempt ended. argv: VICTIM_PID.
import { busConnection, getpid, setuid, errno, write, SYS } from "natix/libc";
import { encodeRequest } from "natix/kernel";

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const enc = new TextEncoder();

/** A request to `subject`: "permission" if the bus refused it, else what came back. */
async function publishes(nc, subject, data = enc.encode("{}"), reply) {
  try {
    if (reply) {
      nc.publish(subject, data, { reply });
      await nc.flush();
      return "sent";
    }
    await nc.request(subject, data, { timeout: 1500 });
    return "answered";
  } catch (err) {
    const text = `${err?.message} ${err?.cause?.message ?? ""}`;
    if (/Permissions Violation/i.test(text)) return "permission";
    if (/no responders/i.test(text) || err?.cause?.name === "NoRespondersError") return "no-responders";
    if (/timeout/i.test(text) || err?.cause?.name === "TimeoutError") return "timeout";
    return `error: ${text}`;
  }
}

/** A subscription to `subject`: "permission" if the bus refused it, else what it saw. */
async function subscribes(nc, subject) {
  const sub = nc.subscribe(subject);
  const seen = (async () => {
    try {
      for await (const _m of sub) return "message";
      return "ended";
    } catch (err) {
      return /Permissions Violation/i.test(err?.message) ? "permission" : `error: ${err?.message}`;
    }
  })();
  await nc.flush();
  const outcome = await Promise.race([seen, sleep(1000).then(() => "open")]);
  if (!sub.isClosed()) sub.unsubscribe();
  return outcome;
}

export default async function main(argv) {
  const victim = Number(argv[1]);
  const nc = busConnection();
  const me = await getpid();
  const report = [];
  const pub = async (name, subject, data) => report.push({ name, kind: "publish", subject, outcome: await publishes(nc, subject, data) });
  const sub = async (name, subject) => report.push({ name, kind: "subscribe", subject, outcome: await subscribes(nc, subject) });

  // Write zeros over blocks 0-7 of the disk, below the filesystem (blk op 2 = write).
  const blkWrite = new Uint8Array(16 + 8 * 4096);
  new DataView(blkWrite.buffer).setUint8(0, 2);
  new DataView(blkWrite.buffer).setUint32(4, 0, true);
  new DataView(blkWrite.buffer).setUint32(8, 8, true);

  await pub("another pid's syscall subject", `natix.sys.${victim}`);
  await pub("another pid's sysent subject", `natix.sys.${victim}.sysent`, enc.encode("999"));
  for (const s of ["vfs", "mem", "hello"]) await pub(`the ${s} server`, `natix.srv.${s}`);
  await pub("a server's peer questions", "natix.peer.vfs", enc.encode(JSON.stringify({ op: "fds", args: { pid: victim } })));
  // Direct routing: a call as another pid, straight to each server (getpid's frame is enough:
  // the bus must refuse it before any server sees it).
  for (const s of ["vfs", "mem", "hello"]) await pub(`the ${s} server, directly, as another pid`, `natix.srv.${s}.${victim}`);
  await pub("the vfs server's peer subject under the direct prefix", "natix.srv.vfs.peer");
  await pub("forge the route table", "natix.kernel.routes", enc.encode(JSON.stringify({ routing: "direct", routes: { 1: "evil" }, traced: [] })));
  await pub("forge a process's credentials (uid 0)", "natix.kernel.events", enc.encode(JSON.stringify({ type: "proc", pid: me, caller: { pid: me, uid: 0, gid: 0, euid: 0, egid: 0 }, suid: 0, sgid: 0, traced: false })));
  await pub("the kernel's peer questions", "natix.kernel.peer", enc.encode(JSON.stringify({ op: "proc.read", args: { path: "/1/status" } })));
  await pub("the blk driver (write zeros over blocks 0-7)", "natix.drv.blk", blkWrite);
  await pub("the tty driver", "natix.drv.tty");
  for (const c of ["vfs", "blk", "kernel", "mono"]) await pub(`fault injection into ${c}`, `natix.fault.${c}`);
  await pub("spawn a process with uid 0", "natix.kernel.spawn", enc.encode(JSON.stringify({ argv: ["root-shell"], uid: 0, gid: 0 })));
  await pub("register as the vfs server", "natix.kernel.register.vfs", enc.encode(JSON.stringify({ name: "vfs", instance: "evil", syscalls: [] })));
  await pub("unregister the vfs server", "natix.kernel.unregister.vfs", enc.encode(JSON.stringify({ name: "vfs", instance: "x" })));
  await pub("load a module", "natix.kernel.insmod", enc.encode(JSON.stringify({ path: "/tmp/evil.js" })));
  await pub("unload a module", "natix.kernel.rmmod", enc.encode(JSON.stringify({ name: "hwkm" })));
  await pub("attach strace to another process", "natix.kernel.trace", enc.encode(JSON.stringify({ pid: victim, token: "evil" })));
  await pub("forge a kernel log line", "natix.kmsg.kernel", enc.encode(JSON.stringify({ level: 30, msg: "forged", name: "kernel" })));
  await pub("read the process table", "natix.kernel.status");
  await pub("read the kernel log", "natix.kernel.dmesg");
  await pub("follow the kernel log", "natix.kernel.kmsg.follow");
  await pub("kill a component", "natix.rs.kill", enc.encode(JSON.stringify({ name: "vfs", signal: "KILL" })));
  await pub("restart a component", "natix.rs.restart", enc.encode(JSON.stringify({ name: "blk" })));
  await pub("ping every service", "$SRV.PING");
  await pub("forge a process exit", "natix.kernel.events", enc.encode(JSON.stringify({ type: "exit", pid: victim, status: 0 })));
  await pub("forge a kernel restart", "natix.kernel.hello");
  await pub("write to another process's terminal", `natix.tty.${victim}`);
  await pub("forge a signal notice that kills another process", `natix.sig.${victim}`, enc.encode(JSON.stringify({ sig: 9, notice: "terminate" })));
  await pub("forge a signal notice to itself (only the kernel sends them)", `natix.sig.${me}`, enc.encode(JSON.stringify({ sig: 9, notice: "terminate" })));
  await pub("kill a component by its own kill switch", "natix.ctl.vfs", enc.encode(JSON.stringify({ signal: "KILL" })));
  await pub("forge a component's syscall metrics", "natix.metrics.vfs", enc.encode("{}"));

  await sub("another process's terminal", `natix.tty.${victim}`);
  await sub("another process's signal notices", `natix.sig.${victim}`);
  await sub("every process's signal notices", "natix.sig.*");
  await sub("every component's log lines", "natix.kmsg.*");
  await sub("the kernel log as it grows", "natix.kernel.kmsg.new");
  await sub("everything under natix.", "natix.>");
  await sub("everything", ">");
  await sub("every process's syscalls", "natix.sys.*");
  await sub("every inbox", "_INBOX.>");
  await sub("another process's inbox", `_INBOX.p.${victim}.>`);
  await sub("the vfs server's requests (impersonate it)", "natix.srv.vfs");
  await sub("the vfs server's direct calls from every process", "natix.srv.vfs.*");
  await sub("another process's direct calls to vfs", `natix.srv.vfs.${victim}`);
  await sub("what processes tell the servers", "natix.kernel.events");
  await sub("the blk driver's requests (impersonate the disk)", "natix.drv.blk");
  await sub("spawn requests", "natix.kernel.spawn");
  await sub("every trace", "natix.trace.*");
  await sub("every component's syscall metrics", "natix.metrics.*");
  await sub("service discovery", "$SRV.PING");

  // Frames on its own subject whose answers are asked for elsewhere: NATS does not check reply
  // subjects; the kernel must.
  const getpidFrame = encodeRequest({ nr: SYS.getpid, args: [], input: [], outCap: [] });
  report.push({ name: "a reply to another process's terminal", kind: "reply", subject: `natix.tty.${victim}`, outcome: await publishes(nc, `natix.sys.${me}`, getpidFrame, `natix.tty.${victim}`) });
  report.push({ name: "a reply into another process's inbox", kind: "reply", subject: `_INBOX.p.${victim}.x`, outcome: await publishes(nc, `natix.sys.${me}`, getpidFrame, `_INBOX.p.${victim}.x`) });
  // The same through a direct call: the server checks the reply subject as the kernel does.
  const helloFrame = encodeRequest({ nr: SYS.hello_world, args: [0, 3, 0, 64], input: [enc.encode("hi\0")], outCap: [-1, -1, 64, -1] });
  report.push({ name: "a direct call answered to another process's terminal", kind: "reply", subject: `natix.tty.${victim}`, outcome: await publishes(nc, `natix.srv.hello.${me}`, helloFrame, `natix.tty.${victim}`) });

  // Raising its own uid: Linux's rules, from the kernel.
  const r = await setuid(0);
  report.push({ name: "setuid(0) as an ordinary user", kind: "syscall", subject: "setuid", outcome: r === -1 ? `errno ${errno}` : `returned ${r}` });

  await write(1, JSON.stringify({ pid: me, report }) + "\n");
  return 0;
}
