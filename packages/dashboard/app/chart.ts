// Small SVG charts as markup strings (no library, no DOM): lines, bands and bars over x/y points.

import { escapeHtml } from './model.ts';

export interface ChartSeries {
  name: string;
  /** A CSS color. */
  color: string;
  points: readonly { x: number; y: number }[];
  /** Drawn as bars from the y-axis minimum instead of a line. */
  bars?: boolean;
  dashed?: boolean;
}

export interface ChartOptions {
  width?: number;
  height?: number;
  /** Text of an x value (axis ends). */
  xLabel(x: number): string;
  /** Text of a y value (axis ticks). */
  yLabel(y: number): string;
  /** Include 0 in the y range (counts, latencies). */
  fromZero?: boolean;
  /** The values are integers (heights, counts): ticks at integers only. */
  integer?: boolean;
  /** Shown when no series has a point. */
  empty?: string;
}

const PAD = { left: 64, right: 12, top: 10, bottom: 22 };

/** The extent of the points, widened so that a flat series still has a visible range. */
function extent(values: number[], fromZero: boolean): [number, number] {
  let low = Math.min(...values);
  const high = Math.max(...values);
  if (fromZero) low = Math.min(0, low);
  if (high === low) {
    const pad = Math.abs(high) * 0.01 || 1;
    return [low - (fromZero && low === 0 ? 0 : pad), high + pad];
  }
  const pad = (high - low) * 0.05;
  return [fromZero && low === 0 ? 0 : low - pad, high + pad];
}

/**
 * Round tick values inside [low, high]: a step of 1, 2 or 5 × 10^k giving at most 5 ticks (at
 * least 1 for integer data, so no tick falls between two integers).
 */
export function niceTicks(low: number, high: number, integer: boolean): number[] {
  const raw = (high - low) / 4;
  const magnitude = 10 ** Math.floor(Math.log10(raw));
  let step = [1, 2, 5, 10].map((m) => m * magnitude).find((candidate) => candidate >= raw) ?? raw;
  if (integer) step = Math.max(1, Math.round(step));
  const ticks: number[] = [];
  for (let tick = Math.ceil(low / step) * step; tick <= high + step * 1e-9; tick += step) {
    ticks.push(Number(tick.toPrecision(12)));
  }
  return ticks;
}

/** An SVG chart of `series` (class "chart"; each series a path with data-series=its name). */
export function chartSvg(series: readonly ChartSeries[], options: ChartOptions): string {
  const width = options.width ?? 560;
  const height = options.height ?? 180;
  const all = series.flatMap((s) => s.points);
  const open = `<svg class="chart" viewBox="0 0 ${width} ${height}" width="100%" role="img" xmlns="http://www.w3.org/2000/svg">`;
  if (all.length === 0) {
    return `${open}<text x="${width / 2}" y="${height / 2}" text-anchor="middle" class="chart-empty">${escapeHtml(options.empty ?? 'waiting for data…')}</text></svg>`;
  }
  const [x0, x1] = extent(
    all.map((p) => p.x),
    false,
  );
  const [y0, y1] = extent(
    all.map((p) => p.y),
    options.fromZero === true,
  );
  const plotW = width - PAD.left - PAD.right;
  const plotH = height - PAD.top - PAD.bottom;
  const sx = (x: number) => PAD.left + ((x - x0) / (x1 - x0)) * plotW;
  const sy = (y: number) => PAD.top + (1 - (y - y0) / (y1 - y0)) * plotH;
  const parts: string[] = [open];
  // Grid and y ticks.
  for (const y of niceTicks(y0, y1, options.integer === true)) {
    const py = sy(y).toFixed(1);
    parts.push(
      `<line x1="${PAD.left}" x2="${width - PAD.right}" y1="${py}" y2="${py}" class="chart-grid"/>`,
      `<text x="${PAD.left - 6}" y="${py}" dy="0.32em" text-anchor="end" class="chart-tick">${escapeHtml(options.yLabel(y))}</text>`,
    );
  }
  parts.push(
    `<text x="${PAD.left}" y="${height - 4}" class="chart-tick">${escapeHtml(options.xLabel(x0))}</text>`,
    `<text x="${width - PAD.right}" y="${height - 4}" text-anchor="end" class="chart-tick">${escapeHtml(options.xLabel(x1))}</text>`,
  );
  for (const s of series) {
    if (s.points.length === 0) continue;
    const name = escapeHtml(s.name);
    if (s.bars === true) {
      const barW = Math.max(1, Math.min(12, (plotW / Math.max(1, s.points.length)) * 0.7));
      const base = sy(Math.max(y0, 0));
      const rects = s.points
        .map((p) => {
          const top = sy(p.y);
          return `<rect x="${(sx(p.x) - barW / 2).toFixed(1)}" y="${Math.min(top, base).toFixed(1)}" width="${barW.toFixed(1)}" height="${Math.abs(base - top).toFixed(1)}"/>`;
        })
        .join('');
      parts.push(`<g data-series="${name}" fill="${escapeHtml(s.color)}">${rects}</g>`);
      continue;
    }
    const d = s.points
      .map((p, i) => `${i === 0 ? 'M' : 'L'}${sx(p.x).toFixed(1)},${sy(p.y).toFixed(1)}`)
      .join('');
    const dash = s.dashed === true ? ' stroke-dasharray="4 3"' : '';
    parts.push(
      `<path data-series="${name}" d="${d}" fill="none" stroke="${escapeHtml(s.color)}" stroke-width="1.6"${dash}/>`,
    );
    if (s.points.length === 1) {
      const p = s.points[0]!;
      parts.push(
        `<circle cx="${sx(p.x).toFixed(1)}" cy="${sy(p.y).toFixed(1)}" r="2.5" fill="${escapeHtml(s.color)}"/>`,
      );
    }
  }
  parts.push('</svg>');
  return parts.join('');
}

/** A legend for `series`: colored names. */
export function legendHtml(series: readonly Pick<ChartSeries, 'name' | 'color'>[]): string {
  return `<div class="legend">${series
    .map((s) => `<span><i style="background:${escapeHtml(s.color)}"></i>${escapeHtml(s.name)}</span>`)
    .join('')}</div>`;
}
