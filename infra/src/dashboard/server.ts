/**
 * The dashboard's HTTP server: the page, its state as JSON and as server-sent events, and two small actions
 * (call the HTTP API, send a mail over SMTP) proxied so the page needs no CORS exception from the stack.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { guardBodyIdle, type ListenerTimeouts, listenerTimeouts, serverOptions } from '@caprice/emulator';
import { createTransport } from 'nodemailer';
import { DASHBOARD_HTML } from './page.js';
import type { DashboardState } from './state.js';

export interface DashboardOptions {
  readonly host?: string;
  readonly port?: number;
  readonly readState: () => Promise<DashboardState>;
  /** Base URL of the HTTP API front door. */
  readonly apiUrl?: string;
  readonly smtp?: { readonly host: string; readonly port: number };
  readonly botAddress?: string;
  readonly outboxUrl?: string;
  /** How often connected pages are checked for changes. */
  readonly pollMs?: number;
  readonly log?: (line: string) => void;
  /** Slow-loris bounds; the emulator's listener defaults (headers within 20 s, a stalled body cut after 60 s). */
  readonly timeouts?: Partial<ListenerTimeouts>;
}

export interface Dashboard {
  readonly url: string;
  close(): Promise<void>;
}

const MAX_MAIL_FIELD = 10_000;

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' });
  res.end(text);
}

function sendError(res: ServerResponse, status: number, code: string, message: string): void {
  sendJson(res, status, { error: { code, message } });
}

async function readJson(req: IncomingMessage, limit: number): Promise<unknown> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > limit) throw new RangeError(`request body over ${limit} bytes`);
    chunks.push(chunk as Buffer);
  }
  return JSON.parse(Buffer.concat(chunks).toString('utf8'));
}

/** Starts the dashboard on 127.0.0.1 (an ephemeral port unless `port` is given). */
export async function startDashboard(options: DashboardOptions): Promise<Dashboard> {
  const clients = new Set<ServerResponse>();
  let last = '';
  let timer: NodeJS.Timeout | undefined;

  const poll = async () => {
    try {
      const state = await options.readState();
      // generatedAt changes every time; compare the rest so idle pages are not re-rendered.
      const key = JSON.stringify({ ...state, generatedAt: '' });
      if (key !== last) {
        last = key;
        const frame = `event: state\ndata: ${JSON.stringify(state)}\n\n`;
        for (const client of clients) client.write(frame);
      }
    } catch (error) {
      options.log?.(`dashboard: state not readable: ${(error as Error).message}`);
    } finally {
      if (clients.size > 0) timer = setTimeout(poll, options.pollMs ?? 700);
      else timer = undefined;
    }
  };

  const bounds = listenerTimeouts(options.timeouts);
  const server = createServer(serverOptions(bounds), async (req, res) => {
    guardBodyIdle(req, res, bounds.bodyIdleTimeoutMs);
    const url = new URL(req.url ?? '/', 'http://dashboard');
    try {
      if (req.method === 'GET' && url.pathname === '/') {
        res.writeHead(200, {
          'content-type': 'text/html; charset=utf-8',
          'content-security-policy':
            "default-src 'self'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; frame-src 'self'; img-src 'self' data:",
        });
        res.end(DASHBOARD_HTML);
      } else if (req.method === 'GET' && url.pathname === '/api/state') {
        sendJson(res, 200, await options.readState());
      } else if (req.method === 'GET' && url.pathname === '/api/events') {
        res.writeHead(200, {
          'content-type': 'text/event-stream',
          'cache-control': 'no-store',
          connection: 'keep-alive',
        });
        res.write(': connected\n\n');
        clients.add(res);
        last = '';
        req.on('close', () => clients.delete(res));
        if (!timer) timer = setTimeout(poll, 0);
      } else if (req.method === 'GET' && url.pathname === '/api/http') {
        if (!options.apiUrl)
          return sendError(res, 503, 'NO_HTTP_API', 'The HTTP API is not part of this stack');
        const upstream = await fetch(`${options.apiUrl}/?${url.searchParams}`);
        res.writeHead(upstream.status, {
          'content-type': upstream.headers.get('content-type') ?? 'text/plain',
        });
        res.end(Buffer.from(await upstream.arrayBuffer()));
      } else if (req.method === 'POST' && url.pathname === '/api/mail') {
        if (!options.smtp || !options.botAddress)
          return sendError(res, 503, 'NO_SMTP', 'SMTP is not part of this stack');
        let body: { subject?: unknown; text?: unknown };
        try {
          body = (await readJson(req, 64 * 1024)) as typeof body;
        } catch (error) {
          return sendError(
            res,
            400,
            'BAD_JSON',
            `The body must be JSON {subject, text}: ${(error as Error).message}`,
          );
        }
        const { subject, text } = body ?? {};
        if (
          typeof subject !== 'string' ||
          typeof text !== 'string' ||
          subject.length > MAX_MAIL_FIELD ||
          text.length > MAX_MAIL_FIELD
        ) {
          return sendError(
            res,
            400,
            'BAD_MAIL',
            `subject and text must be strings of at most ${MAX_MAIL_FIELD} characters`,
          );
        }
        const transport = createTransport({
          host: options.smtp.host,
          port: options.smtp.port,
          secure: false,
          ignoreTLS: true,
        });
        try {
          const info = await transport.sendMail({
            from: 'Dashboard <dashboard@example.com>',
            to: options.botAddress,
            subject,
            text,
          });
          sendJson(res, 202, { messageId: info.messageId });
        } finally {
          transport.close();
        }
      } else if (req.method === 'GET' && url.pathname.startsWith('/api/outbox/') && options.outboxUrl) {
        const id = decodeURIComponent(url.pathname.slice('/api/outbox/'.length));
        const upstream = await fetch(
          `${options.outboxUrl}/${encodeURIComponent(id.replace(/\.eml$/, ''))}.eml`,
        );
        res.writeHead(upstream.status, { 'content-type': 'message/rfc822; charset=utf-8' });
        res.end(Buffer.from(await upstream.arrayBuffer()));
      } else {
        sendError(res, 404, 'NOT_FOUND', `No dashboard route ${req.method} ${url.pathname}`);
      }
    } catch (error) {
      options.log?.(`dashboard: ${req.method} ${url.pathname} failed: ${(error as Error).message}`);
      if (!res.headersSent)
        sendError(res, 502, 'UPSTREAM_FAILED', 'The stack did not answer; see the dev log');
      else res.end();
    }
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, options.host ?? '127.0.0.1', resolve);
  });
  const { address, port } = server.address() as AddressInfo;
  return {
    url: `http://${address}:${port}`,
    async close() {
      clearTimeout(timer);
      for (const client of clients) client.end();
      clients.clear();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
