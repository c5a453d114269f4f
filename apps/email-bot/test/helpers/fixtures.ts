/** The one way tests read fixtures: `loadFixture('ses', 'inbound-basic')` (JSON) or `loadFixture('eml', 'x')` (bytes). */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const FIXTURES = fileURLToPath(new URL('../fixtures/', import.meta.url));

export function loadFixture(kind: 'eml', name: string): Buffer;
export function loadFixture(kind: 's3' | 'ses', name: string): unknown;
export function loadFixture(kind: 'eml' | 's3' | 'ses', name: string): unknown {
  if (kind === 'eml') return readFileSync(`${FIXTURES}eml/${name}.eml`);
  return JSON.parse(readFileSync(`${FIXTURES}${kind}/${name}.json`, 'utf-8')) as unknown;
}
