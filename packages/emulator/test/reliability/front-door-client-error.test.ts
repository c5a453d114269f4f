/**
 * Requests Node's HTTP parser refuses never reach a front door's handler; the front door still answers them in
 * JSON like its other errors (found by apps/http-api/test/fuzz: bare 400/431 with no body).
 */
import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHttpApiFrontDoor, type ListeningFrontDoor } from '../../src/apigw/index.js';

let door: ListeningFrontDoor;

beforeAll(async () => {
  door = await createHttpApiFrontDoor({
    functionName: 'f',
    invoke: async () => ({ payload: Buffer.from('{"statusCode":200,"body":"{}"}') }),
  }).listen();
});
afterAll(async () => {
  await door.close();
});

function raw(request: string): Promise<string> {
  return new Promise((resolve) => {
    const socket = connect(door.port, '127.0.0.1');
    let text = '';
    const timer = setTimeout(() => socket.destroy(), 3000);
    socket.on('data', (c: Buffer) => {
      text += c.toString('latin1');
    });
    socket.on('close', () => {
      clearTimeout(timer);
      resolve(text);
    });
    socket.on('error', () => undefined);
    socket.write(request);
  });
}

describe('front door: requests the HTTP parser refuses', () => {
  it('answers an unknown method token with a JSON 400 and closes', async () => {
    const text = await raw('X-CUSTOM / HTTP/1.1\r\nHost: x\r\n\r\n');
    expect(text).toMatch(/^HTTP\/1\.1 400 Bad Request\r\n/);
    expect(text).toMatch(/content-type: application\/json/i);
    expect(JSON.parse(text.slice(text.indexOf('\r\n\r\n') + 4))).toEqual({ message: 'Bad Request' });
  });

  it('answers a head over 16 KiB with a JSON 431, and a HEAD request without a body', async () => {
    const get = await raw(`GET /?${'a'.repeat(20_000)} HTTP/1.1\r\nHost: x\r\n\r\n`);
    expect(get).toMatch(/^HTTP\/1\.1 431 /);
    expect(JSON.parse(get.slice(get.indexOf('\r\n\r\n') + 4))).toEqual({
      message: 'Request Header Fields Too Large',
    });
    const head = await raw(`HEAD /?${'a'.repeat(20_000)} HTTP/1.1\r\nHost: x\r\n\r\n`);
    expect(head).toMatch(/^HTTP\/1\.1 431 /);
    expect(head.slice(head.indexOf('\r\n\r\n') + 4)).toBe('');
  });
});
