import { describe, expect, test } from 'vitest';
import { ZipFile } from 'yazl';
import { listZip } from './zip-listing.js';

function zip(files: Record<string, string>): Promise<Buffer> {
  const z = new ZipFile();
  for (const [name, text] of Object.entries(files)) z.addBuffer(Buffer.from(text), name);
  z.end();
  const chunks: Buffer[] = [];
  return new Promise((resolve, reject) => {
    z.outputStream.on('data', (c: Buffer) => chunks.push(c));
    z.outputStream.on('end', () => resolve(Buffer.concat(chunks)));
    z.outputStream.on('error', reject);
  });
}

describe('listZip', () => {
  test('names and sizes of each entry', async () => {
    const entries = listZip(await zip({ 'index.mjs': 'a'.repeat(10_000), 'bin/x': 'hello' }));
    expect(entries.map((e) => [e.name, e.uncompressed])).toEqual([
      ['index.mjs', 10_000],
      ['bin/x', 5],
    ]);
    expect(entries[0]?.compressed).toBeLessThan(200);
  });

  test('refuses what is not a zip', () => {
    expect(() => listZip(Buffer.alloc(100))).toThrow(/not a zip/);
  });
});
