/**
 * A small SVG line plot, enough for propagation CDFs: linear axes with round ticks, one
 * polyline per series, a legend. Output depends only on the data (fixed number formatting),
 * so the same run draws the same bytes.
 */

export interface Series {
  label: string;
  color: string;
  /** Points in x order. */
  points: readonly (readonly [number, number])[];
}

export interface PlotOptions {
  title: string;
  xLabel: string;
  yLabel: string;
  width?: number;
  height?: number;
  xMax?: number;
  yMax?: number;
}

const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
const fmt = (x: number) => (Math.round(x * 100) / 100).toString();

/** 1, 2 or 5 times a power of ten, giving about `n` ticks up to `max`. */
export function niceStep(max: number, n = 5): number {
  const raw = max / n;
  const pow = 10 ** Math.floor(Math.log10(raw));
  for (const m of [1, 2, 5, 10]) if (m * pow >= raw) return m * pow;
  return 10 * pow;
}

export function linePlot(series: readonly Series[], o: PlotOptions): string {
  const W = o.width ?? 720;
  const H = o.height ?? 420;
  const m = { l: 64, r: 20, t: 40, b: 56 };
  const all = series.flatMap((s) => s.points);
  const xMax = o.xMax ?? Math.max(1e-9, ...all.map((p) => p[0]));
  const yMax = o.yMax ?? Math.max(1e-9, ...all.map((p) => p[1]));
  const x = (v: number) => m.l + (Math.min(v, xMax) / xMax) * (W - m.l - m.r);
  const y = (v: number) => H - m.b - (Math.min(v, yMax) / yMax) * (H - m.t - m.b);
  const out: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="sans-serif" font-size="12">`,
    `<title>${esc(o.title)}</title>`,
    `<rect width="${W}" height="${H}" fill="white"/>`,
    `<text x="${W / 2}" y="22" text-anchor="middle" font-size="15">${esc(o.title)}</text>`,
  ];
  const xs = niceStep(xMax);
  for (let v = 0; v <= xMax + 1e-9; v += xs) {
    out.push(`<line x1="${fmt(x(v))}" y1="${m.t}" x2="${fmt(x(v))}" y2="${H - m.b}" stroke="#e4e4e4"/>`);
    out.push(`<text x="${fmt(x(v))}" y="${H - m.b + 16}" text-anchor="middle">${fmt(v)}</text>`);
  }
  const ys = niceStep(yMax);
  for (let v = 0; v <= yMax + 1e-9; v += ys) {
    out.push(`<line x1="${m.l}" y1="${fmt(y(v))}" x2="${W - m.r}" y2="${fmt(y(v))}" stroke="#e4e4e4"/>`);
    out.push(`<text x="${m.l - 6}" y="${fmt(y(v) + 4)}" text-anchor="end">${fmt(v)}</text>`);
  }
  out.push(
    `<line x1="${m.l}" y1="${H - m.b}" x2="${W - m.r}" y2="${H - m.b}" stroke="black"/>`,
    `<line x1="${m.l}" y1="${m.t}" x2="${m.l}" y2="${H - m.b}" stroke="black"/>`,
    `<text x="${(m.l + W - m.r) / 2}" y="${H - 14}" text-anchor="middle">${esc(o.xLabel)}</text>`,
    `<text x="16" y="${(m.t + H - m.b) / 2}" text-anchor="middle" transform="rotate(-90 16 ${(m.t + H - m.b) / 2})">${esc(o.yLabel)}</text>`,
  );
  series.forEach((s, i) => {
    if (s.points.length > 0) {
      const pts = s.points.map(([a, b]) => `${fmt(x(a))},${fmt(y(b))}`).join(' ');
      out.push(`<polyline fill="none" stroke="${s.color}" stroke-width="2" points="${pts}"/>`);
    }
    const ly = m.t + 14 + i * 18;
    out.push(
      `<line x1="${W - m.r - 210}" y1="${ly}" x2="${W - m.r - 186}" y2="${ly}" stroke="${s.color}" stroke-width="3"/>`,
      `<text x="${W - m.r - 180}" y="${ly + 4}">${esc(s.label)}</text>`,
    );
  });
  out.push('</svg>');
  return `${out.join('\n')}\n`;
}

/** The empirical CDF of `values` as at most `maxPoints` steps. */
export function cdfPoints(values: readonly number[], maxPoints = 200): [number, number][] {
  const v = [...values].sort((a, b) => a - b);
  if (v.length === 0) return [];
  const step = Math.max(1, Math.floor(v.length / maxPoints));
  const pts: [number, number][] = [[0, 0]];
  for (let i = step - 1; i < v.length; i += step) pts.push([v[i]!, (i + 1) / v.length]);
  if (pts.at(-1)![1] !== 1) pts.push([v.at(-1)!, 1]);
  return pts;
}
