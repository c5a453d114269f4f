/** Configuration from environment variables, validated once at init. */
import { botMailbox, InvalidDisplayNameError, MimeError } from '@caprice/mime';
import { ENV } from './constants.js';
import { ConfigError } from './errors.js';
import { DEFAULT_REPLY_LIMITS, parseReplyLimits, type ReplyLimitRule } from './reply-limit.js';

/** Everything the bot reads from its environment. */
export interface BotConfig {
  /** The bot's own address: the reply's From and the SES `Source`. Lower-cased. */
  botAddress: string;
  /** Display name on the reply's From. */
  botName: string;
  /** Addresses (`bot@example.com`) the bot answers for; mail must name one of them in To/Cc. Lower-cased. */
  allowedAddresses: readonly string[];
  /** Domains (`example.com`, written `@example.com` in the variable) the bot answers for. Lower-cased. */
  allowedDomains: readonly string[];
  /** Bucket holding the messages; needed for SES receipt events, which do not name it. */
  bucket: string | undefined;
  /** Prefix of the SES S3 action (`<prefix><messageId>` is the object key). */
  keyPrefix: string;
  /** Prefix of the idempotency markers; never under `keyPrefix`, so markers do not trigger the bot. */
  markerPrefix: string;
  /** Quote the original text under the reply. */
  quote: boolean;
  /** Probability that a letter is flipped to upper case. */
  capitalizeProbability: number;
  /** `Authentication-Results` authserv-ids whose results are trusted (RFC 8601 §5). Lower-cased. */
  trustedAuthservIds: readonly string[];
  /** Per-correspondent reply limits (empty: no limit). See `src/reply-limit.ts`. */
  replyLimits: readonly ReplyLimitRule[];
  /**
   * `relaxed` (default): reply only when the From domain is aligned (relaxed, DMARC-style) with the SPF or DKIM
   * domain SES authenticated, or DMARC passed; `off`: any SPF or DKIM pass will do (forged From answered).
   */
  requireAlignment: 'relaxed' | 'off';
  /** Optional SES configuration set for the replies. */
  configurationSet: string | undefined;
  region: string;
  /** Custom endpoints (local emulator): EMAIL_BOT_S3_ENDPOINT, else AWS_ENDPOINT_URL_S3, else AWS_ENDPOINT_URL; same for SES. */
  s3Endpoint: string | undefined;
  sesEndpoint: string | undefined;
}

type Env = Readonly<Record<string, string | undefined>>;

const ADDRESS_RE = /^[^\s@<>()",;:]+@[a-z0-9](?:[a-z0-9-]*[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]*[a-z0-9])?)+$/i;
const DOMAIN_RE = /^[a-z0-9](?:[a-z0-9-]*[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]*[a-z0-9])?)+$/i;
const REGION_RE = /^[a-z]{2}(?:-[a-z]+)+-\d$/;

/**
 * Reads and validates the bot's configuration.
 *
 * @throws {ConfigError} naming the variable when one is missing or invalid.
 * @example
 * const config = loadConfig({ EMAIL_BOT_ADDRESS: 'bot@example.com', AWS_REGION: 'eu-west-1' });
 */
export function loadConfig(env: Env): BotConfig {
  const rawAddress = required(env, ENV.BOT_ADDRESS).toLowerCase();
  if (!ADDRESS_RE.test(rawAddress)) {
    throw new ConfigError(
      ENV.BOT_ADDRESS,
      `is "${rawAddress}", not an address; set it to e.g. bot@example.com`,
    );
  }
  const rawName = optional(env, ENV.BOT_NAME) ?? 'Caprice';
  if (/[\r\n]/.test(rawName)) throw new ConfigError(ENV.BOT_NAME, 'must be a single line');
  const { address: botAddress, name: botName } = checkBotMailbox(rawAddress, rawName);

  const { addresses, domains } = parseRecipients(optional(env, ENV.ALLOWED_RECIPIENTS) ?? botAddress);

  const keyPrefix = optional(env, ENV.KEY_PREFIX) ?? '';
  const markerPrefix = optional(env, ENV.MARKER_PREFIX) ?? 'email-bot-replied/';
  if (keyPrefix !== '' && markerPrefix.startsWith(keyPrefix)) {
    throw new ConfigError(
      ENV.MARKER_PREFIX,
      `is "${markerPrefix}", inside ${ENV.KEY_PREFIX} "${keyPrefix}"; markers would trigger the bot, choose a prefix outside it`,
    );
  }

  const quote = parseBoolean(env, ENV.QUOTE, true);
  const probabilityText = optional(env, ENV.CAPITALIZE_PROBABILITY);
  const capitalizeProbability = probabilityText === undefined ? 0.5 : Number(probabilityText);
  if (!Number.isFinite(capitalizeProbability) || capitalizeProbability < 0 || capitalizeProbability > 1) {
    throw new ConfigError(
      ENV.CAPITALIZE_PROBABILITY,
      `is "${probabilityText}"; expected a number from 0 to 1`,
    );
  }

  const trustedAuthservIds = (optional(env, ENV.TRUSTED_AUTHSERV_IDS) ?? 'amazonses.com')
    .split(',')
    .map((s) => s.trim().toLowerCase())
    .filter((s) => s !== '');
  if (trustedAuthservIds.length === 0) {
    throw new ConfigError(ENV.TRUSTED_AUTHSERV_IDS, 'lists no authserv-id; set it to e.g. amazonses.com');
  }

  let replyLimits: ReplyLimitRule[];
  try {
    replyLimits = parseReplyLimits(optional(env, ENV.REPLY_LIMITS) ?? DEFAULT_REPLY_LIMITS);
  } catch (cause) {
    throw new ConfigError(ENV.REPLY_LIMITS, (cause as Error).message, { cause });
  }

  const alignment = (optional(env, ENV.REQUIRE_ALIGNMENT) ?? 'relaxed').toLowerCase();
  if (alignment !== 'relaxed' && alignment !== 'off') {
    throw new ConfigError(
      ENV.REQUIRE_ALIGNMENT,
      `is "${alignment}"; expected relaxed (reply only when From is aligned with SPF or DKIM, the default) or off`,
    );
  }
  const requireAlignment: 'relaxed' | 'off' = alignment;

  const region = required(env, ENV.REGION);
  if (!REGION_RE.test(region)) {
    throw new ConfigError(ENV.REGION, `is "${region}", not an AWS region name like eu-west-1`);
  }

  return {
    botAddress,
    botName,
    allowedAddresses: addresses,
    allowedDomains: domains,
    bucket: optional(env, ENV.BUCKET),
    keyPrefix,
    markerPrefix,
    quote,
    capitalizeProbability,
    trustedAuthservIds,
    replyLimits,
    requireAlignment,
    configurationSet: optional(env, ENV.CONFIGURATION_SET),
    region,
    // The SDK's own endpoint variables count too (the local emulator sets AWS_ENDPOINT_URL for functions).
    s3Endpoint: firstEndpoint(env, [ENV.S3_ENDPOINT, 'AWS_ENDPOINT_URL_S3', 'AWS_ENDPOINT_URL']),
    sesEndpoint: firstEndpoint(env, [ENV.SES_ENDPOINT, 'AWS_ENDPOINT_URL_SES', 'AWS_ENDPOINT_URL']),
  };
}

/**
 * Checks the bot's mailbox with the reply builder's own rules (`@caprice/mime` `botMailbox`), so an address or
 * name it would refuse (non-ASCII local part, a 70+ character word or `=?` in the name, …) fails the init naming
 * the variable instead of failing every reply. Returns the canonical forms (domain punycoded, name normalised).
 */
function checkBotMailbox(address: string, name: string): { address: string; name: string } {
  try {
    return botMailbox({ address, name });
  } catch (cause) {
    if (!(cause instanceof MimeError)) throw cause;
    const isName = cause instanceof InvalidDisplayNameError;
    const variable = isName ? ENV.BOT_NAME : ENV.BOT_ADDRESS;
    const value = isName ? name : address;
    throw new ConfigError(variable, `is "${value}", which the reply builder refuses: ${cause.message}`, {
      cause,
    });
  }
}

function required(env: Env, name: string): string {
  const value = optional(env, name);
  if (value === undefined) throw new ConfigError(name, 'is required but not set');
  return value;
}

function optional(env: Env, name: string): string | undefined {
  const value = env[name]?.trim();
  return value === undefined || value === '' ? undefined : value;
}

function parseBoolean(env: Env, name: string, fallback: boolean): boolean {
  const value = optional(env, name)?.toLowerCase();
  if (value === undefined) return fallback;
  if (['1', 'true', 'yes', 'on'].includes(value)) return true;
  if (['0', 'false', 'no', 'off'].includes(value)) return false;
  throw new ConfigError(name, `is "${value}"; expected true or false`);
}

function parseRecipients(text: string): { addresses: string[]; domains: string[] } {
  const addresses: string[] = [];
  const domains: string[] = [];
  for (const raw of text.split(',')) {
    const item = raw.trim().toLowerCase();
    if (item === '') continue;
    if (item.startsWith('@') && DOMAIN_RE.test(item.slice(1))) domains.push(item.slice(1));
    else if (ADDRESS_RE.test(item)) addresses.push(item);
    else {
      throw new ConfigError(
        ENV.ALLOWED_RECIPIENTS,
        `has "${item}", neither an address (bot@example.com) nor a domain (@example.com)`,
      );
    }
  }
  if (addresses.length === 0 && domains.length === 0) {
    throw new ConfigError(ENV.ALLOWED_RECIPIENTS, 'lists no address or domain; set e.g. bot@example.com');
  }
  return { addresses, domains };
}

function firstEndpoint(env: Env, names: readonly string[]): string | undefined {
  for (const name of names) {
    const value = endpoint(env, name);
    if (value !== undefined) return value;
  }
  return undefined;
}

function endpoint(env: Env, name: string): string | undefined {
  const value = optional(env, name);
  if (value === undefined) return undefined;
  let url: URL;
  try {
    url = new URL(value);
  } catch (cause) {
    throw new ConfigError(name, `is "${value}", not a URL; set e.g. http://127.0.0.1:4566`, { cause });
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new ConfigError(name, `is "${value}"; expected an http(s) URL`);
  }
  return value;
}
