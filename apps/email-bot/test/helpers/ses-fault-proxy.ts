/**
 * A pass-through HTTP proxy in front of the emulator's SES endpoint that can make `SendRawEmail` fail transiently
 * for chosen recipients: the emulator's SES has no transient fault of its own, and the e2e needs "SES throttled the
 * send, then the retried event is answered once". Real sockets, real SDK client on the bot's side.
 */
import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface SesFaultProxy {
  /** The URL to give the bot as `EMAIL_BOT_SES_ENDPOINT`. */
  readonly endpoint: string;
  /** Answer the next `times` SendRawEmail calls to `recipient` with SES's throttling error (HTTP 400 `Throttling`). */
  throttle(recipient: string, times: number): void;
  /** How many SendRawEmail calls to `recipient` were refused so far. */
  refused(recipient: string): number;
  close(): Promise<void>;
}

const THROTTLING = (requestId: string) =>
  `<ErrorResponse xmlns="http://ses.amazonaws.com/doc/2010-12-01/"><Error><Type>Sender</Type><Code>Throttling</Code><Message>Maximum sending rate exceeded.</Message></Error><RequestId>${requestId}</RequestId></ErrorResponse>`;

/**
 * Starts the proxy on 127.0.0.1 (a free port), forwarding everything else unchanged to `target`.
 *
 * @example
 * const proxy = await startSesFaultProxy(emulator.url);
 * proxy.throttle('erin@example.org', 3);
 */
export async function startSesFaultProxy(target: string): Promise<SesFaultProxy> {
  const upstream = new URL(target);
  const pending = new Map<string, number>();
  const refusals = new Map<string, number>();
  let requests = 0;

  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      const form = new URLSearchParams(body.toString('latin1'));
      const recipient = form.get('Destinations.member.1')?.toLowerCase();
      if (form.get('Action') === 'SendRawEmail' && recipient !== undefined) {
        const left = pending.get(recipient) ?? 0;
        if (left > 0) {
          pending.set(recipient, left - 1);
          refusals.set(recipient, (refusals.get(recipient) ?? 0) + 1);
          const xml = THROTTLING(`proxy-${++requests}`);
          res.writeHead(400, { 'content-type': 'text/xml', 'content-length': Buffer.byteLength(xml) });
          res.end(xml);
          return;
        }
      }
      const out = request(
        {
          host: upstream.hostname,
          port: upstream.port,
          method: req.method,
          path: req.url,
          headers: req.headers,
          timeout: 30_000,
        },
        (answer) => {
          res.writeHead(answer.statusCode ?? 502, answer.headers);
          answer.pipe(res);
        },
      );
      out.on('timeout', () => out.destroy(new Error('upstream timeout')));
      out.on('error', () => {
        if (!res.headersSent) res.writeHead(502);
        res.end();
      });
      out.end(body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    throttle(recipient, times) {
      pending.set(recipient.toLowerCase(), times);
    },
    refused(recipient) {
      return refusals.get(recipient.toLowerCase()) ?? 0;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
