/**
 * A loss curve as a standalone SVG document: epochs on x, loss on y (log scale when it spans more than
 * two decades), with axis labels.
 *
 * @example
 * ```ts
 * const svg = lossCurveSvg(ae.train(data, { epochs: 50 }));   // write it to loss.svg
 * ```
 */
export function lossCurveSvg(history: readonly number[], options: { width?: number; height?: number; title?: string } = {}): string {
  const { width = 640, height = 360, title = 'training loss' } = options;
  const finite = history.filter((l) => Number.isFinite(l) && l > 0);
  const margin = { left: 64, right: 16, top: 32, bottom: 40 };
  const w = width - margin.left - margin.right, h = height - margin.top - margin.bottom;
  const lo = finite.reduce((a, b) => Math.min(a, b), Infinity), hi = finite.reduce((a, b) => Math.max(a, b), -Infinity);
  const log = finite.length > 0 && hi / lo > 100;
  const scale = (l: number) => (log ? Math.log10(l) : l);
  const [y0, y1] = finite.length > 0 ? [scale(lo), scale(hi)] : [0, 1];
  const span = y1 - y0 || 1;
  const x = (i: number) => margin.left + (history.length > 1 ? (i / (history.length - 1)) * w : w / 2);
  const y = (l: number) => margin.top + h - ((scale(l) - y0) / span) * h;
  const points = history.map((l, i) => (Number.isFinite(l) && l > 0 ? `${x(i).toFixed(1)},${y(l).toFixed(1)}` : '')).filter(Boolean);
  const label = (v: number) => (Math.abs(v) >= 1000 || Math.abs(v) < 0.01 ? v.toExponential(2) : v.toPrecision(3));
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif" font-size="12">`,
    `<rect width="${width}" height="${height}" fill="white"/>`,
    `<text x="${width / 2}" y="20" text-anchor="middle" font-size="14">${escapeXml(title)}</text>`,
    `<line x1="${margin.left}" y1="${margin.top + h}" x2="${margin.left + w}" y2="${margin.top + h}" stroke="black"/>`,
    `<line x1="${margin.left}" y1="${margin.top}" x2="${margin.left}" y2="${margin.top + h}" stroke="black"/>`,
    `<text x="${margin.left + w / 2}" y="${height - 8}" text-anchor="middle">epoch (1–${history.length})</text>`,
    `<text x="${margin.left - 6}" y="${margin.top + 4}" text-anchor="end">${finite.length ? label(hi) : ''}</text>`,
    `<text x="${margin.left - 6}" y="${margin.top + h}" text-anchor="end">${finite.length ? label(lo) : ''}</text>`,
    `<text x="14" y="${margin.top + h / 2}" text-anchor="middle" transform="rotate(-90 14 ${margin.top + h / 2})">loss${log ? ' (log scale)' : ''}</text>`,
    `<polyline fill="none" stroke="#1f77b4" stroke-width="2" points="${points.join(' ')}"/>`,
    '</svg>',
    '',
  ].join('\n');
}

function escapeXml(text: string): string {
  return text.replace(/[<>&"]/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', '"': '&quot;' })[c]!);
}
