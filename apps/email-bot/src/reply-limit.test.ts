import { describe, expect, it } from 'vitest';
import {
  DEFAULT_REPLY_LIMITS,
  normaliseCorrespondent,
  parseReplyLimits,
  planReplySlots,
  type SlotStore,
  takeReplySlots,
} from './reply-limit.js';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const NOW = Date.UTC(2026, 10, 25, 9, 30);

/** An S3-like store: conditional create, delete; every call yields so concurrent takers interleave. */
function memoryStore(options: { failClaimOn?: string; failRelease?: boolean } = {}) {
  const objects = new Map<string, string>();
  const calls: string[] = [];
  const store: SlotStore = {
    async claim(key, body) {
      await new Promise((r) => setImmediate(r));
      calls.push(`claim ${key}`);
      if (key === options.failClaimOn) throw new Error('503 SlowDown');
      if (objects.has(key)) return 'taken';
      objects.set(key, body);
      return 'claimed';
    },
    async release(key) {
      await new Promise((r) => setImmediate(r));
      calls.push(`release ${key}`);
      if (options.failRelease) throw new Error('socket hang up');
      objects.delete(key);
    },
  };
  return { store, objects, calls };
}

describe('parseReplyLimits', () => {
  it('reads the default: 5 per hour and 20 per day', () => {
    expect(parseReplyLimits(DEFAULT_REPLY_LIMITS)).toEqual([
      { count: 5, windowMs: HOUR, label: '5/1h' },
      { count: 20, windowMs: DAY, label: '20/1d' },
    ]);
  });

  it('reads every unit, spaces and case, and off/none as no limit', () => {
    expect(
      parseReplyLimits(' 2 / 30S , 3/10m,4/2H ,1/7d').map((r) => [r.count, r.windowMs, r.label]),
    ).toEqual([
      [2, 30_000, '2/30s'],
      [3, 600_000, '3/10m'],
      [4, 2 * HOUR, '4/2h'],
      [1, 7 * DAY, '1/7d'],
    ]);
    expect(parseReplyLimits('off')).toEqual([]);
    expect(parseReplyLimits('NONE')).toEqual([]);
  });

  it.each([
    ['5', /expected rules like/],
    ['5/h', /expected rules like/],
    ['five/1h', /expected rules like/],
    ['-1/1h', /expected rules like/],
    ['0/1h', /count must be 1/],
    ['1001/1h', /count must be 1/],
    ['1/0s', /at least 1s/],
    ['5/1h,2/60m', /same window/],
    [' , ', /lists no rule/],
  ])('refuses %j', (text, message) => {
    expect(() => parseReplyLimits(text)).toThrowError(message);
  });
});

describe('normaliseCorrespondent', () => {
  it.each([
    ['Carol@Example.ORG', 'carol@example.org'],
    ['carol+loop@example.org', 'carol@example.org'],
    ['Carol+a+b@example.org', 'carol@example.org'],
    // A local part that starts with + keeps it (nothing before the tag would be left).
    ['+carol@example.org', '+carol@example.org'],
    ['  carol@example.org ', 'carol@example.org'],
    ['not-an-address', 'not-an-address'],
  ])('%s → %s', (input, expected) => {
    expect(normaliseCorrespondent(input)).toBe(expected);
  });
});

describe('planReplySlots', () => {
  const rules = parseReplyLimits('2/1h,3/1d');

  it('plans count slot keys per rule under <markerPrefix>limit/, keyed by address hash, window length and index', () => {
    const plan = planReplySlots('carol@example.org', NOW, rules, 'replied/');
    expect(plan.map((p) => [p.window, p.keys.length])).toEqual([
      [Math.floor(NOW / HOUR), 2],
      [Math.floor(NOW / DAY), 3],
    ]);
    for (const { keys, rule, window } of plan) {
      keys.forEach((key, i) => {
        expect(key).toMatch(new RegExp(`^replied/limit/[0-9a-f]{64}/${rule.windowMs}/${window}/${i}$`));
      });
    }
    // No address in the key (the markers are not a list of correspondents).
    expect(JSON.stringify(plan)).not.toContain('carol');
  });

  it('gives case and +tag variants the same slots, and other addresses other slots', () => {
    const keys = (address: string) => planReplySlots(address, NOW, rules, 'm/').flatMap((p) => p.keys);
    expect(keys('Carol+x@EXAMPLE.org')).toEqual(keys('carol@example.org'));
    expect(keys('carol@example.net')).not.toEqual(keys('carol@example.org'));
    expect(keys('dave@example.org')[0]).not.toBe(keys('carol@example.org')[0]);
  });

  it('starts a new window at each boundary (fixed windows aligned to the epoch, UTC)', () => {
    const hourStart = Date.UTC(2026, 10, 25, 10);
    const before = planReplySlots('c@example.org', hourStart - 1, rules, 'm/');
    const after = planReplySlots('c@example.org', hourStart, rules, 'm/');
    expect(after[0]!.window).toBe(before[0]!.window + 1);
    expect(after[0]!.keys[0]).not.toBe(before[0]!.keys[0]);
    expect(after[1]!.keys).toEqual(before[1]!.keys); // same day
  });

  it('plans nothing without rules', () => {
    expect(planReplySlots('c@example.org', NOW, [], 'm/')).toEqual([]);
  });
});

describe('takeReplySlots', () => {
  it('allows count replies per window, then refuses naming the rule; a new window allows again', async () => {
    const { store } = memoryStore();
    const rules = parseReplyLimits('3/1h');
    const take = (at: number) =>
      takeReplySlots(planReplySlots('c@example.org', at, rules, 'm/'), store, '{}');
    const results = [];
    for (let i = 0; i < 5; i++) results.push(await take(NOW));
    expect(results.map((r) => r.allowed)).toEqual([true, true, true, false, false]);
    expect(results[3]).toMatchObject({ allowed: false, rule: { label: '3/1h' } });
    expect((await take(NOW + HOUR)).allowed).toBe(true);
  });

  it('needs a slot in every rule; a full daily rule gives the hourly slot back', async () => {
    const { store, objects, calls } = memoryStore();
    const rules = parseReplyLimits('2/1h,3/1d');
    const take = (at: number) =>
      takeReplySlots(planReplySlots('c@example.org', at, rules, 'm/'), store, '{}');
    expect((await take(NOW)).allowed).toBe(true);
    expect((await take(NOW)).allowed).toBe(true);
    const hourFull = await take(NOW);
    expect(hourFull).toMatchObject({ allowed: false, rule: { label: '2/1h' }, released: [] });
    expect((await take(NOW + HOUR)).allowed).toBe(true); // third of the day
    const before = objects.size;
    const dayFull = await take(NOW + 2 * HOUR);
    expect(dayFull).toMatchObject({ allowed: false, rule: { label: '3/1d' } });
    expect(dayFull.allowed === false && dayFull.released).toHaveLength(1);
    expect(objects.size).toBe(before); // the hourly slot it took was deleted again
    expect(calls.at(-1)).toMatch(/^release /);
  });

  it('lets exactly count of many concurrent replies through (conditional create decides each slot once)', async () => {
    const { store, objects } = memoryStore();
    const rules = parseReplyLimits('4/1h,10/1d');
    const plan = planReplySlots('c@example.org', NOW, rules, 'm/');
    const results = await Promise.all(
      Array.from({ length: 25 }, (_, i) => takeReplySlots(plan, store, JSON.stringify({ i }))),
    );
    expect(results.filter((r) => r.allowed)).toHaveLength(4);
    // 4 hourly + 4 daily slots held; the refused ones gave back nothing they did not need.
    expect(objects.size).toBe(8);
    const held = results.flatMap((r) => (r.allowed ? r.slots : []));
    expect(new Set(held).size).toBe(8);
  });

  it('gives back the slots it took and throws when a claim fails (the caller retries the message)', async () => {
    const rules = parseReplyLimits('2/1h,3/1d');
    const plan = planReplySlots('c@example.org', NOW, rules, 'm/');
    const { store, objects } = memoryStore({ failClaimOn: plan[1]!.keys[0]! });
    await expect(takeReplySlots(plan, store, '{}')).rejects.toThrowError('503 SlowDown');
    expect(objects.size).toBe(0);
  });

  it('reports slots it could not give back instead of throwing (they only lower that window)', async () => {
    const rules = parseReplyLimits('2/1h,1/1d');
    const plan = planReplySlots('c@example.org', NOW, rules, 'm/');
    const { store, objects } = memoryStore({ failRelease: true });
    objects.set(plan[1]!.keys[0]!, 'someone else');
    const result = await takeReplySlots(plan, store, '{}');
    expect(result).toMatchObject({ allowed: false, released: [], unreleased: [plan[0]!.keys[0]] });
  });
});
