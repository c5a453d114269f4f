import { describe, expect, it } from 'vitest';
import { MalformedHandlerNameError } from './errors.js';
import { parseHandlerName } from './handler-loader.js';

describe('parseHandlerName', () => {
  it('splits module root, module and nested export path', () => {
    expect(parseHandlerName('index.handler')).toEqual({
      moduleRoot: '',
      moduleName: 'index',
      exportPath: 'handler',
    });
    expect(parseHandlerName('lib/mod.a.b.fn')).toEqual({
      moduleRoot: 'lib/',
      moduleName: 'mod',
      exportPath: 'a.b.fn',
    });
    expect(parseHandlerName('sub/deep.x')).toEqual({
      moduleRoot: 'sub/',
      moduleName: 'deep',
      exportPath: 'x',
    });
  });

  it.each(['index', '../x.h', 'a/../b.h', '.handler', 'index.'])(
    'rejects %s as Runtime.MalformedHandlerName',
    (name) => {
      expect(() => parseHandlerName(name)).toThrow(MalformedHandlerNameError);
      try {
        parseHandlerName(name);
      } catch (err) {
        expect((err as Error).name).toBe('Runtime.MalformedHandlerName');
      }
    },
  );
});
