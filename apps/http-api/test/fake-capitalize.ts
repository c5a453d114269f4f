import type { Capitalize } from '../src/routes.js';

/**
 * A stand-in for `randomCapitalize` in unit tests: deterministic, upper-cases every other character,
 * upper-cases every character when `probability` is 1; like the real one it never changes a character
 * into several (ß stays ß). It records what it was called with.
 */
export function createFakeCapitalize(): Capitalize & { calls: Array<[string, object]> } {
  const calls: Array<[string, object]> = [];
  const fn = (text: string, options: { seed?: number; probability?: number }) => {
    calls.push([text, options]);
    return [...text].map((c, i) => (i % 2 === 0 || options.probability === 1 ? upper(c) : c)).join('');
  };
  return Object.assign(fn, { calls });
}

function upper(c: string): string {
  const u = c.toUpperCase();
  return [...u].length === 1 ? u : c;
}
