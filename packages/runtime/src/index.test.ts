import { describe, expect, it } from 'vitest';
import * as runtime from './index.js';

describe('@caprice/runtime index', () => {
  it('exports the handler helpers without starting the loop or installing globals', () => {
    expect(typeof runtime.streamifyResponse).toBe('function');
    expect(typeof runtime.HttpResponseStream.from).toBe('function');
    expect(typeof runtime.startRuntime).toBe('function');
    expect((globalThis as { awslambda?: unknown }).awslambda).toBeUndefined();
  });

  it('tags streamified handlers so any copy of the package recognises them', () => {
    const handler = runtime.streamifyResponse(async () => {});
    expect(runtime.isStreamingHandler(handler)).toBe(true);
    expect(runtime.isStreamingHandler(async () => {})).toBe(false);
    expect(
      (handler as unknown as Record<symbol, unknown>)[Symbol.for('aws.lambda.runtime.handler.streaming')],
    ).toBe('response');
  });
});
