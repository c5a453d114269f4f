/**
 * The bundle's entry: the runtime (from the layer) loads `index.handler`.
 * @module
 */
import { randomCapitalize } from '@caprice/capitalize';
import { createHandler } from './handler.js';

/** Comma-separated origins allowed cross-origin (`*` for any); unset or empty → none. */
export const CORS_ORIGINS_ENV_VAR = 'CORS_ALLOWED_ORIGINS' as const;

/** Parses {@link CORS_ORIGINS_ENV_VAR}. */
export function parseCorsOrigins(value: string | undefined): string[] {
  return (value ?? '')
    .split(',')
    .map((o) => o.trim())
    .filter((o) => o !== '');
}

/** The Lambda handler. */
export const handler = createHandler({
  capitalize: (text, options) => randomCapitalize(text, options),
  corsOrigins: parseCorsOrigins(process.env[CORS_ORIGINS_ENV_VAR]),
});
