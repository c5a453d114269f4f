/** A logger that keeps its JSON lines for assertions. */
import { createLogger, type Logger } from '../../src/log.js';

export function captureLogger(): { logger: Logger; lines: Record<string, unknown>[] } {
  const lines: Record<string, unknown>[] = [];
  const logger = createLogger({ write: (line) => lines.push(JSON.parse(line) as Record<string, unknown>) });
  return { logger, lines };
}
