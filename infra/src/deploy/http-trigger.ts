/**
 * The HTTP front door: an API Gateway HTTP API made by quick create (Lambda proxy integration, `$default` route and
 * auto-deployed stage in one CreateApi call) and/or a function URL, each with the Lambda permission it needs. The
 * emulator has function URLs but no API Gateway control plane (locally, `caprice dev` serves the HTTP API front
 * door from the stack), so the HTTP API half runs only against AWS; the pure planner below carries every rule and
 * is unit-tested, and the function-URL half is also tested against the emulator.
 */
import {
  type ApiGatewayV2Client,
  type Cors,
  CreateApiCommand,
  GetApisCommand,
  GetIntegrationsCommand,
  UpdateApiCommand,
} from '@aws-sdk/client-apigatewayv2';
import {
  type AddPermissionCommandInput,
  CreateFunctionUrlConfigCommand,
  GetFunctionUrlConfigCommand,
  GetPolicyCommand,
  type LambdaClient,
  UpdateFunctionUrlConfigCommand,
} from '@aws-sdk/client-lambda';
import type { HttpTrigger, Stack } from '../stack.js';
import { addPermissionOnce } from './permissions.js';

/** The deployed HTTP API this stack owns (found by name). */
export interface DeployedHttpApi {
  readonly apiId: string;
  readonly endpoint: string;
  readonly cors?: Cors;
  /** The Lambda ARN of its integration, when there is one. */
  readonly integrationUri?: string;
}

export interface DeployedFunctionUrl {
  readonly url: string;
  readonly authType: string;
  readonly cors?: Cors;
}

export interface HttpState {
  readonly api?: DeployedHttpApi;
  readonly functionUrl?: DeployedFunctionUrl;
  /** Sids of the function's resource policy. */
  readonly statementIds: ReadonlySet<string>;
}

export type HttpStep =
  | { readonly call: 'CreateApi'; readonly reason: string }
  | { readonly call: 'UpdateApi'; readonly reason: string; readonly target: boolean; readonly cors: boolean }
  | { readonly call: 'CreateFunctionUrlConfig' | 'UpdateFunctionUrlConfig'; readonly reason: string }
  | { readonly call: 'AddPermission'; readonly reason: string; readonly permission: PermissionKind };

export type PermissionKind = 'apigateway' | 'functionUrl' | 'functionUrlInvoke';

/** The HTTP API's name: one API per function. */
export const apiName = (trigger: HttpTrigger) => trigger.function;

/** CORS as the stack wants it; undefined means none (never permissive by default). */
export function corsFor(trigger: HttpTrigger): Cors | undefined {
  if (trigger.corsOrigins.length === 0) return undefined;
  return {
    AllowOrigins: [...trigger.corsOrigins],
    // The methods the API serves. Not OPTIONS: preflights are answered by the CORS settings themselves, and
    // Lambda refuses a function URL method name over 6 characters (ValidationException).
    AllowMethods: ['GET', 'POST'],
    AllowHeaders: ['content-type', 'authorization'],
    MaxAge: 300,
  };
}

function sameCors(a: Cors | undefined, b: Cors | undefined): boolean {
  const norm = (c: Cors | undefined) =>
    c === undefined || (c.AllowOrigins ?? []).length === 0
      ? ''
      : JSON.stringify({
          origins: [...(c.AllowOrigins ?? [])].sort(),
          methods: [...(c.AllowMethods ?? [])].map((m) => m.toUpperCase()).sort(),
          headers: [...(c.AllowHeaders ?? [])].map((h) => h.toLowerCase()).sort(),
          maxAge: c.MaxAge ?? 0,
        });
  return norm(a) === norm(b);
}

/** Deterministic statement ids, so re-deploys find their own statements. */
export function httpStatementId(kind: PermissionKind, apiId?: string): string {
  if (kind === 'apigateway') return `caprice-apigw-${apiId ?? 'new'}`;
  return kind === 'functionUrl' ? 'caprice-url-public' : 'caprice-url-invoke';
}

/** What each permission allows. */
export function permissionInput(
  kind: PermissionKind,
  stack: Stack,
  functionName: string,
  apiId: string,
): AddPermissionCommandInput {
  const base = { FunctionName: functionName, StatementId: httpStatementId(kind, apiId) };
  if (kind === 'apigateway') {
    return {
      ...base,
      Action: 'lambda:InvokeFunction',
      Principal: 'apigateway.amazonaws.com',
      SourceArn: `arn:aws:execute-api:${stack.region}:${stack.account}:${apiId}/*/*`,
      SourceAccount: stack.account,
    };
  }
  // A public URL (AuthType NONE) needs both statements since AWS's October 2025 change.
  return kind === 'functionUrl'
    ? { ...base, Action: 'lambda:InvokeFunctionUrl', Principal: '*', FunctionUrlAuthType: 'NONE' }
    : { ...base, Action: 'lambda:InvokeFunction', Principal: '*', InvokedViaFunctionUrl: true };
}

/** What changes → which calls, for the HTTP trigger of `functionArn`. */
export function planHttpTrigger(trigger: HttpTrigger, functionArn: string, state: HttpState): HttpStep[] {
  const steps: HttpStep[] = [];
  const cors = corsFor(trigger);
  if (trigger.httpApi) {
    const { api } = state;
    if (!api) {
      steps.push({ call: 'CreateApi', reason: `HTTP API ${apiName(trigger)} does not exist (quick create)` });
    } else {
      const target = api.integrationUri !== functionArn;
      const corsChanged = !sameCors(api.cors, cors);
      if (target || corsChanged) {
        const what = [target ? 'integration target' : '', corsChanged ? 'CORS' : ''].filter(Boolean);
        steps.push({ call: 'UpdateApi', reason: `${what.join(' and ')} changed`, target, cors: corsChanged });
      }
    }
    if (!api || !state.statementIds.has(httpStatementId('apigateway', api.apiId))) {
      steps.push({
        call: 'AddPermission',
        permission: 'apigateway',
        reason: `apigateway.amazonaws.com may not invoke ${trigger.function} yet`,
      });
    }
  }
  if (trigger.functionUrl) {
    const url = state.functionUrl;
    if (!url) {
      steps.push({ call: 'CreateFunctionUrlConfig', reason: `${trigger.function} has no function URL` });
    } else if (url.authType !== 'NONE' || !sameCors(url.cors, cors)) {
      steps.push({ call: 'UpdateFunctionUrlConfig', reason: 'auth type or CORS changed' });
    }
    for (const kind of ['functionUrl', 'functionUrlInvoke'] as const) {
      if (!state.statementIds.has(httpStatementId(kind))) {
        steps.push({
          call: 'AddPermission',
          permission: kind,
          reason: `the public URL may not invoke yet (${kind})`,
        });
      }
    }
  }
  return steps;
}

const nameOf = (error: unknown) => (error as { name?: string })?.name;

async function readState(
  trigger: HttpTrigger,
  clients: { lambda: LambdaClient; apigw: ApiGatewayV2Client },
): Promise<HttpState> {
  let api: DeployedHttpApi | undefined;
  if (trigger.httpApi) {
    let next: string | undefined;
    do {
      const page = await clients.apigw.send(new GetApisCommand({ NextToken: next }));
      const found = page.Items?.find((a) => a.Name === apiName(trigger) && a.ProtocolType === 'HTTP');
      if (found?.ApiId) {
        const integrations = await clients.apigw.send(new GetIntegrationsCommand({ ApiId: found.ApiId }));
        const uri = integrations.Items?.find((i) => i.IntegrationType === 'AWS_PROXY')?.IntegrationUri;
        api = {
          apiId: found.ApiId,
          endpoint: found.ApiEndpoint ?? '',
          ...(found.CorsConfiguration ? { cors: found.CorsConfiguration } : {}),
          ...(uri ? { integrationUri: uri } : {}),
        };
        break;
      }
      next = page.NextToken;
    } while (next);
  }
  let functionUrl: DeployedFunctionUrl | undefined;
  if (trigger.functionUrl) {
    try {
      const got = await clients.lambda.send(
        new GetFunctionUrlConfigCommand({ FunctionName: trigger.function }),
      );
      functionUrl = {
        url: got.FunctionUrl ?? '',
        authType: got.AuthType ?? '',
        ...(got.Cors ? { cors: got.Cors } : {}),
      };
    } catch (error) {
      if (nameOf(error) !== 'ResourceNotFoundException') throw error;
    }
  }
  let statementIds = new Set<string>();
  try {
    const policy = (await clients.lambda.send(new GetPolicyCommand({ FunctionName: trigger.function })))
      .Policy;
    statementIds = new Set(
      ((JSON.parse(policy ?? '{}').Statement ?? []) as { Sid?: string }[]).map((s) => s.Sid ?? ''),
    );
  } catch (error) {
    if (nameOf(error) !== 'ResourceNotFoundException') throw error;
  }
  return { ...(api ? { api } : {}), ...(functionUrl ? { functionUrl } : {}), statementIds };
}

export interface HttpTriggerResult {
  readonly steps: readonly HttpStep[];
  /** The front doors' URLs (empty for ones a dry run would create). */
  readonly endpoints: readonly string[];
}

/** Applies the HTTP trigger on AWS (read, plan, then only the calls the plan lists). */
export async function deployHttpTrigger(
  stack: Stack,
  functionArn: string,
  clients: { lambda: LambdaClient; apigw: ApiGatewayV2Client },
  options: {
    readonly dryRun?: boolean;
    readonly log?: (line: string) => void;
    /** Leave the HTTP API out (the emulator has no API Gateway control plane); the function URL still applies. */
    readonly skipHttpApi?: boolean;
  } = {},
): Promise<HttpTriggerResult> {
  const configured = stack.triggers.http;
  if (!configured) return { steps: [], endpoints: [] };
  const trigger = options.skipHttpApi ? { ...configured, httpApi: false } : configured;
  const state = await readState(trigger, clients);
  const steps = planHttpTrigger(trigger, functionArn, state);
  for (const step of steps) {
    options.log?.(`http trigger: ${options.dryRun ? 'would call' : 'calling'} ${step.call} (${step.reason})`);
  }
  const endpoints: string[] = [];
  if (options.dryRun) {
    if (state.api) endpoints.push(state.api.endpoint);
    if (state.functionUrl) endpoints.push(state.functionUrl.url);
    return { steps, endpoints };
  }
  const cors = corsFor(trigger);
  let apiId = state.api?.apiId;
  let apiEndpoint = state.api?.endpoint;
  let url = state.functionUrl?.url;
  for (const step of steps) {
    switch (step.call) {
      case 'CreateApi': {
        const created = await clients.apigw.send(
          new CreateApiCommand({
            Name: apiName(trigger),
            ProtocolType: 'HTTP',
            Target: functionArn,
            ...(cors ? { CorsConfiguration: cors } : {}),
          }),
        );
        apiId = created.ApiId;
        apiEndpoint = created.ApiEndpoint;
        break;
      }
      case 'UpdateApi':
        await clients.apigw.send(
          new UpdateApiCommand({
            ApiId: apiId,
            ...(step.target ? { Target: functionArn } : {}),
            ...(step.cors ? { CorsConfiguration: cors ?? { AllowOrigins: [] } } : {}),
          }),
        );
        break;
      case 'CreateFunctionUrlConfig':
      case 'UpdateFunctionUrlConfig': {
        const input = { FunctionName: trigger.function, AuthType: 'NONE' as const, Cors: cors ?? {} };
        const out =
          step.call === 'CreateFunctionUrlConfig'
            ? await clients.lambda.send(new CreateFunctionUrlConfigCommand(input))
            : await clients.lambda.send(new UpdateFunctionUrlConfigCommand(input));
        url = out.FunctionUrl;
        break;
      }
      case 'AddPermission':
        await addPermissionOnce(
          clients.lambda,
          permissionInput(step.permission, stack, trigger.function, apiId ?? ''),
        );
        break;
    }
  }
  if (apiEndpoint) endpoints.push(apiEndpoint);
  if (url) endpoints.push(url);
  return { steps, endpoints };
}
