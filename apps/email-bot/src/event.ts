/**
 * The edge: turns an S3 notification or an SES receipt event into the list of stored messages to handle.
 * Only the fields we read are validated; anything else becomes an "ignored" entry with a reason, never a TypeError.
 */
import type { S3EventRecord, SESReceiptStatus } from 'aws-lambda';

/** Verdicts as SES reports them (`PASS`, `FAIL`, `GRAY`, `PROCESSING_FAILED`, `DISABLED`), upper-cased. */
export interface Verdicts {
  spam?: string | undefined;
  virus?: string | undefined;
  spf?: string | undefined;
  dkim?: string | undefined;
  dmarc?: string | undefined;
}

/** One stored message to handle. */
export interface InboundRecord {
  /** Position in `Records`, for logs. */
  index: number;
  source: 's3' | 'ses';
  bucket: string;
  /** Decoded object key. */
  key: string;
  /** The key exactly as the notification carried it (emulators may not URL-encode). */
  rawKey: string;
  /** Size announced by the S3 notification, if any. */
  size?: number | undefined;
  /** SES receipt events only: authoritative verdicts. */
  verdicts?: Verdicts | undefined;
  /** SES receipt events only: envelope recipients that matched the rule. */
  recipients?: readonly string[] | undefined;
  /** SES receipt events only: envelope MAIL FROM (`''` for the null sender). */
  envelopeSender?: string | undefined;
}

/** What the handler does with one record. */
export type EventEntry =
  | { kind: 'message'; record: InboundRecord }
  | { kind: 'ignored'; index: number; reason: string; detail: string };

/** What `readEvent` needs from the configuration. */
export interface EventOptions {
  bucket: string | undefined;
  keyPrefix: string;
  markerPrefix: string;
}

/**
 * Decodes an S3 notification key: S3 form-encodes keys, so `+` is a space and `%2B` a plus.
 * A key that is not valid percent-encoding is returned unchanged.
 *
 * @example
 * decodeS3Key('inbound/a+b%2Bc.eml'); // 'inbound/a b+c.eml'
 */
export function decodeS3Key(key: string): string {
  try {
    return decodeURIComponent(key.replace(/\+/g, ' '));
  } catch {
    return key;
  }
}

/**
 * Splits a Lambda event into messages to handle and records to ignore (with a reason to log).
 *
 * @example
 * readEvent(s3Event, { bucket: undefined, keyPrefix: 'inbound/', markerPrefix: 'replied/' });
 */
export function readEvent(event: unknown, options: EventOptions): EventEntry[] {
  const records = isObject(event) ? event.Records : undefined;
  if (!Array.isArray(records)) {
    return [
      { kind: 'ignored', index: -1, reason: 'unrecognised-event', detail: 'event has no Records array' },
    ];
  }
  return records.map((record, index) => readRecord(record, index, options));
}

function readRecord(record: unknown, index: number, options: EventOptions): EventEntry {
  if (!isObject(record)) return ignored(index, 'malformed-record', 'record is not an object');
  const source = record.eventSource;
  if (source === 'aws:s3') return readS3Record(record as unknown as Partial<S3EventRecord>, index, options);
  if (source === 'aws:ses') return readSesRecord(record, index, options);
  return ignored(index, 'unsupported-source', `eventSource is ${JSON.stringify(source)}`);
}

function readS3Record(record: Partial<S3EventRecord>, index: number, options: EventOptions): EventEntry {
  const eventName = record.eventName;
  if (typeof eventName !== 'string' || !eventName.startsWith('ObjectCreated:')) {
    return ignored(index, 'not-object-created', `eventName is ${JSON.stringify(eventName)}`);
  }
  const bucket = record.s3?.bucket?.name;
  const rawKey = record.s3?.object?.key;
  if (typeof bucket !== 'string' || bucket === '' || typeof rawKey !== 'string' || rawKey === '') {
    return ignored(index, 'malformed-record', 's3.bucket.name or s3.object.key is missing');
  }
  const key = decodeS3Key(rawKey);
  if (key.startsWith(options.markerPrefix) || rawKey.startsWith(options.markerPrefix)) {
    return ignored(index, 'marker-object', `key "${key}" is one of the bot's own markers`);
  }
  const size = record.s3?.object?.size;
  return {
    kind: 'message',
    record: {
      index,
      source: 's3',
      bucket,
      key,
      rawKey,
      size: typeof size === 'number' ? size : undefined,
    },
  };
}

function readSesRecord(record: Record<string, unknown>, index: number, options: EventOptions): EventEntry {
  const ses = isObject(record.ses) ? record.ses : undefined;
  const mail = ses && isObject(ses.mail) ? ses.mail : undefined;
  const receipt = ses && isObject(ses.receipt) ? ses.receipt : undefined;
  const messageId = mail?.messageId;
  if (typeof messageId !== 'string' || !/^[A-Za-z0-9._-]+$/.test(messageId)) {
    return ignored(index, 'malformed-record', `ses.mail.messageId is ${JSON.stringify(messageId)}`);
  }
  if (options.bucket === undefined) {
    return ignored(
      index,
      'no-bucket-configured',
      'SES receipt events do not name the bucket; set EMAIL_BOT_BUCKET to the bucket of the S3 action',
    );
  }
  const key = options.keyPrefix + messageId;
  const recipients = Array.isArray(receipt?.recipients)
    ? receipt.recipients.filter((r): r is string => typeof r === 'string')
    : undefined;
  return {
    kind: 'message',
    record: {
      index,
      source: 'ses',
      bucket: options.bucket,
      key,
      rawKey: key,
      verdicts: {
        spam: status(receipt?.spamVerdict),
        virus: status(receipt?.virusVerdict),
        spf: status(receipt?.spfVerdict),
        dkim: status(receipt?.dkimVerdict),
        dmarc: status(receipt?.dmarcVerdict),
      },
      recipients,
      envelopeSender: typeof mail?.source === 'string' ? mail.source : undefined,
    },
  };
}

function status(verdict: unknown): string | undefined {
  const value = isObject(verdict) ? (verdict as Partial<SESReceiptStatus>).status : undefined;
  return typeof value === 'string' ? value.toUpperCase() : undefined;
}

function ignored(index: number, reason: string, detail: string): EventEntry {
  return { kind: 'ignored', index, reason, detail };
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
