/**
 * `caprice demo`: shows a newcomer both flows working against a running local stack — one email over SMTP
 * (answered through SES into the emulator's outbox) and one call to the HTTP API.
 */
import { simpleParser } from 'mailparser';
import { createTransport } from 'nodemailer';
import { DeployError, StackNotRunningError } from '../deploy/errors.js';

export interface DemoTargets {
  /** Base URL of the HTTP API front door, e.g. http://127.0.0.1:3000 */
  readonly apiUrl: string;
  readonly smtp: { readonly host: string; readonly port: number };
  readonly botAddress: string;
  /** The emulator's outbox index, e.g. http://127.0.0.1:9000/_caprice/ses/outbox */
  readonly outboxUrl: string;
}

export interface DemoResult {
  readonly api: { readonly status: number; readonly body: unknown };
  readonly sentMessageId: string;
  readonly reply: { readonly subject: string; readonly text: string; readonly to: string };
}

/** One line of the emulator's outbox index (`GET /_caprice/ses/outbox`). */
interface OutboxEntry {
  /** SES MessageId, also the name of the stored `<messageId>.eml`. */
  readonly messageId: string;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** fetch, with "connection refused" turned into what to do. */
async function get(url: string, flag: string): Promise<Response> {
  try {
    return await fetch(url);
  } catch (error) {
    throw new StackNotRunningError(new URL(url).origin, flag, { cause: error });
  }
}

async function outboxIds(outboxUrl: string): Promise<OutboxEntry[]> {
  const response = await get(outboxUrl, '--endpoint');
  if (!response.ok)
    throw new DeployError(`GET ${outboxUrl} answered ${response.status}; is the emulator running?`);
  return (await response.json()) as OutboxEntry[];
}

/** Polls the outbox until a message answers `inReplyTo`, and returns it parsed. */
export async function waitForReply(
  outboxUrl: string,
  inReplyTo: string,
  options: { readonly timeoutMs?: number; readonly ignore?: ReadonlySet<string> } = {},
): Promise<DemoResult['reply']> {
  const deadline = Date.now() + (options.timeoutMs ?? 30_000);
  const seen = new Set(options.ignore ?? []);
  while (Date.now() < deadline) {
    for (const entry of await outboxIds(outboxUrl)) {
      if (seen.has(entry.messageId)) continue;
      seen.add(entry.messageId);
      const raw = await fetch(`${outboxUrl}/${encodeURIComponent(entry.messageId)}.eml`);
      if (!raw.ok) continue;
      const parsed = await simpleParser(Buffer.from(await raw.arrayBuffer()));
      if (parsed.inReplyTo === inReplyTo) {
        const to = Array.isArray(parsed.to) ? parsed.to[0]?.text : parsed.to?.text;
        return { subject: parsed.subject ?? '', text: (parsed.text ?? '').trim(), to: to ?? '' };
      }
    }
    await sleep(200);
  }
  throw new DeployError(
    `No reply to ${inReplyTo} reached the SES outbox within ${options.timeoutMs ?? 30_000} ms; check \`caprice logs caprice-email-bot\``,
  );
}

/** Sends the sample mail and calls the API, then waits for the bot's reply. */
export async function runDemo(
  targets: DemoTargets,
  log: (line: string) => void = console.log,
): Promise<DemoResult> {
  const before = new Set((await outboxIds(targets.outboxUrl)).map((e) => e.messageId));

  const apiResponse = await get(
    `${targets.apiUrl}/?text=${encodeURIComponent('Hello from the Caprice demo')}&seed=7`,
    '--api',
  );
  const api = { status: apiResponse.status, body: (await apiResponse.json()) as unknown };
  log(`API   GET /?text=Hello from the Caprice demo → ${api.status} ${JSON.stringify(api.body)}`);

  const transport = createTransport({
    host: targets.smtp.host,
    port: targets.smtp.port,
    secure: false,
    ignoreTLS: true,
  });
  const info = await transport
    .sendMail({
      from: 'Newcomer <newcomer@example.com>',
      to: targets.botAddress,
      subject: 'Hello Caprice',
      text: 'Please answer this message in random capitals.\n\nThanks!',
    })
    .catch((error: unknown) => {
      throw /ECONNREFUSED/.test(String((error as Error).message))
        ? new StackNotRunningError(`smtp://${targets.smtp.host}:${targets.smtp.port}`, '--smtp', {
            cause: error,
          })
        : error;
    })
    .finally(() => transport.close());
  log(`SMTP  sent ${info.messageId} to ${targets.botAddress}`);

  const reply = await waitForReply(targets.outboxUrl, info.messageId, { ignore: before });
  log(`SES   reply to ${reply.to}: "${reply.subject}"`);
  for (const line of reply.text.split('\n')) log(`      | ${line}`);
  return { api, sentMessageId: info.messageId, reply };
}
