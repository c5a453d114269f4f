/**
 * `caprice logs <function> [--follow]`: the START / END / REPORT-framed log the emulator keeps for a function
 * (`<state-dir>/logs/<function>.log`). `--follow` keeps printing what is appended until stopped.
 */
import { open, stat } from 'node:fs/promises';
import path from 'node:path';
import { InvalidOptionError } from '../cli-errors.js';

export interface LogsCommandOptions {
  readonly functionName: string;
  readonly stateDir: string;
  readonly follow?: boolean;
  readonly print?: (text: string) => void;
  /** Resolves when `--follow` should stop. */
  readonly stop?: Promise<void>;
  readonly pollMs?: number;
}

/** The file the emulator writes a function's log to (names are URI-encoded, as the data plane does). */
export function logFile(stateDir: string, functionName: string): string {
  return path.join(stateDir, 'logs', `${encodeURIComponent(functionName)}.log`);
}

async function readFrom(file: string, offset: number): Promise<{ text: string; offset: number }> {
  const handle = await open(file, 'r');
  try {
    const { size } = await handle.stat();
    if (size <= offset) return { text: '', offset: size };
    const buffer = Buffer.alloc(size - offset);
    await handle.read(buffer, 0, buffer.length, offset);
    return { text: buffer.toString('utf8'), offset: size };
  } finally {
    await handle.close();
  }
}

export async function logsCommand(options: LogsCommandOptions): Promise<void> {
  const print = options.print ?? ((text: string) => process.stdout.write(text));
  if (!/^[A-Za-z0-9_-]{1,64}$/.test(options.functionName)) {
    throw new InvalidOptionError(
      `Invalid function name "${options.functionName}": expected 1-64 of [A-Za-z0-9_-]`,
    );
  }
  const file = logFile(options.stateDir, options.functionName);
  const exists = await stat(file).then(
    () => true,
    () => false,
  );
  if (!exists && !options.follow) {
    throw new InvalidOptionError(
      `No logs for ${options.functionName} in ${options.stateDir}; has it been invoked? (use --state-dir if the stack keeps its state elsewhere)`,
    );
  }
  let offset = 0;
  if (exists) {
    const first = await readFrom(file, 0);
    print(first.text);
    offset = first.offset;
  }
  if (!options.follow) return;
  let stopped = false;
  void options.stop?.then(() => {
    stopped = true;
  });
  while (!stopped) {
    await new Promise((resolve) => setTimeout(resolve, options.pollMs ?? 250));
    const more = await readFrom(file, offset).catch(() => ({ text: '', offset }));
    if (more.text) print(more.text);
    offset = more.offset;
  }
}
