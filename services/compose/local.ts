/**
 * npm run compose:local -- ARGS... — docker compose where no image registry is reachable (these
 * machines, CI, air-gapped labs). It makes three images, each on the one before, then runs
 * compose with ARGS:
 *   natix-base:local  a root filesystem of the host's own node and nats-server (and the shared
 *                     libraries they load), imported with `docker import`;
 *   natix-deps:local  the production dependencies (npm ci --omit=dev, cached by the lock file's
 *                     hash): 62 MB in 4,400 files, which took most of a rebuild's 15 s;
 *   natix:local       this checkout's build on top (deploy/Dockerfile.local);
 * and runs docker-compose.yml (less its published ports) with deploy/docker-compose.local.yml:
 * those images, host networking.
 * `--build` rebuilds natix:local, and the two below it only when what they are made of changed
 * (a label on each records it); compose itself is told --no-build: it has nothing to build.
 */
import { execFileSync, spawn, spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { chmodSync, chownSync, copyFileSync, cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, realpathSync, rmSync, statSync, writeFileSync } from "node:fs";
import { homedir, tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { MICRO_COMPONENTS } from "../../system/server-catalog.js";

const ROOT = fileURLToPath(new URL("../../../", import.meta.url));
const UID = 10001;
export const BASE_IMAGE = "natix-base:local";
export const DEPS_IMAGE = "natix-deps:local";
export const NATIX_IMAGE = "natix:local";
const MADE_OF = "natix.made-of";
/** Directories a fresh volume mounted there inherits (owned by the natix user). */
const PROVISIONED = ["keys", "nats", "kernel", ...MICRO_COMPONENTS.map((c) => c.name), "gateway", "admin"];
const OWNED = ["app", "data", "keys", "creds", "nats", "provision", ...PROVISIONED.map((d) => `provision/${d}`)];

const say = (line: string) => process.stderr.write(`compose:local: ${line}\n`);

function docker(args: string[], input?: Buffer): string {
  const r = spawnSync("docker", args, { input, maxBuffer: 1 << 26, env: { ...process.env, DOCKER_BUILDKIT: "0" } });
  if (r.status !== 0) throw new Error(`docker ${args.join(" ")}: ${r.stderr?.toString().trim() || `exit ${r.status}`}`);
  return r.stdout.toString();
}

const imageExists = (name: string) => spawnSync("docker", ["image", "inspect", name], { stdio: "ignore" }).status === 0;

/** What an image was made of (its MADE_OF label), or undefined when there is no such image. */
function madeOf(image: string): string | undefined {
  const r = spawnSync("docker", ["image", "inspect", "--format", `{{index .Config.Labels "${MADE_OF}"}}`, image]);
  return r.status === 0 ? r.stdout.toString().trim() : undefined;
}

const imageId = (image: string) => docker(["image", "inspect", "--format", "{{.Id}}", image]).trim();

/**
 * Runs `make`, which tags a new `tag`; the image the tag named before is left with no name, so it
 * is removed (not while a container still uses it), or every rebuild would leave one behind.
 */
function replacing(tag: string, make: () => void): void {
  const before = imageExists(tag) ? imageId(tag) : undefined;
  make();
  if (before !== undefined && before !== imageId(tag)) spawnSync("docker", ["image", "rm", before], { stdio: "ignore" });
}

/** The host binaries the base image copies, by path, size and time: a new node or nats-server changes it. */
function baseFingerprint(nats: string): string {
  const of = (file: string) => {
    const real = realpathSync(file);
    const st = statSync(real);
    return `${real}:${st.size}:${st.mtimeMs}`;
  };
  return createHash("sha256").update([process.version, of(process.execPath), of(nats)].join("\n")).digest("hex").slice(0, 16);
}

/** The shared libraries a binary loads (ldd), with the dynamic loader. */
function librariesOf(binary: string): string[] {
  const out = execFileSync("ldd", [binary]).toString();
  return [...out.matchAll(/(?:=>\s*)?(\/\S+)\s+\(0x/g)].map((m) => m[1]);
}

function put(rootfs: string, from: string, to = from, mode?: number): void {
  const target = join(rootfs, to);
  mkdirSync(dirname(target), { recursive: true });
  copyFileSync(realpathSync(from), target);
  if (mode !== undefined) chmodSync(target, mode);
}

export function buildBaseImage(): void {
  const nats = spawnSync("sh", ["-c", "command -v nats-server"]).stdout.toString().trim();
  if (!nats) throw new Error("nats-server is not on PATH: the local base image is made of the host's own (Debian: apt-get install nats-server)");
  const fingerprint = baseFingerprint(nats);
  if (madeOf(BASE_IMAGE) === fingerprint) return;
  const rootfs = mkdtempSync(join(tmpdir(), "natix-rootfs-"));
  try {
    put(rootfs, process.execPath, "/usr/local/bin/node", 0o755);
    put(rootfs, nats, "/usr/local/bin/nats-server", 0o755);
    for (const lib of new Set([...librariesOf(process.execPath), ...librariesOf(nats)])) put(rootfs, lib);
    mkdirSync(join(rootfs, "etc"), { recursive: true });
    writeFileSync(join(rootfs, "etc/passwd"), `root:x:0:0:root:/root:/usr/sbin/nologin\nnatix:x:${UID}:${UID}:natix:/app:/usr/sbin/nologin\n`);
    writeFileSync(join(rootfs, "etc/group"), `root:x:0:\nnatix:x:${UID}:\n`);
    mkdirSync(join(rootfs, "tmp"), { mode: 0o1777 });
    chmodSync(join(rootfs, "tmp"), 0o1777);
    for (const d of OWNED) {
      mkdirSync(join(rootfs, d), { recursive: true });
      chownSync(join(rootfs, d), UID, UID);
    }
    const tar = execFileSync("tar", ["--numeric-owner", "-C", rootfs, "-cf", "-", "."], { maxBuffer: 1 << 30 });
    replacing(BASE_IMAGE, () => docker(["import", "--change", "ENV PATH=/usr/local/bin:/usr/bin:/bin", "--change", "USER natix", "--change", `LABEL ${MADE_OF}=${fingerprint}`, "-", BASE_IMAGE], tar));
    say(`${BASE_IMAGE}: node ${process.version} and ${execFileSync(nats, ["--version"]).toString().trim()} from this host`);
  } finally {
    rmSync(rootfs, { recursive: true, force: true });
  }
}

const lockHash = () => createHash("sha256").update(readFileSync(join(ROOT, "package-lock.json"))).digest("hex").slice(0, 16);

/** The production dependencies for the lock file, installed once per lock file. */
function productionModules(): string {
  const cache = join(process.env.XDG_CACHE_HOME ?? join(homedir(), ".cache"), "natix", `prod-${lockHash()}`);
  if (!existsSync(join(cache, "node_modules"))) {
    say("installing the production dependencies (once per package-lock.json)");
    mkdirSync(cache, { recursive: true });
    copyFileSync(join(ROOT, "package.json"), join(cache, "package.json"));
    copyFileSync(join(ROOT, "package-lock.json"), join(cache, "package-lock.json"));
    execFileSync("npm", ["ci", "--omit=dev", "--ignore-scripts", "--no-audit", "--no-fund"], { cwd: cache, stdio: ["ignore", "ignore", "inherit"] });
  }
  return join(cache, "node_modules");
}

/** docker build of a directory holding a Dockerfile and what it copies. */
function buildIn(tag: string, dockerfile: string, fill: (stage: string) => void): void {
  const stage = mkdtempSync(join(tmpdir(), "natix-image-"));
  try {
    fill(stage);
    writeFileSync(join(stage, "Dockerfile"), dockerfile);
    replacing(tag, () => docker(["build", "-q", "-t", tag, stage]));
  } finally {
    rmSync(stage, { recursive: true, force: true });
  }
}

/** The production dependencies on the base image, rebuilt only for a new lock file or base. */
export function buildDepsImage(): void {
  const made = `${lockHash()}@${imageId(BASE_IMAGE)}`;
  if (madeOf(DEPS_IMAGE) === made) return;
  buildIn(DEPS_IMAGE, `FROM ${BASE_IMAGE}\nCOPY --chown=${UID}:${UID} node_modules /app/node_modules\nLABEL ${MADE_OF}=${made}\n`, (stage) =>
    cpSync(productionModules(), join(stage, "node_modules"), { recursive: true }),
  );
  say(`${DEPS_IMAGE}: the production dependencies of package-lock.json on ${BASE_IMAGE}`);
}

export function buildNatixImage(): void {
  if (!existsSync(join(ROOT, "build", "services", "cli.js"))) throw new Error("no build: run npm run build first");
  buildIn(NATIX_IMAGE, readFileSync(join(ROOT, "deploy", "Dockerfile.local"), "utf8"), (stage) => {
    const app = join(stage, "app");
    // programs/bin: the utilities mkfs installs in /bin (the disk service's first start).
    for (const p of ["package.json", "build", "bin", "examples", "programs/bin", "services/gateway/public"]) cpSync(join(ROOT, p), join(app, p), { recursive: true });
    rmSync(join(app, "build", "benchmarks", "results"), { recursive: true, force: true });
  });
  say(`${NATIX_IMAGE}: this checkout's build on ${DEPS_IMAGE}`);
}

/** Compose v2 (`docker compose`) where there is one, else docker-compose 1.29. */
export function composeCommand(): string[] {
  return spawnSync("docker", ["compose", "version"], { stdio: "ignore" }).status === 0 ? ["docker", "compose"] : ["docker-compose"];
}

/**
 * docker-compose.yml without its published ports: on the host's network there is nothing to
 * publish, and docker-compose 1.29 refuses a port with host networking while an override file
 * cannot take a list away (Compose v2's !reset). Kept beside it, so relative paths still hold.
 */
export function hostNetworkBase(): string {
  const text = readFileSync(join(ROOT, "docker-compose.yml"), "utf8");
  const without = text.replace(/^ +ports: \[.*\]\n/gm, "");
  if (without === text) throw new Error("docker-compose.yml has no ports line to leave out");
  const file = join(ROOT, ".natix-compose.local-base.yml");
  writeFileSync(file, `# Generated by npm run compose:local from docker-compose.yml (ports left out); do not edit.\n${without}`);
  return file;
}

/** The compose command line for ARGS: both files, the project, and --no-build for up. */
export function composeArgs(args: string[]): string[] {
  const out = args.map((a) => (a === "--build" ? "--no-build" : a));
  if (out[0] === "up" && !out.includes("--no-build")) out.splice(1, 0, "--no-build");
  return ["-p", process.env.COMPOSE_PROJECT_NAME ?? "natix", "-f", hostNetworkBase(), "-f", join(ROOT, "deploy", "docker-compose.local.yml"), ...out];
}

export async function composeLocal(args: string[]): Promise<number> {
  if (spawnSync("docker", ["info"], { stdio: "ignore" }).status !== 0) {
    say("no Docker engine answers (start one: dockerd --bridge=none --iptables=false)");
    return 1;
  }
  const rebuild = args.includes("--build");
  if (rebuild || !imageExists(BASE_IMAGE)) buildBaseImage();
  if (rebuild || !imageExists(DEPS_IMAGE)) buildDepsImage();
  if (rebuild || !imageExists(NATIX_IMAGE)) buildNatixImage();
  const [cmd, ...pre] = composeCommand();
  const child = spawn(cmd, [...pre, ...composeArgs(args)], { cwd: ROOT, stdio: "inherit" });
  return new Promise((resolve) => child.once("exit", (code, signal) => resolve(code ?? (signal ? 1 : 0))));
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  composeLocal(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (err: Error) => {
      say(err.message);
      process.exit(1);
    },
  );
}
