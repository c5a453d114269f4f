import type { IncomingMessage, ServerResponse } from 'node:http';
import { AwsServiceError } from '../http/aws-error.js';
import { readJsonBody } from '../http/read-body.js';
import { sendEmpty, sendJson } from '../http/send-json.js';
import type { LambdaDataPlaneHttp } from '../lambda/types.js';
import type { ServiceContext, ServiceHandler } from '../router.js';
import type { FunctionUrlConfigs } from './function-url-configs.js';
import {
  type LambdaControlPlane,
  type LambdaLimits,
  requestLimit,
  requestTooLarge,
} from './lambda-control-plane.js';

/** JSON bodies of non-upload operations: far above anything legitimate, small enough to refuse abuse. */
const SMALL_BODY = 1024 * 1024;

/** Path prefixes of the Lambda REST API (for requests without a SigV4 scope). */
export const LAMBDA_PATH_PREFIXES = [
  '/2015-03-31/',
  '/2017-10-31/',
  '/2018-10-31/',
  '/2019-09-25/',
  '/2019-09-30/',
  '/2021-11-15/',
  '/2021-10-31/',
] as const;

interface Route {
  readonly method: string;
  readonly pattern: RegExp;
  readonly run: (
    req: IncomingMessage,
    res: ServerResponse,
    params: string[],
    ctx: ServiceContext,
  ) => Promise<void>;
}

export interface LambdaRoutesOptions {
  readonly controlPlane: LambdaControlPlane;
  readonly dataPlane: LambdaDataPlaneHttp;
  readonly limits: LambdaLimits;
  /** Function URL operations (2021-10-31); without it they are unknown operations. */
  readonly functionUrls?: FunctionUrlConfigs;
}

/** Put/Update/Get/Delete/ListFunctionEventInvokeConfig(s), 2019-09-25. */
function eventInvokeConfigRoutes(
  cp: LambdaControlPlane,
  body: (req: IncomingMessage) => Promise<Record<string, unknown>>,
  q: (ctx: ServiceContext, name: string) => string | undefined,
): Route[] {
  const configs = cp.eventInvokeConfigs;
  const path = /^\/2019-09-25\/functions\/([^/]+)\/event-invoke-config$/;
  return [
    {
      method: 'PUT',
      pattern: path,
      run: async (req, res, [name], ctx) =>
        sendJson(res, 200, configs.put(name!, q(ctx, 'Qualifier'), await body(req))),
    },
    {
      method: 'POST',
      pattern: path,
      run: async (req, res, [name], ctx) =>
        sendJson(res, 200, configs.update(name!, q(ctx, 'Qualifier'), await body(req))),
    },
    {
      method: 'GET',
      pattern: path,
      run: async (_req, res, [name], ctx) => sendJson(res, 200, configs.get(name!, q(ctx, 'Qualifier'))),
    },
    {
      method: 'DELETE',
      pattern: path,
      run: async (_req, res, [name], ctx) => {
        configs.delete(name!, q(ctx, 'Qualifier'));
        sendEmpty(res, 204);
      },
    },
    {
      method: 'GET',
      pattern: /^\/2019-09-25\/functions\/([^/]+)\/event-invoke-config\/list$/,
      run: async (_req, res, [name], ctx) => sendJson(res, 200, configs.list(name!, ctx.url.searchParams)),
    },
  ];
}

/**
 * The Lambda REST-JSON API (2015-03-31 functions, 2018-10-31 layers, 2017-10-31/2019-09-30 concurrency,
 * 2021-11-15 response streaming) as one service handler for the emulator's router. Invokes go to the data plane.
 */
export function createLambdaRoutes(options: LambdaRoutesOptions): ServiceHandler {
  const cp = options.controlPlane;
  const uploadLimit = (op: string) => ({
    limit: requestLimit(options.limits.zippedBytes),
    tooLarge: () => requestTooLarge(options.limits.zippedBytes, op),
  });
  const body = (req: IncomingMessage, op?: string) => {
    if (op !== undefined) {
      const { limit, tooLarge } = uploadLimit(op);
      return readJsonBody(req, limit, tooLarge);
    }
    return readJsonBody(
      req,
      SMALL_BODY,
      () =>
        new AwsServiceError(
          413,
          'RequestTooLargeException',
          `Request must be smaller than ${SMALL_BODY} bytes`,
        ),
    );
  };
  const q = (ctx: ServiceContext, name: string) => ctx.url.searchParams.get(name) ?? undefined;
  const fn = '/2015-03-31/functions/([^/]+)';
  const routes: Route[] = [
    {
      method: 'POST',
      pattern: /^\/2015-03-31\/functions\/?$/,
      run: async (req, res, _p, ctx) =>
        sendJson(res, 201, await cp.createFunction(ctx, await body(req, 'CreateFunction'))),
    },
    {
      method: 'GET',
      pattern: /^\/2015-03-31\/functions\/?$/,
      run: async (_req, res, _p, ctx) => sendJson(res, 200, cp.listFunctions(ctx.url.searchParams)),
    },
    {
      method: 'GET',
      pattern: new RegExp(`^${fn}$`),
      run: async (_req, res, [name], ctx) => sendJson(res, 200, cp.getFunction(name!, q(ctx, 'Qualifier'))),
    },
    {
      method: 'DELETE',
      pattern: new RegExp(`^${fn}$`),
      run: async (_req, res, [name], ctx) => {
        cp.deleteFunction(name!, q(ctx, 'Qualifier'));
        sendEmpty(res, 204);
      },
    },
    {
      method: 'GET',
      pattern: new RegExp(`^${fn}/configuration$`),
      run: async (_req, res, [name], ctx) =>
        sendJson(res, 200, cp.getFunctionConfiguration(name!, q(ctx, 'Qualifier'))),
    },
    {
      method: 'PUT',
      pattern: new RegExp(`^${fn}/configuration$`),
      run: async (req, res, [name]) =>
        sendJson(res, 200, cp.updateFunctionConfiguration(name!, await body(req))),
    },
    {
      method: 'PUT',
      pattern: new RegExp(`^${fn}/code$`),
      run: async (req, res, [name]) =>
        sendJson(res, 200, await cp.updateFunctionCode(name!, await body(req, 'UpdateFunctionCode'))),
    },
    {
      method: 'POST',
      pattern: new RegExp(`^${fn}/versions$`),
      run: async (req, res, [name]) => sendJson(res, 201, cp.publishVersion(name!, await body(req))),
    },
    {
      method: 'GET',
      pattern: new RegExp(`^${fn}/versions$`),
      run: async (_req, res, [name], ctx) =>
        sendJson(res, 200, cp.listVersionsByFunction(name!, ctx.url.searchParams)),
    },
    {
      method: 'POST',
      pattern: new RegExp(`^${fn}/aliases$`),
      run: async (req, res, [name]) => sendJson(res, 201, cp.createAlias(name!, await body(req))),
    },
    {
      method: 'GET',
      pattern: new RegExp(`^${fn}/aliases$`),
      run: async (_req, res, [name], ctx) => sendJson(res, 200, cp.listAliases(name!, ctx.url.searchParams)),
    },
    {
      method: 'GET',
      pattern: new RegExp(`^${fn}/aliases/([^/]+)$`),
      run: async (_req, res, [name, alias]) => sendJson(res, 200, cp.getAlias(name!, alias!)),
    },
    {
      method: 'PUT',
      pattern: new RegExp(`^${fn}/aliases/([^/]+)$`),
      run: async (req, res, [name, alias]) =>
        sendJson(res, 200, cp.updateAlias(name!, alias!, await body(req))),
    },
    {
      method: 'DELETE',
      pattern: new RegExp(`^${fn}/aliases/([^/]+)$`),
      run: async (_req, res, [name, alias]) => {
        cp.deleteAlias(name!, alias!);
        sendEmpty(res, 204);
      },
    },
    {
      method: 'POST',
      pattern: new RegExp(`^${fn}/policy$`),
      run: async (req, res, [name], ctx) =>
        sendJson(res, 201, cp.addPermission(name!, q(ctx, 'Qualifier'), await body(req))),
    },
    {
      method: 'GET',
      pattern: new RegExp(`^${fn}/policy$`),
      run: async (_req, res, [name], ctx) => sendJson(res, 200, cp.getPolicy(name!, q(ctx, 'Qualifier'))),
    },
    {
      method: 'DELETE',
      pattern: new RegExp(`^${fn}/policy/([^/]+)$`),
      run: async (_req, res, [name, sid], ctx) => {
        cp.removePermission(name!, sid!, ctx.url.searchParams);
        sendEmpty(res, 204);
      },
    },
    {
      method: 'POST',
      pattern: new RegExp(`^${fn}/invocations$`),
      run: (req, res, [name], ctx) =>
        options.dataPlane.handleInvoke(req, res, {
          functionName: name!,
          ...(q(ctx, 'Qualifier') === undefined ? {} : { qualifier: q(ctx, 'Qualifier') }),
          streaming: false,
        }),
    },
    {
      method: 'POST',
      pattern: /^\/2021-11-15\/functions\/([^/]+)\/response-streaming-invocations$/,
      run: (req, res, [name], ctx) =>
        options.dataPlane.handleInvoke(req, res, {
          functionName: name!,
          ...(q(ctx, 'Qualifier') === undefined ? {} : { qualifier: q(ctx, 'Qualifier') }),
          streaming: true,
        }),
    },
    {
      method: 'PUT',
      pattern: /^\/2017-10-31\/functions\/([^/]+)\/concurrency$/,
      run: async (req, res, [name]) => sendJson(res, 200, cp.putFunctionConcurrency(name!, await body(req))),
    },
    {
      method: 'DELETE',
      pattern: /^\/2017-10-31\/functions\/([^/]+)\/concurrency$/,
      run: async (_req, res, [name]) => {
        cp.deleteFunctionConcurrency(name!);
        sendEmpty(res, 204);
      },
    },
    {
      method: 'GET',
      pattern: /^\/2019-09-30\/functions\/([^/]+)\/concurrency$/,
      run: async (_req, res, [name]) => sendJson(res, 200, cp.getFunctionConcurrency(name!)),
    },
    ...eventInvokeConfigRoutes(cp, body, q),
    {
      method: 'GET',
      pattern: /^\/2018-10-31\/layers\/?$/,
      run: async (_req, res, _p, ctx) => {
        const arn = q(ctx, 'Arn');
        if (q(ctx, 'find') === 'LayerVersion' && arn !== undefined) {
          sendJson(res, 200, cp.getLayerVersionByArn(arn));
        } else {
          sendJson(res, 200, cp.listLayers(ctx.url.searchParams));
        }
      },
    },
    {
      method: 'POST',
      pattern: /^\/2018-10-31\/layers\/([^/]+)\/versions$/,
      run: async (req, res, [layer], ctx) =>
        sendJson(res, 201, await cp.publishLayerVersion(ctx, layer!, await body(req, 'PublishLayerVersion'))),
    },
    {
      method: 'GET',
      pattern: /^\/2018-10-31\/layers\/([^/]+)\/versions$/,
      run: async (_req, res, [layer], ctx) =>
        sendJson(res, 200, cp.listLayerVersions(layer!, ctx.url.searchParams)),
    },
    {
      method: 'GET',
      pattern: /^\/2018-10-31\/layers\/([^/]+)\/versions\/([0-9]+)$/,
      run: async (_req, res, [layer, version]) => sendJson(res, 200, cp.getLayerVersion(layer!, version!)),
    },
    {
      method: 'DELETE',
      pattern: /^\/2018-10-31\/layers\/([^/]+)\/versions\/([0-9]+)$/,
      run: async (_req, res, [layer, version]) => {
        cp.deleteLayerVersion(layer!, version!);
        sendEmpty(res, 204);
      },
    },
  ];
  const urls = options.functionUrls;
  if (urls) {
    const url = '/2021-10-31/functions/([^/]+)/url';
    routes.push(
      {
        method: 'POST',
        pattern: new RegExp(`^${url}$`),
        run: async (req, res, [name], ctx) =>
          sendJson(res, 201, await urls.create(name!, q(ctx, 'Qualifier'), await body(req))),
      },
      {
        method: 'GET',
        pattern: new RegExp(`^${url}$`),
        run: async (_req, res, [name], ctx) => sendJson(res, 200, urls.get(name!, q(ctx, 'Qualifier'))),
      },
      {
        method: 'PUT',
        pattern: new RegExp(`^${url}$`),
        run: async (req, res, [name], ctx) =>
          sendJson(res, 200, urls.update(name!, q(ctx, 'Qualifier'), await body(req))),
      },
      {
        method: 'DELETE',
        pattern: new RegExp(`^${url}$`),
        run: async (_req, res, [name], ctx) => {
          await urls.delete(name!, q(ctx, 'Qualifier'));
          sendEmpty(res, 204);
        },
      },
      {
        method: 'GET',
        pattern: new RegExp(`^${url}s$`),
        run: async (_req, res, [name], ctx) => sendJson(res, 200, urls.list(name!, ctx.url.searchParams)),
      },
    );
  }

  return async (req, res, ctx) => {
    const method = req.method ?? 'GET';
    const path = ctx.url.pathname;
    for (const route of routes) {
      if (route.method !== method) continue;
      const m = route.pattern.exec(path);
      if (!m) continue;
      const params = m.slice(1).map((p) => decodeURIComponent(p));
      await route.run(req, res, params, ctx);
      return;
    }
    req.resume();
    throw new AwsServiceError(404, 'UnknownOperationException', `No Lambda operation for ${method} ${path}`);
  };
}
