/** @module caprice CLI: argument parsing only; the commands live in src/commands/. */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { defineStack } from '../stack.js';
import { InvalidOptionError, UnknownCommandError } from './cli-errors.js';
import { CLI_OPTIONS, type CommandName, USAGE } from './cli-options.js';
import { deployCommand } from './commands/deploy.js';
import { startDev } from './commands/dev.js';
import { emulatorCommand } from './commands/emulator.js';
import { invokeCommand } from './commands/invoke.js';
import { logsCommand } from './commands/logs.js';
import { runDemo } from './dev/demo.js';

export interface CliIo {
  readonly stdout: (line: string) => void;
  readonly stderr: (line: string) => void;
  /** Resolves when the user asks a long-running command to stop (Ctrl-C / SIGTERM). */
  readonly waitForStop: () => Promise<void>;
}

function waitForSignal(): Promise<void> {
  return new Promise((resolve) => {
    let first = 0;
    const onSignal = () => {
      const now = Date.now();
      if (first === 0) {
        first = now;
        resolve();
        return;
      }
      // Under `pnpm run`, one Ctrl-C arrives twice: the terminal signals the whole process group and pnpm relays
      // it (pnpm/pnpm#7374). A repeat within 2 s is that echo and must not cut the clean shutdown short; a later
      // one is the user insisting.
      if (now - first < 2000) return;
      process.stderr.write('Forced stop.\n');
      process.exit(130);
    };
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
  });
}

const defaultIo: CliIo = {
  stdout: (line) => process.stdout.write(`${line}\n`),
  stderr: (line) => process.stderr.write(`${line}\n`),
  waitForStop: waitForSignal,
};

/** The workspace root, found from this file so the CLI works from any folder. */
const WORKSPACE_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

function port(value: string, flag: string): number {
  const n = /^\d+$/.test(value) ? Number(value) : Number.NaN;
  if (!Number.isInteger(n) || n > 65535) {
    throw new InvalidOptionError(`Invalid ${flag} "${value}": expected a number from 0 to 65535`);
  }
  return n;
}

function parse<C extends CommandName>(command: C, args: readonly string[]) {
  try {
    return parseArgs({
      args: [...args],
      options: CLI_OPTIONS[command],
      strict: true,
      allowPositionals: true,
    });
  } catch (err) {
    throw new InvalidOptionError(`${(err as Error).message}; see "caprice --help"`, { cause: err });
  }
}

function noPositionals(command: string, positionals: readonly string[]): void {
  if (positionals.length > 0) {
    throw new InvalidOptionError(`"caprice ${command}" takes no arguments, got "${positionals.join(' ')}"`);
  }
}

function onePositional(command: string, positionals: readonly string[], what: string): string {
  if (positionals.length !== 1 || !positionals[0]) {
    throw new InvalidOptionError(
      `"caprice ${command}" needs exactly one ${what}, e.g. caprice ${command} caprice-http-api`,
    );
  }
  return positionals[0];
}

/** Runs the CLI with `argv` (without node and script); resolves to the exit status. */
export async function main(argv: readonly string[], io: CliIo = defaultIo): Promise<number> {
  const [command, ...rest] = argv;
  try {
    if (command === undefined || command === '--help' || command === '-h' || command === 'help') {
      io.stdout(USAGE);
      return command === undefined ? 1 : 0;
    }
    if (!Object.hasOwn(CLI_OPTIONS, command))
      throw new UnknownCommandError(command, Object.keys(CLI_OPTIONS));
    const name = command as CommandName;
    const { values, positionals } = parse(name, rest);
    if ((values as { help?: boolean }).help) {
      io.stdout(USAGE);
      return 0;
    }
    switch (name) {
      case 'emulator': {
        const v = values as { host: string; port: string; 'smtp-port': string; 'state-dir': string };
        noPositionals(name, positionals);
        const stop = io.waitForStop();
        const running = await emulatorCommand({
          host: v.host,
          port: v.port,
          smtpPort: v['smtp-port'],
          stateDir: v['state-dir'],
          print: io.stdout,
        });
        await stop;
        io.stdout('Stopping…');
        await running.close();
        io.stdout('Stopped.');
        return 0;
      }
      case 'dev': {
        const v = values as Record<string, string | boolean>;
        noPositionals(name, positionals);
        const stop = io.waitForStop();
        const dev = await startDev({
          root: WORKSPACE_ROOT,
          port: port(String(v.port), '--port'),
          apiPort: port(String(v['api-port']), '--api-port'),
          smtpPort: port(String(v['smtp-port']), '--smtp-port'),
          dashboardPort: port(String(v['dashboard-port']), '--dashboard-port'),
          stateDir: path.resolve(WORKSPACE_ROOT, String(v['state-dir'])),
          build: !v['no-build'],
          watch: !v['no-watch'],
          demo: Boolean(v.demo),
          log: io.stdout,
        });
        await stop;
        io.stdout('Stopping…');
        await dev.close();
        io.stdout('Stopped.');
        return 0;
      }
      case 'demo': {
        const v = values as { api: string; smtp: string; endpoint: string };
        noPositionals(name, positionals);
        const [host, smtpPort] = v.smtp.split(':');
        const stack = defineStack();
        await runDemo(
          {
            apiUrl: v.api.replace(/\/$/, ''),
            smtp: { host: host || '127.0.0.1', port: port(smtpPort ?? '', '--smtp') },
            botAddress: stack.triggers.email?.recipients[0] ?? '',
            outboxUrl: `${v.endpoint.replace(/\/$/, '')}/_caprice/ses/outbox`,
          },
          io.stdout,
        );
        return 0;
      }
      case 'deploy': {
        const v = values as Record<string, string | boolean | undefined>;
        await deployCommand({
          root: WORKSPACE_ROOT,
          functions: positionals,
          ...(typeof v.target === 'string' ? { target: v.target } : {}),
          ...(typeof v.endpoint === 'string' ? { endpoint: v.endpoint } : {}),
          ...(typeof v.region === 'string' ? { region: v.region } : {}),
          dryRun: Boolean(v['dry-run']),
          json: Boolean(v.json),
          build: !v['no-build'],
          print: io.stdout,
        });
        return 0;
      }
      case 'invoke': {
        const v = values as Record<string, string | boolean | undefined>;
        const result = await invokeCommand({
          functionName: onePositional(name, positionals, 'function name'),
          ...(typeof v.payload === 'string' ? { payload: v.payload } : {}),
          ...(typeof v.event === 'string' ? { event: v.event } : {}),
          ...(typeof v.target === 'string' ? { target: v.target } : {}),
          ...(typeof v.endpoint === 'string' ? { endpoint: v.endpoint } : {}),
          ...(typeof v.region === 'string' ? { region: v.region } : {}),
          print: io.stdout,
        });
        return result.functionError ? 1 : 0;
      }
      case 'logs': {
        const v = values as { 'state-dir': string; follow: boolean };
        const functionName = onePositional(name, positionals, 'function name');
        await logsCommand({
          functionName,
          stateDir: path.resolve(WORKSPACE_ROOT, v['state-dir']),
          follow: v.follow,
          print: (text) => io.stdout(text.replace(/\n$/, '')),
          stop: v.follow ? io.waitForStop() : Promise.resolve(),
        });
        return 0;
      }
    }
  } catch (err) {
    const code = (err as { code?: unknown }).code;
    io.stderr(`error ${typeof code === 'string' ? code : 'CAPRICE_UNEXPECTED'}: ${(err as Error).message}`);
    return 1;
  }
}
