/**
 * Replaces mailparser's `import linkifyIt from 'linkify-it'` in the email bot's bundle (scripts/bundle-options.ts).
 * mailparser builds and configures a linkify instance at load time (the full TLD list, `.onion`, a twitter rule), but
 * only uses it to turn plain text into HTML links, which the bot switches off (`skipTextToHtml`). This stand-in
 * records the configuration calls (`tlds`, `add`, `set`) and builds the real instance, replaying them, on the first
 * other use, so the bot never pays for it while the behaviour stays linkify's own.
 */
import linkifyIt from 'linkify-it';

/** The methods mailparser chains at load time; anything else builds the real instance. */
const CONFIGURE = new Set(['tlds', 'add', 'set']);

type Factory = (...args: unknown[]) => object;

/**
 * A `linkifyIt`-compatible factory whose instances stay unbuilt until first really used.
 *
 * @example
 * const linkify = deferLinkify(linkifyIt)().tlds(['com']); // nothing built yet
 * linkify.test('see example.com'); // built now, with the recorded tlds() applied
 */
export function deferLinkify(factory: Factory): Factory {
  return (...args: unknown[]) => {
    const calls: [string, unknown[]][] = [];
    let real: Record<string | symbol, unknown> | undefined;
    const build = (): Record<string | symbol, unknown> => {
      if (real === undefined) {
        real = factory(...args) as Record<string | symbol, unknown>;
        for (const [method, callArgs] of calls) (real[method] as (...a: unknown[]) => unknown)(...callArgs);
        calls.length = 0;
      }
      return real;
    };
    const stand: object = new Proxy(
      {},
      {
        get(_target, key) {
          if (real === undefined && typeof key === 'string' && CONFIGURE.has(key)) {
            return (...callArgs: unknown[]) => {
              calls.push([key, callArgs]);
              return stand;
            };
          }
          const instance = build();
          const value = instance[key];
          return typeof value === 'function' ? value.bind(instance) : value;
        },
        set(_target, key, value) {
          build()[key] = value;
          return true;
        },
        has(_target, key) {
          return key in build();
        },
      },
    );
    return stand;
  };
}

/** What mailparser's default import receives. */
export const deferredLinkifyIt = deferLinkify(linkifyIt as unknown as Factory);
