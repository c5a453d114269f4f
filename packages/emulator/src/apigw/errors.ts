import { EmulatorError } from '../errors.js';

/** The request body is over API Gateway's payload limit (10 MB); answered 413 like AWS. */
export class PayloadTooLargeError extends EmulatorError {
  override readonly code = 'EMULATOR_APIGW_PAYLOAD_TOO_LARGE';
  constructor(readonly limit: number) {
    super(`The request body is larger than ${limit} bytes, API Gateway's payload limit; send a smaller body`);
    this.name = 'PayloadTooLargeError';
  }
}

/** The function's result cannot be turned into an HTTP response (AWS logs "Malformed Lambda proxy response"). */
export class MalformedResultError extends EmulatorError {
  override readonly code = 'EMULATOR_APIGW_MALFORMED_RESULT';
  constructor(reason: string) {
    super(
      `Malformed Lambda proxy response: ${reason}; return {statusCode, headers?, body?, isBase64Encoded?}`,
    );
    this.name = 'MalformedResultError';
  }
}

/** A front door was configured wrongly (bad route key, missing function name). */
export class FrontDoorConfigError extends EmulatorError {
  override readonly code = 'EMULATOR_APIGW_CONFIG';
  constructor(message: string) {
    super(message);
    this.name = 'FrontDoorConfigError';
  }
}
