import { readFileSync } from 'node:fs';

/** Reads `test/fixtures/<source>/<name>.json`; tests get a fresh copy and never write fixtures. */
export function loadFixture<T = Record<string, unknown>>(source: string, name: string): T {
  const url = new URL(`./fixtures/${source}/${name}.json`, import.meta.url);
  return JSON.parse(readFileSync(url, 'utf8')) as T;
}
