import { describe, expect, test } from 'vitest';
import { mean, median, pairedRatios, quantile, summarize } from './stats.js';

describe('stats', () => {
  test('median of odd and even counts, unsorted input left untouched', () => {
    const xs = [5, 1, 3];
    expect(median(xs)).toBe(3);
    expect(xs).toEqual([5, 1, 3]);
    expect(median([4, 1, 3, 2])).toBe(2.5);
    expect(median([])).toBeNaN();
  });

  test('quantile is nearest-rank: always one of the samples', () => {
    const xs = Array.from({ length: 100 }, (_, i) => i + 1);
    expect(quantile(xs, 0.5)).toBe(50);
    expect(quantile(xs, 0.99)).toBe(99);
    expect(quantile(xs, 1)).toBe(100);
    expect(quantile(xs, 0)).toBe(1);
    expect(quantile([7], 0.99)).toBe(7);
  });

  test('summarize gives n, median, min, max and the p10/p90 spread', () => {
    expect(summarize([3, 1, 2, 10])).toEqual({ n: 4, median: 2.5, min: 1, max: 10, p10: 1, p90: 10 });
    expect(summarize([]).n).toBe(0);
    expect(mean([1, 2, 3])).toBe(2);
  });

  test('pairedRatios divides round by round and drops unusable rounds', () => {
    expect(pairedRatios([2, 4, 6, 1], [1, 2, 0])).toEqual([2, 2]);
    expect(pairedRatios([Number.NaN, 3], [1, 3])).toEqual([1]);
  });
});
