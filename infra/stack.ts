/**
 * The one description of what Caprice deploys: region, the runtime layer, the two functions and their triggers.
 * `caprice deploy` (to AWS or the emulator) and the local stack (`caprice dev`) both read it; environment variables
 * override values for CI and other accounts. Its types and validation are in `src/stack.ts`.
 */
import {
  Architecture,
  type Env,
  type FunctionSpec,
  intFrom,
  type Stack,
  validateStack,
} from './src/stack.js';

/**
 * The default stack, with overrides from the environment (`CAPRICE_REGION`, `CAPRICE_ACCOUNT`, `CAPRICE_ROLE_ARN`,
 * `CAPRICE_BOT_DOMAIN`, `CAPRICE_EMAIL_BUCKET`, `CAPRICE_NODE_VERSION`, `CAPRICE_ARCH`, `CAPRICE_STAGING_BUCKET`,
 * `CAPRICE_PUBLISH=1` (publish versions), `CAPRICE_ALIAS` (alias moved to each new version, implies publishing),
 * `CAPRICE_HTTP_API=0` (no API Gateway HTTP API), `CAPRICE_FUNCTION_URL=1` (a function URL), `CAPRICE_CORS_ORIGINS`
 * (comma-separated; none by default),
 * `CAPRICE_<FUNCTION>_MEMORY` / `_TIMEOUT` with the function name upper-cased and `-` as `_`).
 */
export function defineStack(env: Env = process.env): Stack {
  const region = env.CAPRICE_REGION ?? env.AWS_REGION ?? 'us-east-1';
  const account = env.CAPRICE_ACCOUNT ?? '000000000000';
  const role = env.CAPRICE_ROLE_ARN ?? `arn:aws:iam::${account}:role/caprice-lambda`;
  const architecture = (env.CAPRICE_ARCH ?? Architecture.X86_64) as Architecture;
  const domain = env.CAPRICE_BOT_DOMAIN ?? 'caprice.localhost';
  const bucket = env.CAPRICE_EMAIL_BUCKET ?? 'caprice-inbound-mail';
  const keyPrefix = 'inbound/';
  const fn = (
    name: string,
    app: string,
    memory: number,
    timeout: number,
    environment: Record<string, string>,
  ) => {
    const key = name.toUpperCase().replace(/-/g, '_');
    return {
      name,
      app,
      handler: 'index.handler',
      memorySize: intFrom(env, `CAPRICE_${key}_MEMORY`, memory),
      timeout: intFrom(env, `CAPRICE_${key}_TIMEOUT`, timeout),
      architecture,
      environment,
      role,
      ...(env.CAPRICE_PUBLISH === '1' || env.CAPRICE_ALIAS ? { publish: true } : {}),
      ...(env.CAPRICE_ALIAS ? { alias: env.CAPRICE_ALIAS } : {}),
    } satisfies FunctionSpec;
  };
  const stack: Stack = {
    region,
    account,
    layer: {
      name: 'caprice-node',
      nodeVersion: env.CAPRICE_NODE_VERSION ?? '24',
      architectures: [architecture],
    },
    functions: [
      fn('caprice-http-api', 'http-api', 256, 10, {}),
      fn('caprice-email-bot', 'email-bot', 512, 30, {
        EMAIL_BOT_ADDRESS: `bot@${domain}`,
        EMAIL_BOT_NAME: 'Caprice Bot',
        EMAIL_BOT_BUCKET: bucket,
        EMAIL_BOT_KEY_PREFIX: keyPrefix,
        // The bot's per-correspondent reply limit (its default when unset), e.g. "50/1h" while trying the demo.
        ...(env.CAPRICE_EMAIL_REPLY_LIMITS ? { EMAIL_BOT_REPLY_LIMITS: env.CAPRICE_EMAIL_REPLY_LIMITS } : {}),
      }),
    ],
    triggers: {
      http: {
        function: 'caprice-http-api',
        httpApi: env.CAPRICE_HTTP_API !== '0',
        functionUrl: env.CAPRICE_FUNCTION_URL === '1',
        corsOrigins: (env.CAPRICE_CORS_ORIGINS ?? '')
          .split(',')
          .map((o) => o.trim())
          .filter(Boolean),
      },
      email: {
        function: 'caprice-email-bot',
        domain,
        recipients: [`bot@${domain}`],
        bucket,
        keyPrefix,
        ruleSetName: 'caprice',
        ruleName: 'caprice-inbound',
      },
    },
    stagingBucket: env.CAPRICE_STAGING_BUCKET ?? `caprice-deploy-${account}-${region}`,
  };
  validateStack(stack);
  return stack;
}
