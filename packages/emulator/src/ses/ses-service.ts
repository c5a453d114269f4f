import { randomBytes, randomUUID } from 'node:crypto';
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { join } from 'node:path';
import MailComposer from 'nodemailer/lib/mail-composer';
import { decodeHeaderWords, headerValue, parseAddresses, parseHeaderFields } from '../email/headers.js';
import { AwsServiceError, sendAwsJsonError } from '../http/aws-error.js';
import type { LambdaDataPlane } from '../lambda/types.js';
import type { InvokePermissionCheck, S3Service } from '../s3/s3-service.js';
import { toXml } from '../s3/xml.js';
import {
  type Envelope,
  mailObject,
  messageVerdicts,
  newSesInboundMessageId,
  parseVerdicts,
  prependHeader,
  receiptVerdicts,
  requestedVerdicts,
  stampInbound,
  type Verdicts,
} from './inbound.js';
import { newSesMessageId, Outbox, type OutboxEntry } from './outbox.js';
import { QueryParams } from './query.js';
import {
  assertName,
  parseRule,
  type ReceiptRule,
  type ReceiptRuleSet,
  ruleMatchesRecipient,
  ruleXml,
} from './receipt-rules.js';
import { invalidParameter, SesError, SesReceiveError } from './ses-error.js';

const SES_XMLNS = 'http://ses.amazonaws.com/doc/2010-12-01/';
/** SES v1 limit: 10 MB per message after base64 encoding. */
export const MAX_SEND_SIZE = 10 * 1024 * 1024;
/** SES receiving limit (S3 action): 40 MB. */
export const MAX_RECEIVE_SIZE = 40 * 1024 * 1024;
const MAX_RECIPIENTS = 50;
// Headers SES refuses to see more than once in a raw message (subset of its list of ~60).
const SINGLE_HEADERS = [
  'message-id',
  'date',
  'from',
  'sender',
  'reply-to',
  'to',
  'cc',
  'bcc',
  'subject',
  'in-reply-to',
  'references',
  'return-path',
  'dkim-signature',
  'auto-submitted',
  'mime-version',
  'content-type',
  'content-transfer-encoding',
  'precedence',
  'list-id',
  'list-unsubscribe',
  'delivered-to',
];

/** What the SES Lambda action needs: an asynchronous invoke, and optionally a synchronous one. */
export interface SesLambda extends Pick<LambdaDataPlane, 'invokeAsync'> {
  /** RequestResponse invoke returning the function's result payload; without it RequestResponse acts like Event. */
  invokeSync?(nameOrArn: string, payload: Uint8Array, qualifier?: string): Promise<Uint8Array>;
}

export interface SesServiceOptions {
  /** State folder: identities, rule sets and the outbox live under `<stateDir>/ses`. */
  readonly stateDir: string;
  /** Where S3 actions store inbound mail (and trigger S3 notifications). */
  readonly s3: Pick<S3Service, 'putObject' | 'bucketExists'>;
  readonly lambda: SesLambda;
  /** Function-policy check for Lambda actions (principal `ses.amazonaws.com`); without it all are accepted. */
  readonly permissions?: InvokePermissionCheck;
  readonly region?: string;
  readonly accountId?: string;
  /** Sandbox mode: senders and recipients must be verified identities (default false). */
  readonly sandbox?: boolean;
  /** Called when a receipt action fails after the mail was accepted (Event invoke queue error…). */
  readonly onActionError?: (error: unknown, action: string) => void;
}

/** One inbound message handed over by the SMTP door (or a test). */
export interface InboundMessage extends Envelope {
  readonly raw: Uint8Array;
  /** Verdicts to report instead of PASS (else taken from the X-Caprice-Test-Verdicts header). */
  readonly verdicts?: Partial<Verdicts>;
}

export interface SesService {
  /** Answers one SES v1 Query API request (POST, form-encoded). */
  handle(req: IncomingMessage, res: ServerResponse): Promise<void>;
  /** Answers `GET /_caprice/ses/outbox`, `GET /_caprice/ses/outbox/{id}.eml` and `DELETE /_caprice/ses/outbox`. */
  handleAdmin(req: IncomingMessage, res: ServerResponse): Promise<void>;
  /** Whether the active rule set has an enabled rule for this recipient (SMTP RCPT TO check). */
  acceptsRecipient(address: string): boolean;
  /** Runs SES receipt processing for one message; throws `SesReceiveError` when SES would refuse it. */
  receive(message: InboundMessage): Promise<{ messageId: string }>;
  outbox(): OutboxEntry[];
  readOutboxMessage(messageId: string): Promise<Buffer | undefined>;
  setSandbox(enabled: boolean): void;
  health(): { readonly identities: number; readonly activeRuleSet: string | null; readonly sent: number };
}

interface State {
  identities: Record<string, { type: 'EmailAddress' | 'Domain'; token?: string }>;
  ruleSets: ReceiptRuleSet[];
  active: string | null;
}

/**
 * Creates the local SES (v1 Query API, receipt rules and the outbox).
 * @example
 * const ses = createSesService({ stateDir, s3, lambda: dataPlane });
 * const smtp = await startSmtpServer({ ses });
 */
export function createSesService(options: SesServiceOptions): SesService {
  const region = options.region ?? 'us-east-1';
  const accountId = options.accountId ?? '000000000000';
  let sandbox = options.sandbox ?? false;
  const dir = join(options.stateDir, 'ses');
  mkdirSync(dir, { recursive: true });
  const statePath = join(dir, 'state.json');
  const outbox = new Outbox(options.stateDir);
  let state: State = { identities: {}, ruleSets: [], active: null };
  try {
    state = JSON.parse(readFileSync(statePath, 'utf8')) as State;
  } catch {
    // first start
  }

  function save(): void {
    const tmp = `${statePath}.${randomUUID()}.tmp`;
    writeFileSync(tmp, JSON.stringify(state, null, 2));
    renameSync(tmp, statePath);
  }

  function ruleSet(name: string | undefined): ReceiptRuleSet {
    const found = state.ruleSets.find((s) => s.name === name);
    if (found === undefined)
      throw new SesError('RuleSetDoesNotExist', `Rule set does not exist: ${name ?? ''}`);
    return found;
  }

  function isVerified(address: string): boolean {
    const lower = address.toLowerCase();
    const domain = lower.slice(lower.lastIndexOf('@') + 1);
    return state.identities[lower] !== undefined || state.identities[domain] !== undefined;
  }

  function checkSandbox(source: string, destinations: readonly string[]): void {
    if (!sandbox) return;
    const failed = [source, ...destinations].filter((a) => !isVerified(a));
    if (failed.length > 0) {
      throw new SesError(
        'MessageRejected',
        `Email address is not verified. The following identities failed the check in region ${region.toUpperCase()}: ${[...new Set(failed)].join(', ')}`,
      );
    }
  }

  async function checkLambdaPermission(
    functionArn: string,
    setName: string,
    ruleName: string,
  ): Promise<void> {
    if (options.permissions === undefined) return;
    let ok = false;
    try {
      ok = await options.permissions.canInvoke({
        functionArn,
        principal: 'ses.amazonaws.com',
        sourceArn: `arn:aws:ses:${region}:${accountId}:receipt-rule-set/${setName}:receipt-rule/${ruleName}`,
        sourceAccount: accountId,
      });
    } catch {
      ok = false;
    }
    if (!ok) throw new SesError('InvalidLambdaFunction', `Could not invoke Lambda function: ${functionArn}`);
  }

  async function validateRule(rule: ReceiptRule, setName: string): Promise<void> {
    for (const action of rule.actions) {
      if (action.type === 'S3' && !options.s3.bucketExists(action.bucketName)) {
        throw new SesError('InvalidS3Configuration', `Could not write to bucket: ${action.bucketName}`);
      }
      if (action.type === 'Lambda') await checkLambdaPermission(action.functionArn, setName, rule.name);
    }
  }

  // ---------- sending ----------

  async function record(action: OutboxEntry['action'], source: string, destinations: string[], raw: Buffer) {
    const messageId = newSesMessageId();
    const subject = headerValue(parseHeaderFields(raw), 'subject');
    const entry: OutboxEntry = {
      messageId,
      messageIdHeader: `<${messageId}@email.amazonses.com>`,
      action,
      source,
      destinations,
      ...(subject !== undefined ? { subject: decodeHeaderWords(subject) } : {}),
      size: raw.length,
      timestamp: new Date().toISOString(),
    };
    await outbox.add(entry, raw);
    return messageId;
  }

  function checkRecipients(destinations: readonly string[]): void {
    if (destinations.length === 0) {
      throw invalidParameter(
        'Missing recipients: set Destinations (or To/Cc/Bcc headers in the raw message)',
      );
    }
    if (destinations.length > MAX_RECIPIENTS)
      throw invalidParameter(`Recipient count exceeds ${MAX_RECIPIENTS}.`);
    for (const d of destinations) {
      if (!/^[^@\s]+@[^@\s]+$/.test(d)) throw invalidParameter(`Illegal address: ${d}`);
    }
  }

  async function sendRawEmail(q: QueryParams): Promise<Record<string, unknown>> {
    const data = q.get('RawMessage.Data');
    if (data === undefined) throw invalidParameter('RawMessage.Data is required');
    if (q.length('RawMessage.Data') > MAX_SEND_SIZE) {
      throw new SesError(
        'MessageRejected',
        `Message length is more than ${MAX_SEND_SIZE} bytes long: '${q.length('RawMessage.Data')}'.`,
      );
    }
    const raw = Buffer.from(data, 'base64');
    const fields = parseHeaderFields(raw);
    const seen = new Set<string>();
    for (const f of fields) {
      const name = f.name.toLowerCase();
      if (SINGLE_HEADERS.includes(name) && seen.has(name))
        throw invalidParameter(`Duplicate header '${f.name}'.`);
      seen.add(name);
    }
    const source = q.get('Source') ?? parseAddresses(headerValue(fields, 'from'))[0];
    if (source === undefined || source === '') throw invalidParameter("Missing required header 'From'.");
    const sourceAddress = parseAddresses(source)[0] ?? source;
    let destinations = q.list('Destinations');
    if (destinations.length === 0) {
      destinations = ['to', 'cc', 'bcc'].flatMap((h) => parseAddresses(headerValue(fields, h)));
    }
    checkRecipients(destinations);
    checkSandbox(sourceAddress, destinations);
    return { MessageId: await record('SendRawEmail', sourceAddress, destinations, raw) };
  }

  async function sendEmail(q: QueryParams): Promise<Record<string, unknown>> {
    const source = q.get('Source');
    if (source === undefined) throw invalidParameter('Source is required');
    const sourceAddress = parseAddresses(source)[0] ?? source;
    const to = q.list('Destination.ToAddresses');
    const cc = q.list('Destination.CcAddresses');
    const bcc = q.list('Destination.BccAddresses');
    const destinations = [...to, ...cc, ...bcc];
    checkRecipients(destinations);
    checkSandbox(sourceAddress, destinations);
    const text = q.get('Message.Body.Text.Data');
    const html = q.get('Message.Body.Html.Data');
    const replyTo = q.list('ReplyToAddresses');
    const returnPath = q.get('ReturnPath');
    const messageId = newSesMessageId();
    const raw = await new MailComposer({
      from: source,
      ...(to.length ? { to } : {}),
      ...(cc.length ? { cc } : {}),
      ...(bcc.length ? { bcc } : {}),
      ...(replyTo.length ? { replyTo } : {}),
      subject: q.get('Message.Subject.Data') ?? '',
      ...(text !== undefined ? { text } : {}),
      ...(html !== undefined ? { html } : {}),
      messageId: `<${messageId}@email.amazonses.com>`,
      date: new Date(),
      ...(returnPath !== undefined ? { headers: { 'Return-Path': `<${returnPath}>` } } : {}),
      disableFileAccess: true,
      disableUrlAccess: true,
    })
      .compile()
      .build();
    if (raw.length > MAX_SEND_SIZE) {
      throw new SesError(
        'MessageRejected',
        `Message length is more than ${MAX_SEND_SIZE} bytes long: '${raw.length}'.`,
      );
    }
    const entry: OutboxEntry = {
      messageId,
      messageIdHeader: `<${messageId}@email.amazonses.com>`,
      action: 'SendEmail',
      source: sourceAddress,
      destinations,
      subject: q.get('Message.Subject.Data') ?? '',
      size: raw.length,
      timestamp: new Date().toISOString(),
    };
    await outbox.add(entry, raw);
    return { MessageId: messageId };
  }

  // ---------- identities ----------

  function verify(identity: string | undefined, type: 'EmailAddress' | 'Domain'): string {
    if (identity === undefined || identity.trim() === '') throw invalidParameter(`${type} is required`);
    const key = identity.trim().toLowerCase();
    if (type === 'EmailAddress' && !/^[^@\s]+@[^@\s]+\.[^@\s]+$/.test(key))
      throw invalidParameter(`Invalid email address<${identity}>.`);
    if (type === 'Domain' && !/^[a-z0-9.-]+\.[a-z]{2,}$/.test(key))
      throw invalidParameter(`Invalid domain name <${identity}>.`);
    const token = randomBytes(32).toString('base64');
    state.identities[key] = { type, ...(type === 'Domain' ? { token } : {}) };
    save();
    return token;
  }

  // ---------- dispatch ----------

  async function run(action: string, q: QueryParams): Promise<Record<string, unknown> | undefined> {
    switch (action) {
      case 'SendRawEmail':
        return sendRawEmail(q);
      case 'SendEmail':
        return sendEmail(q);
      case 'VerifyEmailIdentity':
      case 'VerifyEmailAddress':
        verify(q.get('EmailAddress'), 'EmailAddress');
        return action === 'VerifyEmailIdentity' ? {} : undefined;
      case 'VerifyDomainIdentity':
        return { VerificationToken: verify(q.get('Domain'), 'Domain') };
      case 'DeleteIdentity':
      case 'DeleteVerifiedEmailAddress': {
        const id = (q.get('Identity') ?? q.get('EmailAddress') ?? '').toLowerCase();
        delete state.identities[id];
        save();
        return action === 'DeleteIdentity' ? {} : undefined;
      }
      case 'ListIdentities': {
        const type = q.get('IdentityType');
        const ids = Object.entries(state.identities)
          .filter(([, v]) => type === undefined || v.type === type)
          .map(([k]) => k)
          .sort();
        return { Identities: { member: ids } };
      }
      case 'ListVerifiedEmailAddresses':
        return {
          VerifiedEmailAddresses: {
            member: Object.entries(state.identities)
              .filter(([, v]) => v.type === 'EmailAddress')
              .map(([k]) => k),
          },
        };
      case 'GetIdentityVerificationAttributes':
        return {
          VerificationAttributes: {
            entry: q
              .list('Identities')
              .filter((id) => state.identities[id.toLowerCase()] !== undefined)
              .map((id) => {
                const found = state.identities[id.toLowerCase()]!;
                return {
                  key: id,
                  value: {
                    VerificationStatus: 'Success',
                    ...(found.token ? { VerificationToken: found.token } : {}),
                  },
                };
              }),
          },
        };
      case 'GetSendQuota': {
        const dayAgo = Date.now() - 24 * 3600 * 1000;
        return {
          Max24HourSend: sandbox ? 200 : 50000,
          MaxSendRate: sandbox ? 1 : 14,
          SentLast24Hours: outbox.list().filter((e) => Date.parse(e.timestamp) > dayAgo).length,
        };
      }
      case 'CreateReceiptRuleSet': {
        const name = assertName('Rule set', q.get('RuleSetName'));
        if (state.ruleSets.some((s) => s.name === name))
          throw new SesError('AlreadyExists', `Rule set already exists: ${name}`);
        state.ruleSets.push({ name, createdTimestamp: new Date().toISOString(), rules: [] });
        save();
        return {};
      }
      case 'DeleteReceiptRuleSet': {
        const name = q.get('RuleSetName');
        if (state.active === name) {
          throw new SesError('CannotDelete', `Cannot delete active rule set: ${name}. Deactivate it first.`);
        }
        state.ruleSets = state.ruleSets.filter((s) => s.name !== name);
        save();
        return {};
      }
      case 'ListReceiptRuleSets':
        return {
          RuleSets: {
            member: state.ruleSets.map((s) => ({ Name: s.name, CreatedTimestamp: s.createdTimestamp })),
          },
        };
      case 'DescribeReceiptRuleSet': {
        const set = ruleSet(q.get('RuleSetName'));
        return {
          Metadata: { Name: set.name, CreatedTimestamp: set.createdTimestamp },
          Rules: { member: set.rules.map(ruleXml) },
        };
      }
      case 'SetActiveReceiptRuleSet': {
        const name = q.get('RuleSetName');
        state.active = name === undefined || name === '' ? null : ruleSet(name).name;
        save();
        return {};
      }
      case 'DescribeActiveReceiptRuleSet': {
        const set = state.ruleSets.find((s) => s.name === state.active);
        if (set === undefined) return {};
        return {
          Metadata: { Name: set.name, CreatedTimestamp: set.createdTimestamp },
          Rules: { member: set.rules.map(ruleXml) },
        };
      }
      case 'CreateReceiptRule':
      case 'UpdateReceiptRule': {
        const set = ruleSet(q.get('RuleSetName'));
        const rule = parseRule(q, 'Rule');
        const existing = set.rules.findIndex((r) => r.name === rule.name);
        if (action === 'CreateReceiptRule' && existing !== -1) {
          throw new SesError('AlreadyExists', `Rule already exists: ${rule.name}`);
        }
        if (action === 'UpdateReceiptRule' && existing === -1) {
          throw new SesError('RuleDoesNotExist', `Rule does not exist: ${rule.name}`);
        }
        await validateRule(rule, set.name);
        if (action === 'UpdateReceiptRule') {
          set.rules[existing] = rule;
        } else {
          const after = q.get('After');
          let at = 0;
          if (after !== undefined) {
            const i = set.rules.findIndex((r) => r.name === after);
            if (i === -1) throw new SesError('RuleDoesNotExist', `Rule does not exist: ${after}`);
            at = i + 1;
          }
          set.rules.splice(at, 0, rule);
        }
        save();
        return {};
      }
      case 'DescribeReceiptRule': {
        const set = ruleSet(q.get('RuleSetName'));
        const rule = set.rules.find((r) => r.name === q.get('RuleName'));
        if (rule === undefined)
          throw new SesError('RuleDoesNotExist', `Rule does not exist: ${q.get('RuleName') ?? ''}`);
        return { Rule: ruleXml(rule) };
      }
      case 'DeleteReceiptRule': {
        const set = ruleSet(q.get('RuleSetName'));
        set.rules = set.rules.filter((r) => r.name !== q.get('RuleName'));
        save();
        return {};
      }
    }
    throw new SesError('InvalidAction', `The action ${action} is not valid for this web service.`);
  }

  async function readBody(req: IncomingMessage, limit: number): Promise<string | undefined> {
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const chunk of req.iterator({ destroyOnReturn: false }) as AsyncIterable<Buffer>) {
      size += chunk.length;
      if (size <= limit) chunks.push(chunk);
    }
    return size > limit ? undefined : Buffer.concat(chunks).toString('utf8');
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const requestId = randomUUID();
    if ((req.url ?? '/').startsWith('/v2/')) {
      req.resume();
      sendAwsJsonError(
        res,
        404,
        'NotFoundException',
        'SES v2 (/v2/email/…) is not emulated by Caprice; use the SES v1 API',
      );
      return;
    }
    let action = 'Unknown';
    try {
      if (req.method !== 'POST')
        throw new SesError('InvalidAction', 'SES Query requests must be POSTed form bodies.');
      // 10 MB of base64 grows by percent-encoding of '+', '/', '='; leave room, then refuse like SES.
      const body = await readBody(req, 3 * MAX_SEND_SIZE);
      if (body === undefined) {
        throw new SesError('MessageRejected', `Message length is more than ${MAX_SEND_SIZE} bytes long.`);
      }
      const q = new QueryParams(body);
      action = q.get('Action') ?? '';
      const result = await run(action, q);
      const xml = toXml(`${action}Response`, {
        '@_xmlns': SES_XMLNS,
        ...(result === undefined ? {} : { [`${action}Result`]: result }),
        ResponseMetadata: { RequestId: requestId },
      });
      res.writeHead(200, {
        'content-type': 'text/xml',
        'content-length': Buffer.byteLength(xml),
        'x-amzn-requestid': requestId,
      });
      res.end(xml);
    } catch (err) {
      const e =
        err instanceof AwsServiceError
          ? err
          : new SesError(
              'InternalFailure',
              'The request processing has failed because of an unknown error.',
              500,
            );
      if (!(err instanceof AwsServiceError)) console.error(`[caprice ses] ${action} failed`, err);
      req.resume();
      const xml = toXml('ErrorResponse', {
        '@_xmlns': SES_XMLNS,
        Error: { Type: e.status < 500 ? 'Sender' : 'Receiver', Code: e.type, Message: e.message },
        RequestId: requestId,
      });
      res.writeHead(e.status, {
        'content-type': 'text/xml',
        'content-length': Buffer.byteLength(xml),
        'x-amzn-requestid': requestId,
      });
      res.end(xml);
    }
  }

  async function handleAdmin(req: IncomingMessage, res: ServerResponse): Promise<void> {
    req.resume();
    const path = (req.url ?? '').split('?', 1)[0] ?? '';
    const json = (status: number, value: unknown) => {
      const body = JSON.stringify(value);
      res.writeHead(status, {
        'content-type': 'application/json',
        'content-length': Buffer.byteLength(body),
      });
      res.end(body);
    };
    if (path === '/_caprice/ses/outbox' || path === '/_caprice/ses/outbox/') {
      if (req.method === 'GET') return json(200, outbox.list());
      if (req.method === 'DELETE') {
        await outbox.clear();
        return json(200, { cleared: true });
      }
      return json(405, { error: 'MethodNotAllowed', message: `${req.method} is not allowed on ${path}` });
    }
    const m = /^\/_caprice\/ses\/outbox\/([^/]+)\.eml$/.exec(path);
    if (m?.[1] !== undefined && req.method === 'GET') {
      const raw = await outbox.read(decodeURIComponent(m[1]));
      if (raw === undefined)
        return json(404, { error: 'NotFound', message: `No sent message ${m[1]} in the outbox` });
      res.writeHead(200, { 'content-type': 'message/rfc822', 'content-length': raw.length });
      res.end(raw);
      return;
    }
    json(404, { error: 'NotFound', message: `Unknown SES admin path ${path}` });
  }

  // ---------- receiving ----------

  function activeRules(): ReceiptRule[] {
    return state.ruleSets.find((s) => s.name === state.active)?.rules ?? [];
  }

  function acceptsRecipient(address: string): boolean {
    return activeRules().some((r) => ruleMatchesRecipient(r, address));
  }

  async function receive(message: InboundMessage): Promise<{ messageId: string }> {
    const started = Date.now();
    if (message.raw.byteLength > MAX_RECEIVE_SIZE) {
      throw new SesReceiveError(552, '5.3.4 Message size exceeds fixed maximum message size');
    }
    const accepted = message.recipients.filter(acceptsRecipient);
    if (accepted.length === 0)
      throw new SesReceiveError(550, '5.1.1 Requested action not taken: mailbox unavailable');
    const requested = requestedVerdicts(message.raw);
    const derived = messageVerdicts(message.raw, message.mailFrom);
    const verdicts: Verdicts = {
      ...(requested !== undefined ? parseVerdicts(requested, derived) : derived),
      ...message.verdicts,
    };
    const messageId = newSesInboundMessageId();
    const now = new Date();
    const envelope: Envelope = { ...message, recipients: accepted };
    let stored = stampInbound(message.raw, envelope, messageId, verdicts, region, now);
    let remaining = accepted;
    rules: for (const rule of activeRules()) {
      const matched = remaining.filter((r) => ruleMatchesRecipient(rule, r));
      if (matched.length === 0) continue;
      for (const action of rule.actions) {
        switch (action.type) {
          case 'AddHeader':
            stored = prependHeader(stored, action.headerName, action.headerValue);
            break;
          case 'Stop':
            remaining = remaining.filter((r) => !matched.includes(r));
            continue rules;
          case 'S3':
            try {
              await options.s3.putObject({
                bucket: action.bucketName,
                key: `${action.objectKeyPrefix ?? ''}${messageId}`,
                body: stored,
                principalId: 'AWS:AROACAPRICESES:ses.amazonaws.com',
                sourceIp: '127.0.0.1',
              });
            } catch (err) {
              throw new SesReceiveError(554, `5.3.0 S3 action failed for bucket ${action.bucketName}`, {
                cause: err,
              });
            }
            break;
          case 'Lambda': {
            const event = {
              Records: [
                {
                  eventSource: 'aws:ses',
                  eventVersion: '1.0',
                  ses: {
                    mail: mailObject(stored, envelope, messageId, now.toISOString()),
                    receipt: {
                      timestamp: now.toISOString(),
                      processingTimeMillis: Date.now() - started,
                      recipients: matched,
                      ...receiptVerdicts(verdicts),
                      action: {
                        type: 'Lambda',
                        functionArn: action.functionArn,
                        invocationType: action.invocationType,
                      },
                    },
                  },
                },
              ],
            };
            const payload = Buffer.from(JSON.stringify(event));
            const { name, qualifier } = splitQualifier(action.functionArn);
            if (action.invocationType === 'RequestResponse' && options.lambda.invokeSync !== undefined) {
              const disposition = await options.lambda
                .invokeSync(name, payload, qualifier)
                .then(
                  (out) =>
                    (JSON.parse(Buffer.from(out).toString('utf8')) as { disposition?: string }).disposition,
                )
                .catch((err: unknown) => {
                  options.onActionError?.(err, `Lambda ${action.functionArn}`);
                  return 'CONTINUE';
                });
              if (disposition === 'STOP_RULE_SET') break rules;
              if (disposition === 'STOP_RULE') continue rules;
            } else {
              void Promise.resolve()
                .then(() => options.lambda.invokeAsync(name, payload, qualifier))
                .catch((err: unknown) => options.onActionError?.(err, `Lambda ${action.functionArn}`));
            }
            break;
          }
        }
      }
    }
    return { messageId };
  }

  return {
    handle,
    handleAdmin,
    acceptsRecipient,
    receive,
    outbox: () => outbox.list(),
    readOutboxMessage: (id) => outbox.read(id),
    setSandbox: (enabled) => {
      sandbox = enabled;
    },
    health: () => ({
      identities: Object.keys(state.identities).length,
      activeRuleSet: state.active,
      sent: outbox.list().length,
    }),
  };
}

function splitQualifier(functionArn: string): { name: string; qualifier?: string } {
  const parts = functionArn.split(':');
  if (parts.length === 8) return { name: parts.slice(0, 7).join(':'), qualifier: parts[7]! };
  return { name: functionArn };
}
