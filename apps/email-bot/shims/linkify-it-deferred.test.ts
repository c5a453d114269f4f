/** The deferred linkify stand-in against linkify-it configured directly the way mailparser configures it. */
import linkifyIt from 'linkify-it';
import { describe, expect, it } from 'vitest';
import { deferLinkify } from './linkify-it-deferred.js';

type Linkify = ReturnType<typeof linkifyIt>;

/** mailparser 3.14.2's configuration (dist/esm/mail-parser.js), with a short TLD list. */
function configure(linkify: Linkify): Linkify {
  linkify
    .tlds(['com', 'org', 'net', 'de', 'xn--p1ai'])
    .tlds('onion', true)
    .add('git:', 'http:')
    .add('ftp:', null)
    .set({ fuzzyIP: true, fuzzyLink: true, fuzzyEmail: true });
  linkify.add('@', {
    validate(text: string, pos: number) {
      const tail = text.slice(pos);
      const match = /^([a-zA-Z0-9_]){1,15}/.exec(tail);
      return match ? match[0].length : 0;
    },
    normalize(match: { url: string }) {
      match.url = `https://twitter.com/${match.url.replace(/^@/, '')}`;
    },
  });
  return linkify;
}

const TEXTS = [
  'see https://example.com/a?b=1 and www.example.org, mail bob@example.net',
  'git://host.de/repo ftp://old.example.com 192.168.0.1 and abc.onion',
  'no links here at all',
  '@someone wrote: пример.рф and http://пример.рф/путь',
  '',
];

describe('deferred linkify-it', () => {
  it('builds nothing while only configured', () => {
    let built = 0;
    const factory = (...args: unknown[]) => {
      built += 1;
      return (linkifyIt as unknown as (...a: unknown[]) => object)(...args);
    };
    const linkify = configure(deferLinkify(factory)() as Linkify);
    expect(built).toBe(0);
    linkify.test('example.com');
    linkify.match('example.com');
    expect(built).toBe(1);
  });

  it('matches, tests and pretests like linkify-it configured directly', () => {
    const direct = configure(linkifyIt());
    const deferred = configure(
      deferLinkify(linkifyIt as unknown as (...a: unknown[]) => object)() as Linkify,
    );
    for (const text of TEXTS) {
      expect(deferred.pretest(text), text).toBe(direct.pretest(text));
      expect(deferred.test(text), text).toBe(direct.test(text));
      expect(JSON.stringify(deferred.match(text)), text).toBe(JSON.stringify(direct.match(text)));
    }
  });
});
