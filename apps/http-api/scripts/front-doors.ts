/**
 * Serves the function behind the emulator's REST API (payload 1.0, stage `prod`) and HTTP API payload 1.0 front
 * doors, invoking it through a running emulator's Invoke API, so every front door can be tried with curl next
 * to `caprice dev` (which serves the HTTP API, payload 2.0, itself). Ctrl-C stops.
 *
 *   pnpm --filter @caprice/http-api front-doors [--endpoint http://127.0.0.1:9000] [--rest-port 3001] [--v1-port 3002]
 */
import { parseArgs } from 'node:util';
import { createHttpApiFrontDoor, createRestApiFrontDoor } from '@caprice/emulator';
import { invokeThrough } from './invoke-through.js';

const FUNCTION_NAME = 'caprice-http-api';

const { values } = parseArgs({
  options: {
    endpoint: { type: 'string', default: 'http://127.0.0.1:9000' },
    'rest-port': { type: 'string', default: '3001' },
    'v1-port': { type: 'string', default: '3002' },
    function: { type: 'string', default: FUNCTION_NAME },
  },
});

function port(value: string, flag: string): number {
  const n = /^\d{1,5}$/.test(value) ? Number(value) : Number.NaN;
  if (!(n <= 65535)) throw new Error(`Invalid ${flag} "${value}": expected a port from 0 to 65535`);
  return n;
}

const invoke = invokeThrough(values.endpoint);
const onIntegrationError = (e: { functionName: string; message: string }) =>
  console.error(`[front door] ${e.functionName}: ${e.message}`);
const functionName = values.function;
const rest = await createRestApiFrontDoor({ functionName, stage: 'prod', invoke, onIntegrationError }).listen(
  {
    port: port(values['rest-port'], '--rest-port'),
  },
);
const v1 = await createHttpApiFrontDoor({
  functionName,
  payloadFormatVersion: '1.0',
  invoke,
  onIntegrationError,
}).listen({ port: port(values['v1-port'], '--v1-port') });
console.log(`REST API (payload 1.0, stage prod): ${rest.url}/prod/`);
console.log(`HTTP API (payload 1.0):             ${v1.url}/`);
console.log(`Invoking ${functionName} through ${values.endpoint}; Ctrl-C stops.`);

const stop = async () => {
  await Promise.all([rest.close(), v1.close()]);
  process.exit(0);
};
process.once('SIGINT', stop);
process.once('SIGTERM', stop);
