import { describe, expect, it } from 'vitest';
import { loadFixture } from '../test/load-fixture.js';
import { handler, parseCorsOrigins } from './main.js';

describe('handler (real capitalizer)', () => {
  it('gives the same output for the same seed and probability', async () => {
    // Prepare
    const event = loadFixture('apigw-v2', 'get-text');
    // Act
    const first = (await handler(event)) as { statusCode: number; body: string };
    const second = (await handler(event)) as { statusCode: number; body: string };
    // Assess
    expect(first.statusCode).toBe(200);
    expect(first.body).toBe(second.body);
    expect((JSON.parse(first.body) as { text: string }).text.toLowerCase()).toBe('hello world');
  });

  it('upper-cases every letter with probability 1', async () => {
    const result = (await handler(loadFixture('function-url', 'post-json'))) as { body: string };
    expect(JSON.parse(result.body)).toEqual({ text: 'PLAIN JSON BODY' });
  });
});

describe('parseCorsOrigins', () => {
  it('splits, trims and drops empty entries; unset means none', () => {
    expect(parseCorsOrigins(undefined)).toEqual([]);
    expect(parseCorsOrigins(' https://a.example , ,https://b.example')).toEqual([
      'https://a.example',
      'https://b.example',
    ]);
  });
});
