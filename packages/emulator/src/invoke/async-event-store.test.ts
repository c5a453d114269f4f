import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import {
  ASYNC_EVENT_FORMAT,
  AsyncEventStore,
  parseStoredEvent,
  type StoredAsyncEvent,
} from './async-event-store.js';

const EVENT: StoredAsyncEvent = {
  format: ASYNC_EVENT_FORMAT,
  requestId: '0b3c6a1e-1111-4222-8333-444455556666',
  functionArn: 'arn:aws:lambda:us-east-1:000000000000:function:f',
  qualifier: 'live',
  payload: Buffer.from('{"a":1}').toString('base64'),
  hops: 0,
  enqueuedAt: 1_700_000_000_000,
  attempts: 1,
  nextAttemptAt: 1_700_000_060_000,
  last: { ok: false, body: Buffer.from('{"errorType":"Boom"}').toString('base64') },
};

describe('parseStoredEvent', () => {
  it('reads back what is written', () => {
    expect(parseStoredEvent(JSON.stringify(EVENT))).toEqual(EVENT);
  });

  it.each([
    ['{"format":', /^not JSON/],
    ['[]', /not a JSON object/],
    [
      JSON.stringify({ ...EVENT, format: 'caprice-async-event/9' }),
      /format is "caprice-async-event\/9", expected "caprice-async-event\/1"/,
    ],
    [JSON.stringify({ ...EVENT, requestId: '../x' }), /requestId is missing/],
    [JSON.stringify({ ...EVENT, functionArn: 'f' }), /functionArn is missing or not a function ARN/],
    [JSON.stringify({ ...EVENT, payload: 1 }), /payload is missing/],
    [JSON.stringify({ ...EVENT, qualifier: 2 }), /qualifier is not a string/],
    [JSON.stringify({ ...EVENT, attempts: -1 }), /attempts is missing or not a number >= 0/],
    [JSON.stringify({ ...EVENT, enqueuedAt: undefined }), /enqueuedAt is missing/],
    [JSON.stringify({ ...EVENT, last: { ok: 'no' } }), /last is not \{ok, body\}/],
    [
      JSON.stringify({ ...EVENT, done: 'Maybe' }),
      /done is "Maybe", expected one of Success, RetriesExhausted, EventAgeExceeded/,
    ],
  ])('rejects %s saying what is wrong', (text, message) => {
    expect(() => parseStoredEvent(text)).toThrow(message);
  });
});

describe('AsyncEventStore', () => {
  const roots: string[] = [];
  afterEach(() => {
    for (const r of roots.splice(0)) rmSync(r, { recursive: true, force: true });
  });
  const store = () => {
    const root = mkdtempSync(path.join(tmpdir(), 'caprice-async-store-'));
    roots.push(root);
    return new AsyncEventStore(root);
  };

  it('saves one file per event (no temp file left), loads oldest first, removes', async () => {
    const s = store();
    const older = { ...EVENT, requestId: 'older', enqueuedAt: EVENT.enqueuedAt - 1 };
    await s.save(EVENT);
    await s.save(older);
    expect(readdirSync(s.dir).sort()).toEqual([`${EVENT.requestId}.json`, 'older.json']);
    expect(JSON.parse(readFileSync(s.fileFor('older'), 'utf8'))).toEqual(older);
    expect((await s.load()).events.map((e) => e.requestId)).toEqual(['older', EVENT.requestId]);
    await s.remove('older');
    await s.remove('older'); // twice is fine
    expect(readdirSync(s.dir)).toEqual([`${EVENT.requestId}.json`]);
  });

  it('moves unreadable files aside with a unique name, never deletes them', async () => {
    const s = store();
    writeFileSync(path.join(s.dir, 'x.json'), 'garbage 1');
    writeFileSync(path.join(s.dir, 'renamed.json'), JSON.stringify(EVENT));
    const first = (await s.load()).setAside.map((a) => [path.basename(a.movedTo), a.reason]);
    expect(first.sort((a, b) => String(a[0]).localeCompare(String(b[0])))).toEqual([
      ['renamed.json', `its requestId ${EVENT.requestId} does not match the file name`],
      ['x.json', expect.stringMatching(/^not JSON/)],
    ]);
    writeFileSync(path.join(s.dir, 'x.json'), 'garbage 2');
    const { events, setAside } = await s.load();
    expect(events).toEqual([]);
    expect(setAside.map((a) => path.basename(a.movedTo))).toEqual(['x.json.1']);
    expect(readFileSync(path.join(s.dir, 'corrupt', 'x.json'), 'utf8')).toBe('garbage 1');
    expect(readFileSync(path.join(s.dir, 'corrupt', 'x.json.1'), 'utf8')).toBe('garbage 2');
  });
});
