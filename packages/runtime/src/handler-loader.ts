/** Resolves `_HANDLER` (`path/module.a.b.fn`) to a function, as AWS's Node runtime does. */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { basename, dirname, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import {
  HandlerNotFoundError,
  ImportModuleError,
  MalformedHandlerNameError,
  UserCodeSyntaxError,
} from './errors.js';

// AWS's split: everything up to the first dot is the module, the rest the (nested) export.
const HANDLER_PATTERN = /^([^.]*)\.(.*)$/;

/** Splits a handler string into module root, module name and export path. Throws {@link MalformedHandlerNameError}. */
export function parseHandlerName(handler: string): {
  moduleRoot: string;
  moduleName: string;
  exportPath: string;
} {
  if (handler.includes('..')) {
    throw new MalformedHandlerNameError(
      `'${handler}' is not a valid handler name. Use absolute paths when specifying root directories in handler names.`,
    );
  }
  const base = basename(handler);
  const moduleRoot = handler.slice(0, handler.length - base.length);
  const match = HANDLER_PATTERN.exec(base);
  if (match === null || match[1] === '' || match[2] === '') {
    throw new MalformedHandlerNameError(
      `Bad handler ${handler}: expected "module.export", e.g. "index.handler"`,
    );
  }
  return { moduleRoot, moduleName: match[1] as string, exportPath: match[2] as string };
}

/** True when the nearest package.json (not crossing node_modules or /) says `"type": "module"`. */
function isEsmScope(dir: string): boolean {
  let current = dir;
  for (;;) {
    const pkg = join(current, 'package.json');
    if (existsSync(pkg)) {
      try {
        return (JSON.parse(readFileSync(pkg, 'utf8')) as { type?: unknown }).type === 'module';
      } catch {
        return false;
      }
    }
    const parent = dirname(current);
    if (parent === current || basename(current) === 'node_modules') return false;
    current = parent;
  }
}

async function loadModule(appRoot: string, moduleRoot: string, moduleName: string): Promise<unknown> {
  const req = createRequire(join(appRoot, 'noop.js'));
  const base = resolve(appRoot, moduleRoot, moduleName);
  if (statSync(base, { throwIfNoEntry: false })?.isFile()) return req(base);
  if (existsSync(`${base}.js`)) {
    return isEsmScope(dirname(base)) ? import(pathToFileURL(`${base}.js`).href) : req(`${base}.js`);
  }
  if (existsSync(`${base}.mjs`)) return import(pathToFileURL(`${base}.mjs`).href);
  if (existsSync(`${base}.cjs`)) return req(`${base}.cjs`);
  // Last resort: packages and directories, as require resolves them.
  const resolved = req.resolve(moduleName, { paths: [appRoot, resolve(appRoot, moduleRoot)] });
  return req(resolved);
}

function isSyntaxError(err: unknown): err is Error {
  return err instanceof SyntaxError || (err instanceof Error && err.name === 'SyntaxError');
}

function resolveExport(mod: unknown, exportPath: string): unknown {
  let value: unknown = mod;
  for (const key of exportPath.split('.')) {
    if (value === null || value === undefined) return undefined;
    value = (value as Record<string, unknown>)[key];
  }
  return value;
}

/**
 * Loads the handler named by `_HANDLER` from `LAMBDA_TASK_ROOT`: `.js` (CJS, or ESM under `"type":"module"`),
 * `.mjs`, `.cjs`, or a package; nested exports like `index.a.b.fn`. Throws AWS's init error types.
 *
 * @example
 * const handler = await loadHandler('/var/task', 'lib/mod.a.b.fn');
 */
export async function loadHandler(
  appRoot: string,
  handler: string,
): Promise<(...args: unknown[]) => unknown> {
  const { moduleRoot, moduleName, exportPath } = parseHandlerName(handler);
  let mod: unknown;
  try {
    mod = await loadModule(appRoot, moduleRoot, moduleName);
  } catch (err) {
    if (isSyntaxError(err)) throw new UserCodeSyntaxError(`${err.name}: ${err.message}`, { cause: err });
    if ((err as { code?: unknown })?.code === 'MODULE_NOT_FOUND') {
      throw new ImportModuleError(`Error: ${(err as Error).message}`, { cause: err });
    }
    throw err;
  }
  let fn = resolveExport(mod, exportPath);
  // ESM importing CJS (or a default-exporting module): look under `default` too, as AWS's 4.x runtime does.
  if (fn === undefined && mod !== null && typeof mod === 'object' && 'default' in mod) {
    fn = resolveExport((mod as { default: unknown }).default, exportPath);
  }
  if (fn === undefined) throw new HandlerNotFoundError(`${handler} is undefined or not exported`);
  if (typeof fn !== 'function') throw new HandlerNotFoundError(`${handler} is not a function`);
  return fn as (...args: unknown[]) => unknown;
}
