import { mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { StateFileError } from '../errors.js';

/**
 * Writes JSON atomically (temp file + rename), so a crash never leaves half a record behind.
 * Synchronous on purpose: records are small, and a mutation that never yields cannot interleave with another
 * request (which is what makes the 409-while-updating logic race-free).
 */
export function writeJsonFile(file: string, value: unknown): void {
  mkdirSync(path.dirname(file), { recursive: true });
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, `${JSON.stringify(value, null, 2)}\n`);
  renameSync(tmp, file);
}

/** Reads a JSON file written by writeJsonFile, or undefined when it does not exist. */
export function readJsonFile<T>(file: string): T | undefined {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new StateFileError(file, { cause: err });
  }
  try {
    return JSON.parse(text) as T;
  } catch (err) {
    throw new StateFileError(file, { cause: err });
  }
}

/** Reads every `*.json` record in a folder (none when the folder does not exist). */
export function readJsonDir<T>(dir: string): T[] {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw err;
  }
  return names
    .filter((n) => n.endsWith('.json'))
    .sort()
    .map((n) => readJsonFile<T>(path.join(dir, n)))
    .filter((v): v is T => v !== undefined);
}

export function removeFile(file: string): void {
  rmSync(file, { force: true });
}
