/** Hand-written SVG bar charts for results/latest.md: horizontal bars, an optional reference line (e.g. 1× or a goal). */

export interface Bar {
  readonly label: string;
  readonly value: number;
  /** Shown after the bar; defaults to the value with two decimals. */
  readonly text?: string;
  /** `good` / `bad` colour a bar against its goal; `neutral` (default) for anchors. */
  readonly tone?: 'good' | 'bad' | 'neutral';
}

export interface BarChart {
  readonly title: string;
  readonly bars: readonly Bar[];
  /** Unit shown under the axis, e.g. `× node -e 0`. */
  readonly unit?: string;
  /** Vertical dashed lines at these values, e.g. `[{ value: 1, label: 'anchor' }]`. */
  readonly marks?: readonly { readonly value: number; readonly label: string }[];
}

const COLOURS = { good: '#2e7d32', bad: '#c62828', neutral: '#607d8b' } as const;

/** Escapes text for SVG element content and attribute values. */
export function escapeXml(text: string): string {
  return text.replace(/[<>&"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** Renders a horizontal bar chart as a standalone SVG document (no scripts, no external references). */
export function renderBarChart(chart: BarChart): string {
  const labelWidth = 260;
  const plotWidth = 360;
  const valueWidth = 90;
  const rowHeight = 24;
  const top = 34;
  const bottom = 30;
  const width = labelWidth + plotWidth + valueWidth;
  const height = top + chart.bars.length * rowHeight + bottom;
  const finite = chart.bars.map((b) => b.value).filter((v) => Number.isFinite(v) && v > 0);
  const markValues = (chart.marks ?? []).map((m) => m.value);
  const max = Math.max(1e-9, ...finite, ...markValues) * 1.05;
  const x = (v: number) => labelWidth + (Math.max(0, v) / max) * plotWidth;
  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif" font-size="12" role="img">`,
    `<title>${escapeXml(chart.title)}</title>`,
    `<rect width="${width}" height="${height}" fill="#ffffff"/>`,
    `<text x="8" y="20" font-size="14" font-weight="bold">${escapeXml(chart.title)}</text>`,
  ];
  chart.bars.forEach((bar, i) => {
    const y = top + i * rowHeight;
    const ok = Number.isFinite(bar.value);
    parts.push(
      `<text x="${labelWidth - 6}" y="${y + 16}" text-anchor="end">${escapeXml(bar.label)}</text>`,
      ok
        ? `<rect x="${labelWidth}" y="${y + 4}" width="${(x(bar.value) - labelWidth).toFixed(1)}" height="${rowHeight - 8}" fill="${COLOURS[bar.tone ?? 'neutral']}"/>`
        : '',
      `<text x="${((ok ? x(bar.value) : labelWidth) + 4).toFixed(1)}" y="${y + 16}">${escapeXml(bar.text ?? (ok ? bar.value.toFixed(2) : 'n/a'))}</text>`,
    );
  });
  const axisY = top + chart.bars.length * rowHeight;
  parts.push(`<line x1="${labelWidth}" y1="${top}" x2="${labelWidth}" y2="${axisY}" stroke="#333"/>`);
  for (const mark of chart.marks ?? []) {
    const mx = x(mark.value).toFixed(1);
    parts.push(
      `<line x1="${mx}" y1="${top - 4}" x2="${mx}" y2="${axisY}" stroke="#333" stroke-dasharray="4 3"/>`,
      `<text x="${mx}" y="${axisY + 14}" text-anchor="middle" font-size="11">${escapeXml(mark.label)}</text>`,
    );
  }
  if (chart.unit) {
    parts.push(
      `<text x="${labelWidth + plotWidth}" y="${height - 4}" text-anchor="end" font-size="11" fill="#555">${escapeXml(chart.unit)}</text>`,
    );
  }
  parts.push('</svg>');
  return `${parts.filter((p) => p !== '').join('\n')}\n`;
}
