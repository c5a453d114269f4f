import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Dashboard, startDashboard } from './server.js';

/** Sends `head`, then one more header line every 50 ms; resolves with what came back when the server closed. */
function trickleHeaders(url: string): Promise<string> {
  const { port } = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port), '127.0.0.1');
    let answer = '';
    const drip = setInterval(() => socket.write('X-Slow: a\r\n'), 50);
    const giveUp = setTimeout(() => {
      socket.destroy();
      reject(new Error('the dashboard kept a header trickler open for 10 s'));
    }, 10_000);
    socket.on('connect', () => socket.write('GET /api/state HTTP/1.1\r\nHost: 127.0.0.1\r\n'));
    socket.on('data', (chunk) => {
      answer += chunk.toString('latin1');
    });
    socket.on('error', () => {});
    socket.on('close', () => {
      clearInterval(drip);
      clearTimeout(giveUp);
      resolve(answer);
    });
  });
}

describe('dashboard server: slow-loris', () => {
  let dashboard: Dashboard;
  beforeAll(async () => {
    dashboard = await startDashboard({
      port: 0,
      readState: async () => ({}) as never,
      timeouts: { headersTimeoutMs: 300, checkIntervalMs: 50 },
    });
  });
  afterAll(() => dashboard?.close());

  it('closes a client that trickles its headers, and keeps answering others', async () => {
    const answer = await trickleHeaders(dashboard.url);
    expect(answer).toMatch(/^(HTTP\/1\.1 408 |$)/);
    const res = await fetch(`${dashboard.url}/api/state`);
    expect(res.status).toBe(200);
  });
});
