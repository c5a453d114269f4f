/** The shims are tested against (and read tables from) the same versions the bundled mailparser really uses. */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';

/** Version of `name` as resolved from the file `from` (walks up from the resolved entry to its package.json). */
function versionFrom(from: string, name: string): { version: string; dir: string } {
  const entry = createRequire(from).resolve(name);
  const marker = `/node_modules/${name}/`;
  const dir = entry.slice(0, entry.lastIndexOf(marker) + marker.length);
  return {
    version: (JSON.parse(readFileSync(`${dir}package.json`, 'utf8')) as { version: string }).version,
    dir,
  };
}

describe('shim dependency versions', () => {
  const mailparser = createRequire(import.meta.url).resolve('mailparser');
  const libmime = versionFrom(mailparser, 'libmime');

  it.each([
    ['iconv-lite', libmime.dir],
    ['encoding-japanese', libmime.dir],
    ['linkify-it', mailparser],
  ])('%s: the dev dependency is the copy mailparser/libmime load', (name, from) => {
    expect(versionFrom(import.meta.url, name)).toEqual(versionFrom(from, name));
  });
});
