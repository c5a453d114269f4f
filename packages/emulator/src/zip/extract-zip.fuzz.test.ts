import { lstat, mkdtemp, readdir, realpath, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { makeZip, renameEntry } from '../../test/control-plane/helpers.js';
import { EmulatorError } from '../errors.js';
import { extractZip, isInside } from './extract-zip.js';

const segment = fc.constantFrom('a', 'b', 'bin', '.', '..', '...', 'x y');
const relPath = fc.array(segment, { minLength: 1, maxLength: 4 }).map((parts) => parts.join('/'));
const entry = fc.record({
  name: fc.oneof(
    relPath,
    relPath.map((p) => `/${p}`),
  ),
  link: fc.option(
    fc.oneof(
      relPath,
      relPath.map((p) => `/${p}`),
    ),
    { nil: undefined },
  ),
});

/** Every path under `dir`, found without following links. */
async function walk(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const name of await readdir(dir)) {
    const full = path.join(dir, name);
    out.push(full);
    const st = await lstat(full);
    if (st.isDirectory()) out.push(...(await walk(full)));
  }
  return out;
}

describe('extractZip (property)', () => {
  it('either refuses the zip or leaves everything inside the folder, links included', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(entry, { minLength: 1, maxLength: 5 }), async (entries) => {
        // Prepare: yazl refuses unsafe names, so each entry gets a same-length placeholder (index, then Q's: never
        // a substring of another) renamed in the bytes afterwards.
        const named = entries.map((e, i) => ({
          ...e,
          placeholder: `${i}${'Q'.repeat(e.name.length - 1)}`,
        }));
        const files: Record<string, { content: string; mode: number }> = {};
        for (const e of named) {
          if (e.placeholder.length !== e.name.length || files[e.placeholder]) return;
          files[e.placeholder] =
            e.link === undefined ? { content: 'x', mode: 0o100644 } : { content: e.link, mode: 0o120777 };
        }
        let zip = await makeZip(files);
        for (const e of named) zip = renameEntry(zip, e.placeholder, e.name);
        const base = await mkdtemp(path.join(tmpdir(), 'caprice-fuzz-'));
        const out = path.join(base, 'out');
        try {
          // Act
          await extractZip(zip, out, { maxUnzippedBytes: 1024 * 1024 });
          // Assess: nothing beside the folder, and every path and link target resolves inside it.
          expect(await readdir(base)).toEqual(['out']);
          const root = await realpath(out);
          for (const p of await walk(root)) {
            const real = await realpath(p).catch(() => undefined);
            if (real !== undefined) expect(isInside(root, real), `${p} resolves to ${real}`).toBe(true);
          }
        } catch (err) {
          if (!(err instanceof EmulatorError)) throw err;
          expect(await readdir(base).then((names) => names.filter((n) => n !== 'out'))).toEqual([]);
        } finally {
          await rm(base, { recursive: true, force: true });
        }
      }),
      { numRuns: 60 },
    );
  }, 60_000);
});
