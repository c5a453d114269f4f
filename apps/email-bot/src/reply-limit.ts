/**
 * The per-correspondent reply limit: at most `count` replies to one address per fixed time window, for each
 * configured rule (default: 5 per hour and 20 per day).
 *
 * Why: RFC 3834 §2 says a responder "SHOULD NOT respond more than once within a period of days to the same
 * sender". This bot answers every message (each one asks for a capitalized copy), so it allows a small burst
 * instead; the limit is what stops a non-conforming auto-responder (one that marks its answers with nothing)
 * from looping with the bot, and what bounds reflection to any one address.
 *
 * Counting is done with *slots*: slot `i` of a rule's window is an S3 object created with `If-None-Match: *`,
 * so across any number of concurrent instances each slot is won by exactly one reply. A reply needs one free
 * slot in every rule. The plan (keys) is pure; taking slots goes through injected claim/release operations
 * (the mailbox's conditional S3 writes in production).
 */
import { createHash } from 'node:crypto';

/** The skip reason logged when every slot of a rule's window is taken. */
export const REPLY_LIMIT_REASON = 'reply-limit';

/** One rule: at most `count` replies per correspondent in each `windowMs` window (aligned to the Unix epoch). */
export interface ReplyLimitRule {
  count: number;
  windowMs: number;
  /** As written in the configuration, e.g. `5/1h`. */
  label: string;
}

/** The default rules: a short burst for a human conversation, and a daily cap that ends any loop for the day. */
export const DEFAULT_REPLY_LIMITS = '5/1h,20/1d';

/** Slot keys live under `<markerPrefix>limit/`; the bot ignores events for keys under its marker prefix. */
export const LIMIT_KEY_SEGMENT = 'limit/';

const UNIT_MS: Record<string, number> = { s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 };
const RULE_RE = /^(\d{1,4})\s*\/\s*(\d{1,4})\s*([smhd])$/;
/** More slots than this per window would make a full window cost too many S3 requests to detect. */
export const MAX_SLOTS_PER_WINDOW = 1000;

/**
 * Parses `EMAIL_BOT_REPLY_LIMITS`: comma-separated `<count>/<n><s|m|h|d>` rules (`5/1h,20/1d`), or `off`
 * (no limit: an empty list).
 *
 * @throws {Error} describing the bad rule (the config loader turns it into a `ConfigError` naming the variable).
 * @example
 * parseReplyLimits('5/1h,20/1d'); // [{ count: 5, windowMs: 3600000, label: '5/1h' }, { count: 20, ... }]
 */
export function parseReplyLimits(text: string): ReplyLimitRule[] {
  const trimmed = text.trim().toLowerCase();
  if (trimmed === 'off' || trimmed === 'none') return [];
  const rules: ReplyLimitRule[] = [];
  for (const part of trimmed.split(',')) {
    const item = part.trim();
    if (item === '') continue;
    const match = RULE_RE.exec(item);
    if (!match) {
      throw new Error(`has "${item}"; expected rules like 5/1h,20/1d (count/window in s, m, h or d), or off`);
    }
    const count = Number(match[1]);
    const windowMs = Number(match[2]) * UNIT_MS[match[3]!]!;
    if (count < 1 || count > MAX_SLOTS_PER_WINDOW) {
      throw new Error(`has "${item}"; the count must be 1 to ${MAX_SLOTS_PER_WINDOW} (use off for no limit)`);
    }
    if (windowMs < 1_000) throw new Error(`has "${item}"; the window must be at least 1s`);
    // Slot keys are named by window length, so two rules over the same window would share (and miscount) slots.
    if (rules.some((r) => r.windowMs === windowMs)) {
      throw new Error(`has two rules over the same window ("${item}"); keep one per window length`);
    }
    rules.push({ count, windowMs, label: item.replace(/\s+/g, '') });
  }
  if (rules.length === 0) throw new Error('lists no rule; set e.g. 5/1h,20/1d, or off');
  return rules;
}

/**
 * The address a limit counts: lower-cased, and with a `+tag` removed from the local part, so that
 * `Carol+1@Example.org` and `carol+2@example.org` share one budget (a reflector cannot multiply a victim's budget
 * with tags; most providers deliver all of them to one mailbox).
 *
 * @example
 * normaliseCorrespondent('Carol+loop@Example.ORG'); // 'carol@example.org'
 */
export function normaliseCorrespondent(address: string): string {
  const lower = address.trim().toLowerCase();
  const at = lower.lastIndexOf('@');
  if (at <= 0) return lower;
  const local = lower.slice(0, at);
  const plus = local.indexOf('+');
  const base = plus > 0 ? local.slice(0, plus) : local;
  return `${base}${lower.slice(at)}`;
}

/** The slots one rule offers a correspondent in the current window. */
export interface RuleSlots {
  rule: ReplyLimitRule;
  /** `floor(now / windowMs)`: windows are fixed and aligned to the epoch (UTC). */
  window: number;
  /** Slot keys, tried in order: `<markerPrefix>limit/<sha256(address)>/<windowMs>/<window>/<slot>`. */
  keys: string[];
}

/**
 * Plans the slot keys for a reply to `address` at `nowMs`: one entry per rule. Pure.
 *
 * @example
 * planReplySlots('carol@example.org', Date.UTC(2026, 10, 25, 9), parseReplyLimits('2/1h'), 'm/');
 * // [{ rule, window: 493881, keys: ['m/limit/<hash>/3600000/493881/0', 'm/limit/<hash>/3600000/493881/1'] }]
 */
export function planReplySlots(
  address: string,
  nowMs: number,
  rules: readonly ReplyLimitRule[],
  markerPrefix: string,
): RuleSlots[] {
  const hash = createHash('sha256').update(normaliseCorrespondent(address)).digest('hex');
  return rules.map((rule) => {
    const window = Math.floor(nowMs / rule.windowMs);
    const base = `${markerPrefix}${LIMIT_KEY_SEGMENT}${hash}/${rule.windowMs}/${window}/`;
    return { rule, window, keys: Array.from({ length: rule.count }, (_, i) => `${base}${i}`) };
  });
}

/** The conditional-write operations slots are taken with (the mailbox in production, a map in tests). */
export interface SlotStore {
  /** Creates `key` only if absent: `'claimed'` if this call created it, `'taken'` if it existed. */
  claim(key: string, body: string): Promise<'claimed' | 'taken'>;
  /** Deletes a slot this reply holds. */
  release(key: string): Promise<void>;
}

/** The outcome of {@link takeReplySlots}. */
export type SlotResult =
  | { allowed: true; slots: string[] }
  | { allowed: false; rule: ReplyLimitRule; window: number; released: string[]; unreleased: string[] };

/**
 * Takes the first free slot of every rule, in order. When a rule has none left the reply is not allowed and the
 * slots already taken for earlier rules are given back (best effort: one that cannot be deleted is reported in
 * `unreleased` and only lowers that window's budget). A claim error is thrown after giving back what was taken.
 */
export async function takeReplySlots(
  plan: readonly RuleSlots[],
  store: SlotStore,
  body: string,
): Promise<SlotResult> {
  const held: string[] = [];
  try {
    for (const { rule, window, keys } of plan) {
      let won: string | undefined;
      for (const key of keys) {
        if ((await store.claim(key, body)) === 'claimed') {
          won = key;
          break;
        }
      }
      if (won === undefined) {
        const { released, unreleased } = await releaseSlots(held, store);
        return { allowed: false, rule, window, released, unreleased };
      }
      held.push(won);
    }
  } catch (error) {
    await releaseSlots(held, store);
    throw error;
  }
  return { allowed: true, slots: held };
}

/** Deletes slots, never throwing: returns which were deleted and which could not be. */
export async function releaseSlots(
  slots: readonly string[],
  store: Pick<SlotStore, 'release'>,
): Promise<{ released: string[]; unreleased: string[] }> {
  const released: string[] = [];
  const unreleased: string[] = [];
  for (const key of slots) {
    try {
      await store.release(key);
      released.push(key);
    } catch {
      unreleased.push(key);
    }
  }
  return { released, unreleased };
}
