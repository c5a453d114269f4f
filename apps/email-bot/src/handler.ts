/**
 * The handler: for each record, fetch → parse → decide → compose → claim → reply limit → send, with every outcome
 * logged.
 * Pure apart from its injected dependencies (mailbox, MIME builder, capitalization, clock, logger).
 */
import { InvalidAddressError, MimeError, NoRecipientError, ReplyLoopError } from '@caprice/mime';
import type { ParsedMail } from 'mailparser';
import { composeReply, type ReplyBuilder, type TextTransform } from './compose.js';
import type { BotConfig } from './config.js';
import { MAX_INBOUND_BYTES, MAX_REPLY_RAW_BYTES } from './constants.js';
import {
  EmailBotError,
  MalformedMessageError,
  MessageTooLargeError,
  PermanentAwsError,
  RetryableRecordsError,
  TransientAwsError,
} from './errors.js';
import { type InboundRecord, readEvent } from './event.js';
import { extractFacts } from './facts.js';
import type { Logger } from './log.js';
import { type Mailbox, markerKeyFor } from './mailbox.js';
import { parseMail } from './parse.js';
import { decideReply, SkipReason } from './policy.js';
import { planReplySlots, REPLY_LIMIT_REASON, releaseSlots, takeReplySlots } from './reply-limit.js';

/** Everything the handler depends on. */
export interface HandlerDeps {
  config: BotConfig;
  mailbox: Mailbox;
  buildReply: ReplyBuilder;
  transform: TextTransform;
  logger: Logger;
  /** Milliseconds, for timings (default `performance.now`). */
  now?: () => number;
  /** Wall clock for marker bodies (default `new Date()`). */
  clock?: () => Date;
  /** Limits, overridable in tests. */
  maxInboundBytes?: number;
  maxReplyBytes?: number;
  /** The parser (default mailparser with bounded options). */
  parse?: (bytes: Uint8Array) => Promise<ParsedMail>;
}

/** The part of the Lambda context the handler reads. */
export interface InvocationContext {
  awsRequestId: string;
}

/** Outcome of one record. */
export interface RecordOutcome {
  index: number;
  key?: string;
  status: 'replied' | 'skipped' | 'ignored' | 'failed';
  reason?: string;
  replyMessageId?: string;
}

/** What the handler resolves with (the async invoke ignores it; tests and logs use it). */
export interface HandlerResult {
  outcomes: RecordOutcome[];
}

/**
 * Creates the Lambda handler. It resolves when every record was answered, skipped or failed permanently, and
 * throws {@link RetryableRecordsError} after processing all records when any failed transiently.
 *
 * @example
 * export const handler = createHandler({ config, mailbox, buildReply, transform, logger });
 */
export function createHandler(deps: HandlerDeps) {
  const now = deps.now ?? (() => performance.now());
  const clock = deps.clock ?? (() => new Date());
  const maxInbound = deps.maxInboundBytes ?? MAX_INBOUND_BYTES;
  const maxReply = deps.maxReplyBytes ?? MAX_REPLY_RAW_BYTES;
  const parse = deps.parse ?? parseMail;
  const { config, mailbox } = deps;
  const from = { address: config.botAddress, name: config.botName };

  async function handleRecord(
    record: InboundRecord,
    requestId: string,
    log: Logger,
    seen: { messageId?: string | undefined },
  ): Promise<RecordOutcome> {
    const started = now();
    const timings: Record<string, number> = {};
    const lap = (name: string, since: number) => {
      timings[name] = Math.round(now() - since);
    };
    const base = { index: record.index, key: record.key };

    if (record.size !== undefined && record.size > maxInbound) {
      throw new MessageTooLargeError(record.key, record.size, maxInbound);
    }
    let t = now();
    // Dropped once parsed, so the raw message is not held while the reply is built.
    let bytes: Uint8Array | undefined = await fetchMessage(record, log);
    const size = bytes.byteLength;
    lap('fetchMs', t);

    t = now();
    let parsed: ParsedMail;
    try {
      parsed = await parse(bytes);
    } catch (cause) {
      throw new MalformedMessageError(record.key, { cause });
    } finally {
      bytes = undefined;
    }
    lap('parseMs', t);
    const messageId = parsed.messageId;
    seen.messageId = messageId;

    const facts = extractFacts(parsed, record, config.trustedAuthservIds);
    const decision = decideReply(facts, config);
    if (!decision.reply) {
      log.log('info', 'skipped', {
        messageId,
        decision: 'skip',
        reason: decision.reason,
        detail: decision.detail,
        bytes: size,
        timings: { ...timings, totalMs: Math.round(now() - started) },
      });
      return { ...base, status: 'skipped', reason: decision.reason };
    }

    t = now();
    let reply: Awaited<ReturnType<typeof composeReply>>;
    try {
      reply = await composeReply(
        // A Reply-To the policy did not accept (outside the From's domain) must not steer the MIME builder.
        decision.replyToIgnored === undefined ? parsed : withoutReplyTo(parsed),
        { from, quote: config.quote, maxBytes: maxReply },
        { transform: deps.transform, buildReply: deps.buildReply },
      );
    } catch (cause) {
      // The policy already refuses addresses the builder cannot use; should the two ever disagree, the builder's
      // refusal of the recipient is still a logged skip (no one to answer), not a failure.
      const skipped = builderSkip(cause);
      if (skipped !== undefined) {
        log.log('info', 'skipped', {
          messageId,
          decision: 'skip',
          reason: skipped,
          detail: cause instanceof Error ? cause.message : String(cause),
          bytes: size,
          timings: { ...timings, totalMs: Math.round(now() - started) },
        });
        return { ...base, status: 'skipped', reason: skipped };
      }
      throw new MalformedMessageError(record.key, { cause });
    }
    lap('composeMs', t);
    const recipient = reply.envelope.to[0];
    if (recipient?.toLowerCase() !== decision.to) {
      // The policy vetted `decision.to`; never send anywhere else.
      log.log('warn', 'skipped', {
        messageId,
        decision: 'skip',
        reason: 'no-reply-address',
        detail: `the MIME builder addressed ${String(recipient)}, the policy approved ${decision.to}`,
      });
      return { ...base, status: 'skipped', reason: 'no-reply-address' };
    }

    const markerKey = markerKeyFor(config.markerPrefix, record.key);
    const marker = (state: string, extra: Record<string, unknown> = {}) =>
      JSON.stringify({
        state,
        bucket: record.bucket,
        key: record.key,
        messageId,
        requestId,
        at: clock().toISOString(),
        ...extra,
      });
    t = now();
    const claim = await mailbox.claim(record.bucket, markerKey, marker('claimed'));
    lap('claimMs', t);
    if (claim === 'taken') {
      const existing = await readMarkerQuietly(record.bucket, markerKey);
      if (existing?.state === 'limited') {
        // An earlier delivery of this message was refused by the reply limit: same outcome, nothing counted again.
        log.log('info', 'skipped', {
          messageId,
          decision: 'skip',
          reason: REPLY_LIMIT_REASON,
          detail: `marker ${markerKey} records a reply-limit refusal (${String(existing.detail)})`,
          markerKey,
          timings: { ...timings, totalMs: Math.round(now() - started) },
        });
        return { ...base, status: 'skipped', reason: REPLY_LIMIT_REASON };
      }
      log.log(existing?.state === 'sent' ? 'info' : 'warn', 'skipped', {
        messageId,
        decision: 'skip',
        reason: 'already-answered',
        detail:
          existing?.state === 'sent'
            ? `marker ${markerKey} records reply ${String(existing.replyMessageId)}`
            : `marker ${markerKey} is claimed but not confirmed (another invocation is sending, or one crashed after sending); not sending again`,
        markerKey,
        timings: { ...timings, totalMs: Math.round(now() - started) },
      });
      return { ...base, status: 'skipped', reason: 'already-answered' };
    }

    // The reply limit, counted only once this message is ours to answer (so a redelivery of an answered message
    // never takes a slot), and on the approved recipient.
    t = now();
    const store = {
      claim: (key: string, body: string) => mailbox.claim(record.bucket, key, body),
      release: (key: string) => mailbox.release(record.bucket, key),
    };
    let slots: string[] = [];
    if (config.replyLimits.length > 0) {
      const plan = planReplySlots(decision.to, clock().getTime(), config.replyLimits, config.markerPrefix);
      let taken: Awaited<ReturnType<typeof takeReplySlots>>;
      try {
        taken = await takeReplySlots(
          plan,
          store,
          JSON.stringify({ key: record.key, messageId, requestId, at: clock().toISOString() }),
        );
      } catch (error) {
        await releaseClaim(record.bucket, markerKey, log, messageId, error);
        throw error;
      }
      lap('limitMs', t);
      if (!taken.allowed) {
        const detail = `${decision.to} already got ${taken.rule.count} replies in this ${taken.rule.label.split('/')[1]} window (limit ${taken.rule.label})`;
        if (taken.unreleased.length > 0) {
          log.log('warn', 'slot-not-released', { messageId, slots: taken.unreleased });
        }
        try {
          await mailbox.putMarker(
            record.bucket,
            markerKey,
            marker('limited', { reason: REPLY_LIMIT_REASON, detail }),
          );
        } catch (error) {
          // The claim still blocks a reply; a redelivery will say already-answered instead of reply-limit.
          log.log('warn', 'marker-not-updated', { messageId, markerKey, error });
        }
        log.log('info', 'skipped', {
          messageId,
          decision: 'skip',
          reason: REPLY_LIMIT_REASON,
          detail,
          to: decision.to,
          markerKey,
          timings: { ...timings, totalMs: Math.round(now() - started) },
        });
        return { ...base, status: 'skipped', reason: REPLY_LIMIT_REASON };
      }
      slots = taken.slots;
    }

    t = now();
    let replyMessageId: string;
    try {
      replyMessageId = await mailbox.sendRawEmail({
        source: config.botAddress,
        // The builder's spelling of the approved address (local parts may be case-sensitive).
        destinations: [recipient],
        raw: reply.raw,
        configurationSet: config.configurationSet,
      });
    } catch (error) {
      // Nothing went out: give the slots back (a slot that cannot be deleted only lowers this window's budget),
      // then the claim, so a retry can send.
      const { unreleased } = await releaseSlots(slots, store);
      if (unreleased.length > 0) log.log('warn', 'slot-not-released', { messageId, slots: unreleased });
      await releaseClaim(record.bucket, markerKey, log, messageId, error);
      throw error;
    }
    lap('sendMs', t);

    try {
      await mailbox.putMarker(
        record.bucket,
        markerKey,
        marker('sent', { replyMessageId, to: recipient, ...(slots.length > 0 ? { slots } : {}) }),
      );
    } catch (error) {
      // The reply is out and the claim still blocks a second one; only the marker's detail is missing.
      log.log('warn', 'marker-not-updated', { messageId, markerKey, error });
    }

    log.log('info', 'replied', {
      messageId,
      decision: 'reply',
      to: recipient,
      ...(decision.replyToIgnored === undefined
        ? {}
        : { detail: `Reply-To ${decision.replyToIgnored} is outside the From's domain; answered From` }),
      replyMessageId,
      truncated: reply.truncated,
      replyBytes: reply.raw.byteLength,
      bytes: size,
      markerKey,
      timings: { ...timings, totalMs: Math.round(now() - started) },
    });
    return { ...base, status: 'replied', replyMessageId };
  }

  async function fetchMessage(record: InboundRecord, log: Logger): Promise<Uint8Array> {
    try {
      return await mailbox.getObject(record.bucket, record.key, maxInbound);
    } catch (error) {
      // AWS form-encodes notification keys; some emulators do not. Try the key as given before giving up.
      if (record.rawKey !== record.key && error instanceof PermanentAwsError) {
        log.log('info', 'retrying with the undecoded key', { rawKey: record.rawKey });
        return await mailbox.getObject(record.bucket, record.rawKey, maxInbound);
      }
      throw error;
    }
  }

  /** Deletes the message's claim after a failed send; if that fails the claim is stuck, which is thrown. */
  async function releaseClaim(
    bucket: string,
    markerKey: string,
    log: Logger,
    messageId: string | undefined,
    sendError: unknown,
  ): Promise<void> {
    try {
      await mailbox.release(bucket, markerKey);
    } catch (releaseError) {
      // The claim stays: no retry can answer this message. Say so loudly, and let the event be retried/DLQ'd.
      log.log('error', 'claim-stuck', { messageId, markerKey, error: releaseError, sendError });
      throw new TransientAwsError(`releasing marker ${markerKey} after a failed send`, {
        cause: releaseError,
      });
    }
  }

  async function readMarkerQuietly(
    bucket: string,
    markerKey: string,
  ): Promise<Record<string, unknown> | undefined> {
    try {
      const text = await mailbox.readMarker(bucket, markerKey);
      return text === undefined ? undefined : (JSON.parse(text) as Record<string, unknown>);
    } catch {
      return undefined;
    }
  }

  return async function handler(event: unknown, context?: InvocationContext): Promise<HandlerResult> {
    const requestId = context?.awsRequestId ?? 'unknown';
    const logger = deps.logger.child({ requestId });
    const outcomes: RecordOutcome[] = [];
    const retry: string[] = [];
    const errors: unknown[] = [];

    for (const entry of readEvent(event, config)) {
      if (entry.kind === 'ignored') {
        const level =
          entry.reason === 'not-object-created' || entry.reason === 'marker-object' ? 'info' : 'error';
        logger.log(level, 'ignored', {
          index: entry.index,
          decision: 'ignore',
          reason: entry.reason,
          detail: entry.detail,
        });
        outcomes.push({ index: entry.index, status: 'ignored', reason: entry.reason });
        continue;
      }
      const { record } = entry;
      const log = logger.child({ key: record.key, bucket: record.bucket, source: record.source });
      // What the record revealed before failing (the Message-ID once parsed), for the failure's log line.
      const seen: { messageId?: string | undefined } = {};
      try {
        outcomes.push(await handleRecord(record, requestId, log, seen));
      } catch (error) {
        const retryable = !(error instanceof EmailBotError) || error.retryable;
        const reason = reasonOf(error);
        log.log('error', 'failed', {
          index: record.index,
          messageId: seen.messageId,
          decision: 'fail',
          reason,
          retryable,
          error,
          cause: error instanceof Error ? error.cause : undefined,
        });
        outcomes.push({ index: record.index, key: record.key, status: 'failed', reason });
        if (retryable) {
          retry.push(record.key);
          errors.push(error);
        }
      }
    }
    if (retry.length > 0)
      throw new RetryableRecordsError(retry, { cause: errors.length === 1 ? errors[0] : errors });
    return { outcomes };
  };
}

/**
 * The skip reason for a reply the MIME builder refused because of the original's addressing: no mailbox in
 * Reply-To/From, an unusable recipient address, or the bot's own address. Other refusals are failures.
 */
function builderSkip(error: unknown): SkipReason | undefined {
  if (!(error instanceof MimeError)) return undefined;
  if (error instanceof NoRecipientError) return SkipReason.NO_REPLY_ADDRESS;
  if (error instanceof InvalidAddressError && error.field.startsWith('original.')) {
    return SkipReason.NO_REPLY_ADDRESS;
  }
  if (error instanceof ReplyLoopError) return SkipReason.OWN_ADDRESS;
  return undefined;
}

/** The parsed message without its Reply-To, so the MIME builder addresses From. */
function withoutReplyTo(parsed: ParsedMail): ParsedMail {
  const copy = { ...parsed };
  delete copy.replyTo;
  return copy;
}

function reasonOf(error: unknown): string {
  if (error instanceof MessageTooLargeError) return 'too-large';
  if (error instanceof MalformedMessageError) return 'malformed-message';
  if (error instanceof PermanentAwsError) return 'aws-refused';
  if (error instanceof TransientAwsError) return 'aws-transient';
  return 'unexpected-error';
}
