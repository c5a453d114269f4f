import { expect, test } from 'vitest';
import { inReplyTo } from './outbox-watcher.js';

test('inReplyTo reads the header, folded or not, and ignores the body', () => {
  expect(inReplyTo('From: a@b\r\nIn-Reply-To: <m1@example.org>\r\n\r\nbody')).toBe('<m1@example.org>');
  expect(inReplyTo('in-reply-to:\r\n <m2@example.org>\r\nX: y\r\n\r\n')).toBe('<m2@example.org>');
  expect(inReplyTo('From: a@b\r\n\r\nIn-Reply-To: <body@example.org>')).toBeUndefined();
});
