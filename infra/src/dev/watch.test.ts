import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type AppWatcher, watchApps } from './watch.js';

/**
 * A throwaway workspace: app `a` imports package `p`, app `b` does not. Real files, real fs.watch, real esbuild.
 */
async function workspace(): Promise<string> {
  const root = await mkdtemp(path.join(tmpdir(), 'caprice-watch-'));
  const files: Record<string, string> = {
    'apps/a/src/main.ts':
      "import { greet } from '../../../packages/p/src/index';\nexport const handler = async () => greet();\n",
    'apps/b/src/main.ts': "export const handler = async () => 'b v1';\n",
    'packages/p/src/index.ts': "export const greet = (): string => 'p v1';\n",
  };
  for (const [file, text] of Object.entries(files)) {
    await mkdir(path.dirname(path.join(root, file)), { recursive: true });
    await writeFile(path.join(root, file), text);
  }
  return root;
}

interface Seen {
  readonly updates: { app: string; changed: string; codeSha256: string }[];
  readonly logs: string[];
}

/** Resolves once `predicate` holds after an update or log line (polled on each event, bounded). */
function until(seen: Seen, listeners: Set<() => void>, predicate: () => boolean): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      listeners.delete(check);
      reject(new Error(`timed out; updates ${JSON.stringify(seen.updates)}; logs ${seen.logs.join(' | ')}`));
    }, 20_000);
    function check() {
      if (!predicate()) return;
      clearTimeout(timer);
      listeners.delete(check);
      resolve();
    }
    listeners.add(check);
    check();
  });
}

describe('watchApps', () => {
  let root: string;
  let watcher: AppWatcher | undefined;
  let seen: Seen;
  const listeners = new Set<() => void>();
  const notify = () => {
    for (const l of [...listeners]) l();
  };

  beforeEach(async () => {
    root = await workspace();
    seen = { updates: [], logs: [] };
    watcher = await watchApps({
      root,
      apps: [
        { app: 'a', functionName: 'fn-a' },
        { app: 'b', functionName: 'fn-b' },
      ],
      onUpdate: async (app, zip, changed) => {
        seen.updates.push({
          app: app.app,
          changed: path.relative(root, changed),
          codeSha256: zip.codeSha256,
        });
        notify();
      },
      log: (line) => {
        seen.logs.push(line);
        notify();
      },
    });
  });

  afterEach(async () => {
    await watcher?.close();
    await rm(root, { recursive: true, force: true });
  });

  it('a change in a package rebuilds only the apps that import it, and the new bundle holds the new code', async () => {
    await writeFile(
      path.join(root, 'packages/p/src/index.ts'),
      "export const greet = (): string => 'p v2';\n",
    );
    await until(seen, listeners, () => seen.logs.some((l) => l.startsWith('watch: fn-a updated in')));
    expect(seen.updates.map((u) => [u.app, u.changed])).toEqual([['a', 'packages/p/src/index.ts']]);
    expect(await readFile(path.join(root, 'apps/a/dist/bundle/index.mjs'), 'utf8')).toContain('p v2');
    expect(seen.updates[0]?.codeSha256).toMatch(/^[A-Za-z0-9+/]{43}=$/);
  });

  it('a change in an app rebuilds that app alone', async () => {
    await writeFile(path.join(root, 'apps/b/src/main.ts'), "export const handler = async () => 'b v2';\n");
    await until(seen, listeners, () => seen.updates.length > 0);
    expect(seen.updates.map((u) => u.app)).toEqual(['b']);
    expect(await readFile(path.join(root, 'apps/b/dist/bundle/index.mjs'), 'utf8')).toContain('b v2');
  });

  it('a syntax error is reported and deploys nothing; the fix deploys', async () => {
    await writeFile(path.join(root, 'apps/b/src/main.ts'), 'export const handler = async () => {\n');
    await until(seen, listeners, () => seen.logs.some((l) => l.startsWith('watch: fn-b not updated:')));
    expect(seen.updates).toEqual([]);
    await writeFile(path.join(root, 'apps/b/src/main.ts'), "export const handler = async () => 'b v3';\n");
    await until(seen, listeners, () => seen.updates.length > 0);
    expect(seen.updates.map((u) => u.app)).toEqual(['b']);
  });
});
