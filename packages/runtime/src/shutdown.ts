/** Shutdown hooks run on SIGTERM (sent by Lambda only when extensions are registered). */

/** A function run once when the execution environment shuts down. */
export type ShutdownHook = () => void | Promise<void>;

// Kept on globalThis under a registry symbol: the application bundles its own copy of this package, and its hooks
// must reach the layer's loop.
const HOOKS_KEY = Symbol.for('caprice.runtime.shutdownHooks');

function hooks(): ShutdownHook[] {
  const g = globalThis as unknown as Record<symbol, ShutdownHook[] | undefined>;
  let list = g[HOOKS_KEY];
  if (list === undefined) {
    list = [];
    g[HOOKS_KEY] = list;
  }
  return list;
}

/**
 * Registers a hook to flush or close things when the runtime receives SIGTERM. Keep it short: Lambda allows about
 * 300–500 ms before SIGKILL. Returns a function that unregisters the hook.
 *
 * @example
 * onShutdown(async () => { await metrics.flush(); });
 */
export function onShutdown(hook: ShutdownHook): () => void {
  const list = hooks();
  list.push(hook);
  return () => {
    const i = list.indexOf(hook);
    if (i !== -1) list.splice(i, 1);
  };
}

/** Runs every registered hook concurrently, waiting at most `timeoutMs`; hook failures are logged, not thrown. */
export async function runShutdownHooks(
  timeoutMs: number,
  log: (msg: string, err: unknown) => void,
): Promise<void> {
  const list = hooks().slice();
  if (list.length === 0) return;
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<void>((resolve) => {
    timer = setTimeout(resolve, timeoutMs);
  });
  const all = Promise.allSettled(
    list.map(async (hook) => {
      try {
        await hook();
      } catch (err) {
        log('Shutdown hook failed', err);
      }
    }),
  );
  await Promise.race([all, timeout]);
  clearTimeout(timer);
}
