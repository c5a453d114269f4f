/** Limits and names shared by the bot's modules. */

/** SES receiving (S3 action) refuses larger mail; anything bigger in the bucket did not come from SES. */
export const MAX_INBOUND_BYTES = 40 * 1024 * 1024;

/**
 * SES v1 `SendRawEmail` accepts 10 MB *after base64 encoding* of the raw message, so the raw bytes must stay
 * under 3/4 of it; 64 KiB is kept back for the rest of the request.
 * @see {@link https://docs.aws.amazon.com/ses/latest/dg/quotas.html}
 */
export const MAX_REPLY_RAW_BYTES = Math.floor((10 * 1024 * 1024 * 3) / 4) - 64 * 1024;

/** Environment variables read at init (see README "Configuration"). */
export const ENV = {
  BOT_ADDRESS: 'EMAIL_BOT_ADDRESS',
  BOT_NAME: 'EMAIL_BOT_NAME',
  ALLOWED_RECIPIENTS: 'EMAIL_BOT_ALLOWED_RECIPIENTS',
  BUCKET: 'EMAIL_BOT_BUCKET',
  KEY_PREFIX: 'EMAIL_BOT_KEY_PREFIX',
  MARKER_PREFIX: 'EMAIL_BOT_MARKER_PREFIX',
  QUOTE: 'EMAIL_BOT_QUOTE',
  CAPITALIZE_PROBABILITY: 'EMAIL_BOT_CAPITALIZE_PROBABILITY',
  TRUSTED_AUTHSERV_IDS: 'EMAIL_BOT_TRUSTED_AUTHSERV_IDS',
  REPLY_LIMITS: 'EMAIL_BOT_REPLY_LIMITS',
  REQUIRE_ALIGNMENT: 'EMAIL_BOT_REQUIRE_ALIGNMENT',
  CONFIGURATION_SET: 'EMAIL_BOT_SES_CONFIGURATION_SET',
  S3_ENDPOINT: 'EMAIL_BOT_S3_ENDPOINT',
  SES_ENDPOINT: 'EMAIL_BOT_SES_ENDPOINT',
  REGION: 'AWS_REGION',
} as const;
