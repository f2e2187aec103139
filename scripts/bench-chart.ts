// The per-container cost chart of `npm run bench`: milliseconds per container against N, as a hand-written SVG.
//
// `node dist/scripts/bench-chart.js [bench/results.json] [bench/per-container.svg]` draws it again from the
// results a bench run wrote.

import { readFileSync, writeFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';

export interface Series {
  label: string;
  color: string;
  /** Dashed: a reference (the kernel floor) rather than something tnet does. */
  dashed?: boolean;
  points: { n: number; ms: number }[];
}

const W = 640;
const H = 400;
const LEFT = 60;
const RIGHT = 180;
const TOP = 40;
const BOTTOM = 50;

const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
const num = (x: number) => (x === 0 ? '0' : x >= 10 ? x.toFixed(0) : x >= 1 ? x.toFixed(1) : x.toFixed(2));

/** A round step for about `count` ticks from 0 to `max`. */
function step(max: number, count: number): number {
  const raw = max / count;
  const p = 10 ** Math.floor(Math.log10(raw));
  return [1, 2, 2.5, 5, 10].map((m) => m * p).find((s) => s >= raw) ?? 10 * p;
}

/** x: N on a log scale (1,000, 3,000, 10,000 spread evenly enough); y: ms per container from 0. */
export function chartSvg(title: string, series: Series[]): string {
  const all = series.flatMap((s) => s.points).filter((p) => Number.isFinite(p.ms));
  const ns = [...new Set(all.map((p) => p.n))].sort((a, b) => a - b);
  const lo = Math.log10(ns[0] ?? 1);
  const hi = Math.log10(ns[ns.length - 1] ?? 10);
  const span = hi - lo || 1;
  const yStep = step(Math.max(...all.map((p) => p.ms), 0.1), 5);
  const yMax = Math.ceil(Math.max(...all.map((p) => p.ms), 0.1) / yStep) * yStep;
  const plotW = W - LEFT - RIGHT;
  const plotH = H - TOP - BOTTOM;
  const x = (n: number) => LEFT + (ns.length === 1 ? plotW / 2 : ((Math.log10(n) - lo) / span) * plotW);
  const y = (ms: number) => TOP + plotH - (ms / yMax) * plotH;
  const out: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${W} ${H}" width="${W}" height="${H}" font-family="sans-serif" font-size="12">`,
    `<rect width="${W}" height="${H}" fill="white"/>`,
    `<text x="${LEFT}" y="${TOP - 16}" font-size="14">${esc(title)}</text>`,
  ];
  for (let v = 0; v <= yMax + 1e-9; v += yStep) {
    out.push(`<line x1="${LEFT}" x2="${LEFT + plotW}" y1="${y(v).toFixed(1)}" y2="${y(v).toFixed(1)}" stroke="#ddd"/>`);
    out.push(`<text x="${LEFT - 6}" y="${(y(v) + 4).toFixed(1)}" text-anchor="end">${num(v)}</text>`);
  }
  for (const n of ns) {
    out.push(`<line x1="${x(n).toFixed(1)}" x2="${x(n).toFixed(1)}" y1="${TOP}" y2="${TOP + plotH}" stroke="#eee"/>`);
    out.push(`<text x="${x(n).toFixed(1)}" y="${TOP + plotH + 16}" text-anchor="middle">${n.toLocaleString('en-US')}</text>`);
  }
  out.push(`<line x1="${LEFT}" x2="${LEFT}" y1="${TOP}" y2="${TOP + plotH}" stroke="#333"/>`);
  out.push(`<line x1="${LEFT}" x2="${LEFT + plotW}" y1="${TOP + plotH}" y2="${TOP + plotH}" stroke="#333"/>`);
  out.push(`<text x="${LEFT + plotW / 2}" y="${H - 10}" text-anchor="middle">containers (N, log scale)</text>`);
  out.push(`<text transform="translate(16 ${TOP + plotH / 2}) rotate(-90)" text-anchor="middle">ms per container</text>`);
  series.forEach((s, i) => {
    const pts = s.points.filter((p) => Number.isFinite(p.ms)).sort((a, b) => a.n - b.n);
    const dash = s.dashed ? ' stroke-dasharray="6 4"' : '';
    if (pts.length > 1) {
      const d = pts.map((p) => `${x(p.n).toFixed(1)},${y(p.ms).toFixed(1)}`).join(' ');
      out.push(`<polyline points="${d}" fill="none" stroke="${s.color}" stroke-width="2"${dash}/>`);
    }
    for (const p of pts) {
      out.push(`<circle cx="${x(p.n).toFixed(1)}" cy="${y(p.ms).toFixed(1)}" r="3.5" fill="${s.color}"><title>${esc(s.label)}, N=${p.n}: ${num(p.ms)} ms</title></circle>`);
    }
    const ly = TOP + 10 + i * 20;
    const lx = LEFT + plotW + 16;
    out.push(`<line x1="${lx}" x2="${lx + 22}" y1="${ly}" y2="${ly}" stroke="${s.color}" stroke-width="2"${dash}/>`);
    out.push(`<text x="${lx + 28}" y="${ly + 4}">${esc(s.label)}</text>`);
  });
  out.push('</svg>');
  return `${out.join('\n')}\n`;
}

/** The rows of bench/results.json this chart reads (the bench writes more). */
export interface ChartRow {
  n: number;
  apply: number;
  floor: number;
  floorRules: number;
  noop: number;
  destroy: number;
  destroyCount: number;
  prune: number;
}

export function perContainerChart(rows: ChartRow[]): string {
  const per = (f: (r: ChartRow) => number, count: (r: ChartRow) => number = (r) => r.n) =>
    rows.map((r) => ({ n: r.n, ms: f(r) / count(r) }));
  return chartSvg('tnet: milliseconds per container against N', [
    { label: 'tnet apply', color: '#1f77b4', points: per((r) => r.apply) },
    { label: 'floor (links)', color: '#7f7f7f', dashed: true, points: per((r) => r.floor) },
    { label: 'floor + rules', color: '#bcbd22', dashed: true, points: per((r) => r.floor + r.floorRules) },
    { label: 'tnet destroy', color: '#d62728', points: per((r) => r.destroy, (r) => r.destroyCount) },
    // Per container of the spec, not per removed one: a prune re-reads all N, and its scale would flatten the rest.
    { label: 'prune 10 % ÷ N', color: '#9467bd', points: per((r) => r.prune) },
    { label: 'no-op re-apply', color: '#2ca02c', points: per((r) => r.noop) },
  ]);
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const input = process.argv[2] ?? 'bench/results.json';
  const output = process.argv[3] ?? 'bench/per-container.svg';
  const results = JSON.parse(readFileSync(input, 'utf8')) as { rows: ChartRow[] };
  writeFileSync(output, perContainerChart(results.rows));
  process.stdout.write(`${output}\n`);
}
