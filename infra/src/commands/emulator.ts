import path from 'node:path';
import { type Emulator, type EmulatorOptions, emailExtension, startEmulator } from '@caprice/emulator';
import { InvalidOptionError } from '../cli-errors.js';

export interface EmulatorCommandOptions {
  readonly host?: string;
  /** A port number, or its text from the command line. */
  readonly port?: number | string;
  readonly stateDir?: string;
  /** SMTP door port (S3, SES and SMTP come with the emulator); 0 for any free one. Default 2525. */
  readonly smtpPort?: number | string;
  /** Where the endpoint banner goes. */
  readonly print?: (line: string) => void;
  /** Starts the emulator; tests may wrap it. */
  readonly start?: (options: EmulatorOptions) => Promise<Emulator>;
}

function parsePort(value: number | string | undefined, fallback = 9000, flag = '--port'): number {
  if (value === undefined) return fallback;
  const port = typeof value === 'number' ? value : /^\d+$/.test(value) ? Number(value) : Number.NaN;
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new InvalidOptionError(`Invalid ${flag} "${value}": expected a number from 0 to 65535`);
  }
  return port;
}

/**
 * `caprice emulator`: starts the emulator and prints its endpoint. Returns the running emulator; the CLI keeps
 * it up until Ctrl-C, tests close it themselves.
 *
 * @example
 * const running = await emulatorCommand({ port: 0, stateDir: '/tmp/state' });
 * await running.close();
 */
export async function emulatorCommand(options: EmulatorCommandOptions = {}): Promise<Emulator> {
  const print = options.print ?? ((line: string) => console.log(line));
  const port = parsePort(options.port);
  const host = options.host ?? '127.0.0.1';
  if (host.trim() === '')
    throw new InvalidOptionError('Invalid --host "": give an interface such as 127.0.0.1');
  if (!isLoopbackHost(host)) {
    // Every AWS API answers any credentials and signatures are not checked: say so before exposing it.
    print(
      `WARNING: binding ${host}, not loopback: anyone who can reach this machine can use the emulator (every AWS API, no authentication) and its SMTP door. Use --host 127.0.0.1 unless you mean it.`,
    );
  }
  const stateDir = path.resolve(options.stateDir ?? '.caprice');
  const smtpPort = parsePort(options.smtpPort, 2525, '--smtp-port');
  let smtp = '';
  const running = await (options.start ?? startEmulator)({
    host,
    port,
    stateDir,
    extensions: [
      emailExtension({
        smtpPort,
        onReady: (pieces) => {
          smtp = `${pieces.smtp.host}:${pieces.smtp.port}`;
        },
      }),
    ],
  });
  print(`Caprice emulator listening on ${running.url}`);
  print(`  APIs:   Lambda, S3 (path-style), SES on ${running.url}; SMTP door on ${smtp}`);
  print(`  state:  ${running.stateDir}`);
  print(`  health: ${running.url}/_caprice/health`);
  print(`  use:    AWS_ENDPOINT_URL=${running.url} (any credentials; signatures are not checked)`);
  print('Press Ctrl-C to stop.');
  return running;
}

/** True for 127.0.0.0/8, ::1 and localhost: addresses only this machine can reach. */
export function isLoopbackHost(host: string): boolean {
  const h = host
    .trim()
    .toLowerCase()
    .replace(/^\[|\]$/g, '');
  return (
    h === 'localhost' || h === '::1' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(h) || /^::ffff:127\./.test(h)
  );
}
