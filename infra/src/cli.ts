/** @module caprice CLI: argument parsing only; the commands live in src/commands/. */
import { parseArgs } from 'node:util';
import { InvalidOptionError, UnknownCommandError } from './cli-errors.js';
import { CLI_OPTIONS, USAGE } from './cli-options.js';
import { emulatorCommand } from './commands/emulator.js';

export interface CliIo {
  readonly stdout: (line: string) => void;
  readonly stderr: (line: string) => void;
  /** Resolves when the user asks a long-running command to stop (Ctrl-C / SIGTERM). */
  readonly waitForStop: () => Promise<void>;
}

function waitForSignal(): Promise<void> {
  return new Promise((resolve) => {
    const stop = () => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      resolve();
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
}

const defaultIo: CliIo = {
  stdout: (line) => process.stdout.write(`${line}\n`),
  stderr: (line) => process.stderr.write(`${line}\n`),
  waitForStop: waitForSignal,
};

/** Runs the CLI with `argv` (without node and script); resolves to the exit status. */
export async function main(argv: readonly string[], io: CliIo = defaultIo): Promise<number> {
  const [command, ...rest] = argv;
  try {
    if (command === undefined || command === '--help' || command === '-h' || command === 'help') {
      io.stdout(USAGE);
      return command === undefined ? 1 : 0;
    }
    if (command !== 'emulator') throw new UnknownCommandError(command, Object.keys(CLI_OPTIONS));
    let values: { host: string; port: string; 'state-dir': string; help: boolean };
    try {
      ({ values } = parseArgs({
        args: [...rest],
        options: CLI_OPTIONS.emulator,
        strict: true,
        allowPositionals: false,
      }));
    } catch (err) {
      throw new InvalidOptionError(`${(err as Error).message}; see "caprice --help"`, { cause: err });
    }
    if (values.help) {
      io.stdout(USAGE);
      return 0;
    }
    const stop = io.waitForStop();
    const running = await emulatorCommand({
      host: values.host,
      port: values.port,
      stateDir: values['state-dir'],
      print: io.stdout,
    });
    await stop;
    io.stdout('Stopping…');
    await running.close();
    return 0;
  } catch (err) {
    const code = (err as { code?: unknown }).code;
    io.stderr(`error ${typeof code === 'string' ? code : 'CAPRICE_UNEXPECTED'}: ${(err as Error).message}`);
    return 1;
  }
}
