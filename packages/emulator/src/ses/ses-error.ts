import { AwsServiceError } from '../http/aws-error.js';

/** An SES (Query API) error: `type` is the `<Code>` the SDK maps to an exception class. */
export class SesError extends AwsServiceError {
  constructor(code: string, message: string, status = 400) {
    super(status, code, message);
    this.name = 'SesError';
  }
}

export const invalidParameter = (message: string): SesError => new SesError('InvalidParameterValue', message);

/**
 * Inbound mail that SES would refuse at the SMTP level; `responseCode` is the SMTP reply code
 * (550 unknown recipient, 552 too large, 554 action failed).
 */
export class SesReceiveError extends Error {
  readonly code = 'SES_RECEIVE_REJECTED';
  constructor(
    readonly responseCode: number,
    message: string,
    options?: ErrorOptions,
  ) {
    super(message, options);
    this.name = 'SesReceiveError';
  }
}
