import { randomBytes } from 'node:crypto';
import type { LambdaNotification } from './object-store.js';
import { invalidArgument, malformedXml, type S3Error } from './s3-error.js';
import { parseXml, XmlSyntaxError } from './xml.js';

/** Event types S3 accepts in a notification configuration. */
const KNOWN_EVENTS = new Set([
  's3:ObjectCreated:*',
  's3:ObjectCreated:Put',
  's3:ObjectCreated:Post',
  's3:ObjectCreated:Copy',
  's3:ObjectCreated:CompleteMultipartUpload',
  's3:ObjectRemoved:*',
  's3:ObjectRemoved:Delete',
  's3:ObjectRemoved:DeleteMarkerCreated',
  's3:ObjectRestore:*',
  's3:ObjectRestore:Post',
  's3:ObjectRestore:Completed',
  's3:ObjectRestore:Delete',
  's3:ReducedRedundancyLostObject',
  's3:Replication:*',
  's3:LifecycleExpiration:*',
  's3:LifecycleExpiration:Delete',
  's3:LifecycleExpiration:DeleteMarkerCreated',
  's3:LifecycleTransition',
  's3:IntelligentTiering',
  's3:ObjectTagging:*',
  's3:ObjectTagging:Put',
  's3:ObjectTagging:Delete',
  's3:ObjectAcl:Put',
]);

/** Whether a configured event type (`s3:ObjectCreated:*`) covers an event name (`ObjectCreated:Put`). */
export function eventMatches(configured: string, eventName: string): boolean {
  const full = `s3:${eventName}`;
  return configured.endsWith(':*') ? full.startsWith(configured.slice(0, -1)) : configured === full;
}

/** Whether a key passes a configuration's prefix/suffix rules (both must hold when both are set). */
export function keyMatches(rules: LambdaNotification['filterRules'], key: string): boolean {
  return rules.every((r) => (r.name === 'prefix' ? key.startsWith(r.value) : key.endsWith(r.value)));
}

/**
 * Encodes a key the way S3 writes it into event records: form URL encoding (a space is `+`, `+` is
 * `%2B`, non-ASCII is percent-encoded UTF-8) with `/` left as is.
 * @see https://docs.aws.amazon.com/AmazonS3/latest/userguide/notification-content-structure.html
 */
export function encodeEventKey(key: string): string {
  return encodeURIComponent(key)
    .replace(/%2F/g, '/')
    .replace(/%20/g, '+')
    .replace(/[!'()~]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

function asArray(value: unknown): unknown[] {
  if (value === undefined || value === '') return [];
  return Array.isArray(value) ? value : [value];
}

function text(value: unknown): string {
  return typeof value === 'string' ? value : '';
}

/**
 * Parses and validates a `NotificationConfiguration` body as S3 does. Only Lambda destinations can be
 * delivered locally; Topic/Queue configurations are refused rather than silently dropped.
 */
export function parseNotificationConfiguration(body: string): LambdaNotification[] {
  let doc: Record<string, unknown>;
  try {
    doc = parseXml(body.trim() === '' ? '<NotificationConfiguration/>' : body, [
      'CloudFunctionConfiguration',
      'LambdaFunctionConfiguration',
      'TopicConfiguration',
      'QueueConfiguration',
      'Event',
      'FilterRule',
    ]);
  } catch (err) {
    if (err instanceof XmlSyntaxError) throw malformedXml();
    throw err;
  }
  const root = doc.NotificationConfiguration;
  if (root === undefined) throw malformedXml();
  const conf = (typeof root === 'object' && root !== null ? root : {}) as Record<string, unknown>;
  for (const unsupported of ['TopicConfiguration', 'QueueConfiguration']) {
    if (asArray(conf[unsupported]).length > 0) {
      throw invalidArgument(
        `${unsupported} is not supported by the Caprice emulator (no SNS/SQS); use a LambdaFunctionConfiguration`,
        unsupported,
        '',
      );
    }
  }
  const result: LambdaNotification[] = [];
  const entries = [...asArray(conf.CloudFunctionConfiguration), ...asArray(conf.LambdaFunctionConfiguration)];
  for (const entry of entries) {
    if (typeof entry !== 'object' || entry === null) throw malformedXml();
    const e = entry as Record<string, unknown>;
    const functionArn = text(e.CloudFunction);
    if (!/^arn:aws[\w-]*:lambda:[\w-]+:\d{12}:function:[\w-]{1,64}(:[\w$-]+)?$/.test(functionArn)) {
      throw invalidArgument('The ARN is not well formed', 'CloudFunction', functionArn);
    }
    const events = asArray(e.Event).map(text);
    if (events.length === 0) throw malformedXml();
    for (const ev of events) {
      if (!KNOWN_EVENTS.has(ev))
        throw invalidArgument('The event is not supported for notifications', ev, ev);
    }
    const filter = e.Filter as Record<string, unknown> | undefined;
    const s3Key = (typeof filter === 'object' && filter !== null ? filter.S3Key : undefined) as
      | Record<string, unknown>
      | undefined;
    const filterRules: { name: string; value: string }[] = [];
    for (const rule of asArray(typeof s3Key === 'object' && s3Key !== null ? s3Key.FilterRule : undefined)) {
      const r = (rule ?? {}) as Record<string, unknown>;
      const name = text(r.Name).toLowerCase();
      if (name !== 'prefix' && name !== 'suffix') {
        throw invalidArgument('filter rule name must be either prefix or suffix', 'FilterRule', text(r.Name));
      }
      if (filterRules.some((f) => f.name === name)) {
        throw invalidArgument(
          `Cannot specify more than one ${name} rule in a filter.`,
          `FilterRule.${name}`,
          text(r.Value),
        );
      }
      filterRules.push({ name, value: text(r.Value) });
    }
    const id = text(e.Id) || randomBytes(36).toString('base64').replace(/[+/=]/g, '').slice(0, 48);
    if (result.some((r) => r.id === id)) {
      throw invalidArgument('Same ID used for multiple configurations', 'Id', id);
    }
    result.push({ id, functionArn, events, filterRules });
  }
  assertNoOverlap(result);
  return result;
}

function rule(n: LambdaNotification, name: string): string {
  return n.filterRules.find((r) => r.name === name)?.value ?? '';
}

// S3 refuses two configurations that could fire for the same event on the same key.
function assertNoOverlap(configs: readonly LambdaNotification[]): void {
  for (let i = 0; i < configs.length; i++) {
    for (let j = i + 1; j < configs.length; j++) {
      const a = configs[i]!;
      const b = configs[j]!;
      const sharedEvent = a.events.some((ea) =>
        b.events.some((eb) => eventMatches(ea, eb.slice(3)) || eventMatches(eb, ea.slice(3))),
      );
      const [pa, pb, sa, sb] = [rule(a, 'prefix'), rule(b, 'prefix'), rule(a, 'suffix'), rule(b, 'suffix')];
      const prefixOverlap = pa.startsWith(pb) || pb.startsWith(pa);
      const suffixOverlap = sa.endsWith(sb) || sb.endsWith(sa);
      if (sharedEvent && prefixOverlap && suffixOverlap) {
        throw invalidArgument(
          'Configurations overlap. Configurations on the same bucket cannot share a common event type.',
          'Event',
          a.events.join(','),
        );
      }
    }
  }
}

/** Serialises stored configurations back into the shape `GetBucketNotificationConfiguration` returns. */
export function notificationConfigurationBody(
  configs: readonly LambdaNotification[],
): Record<string, unknown> {
  return {
    '@_xmlns': 'http://s3.amazonaws.com/doc/2006-03-01/',
    CloudFunctionConfiguration: configs.map((c) => ({
      Id: c.id,
      CloudFunction: c.functionArn,
      Event: [...c.events],
      ...(c.filterRules.length > 0
        ? { Filter: { S3Key: { FilterRule: c.filterRules.map((r) => ({ Name: r.name, Value: r.value })) } } }
        : {}),
    })),
  };
}

/** A thrown S3Error stays as is; anything else from the permission check becomes InvalidArgument. */
export function destinationError(functionArn: string): S3Error {
  return invalidArgument(
    'Unable to validate the following destination configurations',
    functionArn,
    `Not authorized to invoke function [${functionArn}]`,
  );
}
