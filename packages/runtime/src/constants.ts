/** Names of the environment variables and Runtime API headers the runtime reads or sends. */

export const RUNTIME_API_ENV_VAR = 'AWS_LAMBDA_RUNTIME_API' as const;
export const HANDLER_ENV_VAR = '_HANDLER' as const;
export const TASK_ROOT_ENV_VAR = 'LAMBDA_TASK_ROOT' as const;
export const TRACE_ID_ENV_VAR = '_X_AMZN_TRACE_ID' as const;

export const API_VERSION_PATH = '/2018-06-01' as const;

// Lower-case: the client's parser stores header names lower-cased.
export const REQUEST_ID_HEADER = 'lambda-runtime-aws-request-id' as const;
export const DEADLINE_HEADER = 'lambda-runtime-deadline-ms' as const;
export const FUNCTION_ARN_HEADER = 'lambda-runtime-invoked-function-arn' as const;
export const TRACE_ID_HEADER = 'lambda-runtime-trace-id' as const;
export const CLIENT_CONTEXT_HEADER = 'lambda-runtime-client-context' as const;
export const COGNITO_IDENTITY_HEADER = 'lambda-runtime-cognito-identity' as const;
export const TENANT_ID_HEADER = 'lambda-runtime-aws-tenant-id' as const;

export const ERROR_TYPE_HEADER = 'Lambda-Runtime-Function-Error-Type' as const;
export const ERROR_BODY_TRAILER = 'Lambda-Runtime-Function-Error-Body' as const;
export const RESPONSE_MODE_HEADER = 'Lambda-Runtime-Function-Response-Mode' as const;

/** The Runtime API's limit for a buffered `/response` body: 6 MiB + 100 B (RIE `MaxPayloadSize`). */
export const MAX_RESPONSE_BYTES = 6 * 1024 * 1024 + 100;

export const ERROR_CONTENT_TYPE = 'application/vnd.aws.lambda.error+json' as const;
export const HTTP_INTEGRATION_CONTENT_TYPE = 'application/vnd.awslambda.http-integration-response' as const;
export const STREAMING_HANDLER_SYMBOL: unique symbol = Symbol.for('aws.lambda.runtime.handler.streaming');
export const STREAMING_HIGH_WATER_MARK_SYMBOL: unique symbol = Symbol.for(
  'aws.lambda.runtime.handler.streaming.highWaterMark',
);

/** Exit codes the AWS Node runtime client uses, kept so platform logs read the same. */
export const EXIT_UNCAUGHT_EXCEPTION = 129;
export const EXIT_UNHANDLED_REJECTION = 128;
