/**
 * Who may say what on the bus: one row per role, least privilege. The kernel mints every
 * connection's credentials from this table (services/bus/), and docs/security.md shows the same
 * table, rendered by `rolesMarkdown()` (a test keeps the two equal). Subjects use `{name}` for
 * the component's name and `{pid}` for a process's pid; a process's row becomes the template of
 * the scoped signing key the kernel mints processes with, so even the kernel's own minting code
 * cannot give a program more than this row.
 *
 * Every role may subscribe to its own inbox prefix, and nothing else that is not listed. A row
 * with `answers` may reply once to each request it received (NATS "allow responses"); the
 * kernel and the monolith answer by publishing to processes' inboxes instead, and the
 * administrator's tools only ask.
 */
import { INBOX, RS_SUBJECTS, SUBJECTS, serviceName } from "./abi/subjects.js";

export interface RoleRow {
  role: string;
  /** Who holds credentials of this role. */
  holder: string;
  pub: readonly string[];
  sub: readonly string[];
  /** Subscriptions granted only when the system was started for chaos runs (fault injection). */
  chaosSub?: readonly string[];
  /** Its inbox prefix. */
  inbox: string;
  /** May answer requests it received (allow_responses). */
  answers: boolean;
}

/** A NATS micro service's own subjects ($SRV.PING|INFO|STATS, by name and by id). */
const microService = (name: string) => ["$SRV.PING", "$SRV.INFO", "$SRV.STATS", `$SRV.*.${serviceName(name)}`, `$SRV.*.${serviceName(name)}.*`];
/** What every kernel-side component publishes about itself: registration, its log, its syscall metrics. */
const reportsToKernel = [SUBJECTS.register("{name}"), SUBJECTS.unregister("{name}"), SUBJECTS.kmsg("{name}"), SUBJECTS.metrics("{name}"), `$SRV.PING.${serviceName("{name}")}`];
/** What every kernel-side component hears: the kernel's (re)start, and the administrator's kill/restart. */
const hearsKernel = [SUBJECTS.hello, SUBJECTS.control("{name}")];
/** What the administrator asks the kernel (and only the administrator may). */
const ADMIN_TO_KERNEL = [SUBJECTS.spawn, SUBJECTS.status, SUBJECTS.insmod, SUBJECTS.rmmod, SUBJECTS.trace, SUBJECTS.dmesg, SUBJECTS.kmsgFollowLease];
/** What the administrator asks the supervisor. */
const ADMIN_TO_SUPERVISOR = [RS_SUBJECTS.status, RS_SUBJECTS.kill, RS_SUBJECTS.restart];
/** What anyone who watches the system may ask or hear (the gateway, read-only). */
const OBSERVES = { pub: [SUBJECTS.status, SUBJECTS.dmesg, SUBJECTS.kmsgFollowLease, RS_SUBJECTS.status, "$SRV.>"], sub: [SUBJECTS.kmsgFollow, SUBJECTS.metricsAll] };

const server = (name: string, holder: string, pub: string[]): RoleRow => ({
  role: name,
  holder,
  // Every server takes direct calls, so it may ask the kernel who a process is.
  pub: [...reportsToKernel, SUBJECTS.procRecord, ...pub],
  sub: [SUBJECTS.server("{name}"), SUBJECTS.directAll("{name}"), SUBJECTS.peer("{name}"), SUBJECTS.events, ...hearsKernel, ...microService("{name}")],
  chaosSub: [SUBJECTS.fault("{name}")],
  inbox: INBOX.component("{name}"),
  answers: true,
});

const driver = (name: string, holder: string, pub: string[]): RoleRow => ({
  role: name,
  holder,
  pub: [...reportsToKernel, ...pub],
  sub: [SUBJECTS.driver("{name}"), ...hearsKernel, ...microService("{name}")],
  chaosSub: [SUBJECTS.fault("{name}")],
  inbox: INBOX.component("{name}"),
  answers: true,
});

const KERNEL: RoleRow = {
  role: "kernel",
  holder: "kernel-core",
  pub: [
    // Answers go to inboxes directly, not by allow_responses: the kernel forwards most requests
    // it receives without answering them, and nats-server would keep a reply permission for
    // each of those for two minutes (benchmarked: +30% on a forwarded call). Whose inbox an
    // answer may go to the kernel checks itself (reply-guard.ts).
    "_INBOX.>",
    "natix.srv.>",
    "natix.peer.*",
    SUBJECTS.tty("*"),
    SUBJECTS.sig("*"),
    SUBJECTS.traceOutAll,
    SUBJECTS.events,
    SUBJECTS.routes,
    SUBJECTS.hello,
    SUBJECTS.kmsgFollow,
    SUBJECTS.metrics("kernel"),
    `$SRV.PING.${serviceName("kernel")}`,
  ],
  sub: [
    SUBJECTS.sysAll,
    SUBJECTS.sysentAll,
    SUBJECTS.sysRoutesAll,
    ...ADMIN_TO_KERNEL,
    SUBJECTS.registerAll,
    SUBJECTS.unregisterAll,
    SUBJECTS.peer("kernel"),
    SUBJECTS.procRecord,
    SUBJECTS.kmsgAll,
    SUBJECTS.control("kernel"),
    ...microService("kernel"),
  ],
  chaosSub: [SUBJECTS.fault("kernel")],
  inbox: INBOX.component("kernel"),
  answers: false,
};

const ROWS: readonly RoleRow[] = [
  KERNEL,
  // The vfs server raises SIGPIPE through the process manager.
  server("vfs", "the vfs server", [SUBJECTS.driver("blk"), SUBJECTS.driver("tty"), SUBJECTS.peer("kernel"), SUBJECTS.peer("pm")]),
  server("mem", "the memory server", [SUBJECTS.server("vfs"), SUBJECTS.peer("vfs")]),
  server("hello", "the hello_world server", []),
  // The process manager tells kernel-core what changed, which processes to end, which to notify.
  server("pm", "the process manager", [SUBJECTS.peer("kernel")]),
  driver("tty", "the console driver", [SUBJECTS.tty("*")]),
  driver("blk", "the block-device driver", []),
  { ...server("module", "a kernel module's process (micro); {name} is the module's", []), role: "module" },
  {
    role: "supervisor",
    holder: "the reincarnation supervisor (natix up)",
    pub: [SUBJECTS.kmsg("{name}"), SUBJECTS.status, "$SRV.PING.*", "$SRV.INFO.*"],
    sub: [...ADMIN_TO_SUPERVISOR, ...microService("rs")],
    inbox: INBOX.component("{name}"),
    answers: true,
  },
  {
    role: "admin",
    holder: "the administrator's tools (the natix CLI, tests, chaos and benchmark runners)",
    pub: [...ADMIN_TO_KERNEL, ...ADMIN_TO_SUPERVISOR, SUBJECTS.controlAll, SUBJECTS.faultAll, "$SRV.>"],
    sub: [SUBJECTS.traceOutAll, ...OBSERVES.sub],
    inbox: INBOX.admin,
    answers: false,
  },
  {
    role: "gateway",
    holder: "the HTTP gateway (its own rights: it watches; it acts only with the administrator's credentials, route by route)",
    pub: [...OBSERVES.pub, SUBJECTS.kmsg("{name}")],
    sub: [...OBSERVES.sub, SUBJECTS.control("{name}"), ...microService("{name}")],
    inbox: INBOX.component("{name}"),
    answers: true,
  },
  {
    role: "process",
    holder: "an emulated process (a program run by natix run or connect())",
    // Its own subjects only: the kernel's, and each server's for its direct calls (the server
    // takes the pid from the subject).
    pub: [SUBJECTS.sys("{pid}"), `${SUBJECTS.sys("{pid}")}.>`, SUBJECTS.direct("*", "{pid}")],
    sub: [SUBJECTS.tty("{pid}"), SUBJECTS.sig("{pid}"), SUBJECTS.routes],
    inbox: INBOX.process("{pid}"),
    answers: true,
  },
];

/** The monolith holds the kernel's, every server's and every driver's rights, in one process. */
const MONO_PARTS = ["kernel", "vfs", "mem", "hello", "pm", "tty", "blk"];

/** Each part's subjects with its own name filled in, merged. */
function union(parts: RoleRow[]): RoleRow {
  const all = (pick: (r: RoleRow) => readonly string[]) => [...new Set(parts.flatMap((p) => pick(p).map((s) => s.replaceAll("{name}", p.role))))];
  return {
    role: "mono",
    holder: "the monolithic kernel (mono mode): the union of kernel, vfs, mem, hello, pm, tty and blk",
    pub: all((p) => p.pub),
    sub: all((p) => p.sub),
    chaosSub: all((p) => p.chaosSub ?? []),
    inbox: INBOX.component("{name}"),
    // It may publish to every inbox (the kernel's right), so it needs no response permissions —
    // and must not have them: an answer the publish list allows never uses up the reply
    // permission nats-server kept for it, and thousands pile up (benchmarked: 2× per call).
    answers: false,
  };
}

export const ROLES: readonly RoleRow[] = [...ROWS, union(MONO_PARTS.map((n) => ROWS.find((r) => r.role === n)!))];

export type RoleName = "kernel" | "vfs" | "mem" | "hello" | "pm" | "tty" | "blk" | "module" | "supervisor" | "admin" | "gateway" | "process" | "mono";

export function roleRow(role: string): RoleRow | undefined {
  return ROLES.find((r) => r.role === role);
}

/** The role a component of this name runs as (a module's name is its own: role "module"). */
export function roleOfComponent(name: string): RoleName {
  return ROLES.some((r) => r.role === name && r.role !== "module" && r.role !== "process" && r.role !== "admin") ? (name as RoleName) : "module";
}

/** A role's permissions with its placeholders filled in, as NATS takes them. */
export interface BusGrant {
  pub: string[];
  sub: string[];
  answers: boolean;
  inbox: string;
}

export function grantOf(role: RoleName, params: { name?: string; pid?: string; chaos?: boolean }): BusGrant {
  const row = roleRow(role);
  if (row === undefined) throw new Error(`no role ${role}`);
  const fill = (s: string) => s.replaceAll("{name}", params.name ?? role).replaceAll("{pid}", params.pid ?? "{pid}");
  const inbox = fill(row.inbox);
  return {
    pub: row.pub.map(fill),
    sub: [...row.sub, ...(params.chaos ? (row.chaosSub ?? []) : [])].map(fill).concat(`${inbox}.>`),
    answers: row.answers,
    inbox,
  };
}

/** The name a row's {name} stands for in the documentation (a module's stays a placeholder). */
const DOC_NAME: Record<string, string | undefined> = { module: undefined, supervisor: "rs" };

/** The table as docs/security.md shows it. */
export function rolesMarkdown(): string {
  const code = (xs: readonly string[], row: RoleRow) => {
    const name = row.role in DOC_NAME ? DOC_NAME[row.role] : row.role;
    return xs.length ? xs.map((x) => `\`${name ? x.replaceAll("{name}", name) : x}\``).join("<br>") : "—";
  };
  const lines = [
    "| role | held by | may publish | may subscribe | and in chaos runs | inbox prefix | answers by allow_responses |",
    "|---|---|---|---|---|---|---|",
  ];
  for (const r of ROLES) {
    lines.push(`| ${r.role} | ${r.holder} | ${code(r.pub, r)} | ${code(r.sub, r)} | ${code(r.chaosSub ?? [], r)} | ${code([r.inbox], r)} | ${r.answers ? "yes" : "no"} |`);
  }
  return lines.join("\n") + "\n";
}
