/**
 * Gathers what the dashboard shows from the running stack: functions through the Lambda API (the same view a
 * user gets from AWS), invocations and bot decisions from the function logs, replies from the SES outbox.
 */
import { GetFunctionCommand, type LambdaClient, paginateListFunctions } from '@aws-sdk/client-lambda';
import { simpleParser } from 'mailparser';
import { type Invocation, type MailDecision, parseInvocations, parseMailDecisions } from './log-parse.js';

export interface FunctionView {
  readonly name: string;
  readonly state?: string;
  readonly lastUpdateStatus?: string;
  readonly codeSize?: number;
  readonly layers: readonly string[];
  readonly memorySize?: number;
  readonly timeout?: number;
  readonly architecture?: string;
  readonly lastModified?: string;
  readonly warmInstances?: number;
  readonly invocations: readonly Invocation[];
}

export interface OutboxView {
  readonly id: string;
  readonly from: string;
  readonly to: string;
  readonly subject: string;
  readonly date?: string;
  readonly text: string;
  readonly html?: string;
  readonly inReplyTo?: string;
  readonly rawUrl: string;
}

export interface DashboardState {
  readonly generatedAt: string;
  readonly endpoints: Readonly<Record<string, string>>;
  readonly functions: readonly FunctionView[];
  readonly outbox: readonly OutboxView[];
  readonly inbound: readonly MailDecision[];
}

export interface DashboardSources {
  readonly lambda: LambdaClient;
  /** The function's CloudWatch-shaped log text ('' when none). */
  readonly readLog: (functionName: string) => Promise<string>;
  /** Warm instance count per function, when the emulator can tell. */
  readonly warmInstances?: () => Readonly<Record<string, number>>;
  /** The emulator's SES outbox index URL (`…/_caprice/ses/outbox`). */
  readonly outboxUrl?: string;
  /** Function whose log carries the email decisions. */
  readonly emailFunction?: string;
  readonly endpoints: Readonly<Record<string, string>>;
}

interface OutboxIndexEntry {
  readonly messageId: string;
}

/** Reads the state; parsed outbox messages are cached by id (they never change). */
export function createStateReader(sources: DashboardSources): () => Promise<DashboardState> {
  const parsed = new Map<string, OutboxView>();

  const readOutbox = async (): Promise<OutboxView[]> => {
    if (!sources.outboxUrl) return [];
    const response = await fetch(sources.outboxUrl);
    if (!response.ok) return [];
    const entries = (await response.json()) as OutboxIndexEntry[];
    const views: OutboxView[] = [];
    for (const entry of entries.slice(-50)) {
      let view = parsed.get(entry.messageId);
      if (!view) {
        const rawUrl = `${sources.outboxUrl}/${encodeURIComponent(entry.messageId)}.eml`;
        const raw = await fetch(rawUrl);
        if (!raw.ok) continue;
        const mail = await simpleParser(Buffer.from(await raw.arrayBuffer()));
        const to = Array.isArray(mail.to) ? mail.to.map((a) => a.text).join(', ') : (mail.to?.text ?? '');
        view = {
          id: entry.messageId,
          from: mail.from?.text ?? '',
          to,
          subject: mail.subject ?? '',
          date: mail.date?.toISOString(),
          text: mail.text ?? '',
          html: typeof mail.html === 'string' ? mail.html : undefined,
          inReplyTo: mail.inReplyTo,
          rawUrl: `/api/outbox/${encodeURIComponent(entry.messageId)}.eml`,
        };
        parsed.set(entry.messageId, view);
      }
      views.push(view);
    }
    return views.reverse();
  };

  return async () => {
    const functions: FunctionView[] = [];
    const warm = sources.warmInstances?.() ?? {};
    for await (const page of paginateListFunctions({ client: sources.lambda }, {})) {
      for (const f of page.Functions ?? []) {
        if (!f.FunctionName) continue;
        // ListFunctions omits State; GetFunction has it (as on AWS).
        const { Configuration: c } = await sources.lambda.send(
          new GetFunctionCommand({ FunctionName: f.FunctionName }),
        );
        functions.push({
          name: f.FunctionName,
          state: c?.State,
          lastUpdateStatus: c?.LastUpdateStatus,
          codeSize: c?.CodeSize,
          layers: (c?.Layers ?? []).map((l) => l.Arn ?? ''),
          memorySize: c?.MemorySize,
          timeout: c?.Timeout,
          architecture: c?.Architectures?.[0],
          lastModified: c?.LastModified,
          warmInstances: warm[f.FunctionName],
          invocations: parseInvocations(await sources.readLog(f.FunctionName), 20),
        });
      }
    }
    const inbound = sources.emailFunction
      ? parseMailDecisions(await sources.readLog(sources.emailFunction), 50)
      : [];
    return {
      generatedAt: new Date().toISOString(),
      endpoints: sources.endpoints,
      functions,
      outbox: await readOutbox(),
      inbound,
    };
  };
}
