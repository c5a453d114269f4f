import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createRestApiFrontDoor, type ListeningFrontDoor } from '@caprice/emulator';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InvokeThroughError, invokeThrough } from '../scripts/invoke-through.js';
import { createHandler } from '../src/handler.js';
import { createFakeCapitalize } from './fake-capitalize.js';

/** What the fake Invoke API saw, and how it answers: the real handler, unless the test says otherwise. */
const seen: Array<{ method: string; url: string; body: string }> = [];
let answer: 'handler' | 'function-error' | 'not-found' = 'handler';
const handler = createHandler({ capitalize: createFakeCapitalize(), log: () => {} });

let server: Server;
let endpoint = '';
let door: ListeningFrontDoor;

beforeAll(async () => {
  // Lambda's Invoke API, played by a real HTTP server (the script's injected dependency).
  server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', async () => {
      const body = Buffer.concat(chunks).toString('utf8');
      seen.push({ method: req.method ?? '', url: req.url ?? '', body });
      if (answer === 'not-found') {
        res.writeHead(404, { 'content-type': 'application/json' });
        res.end('{"Type":"User","message":"Function not found"}');
        return;
      }
      if (answer === 'function-error') {
        res.writeHead(200, { 'x-amz-function-error': 'Unhandled' });
        res.end('{"errorType":"Error","errorMessage":"boom"}');
        return;
      }
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify(await handler(JSON.parse(body))));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
  door = await createRestApiFrontDoor({
    functionName: 'caprice-http-api',
    stage: 'prod',
    invoke: invokeThrough(endpoint),
    onIntegrationError: () => {},
  }).listen();
});
afterAll(async () => {
  await door?.close();
  server?.closeAllConnections();
  await new Promise<void>((resolve) => server?.close(() => resolve()));
});

describe('invokeThrough (the front-doors script)', () => {
  it('POSTs the event to the Invoke API and hands the result to the front door', async () => {
    answer = 'handler';
    const res = await fetch(`${door.url}/prod/?text=hello&probability=1`);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ text: 'HELLO' });
    const call = seen.at(-1);
    expect(call).toMatchObject({ method: 'POST', url: '/2015-03-31/functions/caprice-http-api/invocations' });
    expect(JSON.parse(call?.body ?? '{}')).toMatchObject({ httpMethod: 'GET', path: '/' });
  });

  it('passes a function error on, which the REST API answers with 502', async () => {
    answer = 'function-error';
    const res = await fetch(`${door.url}/prod/`);
    expect(res.status).toBe(502);
    expect(await res.json()).toEqual({ message: 'Internal server error' });
    const direct = await invokeThrough(endpoint)('f', Buffer.from('{}'));
    expect(direct.functionError).toBe('Unhandled');
  });

  it('rejects with a typed error naming the status when the Invoke API refuses, or cannot be reached', async () => {
    answer = 'not-found';
    await expect(invokeThrough(endpoint)('nope', Buffer.from('{}'))).rejects.toThrow(
      /Invoke of nope at .* returned 404: .*Function not found/,
    );
    await expect(invokeThrough('http://127.0.0.1:1')('f', Buffer.from('{}'))).rejects.toBeInstanceOf(
      InvokeThroughError,
    );
  });
});
