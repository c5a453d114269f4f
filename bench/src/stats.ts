/** Small, exact statistics for benchmark samples (no interpolation: a quantile is one of the samples). */

/** The summary a results table shows for one series of samples. */
export interface Summary {
  readonly n: number;
  readonly median: number;
  readonly min: number;
  readonly max: number;
  readonly p10: number;
  readonly p90: number;
}

/** Nearest-rank quantile of `samples` (`q` in [0, 1]); NaN for no samples. */
export function quantile(samples: readonly number[], q: number): number {
  if (samples.length === 0) return Number.NaN;
  const sorted = [...samples].sort((a, b) => a - b);
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1));
  return sorted[rank] as number;
}

/** Median; the mean of the two middle samples for an even count. NaN for no samples. */
export function median(samples: readonly number[]): number {
  if (samples.length === 0) return Number.NaN;
  const sorted = [...samples].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2
    ? (sorted[mid] as number)
    : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}

export function mean(samples: readonly number[]): number {
  if (samples.length === 0) return Number.NaN;
  let sum = 0;
  for (const x of samples) sum += x;
  return sum / samples.length;
}

export function summarize(samples: readonly number[]): Summary {
  if (samples.length === 0) {
    return { n: 0, median: Number.NaN, min: Number.NaN, max: Number.NaN, p10: Number.NaN, p90: Number.NaN };
  }
  let min = Number.POSITIVE_INFINITY;
  let max = Number.NEGATIVE_INFINITY;
  for (const x of samples) {
    if (x < min) min = x;
    if (x > max) max = x;
  }
  return {
    n: samples.length,
    median: median(samples),
    min,
    max,
    p10: quantile(samples, 0.1),
    p90: quantile(samples, 0.9),
  };
}

/**
 * Element-wise ratios `a[i] / b[i]` of two series taken in the same interleaved rounds, so each ratio compares
 * runs made under the same machine load. Rounds where either side is missing or `b` is 0 are dropped.
 */
export function pairedRatios(a: readonly number[], b: readonly number[]): number[] {
  const out: number[] = [];
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a[i] as number;
    const y = b[i] as number;
    if (Number.isFinite(x) && Number.isFinite(y) && y !== 0) out.push(x / y);
  }
  return out;
}
