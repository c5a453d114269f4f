/**
 * @module @caprice/email-bot — the Lambda entry (`index.handler` in the zip). Reads and validates the
 * configuration at init (a bad variable fails the init, naming the variable) and wires the real dependencies.
 */
import { capitalizeHtml, randomCapitalize } from '@caprice/capitalize';
import { buildReply } from '@caprice/mime';
import { loadConfig } from './config.js';
import { createHandler } from './handler.js';
import { createLogger } from './log.js';
import { createMailbox } from './mailbox.js';

const logger = createLogger({ base: { app: 'email-bot' } });

function init() {
  try {
    const config = loadConfig(process.env);
    const probability = config.capitalizeProbability;
    return createHandler({
      config,
      logger,
      mailbox: createMailbox({ config }),
      buildReply: (original, reply) => buildReply(original, reply),
      transform: {
        text: (input) => randomCapitalize(input, { probability }),
        html: (input) => capitalizeHtml(input, { probability }),
      },
    });
  } catch (error) {
    logger.log('error', 'init failed', { error });
    throw error;
  }
}

/** The Lambda handler: S3 notifications and SES receipt events. */
export const handler = init();
