// The natix dashboard: polls the gateway once a second (components, syscall stats, health),
// follows the kernel log and program output as server-sent events, and draws its charts as
// SVG. No build step, no dependencies.

const $ = (id) => document.getElementById(id);
const HISTORY = 60;
const PALETTE = ["#58a6ff", "#3fb950", "#d29922", "#bc8cff", "#f778ba", "#39c5cf", "#ff7b72", "#a5d6ff"];
const colors = new Map();
const colorOf = (name) => colors.get(name) ?? (colors.set(name, PALETTE[colors.size % PALETTE.length]), colors.get(name));
const history = new Map(); // server -> [{rate, p50, p99}]

// ---- the admin token (kept in this browser only) ----
const tokenInput = $("token");
tokenInput.value = localStorage.getItem("natix-token") ?? "";
tokenInput.addEventListener("input", () => {
  localStorage.setItem("natix-token", tokenInput.value.trim());
  renderButtons();
});
const token = () => tokenInput.value.trim();
const authorized = (init = {}) => ({ ...init, headers: { ...(init.headers ?? {}), authorization: `Bearer ${token()}` } });

async function json(path, init) {
  const r = await fetch(path, init);
  const body = r.headers.get("content-type")?.includes("json") ? await r.json() : await r.text();
  return { status: r.status, body };
}

// ---- components ----
const GROUPS = [
  ["kernel", "kernel-core"],
  ["server", "servers"],
  ["module", "modules"],
  ["driver", "drivers"],
  ["gateway", "gateway"],
];

function uptime(ms) {
  const s = Math.floor(ms / 1000);
  return s < 60 ? `${s}s` : s < 3600 ? `${Math.floor(s / 60)}m${s % 60}s` : `${Math.floor(s / 3600)}h${Math.floor(s / 60) % 60}m`;
}

function componentBox(s) {
  const box = document.createElement("div");
  box.className = "component";
  box.dataset.name = s.name;
  box.dataset.state = s.state;
  const label = s.replica > 0 ? `${s.name}#${s.replica}` : s.name;
  box.innerHTML = `<div class="name"></div><div class="facts"><span class="state"></span> · pid <span class="pid"></span> · restarts <span class="restarts"></span> · up <span class="up"></span></div><div class="actions"></div>`;
  box.querySelector(".name").textContent = label;
  box.querySelector(".state").textContent = s.state;
  box.querySelector(".pid").textContent = s.pid ?? "–";
  box.querySelector(".restarts").textContent = String(s.restarts);
  box.querySelector(".up").textContent = s.state === "running" ? uptime(s.uptimeMs) : "–";
  if (s.replica === 0 && s.kind !== "module") {
    for (const [action, text, cls] of [["kill", "kill", "danger"], ["restart", "restart", ""]]) {
      const b = document.createElement("button");
      b.textContent = text;
      b.className = `needs-token ${cls}`;
      b.dataset.action = action;
      b.dataset.target = s.name;
      b.addEventListener("click", () => act(s.name, action));
      box.querySelector(".actions").append(b);
    }
  }
  return box;
}

// A component this page killed is down until a process with another pid serves in its place
// (a supervisor restarts one in a tenth of a second: faster than this page polls).
const killed = new Map(); // name -> pid it had
function withKills(services) {
  return services.map((s) => {
    if (!killed.has(s.name) || s.replica !== 0) return s;
    if (s.state === "running" && s.pid !== killed.get(s.name)) {
      killed.delete(s.name);
      return s;
    }
    return { ...s, state: "down" };
  });
}

function renderTopology(all) {
  const services = withKills(all);
  const root = $("topology");
  root.replaceChildren();
  for (const [kind, title] of GROUPS) {
    const members = services.filter((s) => s.kind === kind);
    if (members.length === 0) continue;
    const group = document.createElement("div");
    group.className = "group";
    group.innerHTML = `<h3>${title}</h3><div></div>`;
    members.forEach((s) => group.lastChild.append(componentBox(s)));
    root.append(group);
  }
  renderButtons();
}

function renderButtons() {
  for (const b of document.querySelectorAll(".needs-token, #insmod, #rmmod")) b.disabled = token() === "";
}

let lastServices = [];
async function act(name, action) {
  const before = lastServices.find((s) => s.name === name && s.replica === 0);
  const r = await json(`v1/services/${name}/${action}`, authorized({ method: "POST", ...(action === "kill" ? { headers: { "content-type": "application/json" }, body: JSON.stringify({ signal: "KILL" }) } : {}) }));
  say(`$ ${action} ${name}: ${r.status === 202 ? "accepted" : `${r.status} ${r.body.message ?? ""}`}\n`, "cmd");
  if (r.status === 202 && before) {
    killed.set(name, before.pid);
    renderTopology(lastServices);
  }
}

// ---- charts ----
function polyline(points, color, cls = "") {
  const p = document.createElementNS("http://www.w3.org/2000/svg", "polyline");
  p.setAttribute("points", points.map(([x, y]) => `${x.toFixed(1)},${y.toFixed(1)}`).join(" "));
  p.setAttribute("stroke", color);
  if (cls) p.setAttribute("class", cls);
  return p;
}

function label(svg, x, y, text) {
  const t = document.createElementNS("http://www.w3.org/2000/svg", "text");
  t.setAttribute("x", x);
  t.setAttribute("y", y);
  t.textContent = text;
  svg.append(t);
}

function drawCharts() {
  const rate = $("chart-rate");
  const lat = $("chart-latency");
  rate.replaceChildren();
  lat.replaceChildren();
  const W = 600, H = 160, pad = 14;
  const x = (i, n) => W - (n - 1 - i) * (W / (HISTORY - 1));
  let max = 1;
  for (const h of history.values()) for (const s of h) max = Math.max(max, s.rate);
  const yRate = (v) => H - pad - (v / max) * (H - 2 * pad);
  // Latency on a log scale from 10 µs to 10 s.
  const yLat = (ms) => H - pad - ((Math.log10(Math.max(ms, 0.01)) + 2) / 6) * (H - 2 * pad);
  for (const [server, h] of history) {
    const c = colorOf(server);
    rate.append(polyline(h.map((s, i) => [x(i, h.length), yRate(s.rate)]), c));
    const p50 = h.map((s, i) => [x(i, h.length), s.p50]).filter(([, v]) => v !== null);
    const p99 = h.map((s, i) => [x(i, h.length), s.p99]).filter(([, v]) => v !== null);
    if (p50.length) lat.append(polyline(p50.map(([px, v]) => [px, yLat(v)]), c));
    if (p99.length) lat.append(polyline(p99.map(([px, v]) => [px, yLat(v)]), c, "p99"));
  }
  label(rate, 4, 12, `${max.toFixed(max < 10 ? 1 : 0)}/s`);
  label(rate, 4, H - 3, "0");
  for (const [ms, text] of [[1000, "1 s"], [10, "10 ms"], [0.1, "100 µs"]]) label(lat, 4, yLat(ms) + 3, text);
  $("legend").innerHTML = [...history.keys()].map((s) => `<span><i style="background:${colorOf(s)}"></i>${s}</span>`).join("");
  rate.dataset.samples = String(Math.max(0, ...[...history.values()].map((h) => h.length)));
}

// ---- polling ----
async function poll() {
  try {
    const [ps, stats, health] = await Promise.all([json("v1/ps"), json("v1/stats"), json("healthz")]);
    if (ps.status === 200) {
      lastServices = ps.body.services;
      renderTopology(ps.body.services);
      $("bus").textContent = `bus: ${ps.body.bus}`;
      $("bus").dataset.state = ps.body.bus === "isolated" ? "ok" : "bad";
    }
    if (stats.status === 200) {
      for (const s of stats.body) {
        const h = history.get(s.server) ?? [];
        h.push({ rate: s.callsPerSec, p50: s.p50Ms, p99: s.p99Ms });
        if (h.length > HISTORY) h.shift();
        history.set(s.server, h);
      }
      drawCharts();
    }
    $("health").textContent = health.status === 200 ? "healthy" : `unhealthy: ${(health.body.missing ?? []).join(", ") || "no kernel"}`;
    $("health").dataset.state = health.status === 200 ? "ok" : "bad";
  } catch {
    $("health").textContent = "gateway unreachable";
    $("health").dataset.state = "bad";
  }
}
setInterval(poll, 1000);
poll();

// ---- terminal ----
const output = $("output");
function say(text, cls = "") {
  const span = document.createElement("span");
  if (cls) span.className = cls;
  span.textContent = text;
  output.append(span);
  output.scrollTop = output.scrollHeight;
}

$("run-form").addEventListener("submit", async (e) => {
  e.preventDefault();
  const program = $("program").value;
  const args = $("args").value.split(" ").filter(Boolean);
  const query = new URLSearchParams({ program });
  args.forEach((a) => query.append("args", a));
  say(`$ natix ${$("strace").checked ? "strace" : "run"} ${program} ${args.join(" ")}\n`, "cmd");
  if ($("strace").checked) {
    const r = await json(`v1/strace?${query}`);
    if (r.status !== 200) return say(`${r.body.message}\n`, "err");
    r.body.trace.forEach((l) => say(`${l}\n`, "trace"));
    say(r.body.stdout);
    say(r.body.stderr, "err");
    return;
  }
  const es = new EventSource(`v1/run/stream?${query}`);
  es.addEventListener("stdout", (m) => say(JSON.parse(m.data)));
  es.addEventListener("stderr", (m) => say(JSON.parse(m.data), "err"));
  es.addEventListener("exit", (m) => {
    const x = JSON.parse(m.data);
    say(`[exit status ${x.status ?? "killed: too long"}]\n`, "cmd");
    es.close();
  });
  es.onerror = () => es.close();
});

$("program").addEventListener("change", () => {
  $("args").value = { ex11_2: "Kam", cat: "/proc/hwkm", fread: "/tmp/fread-demo.txt" }[$("program").value] ?? "";
});

// Load: examples one after another — hello_world, and stdio over a file (the disk path).
let loading = false;
const counts = { ok: 0, failed: 0 };
$("load").addEventListener("click", async () => {
  loading = !loading;
  $("load").textContent = loading ? "Stop load" : "Start load";
  const runs = [{ program: "ex11_2", args: ["Load"] }, { program: "fread", args: ["/tmp/dashboard-load.txt"] }];
  for (let i = 0; loading; i++) {
    const r = await json("v1/run", { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(runs[i % runs.length]) }).catch(() => ({ status: 0 }));
    if (r.status === 200 && r.body.status === 0) counts.ok++;
    else counts.failed++;
    $("load-counts").textContent = `load: ${counts.ok} runs succeeded, ${counts.failed} failed`;
  }
});

// ---- modules ----
async function showProc() {
  const r = await fetch("v1/proc/hwkm");
  $("proc").textContent = r.status === 200 ? `$ cat /proc/hwkm\n${await r.text()}` : "/proc/hwkm: No such file or directory";
}
for (const [id, init, done] of [
  ["insmod", { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ name: "hwkm" }) }, "v1/modules"],
  ["rmmod", { method: "DELETE" }, "v1/modules/hwkm"],
]) {
  $(id).addEventListener("click", async () => {
    const r = await json(done, authorized(init));
    $("module-status").textContent = `${id} hwkm: ${r.status < 300 ? "done" : `${r.status} ${r.body.message ?? ""}`}`;
    await showProc();
  });
}
showProc();
renderButtons();

// ---- kernel log ----
const log = $("dmesg");
const follow = new EventSource("v1/dmesg?follow=1");
follow.addEventListener("line", (m) => {
  log.textContent += `${JSON.parse(m.data)}\n`;
  const lines = log.textContent.split("\n");
  if (lines.length > 400) log.textContent = lines.slice(-300).join("\n");
  log.scrollTop = log.scrollHeight;
});
