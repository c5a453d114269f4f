/**
 * Watch mode for `caprice dev`: a saved source file rebuilds only the app bundles that read it (esbuild
 * incremental), re-zips them and hands the zip to `onUpdate` (which updates the function through the Lambda API).
 */
import { type FSWatcher, watch } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import {
  createLambdaBundleContext,
  type LambdaBundleContext,
  loadAppBundleOptions,
  writeReproducibleZip,
  type ZipResult,
} from '@caprice/lambda-bundle';

export interface WatchedApp {
  readonly app: string;
  readonly functionName: string;
}

export interface WatchOptions {
  readonly root: string;
  readonly apps: readonly WatchedApp[];
  readonly onUpdate: (
    app: WatchedApp,
    zip: ZipResult & { bytes: Uint8Array },
    changed: string,
  ) => Promise<void>;
  readonly log?: (line: string) => void;
  /** Quiet period after the last change before rebuilding (editors write files in bursts). */
  readonly debounceMs?: number;
}

interface AppState {
  readonly app: WatchedApp;
  readonly ctx: LambdaBundleContext;
  readonly outfile: string;
  inputs: Set<string>;
}

export interface AppWatcher {
  close(): Promise<void>;
}

/** Starts watching `apps/` and `packages/` under `root`. */
export async function watchApps(options: WatchOptions): Promise<AppWatcher> {
  const { root, log } = options;
  const states: AppState[] = [];
  for (const app of options.apps) {
    const outfile = join(root, 'apps', app.app, 'dist', 'bundle', 'index.mjs');
    // The app's own bundle options (e.g. the email bot's charset shims), so a rebuild ships what `pnpm zip` does.
    const ctx = await createLambdaBundleContext(
      await loadAppBundleOptions(join(root, 'apps', app.app), outfile),
    );
    const first = await ctx.rebuild();
    states.push({
      app,
      ctx,
      outfile,
      inputs: new Set(Object.keys(first.metafile.inputs).map((p) => resolve(p))),
    });
  }

  const pending = new Set<string>();
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> = Promise.resolve();

  const flush = async () => {
    const changed = [...pending];
    pending.clear();
    for (const state of states) {
      const hit = changed.find((file) => state.inputs.has(file));
      if (!hit) continue;
      const started = performance.now();
      try {
        const built = await state.ctx.rebuild();
        state.inputs = new Set(Object.keys(built.metafile.inputs).map((p) => resolve(p)));
        const zipFile = join(root, 'apps', state.app.app, 'dist', `${state.app.app}.zip`);
        const zip = await writeReproducibleZip(zipFile, [{ path: 'index.mjs', file: state.outfile }]);
        await options.onUpdate(state.app, { ...zip, bytes: await readFile(zipFile) }, hit);
        log?.(
          `watch: ${state.app.functionName} updated in ${Math.round(performance.now() - started)} ms (${hit})`,
        );
      } catch (error) {
        // A syntax error while typing must not stop the dev server: report it and keep serving the old code.
        log?.(`watch: ${state.app.functionName} not updated: ${(error as Error).message}`);
      }
    }
  };

  const watchers: FSWatcher[] = ['apps', 'packages'].map((dir) =>
    watch(join(root, dir), { recursive: true }, (_event, filename) => {
      if (!filename) return;
      const file = resolve(root, dir, filename.toString());
      if (/[\\/](dist|node_modules|\.turbo)[\\/]/.test(file)) return;
      pending.add(file);
      clearTimeout(timer);
      timer = setTimeout(() => {
        running = running.then(flush);
      }, options.debounceMs ?? 25);
    }),
  );

  return {
    async close() {
      clearTimeout(timer);
      for (const w of watchers) w.close();
      await running;
      await Promise.all(states.map((s) => s.ctx.dispose()));
    },
  };
}
