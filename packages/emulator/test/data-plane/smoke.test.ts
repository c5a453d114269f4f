import { afterAll, beforeAll, expect, test } from 'vitest';
import { echoBootstrap, Harness } from './harness.js';

let h: Harness;
beforeAll(async () => {
  h = await new Harness().start();
});
afterAll(() => h.close());

test('echo', async () => {
  h.define('echo', { bootstrap: echoBootstrap() });
  const res = await h.invoke('echo', '{"a":1}');
  expect(res.status).toBe(200);
  expect(await res.text()).toBe('{"a":1}');
  const res2 = await h.invoke('echo', '{"a":2}');
  expect(await res2.text()).toBe('{"a":2}');
  console.log(h.dataPlane.readLogs('echo'));
});
