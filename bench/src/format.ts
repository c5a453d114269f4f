/** Number and table formatting for results/latest.md. */

/** A fixed-precision number, `–` for NaN/∞ (a figure that could not be taken). */
export function fmt(value: number, digits = 0): string {
  if (!Number.isFinite(value)) return '–';
  return value.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
}

/** `1.23×` */
export function ratio(value: number, digits = 2): string {
  return Number.isFinite(value) ? `${value.toFixed(digits)}×` : '–';
}

/** Bytes as MB (10^6) with two decimals, or KB below 1 MB. */
export function bytes(value: number): string {
  if (!Number.isFinite(value)) return '–';
  if (value >= 1e6) return `${(value / 1e6).toFixed(2)} MB`;
  if (value >= 1e3) return `${(value / 1e3).toFixed(1)} KB`;
  return `${value} B`;
}

/** A GitHub-flavoured markdown table; `align` per column: `l` or `r` (default: first left, rest right). */
export function markdownTable(
  header: readonly string[],
  rows: readonly (readonly string[])[],
  align?: string,
): string {
  const cell = (s: string) => s.replace(/\|/g, '\\|').replace(/\n/g, ' ');
  const aligns = header.map((_, i) => ((align?.[i] ?? (i === 0 ? 'l' : 'r')) === 'r' ? '---:' : '---'));
  return [
    `| ${header.map(cell).join(' | ')} |`,
    `|${aligns.join('|')}|`,
    ...rows.map((row) => `| ${header.map((_, i) => cell(row[i] ?? '')).join(' | ')} |`),
  ].join('\n');
}
