/**
 * NATS subject names, in one place (DESIGN.md, "Names"). Where a subject carries a pid or a
 * component's name, that token is the sender's identity: the bus lets only that process or
 * component publish there (docs/security.md), so the receiver takes the identity from the
 * subject, never from the message.
 */
export const SUBJECTS = Object.freeze({
  /** Syscalls in from process <pid>: the subject is the caller's identity. */
  sys: (pid: number | string) => `natix.sys.${pid}`,
  sysAll: "natix.sys.*",
  /** Request from process <pid>: a syscall's table entry {nr} (libc learns module-added syscalls). */
  sysent: (pid: number) => `natix.sys.${pid}.sysent`,
  sysentAll: "natix.sys.*.sysent",
  /** Request from process <pid>: the routes for direct calls (a RouteTable, JSON). */
  sysRoutes: (pid: number) => `natix.sys.${pid}.routes`,
  sysRoutesAll: "natix.sys.*.routes",
  /** Published by the kernel whenever the route table or the set of traced processes changes. */
  routes: "natix.kernel.routes",
  /**
   * A server's endpoint for what the kernel and other components route to it (an envelope
   * naming the caller); replicas share it through a queue group of the same name.
   */
  server: (name: string) => `natix.srv.${name}`,
  /** Direct routing: process <pid>'s calls for server <name>. Only <pid> may publish here. */
  direct: (name: string, pid: number | string) => `natix.srv.${name}.${pid}`,
  directAll: (name: string) => `natix.srv.${name}.*`,
  driver: (name: string) => `natix.drv.${name}`,
  /** Peer questions to a component (JSON {op, args}): natix.peer.<name>, natix.kernel.peer. */
  peer: (name: string) => (name === "kernel" ? "natix.kernel.peer" : `natix.peer.${name}`),
  /** Signal notices for process <pid> (JSON {sig, notice}): only the kernel publishes here. */
  sig: (pid: number | string) => `natix.sig.${pid}`,
  /** A program's terminal, served by its libc. */
  tty: (pid: number | string) => `natix.tty.${pid}`,
  spawn: "natix.kernel.spawn",
  /** Component <name> joins (or leaves) the routing: only <name> may publish here. */
  register: (name: string) => `natix.kernel.register.${name}`,
  registerAll: "natix.kernel.register.*",
  unregister: (name: string) => `natix.kernel.unregister.${name}`,
  unregisterAll: "natix.kernel.unregister.*",
  status: "natix.kernel.status",
  /** Requests: load a module {path}, unload one {name}. */
  insmod: "natix.kernel.insmod",
  rmmod: "natix.kernel.rmmod",
  /** Request: trace a running process {pid, token, style} (strace -p), or {pid, detach}. */
  trace: "natix.kernel.trace",
  /** A trace's lines (strace): one message per line, an empty one at the end. */
  traceOut: (token: string) => `natix.trace.${token}`,
  traceOutAll: "natix.trace.*",
  /** Request from a server taking direct calls: {pid} → the process's record, or null. */
  procRecord: "natix.kernel.proc",
  /** Published by the kernel: process exits and other facts servers act on. */
  events: "natix.kernel.events",
  /** Published by the kernel when it (re)starts: servers register again. */
  hello: "natix.kernel.hello",
  /** Kernel log lines of component <name> (pino JSON, newline-separated). */
  kmsg: (component: string) => `natix.kmsg.${component}`,
  kmsgAll: "natix.kmsg.*",
  /** Request: the kernel log ring as JSON records (dmesg). */
  dmesg: "natix.kernel.dmesg",
  /** Published by the kernel while someone follows: each record as it enters the ring (dmesg -w). */
  kmsgFollow: "natix.kernel.kmsg.new",
  /** Request from a follower (dmesg -w), renewed every couple of seconds: keep publishing records. */
  kmsgFollowLease: "natix.kernel.kmsg.follow",
  /** Component <name>'s syscall counters and latency histograms, cumulative (JSON, every second). */
  metrics: (component: string) => `natix.metrics.${component}`,
  metricsAll: "natix.metrics.*",
  /**
   * Request to component <name>'s process {signal}: it sends itself the signal (kill, restart
   * where no supervisor runs it — under docker compose, Docker restarts it).
   */
  control: (component: string) => `natix.ctl.${component}`,
  controlAll: "natix.ctl.*",
  /** Fault injection (chaos runs only): the component's process throws. */
  fault: (component: string) => `natix.fault.${component}`,
  faultAll: "natix.fault.*",
});

/** The reincarnation supervisor's requests (natix ps, kill, restart). */
export const RS_SUBJECTS = Object.freeze({ status: "natix.rs.status", kill: "natix.rs.kill", restart: "natix.rs.restart" });

/** The NATS micro service name of a server or driver ($SRV.PING.<name>). */
export const serviceName = (name: string) => `natix-${name}`;

/**
 * Inbox prefixes: each connection's replies arrive under its own prefix, and the bus lets only
 * that connection subscribe there. Whoever answers a request checks the reply subject is under
 * the caller's prefix (NATS itself never checks reply subjects).
 */
export const INBOX = Object.freeze({
  process: (pid: number | string) => `_INBOX.p.${pid}`,
  /** Kernel-side components: the kernel, servers, drivers, modules, the supervisor. */
  component: (name: string) => `_INBOX.c.${name}`,
  admin: "_INBOX.admin",
});

/**
 * The inbox prefix of a bus user, from its name (the JWT's): a pid is a process, "admin" the
 * administrator's tools, anything else a kernel-side component.
 */
export function inboxOfUser(name: string): string {
  if (/^[1-9][0-9]*$/.test(name)) return INBOX.process(Number(name));
  return name === "admin" ? INBOX.admin : INBOX.component(name);
}

/** Whether `reply` is an inbox of process `pid`. */
export const isProcessReply = (reply: string, pid: number) => reply.startsWith(`${INBOX.process(pid)}.`);
/** Whether `reply` is an inbox of a kernel-side component. */
export const isComponentReply = (reply: string) => reply.startsWith("_INBOX.c.");
/** Whether `reply` is an inbox of the administrator's tools. */
export const isAdminReply = (reply: string) => reply.startsWith(`${INBOX.admin}.`);

/**
 * The pid in a natix.sys.<pid> subject (or natix.sys.<pid>.<op>, natix.srv.<name>.<pid>), or 0
 * when it is not one. On every call's path, so it reads the digits in place.
 */
export function pidOfSubject(subject: string): number {
  const sys = "natix.sys.";
  const start = subject.startsWith(sys) ? sys.length : subject.lastIndexOf(".") + 1;
  const dot = subject.indexOf(".", start);
  const end = dot < 0 ? subject.length : dot;
  if (end - start < 1 || end - start > 10) return 0;
  let pid = 0;
  for (let i = start; i < end; i++) {
    const digit = subject.charCodeAt(i) - 48;
    if (digit < 0 || digit > 9 || (i === start && digit === 0)) return 0;
    pid = pid * 10 + digit;
  }
  return pid <= 0x7fffffff ? pid : 0;
}

/** The last token of a subject (the component name in natix.kmsg.<name>, register.<name>). */
export const lastToken = (subject: string) => subject.slice(subject.lastIndexOf(".") + 1);

/** Names a component may have: a short lowercase word (also module names). */
export const COMPONENT_NAME = /^[a-z][a-z0-9_-]{0,31}$/;
