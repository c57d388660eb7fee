/** NATS subject names, in one place (DESIGN.md, "Names"). */
export const SUBJECTS = Object.freeze({
  /** Syscalls in from process <pid>: the subject is the caller's identity. */
  sys: (pid: number) => `natix.sys.${pid}`,
  sysAll: "natix.sys.*",
  /** A server's endpoint; replicas share it through a queue group of the same name. */
  server: (name: string) => `natix.srv.${name}`,
  driver: (name: string) => `natix.drv.${name}`,
  /** Peer questions to a component (JSON {op, args}): natix.srv.<name>.peer, natix.kernel.peer. */
  peer: (name: string) => (name === "kernel" ? "natix.kernel.peer" : `natix.srv.${name}.peer`),
  /** A program's terminal, served by its libc. */
  tty: (pid: number) => `natix.tty.${pid}`,
  spawn: "natix.kernel.spawn",
  register: "natix.kernel.register",
  unregister: "natix.kernel.unregister",
  status: "natix.kernel.status",
  /** Requests: load a module {path}, unload one {name}. */
  insmod: "natix.kernel.insmod",
  rmmod: "natix.kernel.rmmod",
  /** Request: trace a running process {pid, token, style} (strace -p), or {pid, detach}. */
  trace: "natix.kernel.trace",
  /** A trace's lines (strace): one message per line, an empty one at the end. */
  traceOut: (token: string) => `natix.trace.${token}`,
  /** Request: a syscall's table entry {nr} (libc learns module-added syscalls). */
  sysent: "natix.kernel.sysent",
  /** Published by the kernel: process exits and other facts servers act on. */
  events: "natix.kernel.events",
  /** Published by the kernel when it (re)starts: servers register again. */
  hello: "natix.kernel.hello",
  /** Kernel log lines from every kernel-side component (pino JSON). */
  kmsg: "natix.kmsg",
  /** Request: the kernel log ring as JSON records (dmesg). */
  dmesg: "natix.kernel.dmesg",
  /** Published by the kernel while someone follows: each record as it enters the ring (dmesg -w). */
  kmsgFollow: "natix.kernel.kmsg.new",
  /** Request from a follower (dmesg -w), renewed every couple of seconds: keep publishing records. */
  kmsgFollowLease: "natix.kernel.kmsg.follow",
});

/** The NATS micro service name of a server or driver ($SRV.PING.<name>). */
export const serviceName = (name: string) => `natix-${name}`;

/** The pid in a natix.sys.<pid> subject, or 0 when the subject is not one. */
export function pidOfSubject(subject: string): number {
  const dot = subject.lastIndexOf(".");
  const token = subject.slice(dot + 1);
  if (!/^[1-9][0-9]{0,9}$/.test(token)) return 0;
  const pid = Number(token);
  return pid <= 0x7fffffff ? pid : 0;
}
