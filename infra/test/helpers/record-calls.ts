/** Counting what a deploy sends: SDK middleware that records every command name, before retries. */

/** Commands that read only; everything else changes something. */
export const READ_ONLY = /^(Get|List|Head|Describe)/;

type Next = (args: unknown) => Promise<unknown>;
interface MiddlewareAdder {
  add(
    middleware: (next: Next, context: { commandName?: string }) => Next,
    options: { step: string; name: string },
  ): void;
}

/** Adds the recording middleware to `client` (any SDK v3 client) and returns it. */
export function recordCalls<T extends { middlewareStack: unknown }>(client: T, calls: string[]): T {
  (client.middlewareStack as MiddlewareAdder).add(
    (next, context) => async (args) => {
      calls.push(String(context.commandName).replace(/Command$/, ''));
      return next(args);
    },
    { step: 'initialize', name: 'caprice-record-calls' },
  );
  return client;
}
