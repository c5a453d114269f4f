import type { ParseArgsConfig } from 'node:util';

const target = {
  target: { type: 'string' },
  endpoint: { type: 'string' },
  region: { type: 'string' },
} as const;
const help = { help: { type: 'boolean', short: 'h', default: false } } as const;

/** The options of each command, in node:util parseArgs form (one table for the whole CLI). */
export const CLI_OPTIONS = {
  emulator: {
    host: { type: 'string', default: '127.0.0.1' },
    port: { type: 'string', default: '9000' },
    'smtp-port': { type: 'string', default: '2525' },
    'state-dir': { type: 'string', default: '.caprice' },
    ...help,
  },
  dev: {
    port: { type: 'string', default: '9000' },
    'api-port': { type: 'string', default: '3000' },
    'smtp-port': { type: 'string', default: '2525' },
    'dashboard-port': { type: 'string', default: '9001' },
    'state-dir': { type: 'string', default: '.caprice' },
    demo: { type: 'boolean', default: false },
    'no-watch': { type: 'boolean', default: false },
    'no-build': { type: 'boolean', default: false },
    ...help,
  },
  demo: {
    api: { type: 'string', default: 'http://127.0.0.1:3000' },
    smtp: { type: 'string', default: '127.0.0.1:2525' },
    endpoint: { type: 'string', default: 'http://127.0.0.1:9000' },
    ...help,
  },
  deploy: {
    ...target,
    'dry-run': { type: 'boolean', default: false },
    json: { type: 'boolean', default: false },
    'no-build': { type: 'boolean', default: false },
    ...help,
  },
  invoke: {
    ...target,
    payload: { type: 'string' },
    event: { type: 'string' },
    ...help,
  },
  logs: {
    'state-dir': { type: 'string', default: '.caprice' },
    follow: { type: 'boolean', short: 'f', default: false },
    ...help,
  },
} as const satisfies Record<string, NonNullable<ParseArgsConfig['options']>>;

export type CommandName = keyof typeof CLI_OPTIONS;

export const USAGE = `Usage: caprice <command> [options]

Commands:
  dev        The whole system locally (emulator, deploy, HTTP API, SMTP, dashboard, watch) until Ctrl-C
             --demo                  send a sample mail and call the API once ready
             --no-watch, --no-build  skip watching sources / building stale zips
             --port, --api-port, --smtp-port, --dashboard-port   (9000, 3000, 2525, 9001; 0 = any free)
             --state-dir DIR         (default .caprice)
  demo       Against a running \`caprice dev\`: send a mail, call the API, print the reply
             --api URL  --smtp HOST:PORT  --endpoint URL
  deploy     Deploy the stack (layer, functions, triggers) through the Lambda API
             [function…] --target aws|local  --endpoint URL  --region R  --dry-run  --json  --no-build
  invoke     Invoke a function once and print its result and log tail
             <function> --payload JSON|@file  --event s3-put|ses|apigw-v1|apigw-v2|url|alb
             --target aws|local (default local)  --endpoint URL  --region R
  logs       Print a function's START/END/REPORT-framed logs from the local state
             <function> --follow  --state-dir DIR
  emulator   Only the local AWS emulator (Lambda, S3, SES on one port; SMTP door) until Ctrl-C
             --host HOST       interface to bind (default 127.0.0.1)
             --port PORT       port, 0 for any free one (default 9000)
             --smtp-port PORT  SMTP door (default 2525)
             --state-dir DIR   where deployed functions, layers, objects and logs are kept (default .caprice)
`;
