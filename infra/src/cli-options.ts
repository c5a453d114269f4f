import type { ParseArgsConfig } from 'node:util';

/** The options of each command, in node:util parseArgs form (one table for the whole CLI). */
export const CLI_OPTIONS = {
  emulator: {
    host: { type: 'string', default: '127.0.0.1' },
    port: { type: 'string', default: '9000' },
    'state-dir': { type: 'string', default: '.caprice' },
    help: { type: 'boolean', short: 'h', default: false },
  },
} as const satisfies Record<string, NonNullable<ParseArgsConfig['options']>>;

export const USAGE = `Usage: caprice <command> [options]

Commands:
  emulator   Run the local AWS emulator (Lambda; one port for every emulated API) until Ctrl-C
             --host HOST       interface to bind (default 127.0.0.1)
             --port PORT       port, 0 for any free one (default 9000)
             --state-dir DIR   where deployed functions, layers and logs are kept (default .caprice)
`;
