import { describe, expect, it } from 'vitest';
import { ResponseSizeTooLargeError, stringifyInvocationError, toInvocationError } from './errors.js';

describe('toInvocationError', () => {
  it('maps an Error to its name, message and stack lines (as stackTrace and trace)', () => {
    // Prepare
    const err = new TypeError('x');
    // Act
    const out = toInvocationError(err);
    // Assess
    expect(out.errorType).toBe('TypeError');
    expect(out.errorMessage).toBe('x');
    expect(out.stackTrace[0]).toBe('TypeError: x');
    expect(out.trace).toBe(out.stackTrace);
  });

  it('maps non-Error throws to typeof and String(), with an empty trace', () => {
    expect(toInvocationError('boom')).toEqual({
      errorType: 'string',
      errorMessage: 'boom',
      stackTrace: [],
      trace: [],
    });
    expect(toInvocationError(42)).toMatchObject({ errorType: 'number', errorMessage: '42' });
    expect(toInvocationError({ a: 1 })).toMatchObject({
      errorType: 'object',
      errorMessage: '[object Object]',
    });
    expect(toInvocationError(null)).toMatchObject({ errorType: 'object', errorMessage: 'null' });
  });

  it('survives objects whose toString throws', () => {
    const evil = Object.create(null) as object;
    expect(toInvocationError(evil)).toMatchObject({ errorType: 'object', errorMessage: '[object Object]' });
  });

  it('names the size and the limit for oversized responses', () => {
    const out = toInvocationError(new ResponseSizeTooLargeError(7_000_000, 6_291_556));
    expect(out.errorType).toBe('Function.ResponseSizeTooLarge');
    expect(out.errorMessage).toContain('7000000 bytes');
    expect(out.errorMessage).toContain('6291556 bytes');
  });
});

describe('stringifyInvocationError', () => {
  it('escapes DEL like AWS’s runtime', () => {
    const s = stringifyInvocationError({ errorType: 'E', errorMessage: 'a\x7Fb', stackTrace: [], trace: [] });
    expect(s).toContain('a%7Fb');
  });
});
