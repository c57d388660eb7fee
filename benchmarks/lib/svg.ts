/**
 * Line charts as standalone SVG, small enough to write by hand: linear or log axes with
 * readable ticks, one colour per path, a legend, several panels side by side in one file.
 */
export interface Series {
  label: string;
  color: string;
  points: [number, number][];
  dashed?: boolean;
}

export interface Axis {
  label: string;
  log?: boolean;
  /** Explicit ticks (else computed). */
  ticks?: number[];
  min?: number;
  max?: number;
  format?: (v: number) => string;
}

export interface Panel {
  title: string;
  x: Axis;
  y: Axis;
  series: Series[];
}

const W = 560;
const H = 400;
const M = { left: 70, right: 20, top: 36, bottom: 52 };

const esc = (s: string) => s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");

/** Short numbers for tick labels: 1.5k, 20M, 0.2. */
export function compact(v: number): string {
  const a = Math.abs(v);
  if (a >= 1e6) return `${+(v / 1e6).toPrecision(3)}M`;
  if (a >= 1e3) return `${+(v / 1e3).toPrecision(3)}k`;
  return `${+v.toPrecision(3)}`;
}

function extent(values: number[], axis: Axis): [number, number] {
  const finite = values.filter((v) => Number.isFinite(v) && (!axis.log || v > 0));
  let lo = axis.min ?? Math.min(...finite);
  let hi = axis.max ?? Math.max(...finite);
  if (!Number.isFinite(lo) || !Number.isFinite(hi)) [lo, hi] = [1, 10];
  if (axis.log && axis.ticks?.length) {
    // Explicit ticks bound the axis, with a little room past the end ones.
    const [a, b] = [Math.min(lo, ...axis.ticks), Math.max(hi, ...axis.ticks)];
    return [a / 1.15, b * 1.15];
  }
  if (axis.log) return [10 ** Math.floor(Math.log10(lo)), 10 ** Math.ceil(Math.log10(hi))];
  if (lo === hi) hi = lo + 1;
  return [axis.min ?? Math.min(0, lo), hi];
}

function ticksOf(axis: Axis, [lo, hi]: [number, number]): number[] {
  if (axis.ticks) return axis.ticks;
  if (axis.log) {
    const out: number[] = [];
    const decades = Math.log10(hi / lo);
    for (let d = Math.log10(lo); d <= Math.log10(hi) + 1e-9; d++) {
      for (const m of decades <= 2 ? [1, 2, 5] : decades <= 4 ? [1, 3] : [1]) {
        const v = m * 10 ** d;
        if (v >= lo * (1 - 1e-9) && v <= hi * (1 + 1e-9)) out.push(v);
      }
    }
    return out;
  }
  const raw = (hi - lo) / 5;
  const step = [1, 2, 2.5, 5, 10].map((m) => m * 10 ** Math.floor(Math.log10(raw))).find((s) => s >= raw)!;
  const out: number[] = [];
  for (let v = Math.ceil(lo / step) * step; v <= hi + step * 1e-9; v += step) out.push(+v.toPrecision(12));
  return out;
}

function scale(axis: Axis, [lo, hi]: [number, number], from: number, to: number) {
  return (v: number) => {
    const f = axis.log ? (Math.log10(v) - Math.log10(lo)) / (Math.log10(hi) - Math.log10(lo)) : (v - lo) / (hi - lo);
    return from + f * (to - from);
  };
}

function panel(p: Panel, ox: number): string {
  const pts = p.series.flatMap((s) => s.points);
  const xr = extent(pts.map(([x]) => x), p.x);
  const yr = extent(pts.map(([, y]) => y), p.y);
  const sx = scale(p.x, xr, ox + M.left, ox + W - M.right);
  const sy = scale(p.y, yr, H - M.bottom, M.top);
  const fx = p.x.format ?? compact;
  const fy = p.y.format ?? compact;
  const out: string[] = [`<text x="${ox + W / 2}" y="20" class="title">${esc(p.title)}</text>`];
  for (const t of ticksOf(p.x, xr)) {
    const x = sx(t).toFixed(1);
    out.push(`<line x1="${x}" x2="${x}" y1="${M.top}" y2="${H - M.bottom}" class="grid"/>`, `<text x="${x}" y="${H - M.bottom + 16}" class="xtick">${fx(t)}</text>`);
  }
  for (const t of ticksOf(p.y, yr)) {
    const y = sy(t).toFixed(1);
    out.push(`<line x1="${ox + M.left}" x2="${ox + W - M.right}" y1="${y}" y2="${y}" class="grid"/>`, `<text x="${ox + M.left - 6}" y="${y}" class="ytick">${fy(t)}</text>`);
  }
  out.push(
    `<rect x="${ox + M.left}" y="${M.top}" width="${W - M.left - M.right}" height="${H - M.top - M.bottom}" class="frame"/>`,
    `<text x="${ox + W / 2}" y="${H - 12}" class="label">${esc(p.x.label)}</text>`,
    `<text transform="translate(${ox + 16} ${(H - M.bottom + M.top) / 2}) rotate(-90)" class="label">${esc(p.y.label)}</text>`,
  );
  for (const s of p.series) {
    const inside = s.points.filter(([x, y]) => (!p.x.log || x > 0) && (!p.y.log || y > 0)).sort((a, b) => a[0] - b[0]);
    if (inside.length === 0) continue;
    const d = inside.map(([x, y], i) => `${i === 0 ? "M" : "L"}${sx(x).toFixed(1)} ${sy(y).toFixed(1)}`).join(" ");
    out.push(`<path d="${d}" stroke="${s.color}" class="line${s.dashed ? " dashed" : ""}"/>`);
    if (inside.length <= 12) for (const [x, y] of inside) out.push(`<circle cx="${sx(x).toFixed(1)}" cy="${sy(y).toFixed(1)}" r="3" fill="${s.color}"/>`);
  }
  return out.join("\n");
}

/** Panels side by side and one legend (the union of series labels) to their right. */
export function chart(title: string, panels: Panel[]): string {
  const legend = new Map<string, Series>();
  for (const p of panels) for (const s of p.series) if (!legend.has(s.label)) legend.set(s.label, s);
  const legendWidth = 60 + 7.5 * Math.max(8, ...[...legend.keys()].map((l) => l.length));
  const width = Math.round(panels.length * W + legendWidth);
  const height = H + 30;
  const items = [...legend.values()].map((s, i) => {
    const y = 60 + i * 22;
    const x = panels.length * W + 10;
    return `<line x1="${x}" x2="${x + 26}" y1="${y}" y2="${y}" stroke="${s.color}" class="line${s.dashed ? " dashed" : ""}"/><text x="${x + 32}" y="${y + 4}" class="legend">${esc(s.label)}</text>`;
  });
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="DejaVu Sans, Helvetica, Arial, sans-serif">
<style>
.title{font-size:15px;font-weight:bold;text-anchor:middle}
.label{font-size:12px;text-anchor:middle}
.xtick{font-size:11px;text-anchor:middle;dominant-baseline:hanging}
.ytick{font-size:11px;text-anchor:end;dominant-baseline:middle}
.legend{font-size:12px}
.grid{stroke:#e3e3e3;stroke-width:1}
.frame{fill:none;stroke:#888}
.line{fill:none;stroke-width:2}
.dashed{stroke-dasharray:6 4}
</style>
<rect width="100%" height="100%" fill="white"/>
<g transform="translate(0 30)">
${panels.map((p, i) => panel(p, i * W)).join("\n")}
${items.join("\n")}
</g>
<text x="12" y="20" font-size="13" fill="#555">${esc(title)}</text>
</svg>
`;
}
