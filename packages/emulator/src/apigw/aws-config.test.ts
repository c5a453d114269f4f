import { describe, expect, it } from 'vitest';
import { functionUrlFromAws, httpApiFromAws } from './aws-config.js';
import { FrontDoorConfigError } from './errors.js';

describe('functionUrlFromAws', () => {
  it('maps CreateFunctionUrlConfig to front door options', () => {
    expect(
      functionUrlFromAws({
        FunctionName: 'arn:aws:lambda:us-east-1:123456789012:function:caprice-http-api',
        AuthType: 'NONE',
        InvokeMode: 'RESPONSE_STREAM',
        Cors: { AllowOrigins: ['https://a.example'], AllowMethods: ['GET'], MaxAge: 60 },
      }),
    ).toEqual({
      functionName: 'caprice-http-api',
      invokeMode: 'RESPONSE_STREAM',
      cors: { allowOrigins: ['https://a.example'], allowMethods: ['GET'], maxAge: 60 },
    });
  });
});

describe('httpApiFromAws', () => {
  it('maps a quick-create CreateApi to one route on payload 2.0', () => {
    expect(
      httpApiFromAws({
        ProtocolType: 'HTTP',
        Target: 'arn:aws:lambda:eu-west-1:123456789012:function:fn:live',
      }),
    ).toEqual({ routes: [{ routeKey: '$default', functionName: 'fn' }], payloadFormatVersion: '2.0' });
  });

  it('refuses what it cannot emulate', () => {
    expect(() => httpApiFromAws({ ProtocolType: 'WEBSOCKET' as 'HTTP', Target: 'fn' })).toThrow(
      FrontDoorConfigError,
    );
    expect(() => httpApiFromAws({ ProtocolType: 'HTTP', Target: 'not a name' })).toThrow(
      /not a function name/,
    );
  });
});
