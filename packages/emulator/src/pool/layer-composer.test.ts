import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, test } from 'vitest';
import { composeLayers } from './layer-composer.js';

const root = mkdtempSync(join(tmpdir(), 'caprice-layers-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

function layer(name: string, files: Record<string, string>) {
  const dir = join(root, name);
  for (const [p, text] of Object.entries(files)) {
    mkdirSync(join(dir, p, '..'), { recursive: true });
    writeFileSync(join(dir, p), text);
  }
  return { arn: `arn:aws:lambda:us-east-1:000000000000:layer:${name}:1`, dir, unzippedSize: 0 };
}

test('later layers win, files are hardlinked, symlinks kept, the result is cached per layer set', () => {
  const a = layer('a', { 'bin/tool': 'a', 'lib/a.so': 'only a' });
  const b = layer('b', { 'bin/tool': 'b' });
  symlinkSync('tool', join(b.dir, 'bin', 'alias'));
  const cache = join(root, 'cache');
  const opt = composeLayers([a, b], cache);
  expect(readFileSync(join(opt, 'bin/tool'), 'utf8')).toBe('b');
  expect(readFileSync(join(opt, 'lib/a.so'), 'utf8')).toBe('only a');
  expect(readFileSync(join(opt, 'bin/alias'), 'utf8')).toBe('b');
  expect(statSync(join(opt, 'lib/a.so')).ino).toBe(statSync(join(a.dir, 'lib/a.so')).ino);
  expect(composeLayers([a, b], cache)).toBe(opt);
  const reversed = composeLayers([b, a], cache);
  expect(reversed).not.toBe(opt);
  expect(readFileSync(join(reversed, 'bin/tool'), 'utf8')).toBe('a');
});
