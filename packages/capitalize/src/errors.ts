/**
 * Errors thrown by `@caprice/capitalize`.
 *
 * The issue asks for built-in `TypeError` / `RangeError` on bad input, so the two classes extend those instead of a
 * shared base class; they share the `CAPITALIZE_` code prefix and {@link isCapitalizeError} instead.
 * @module
 */

/** Every `code` an error of this package can carry. */
export const CapitalizeErrorCode = {
  INVALID_TYPE: 'CAPITALIZE_INVALID_TYPE',
  OUT_OF_RANGE: 'CAPITALIZE_OUT_OF_RANGE',
} as const;

export type CapitalizeErrorCode = (typeof CapitalizeErrorCode)[keyof typeof CapitalizeErrorCode];

/** An argument or option has the wrong type (e.g. `text` is not a string, `random` is not a function). */
export class CapitalizeTypeError extends TypeError {
  readonly code = CapitalizeErrorCode.INVALID_TYPE;
  /** The parameter or option that was wrong, e.g. `"options.seed"`. */
  readonly parameter: string;

  constructor(parameter: string, expected: string, received: unknown, options?: ErrorOptions) {
    super(`Invalid ${parameter}: expected ${expected}, received ${describeValue(received)}.`, options);
    this.name = 'CapitalizeTypeError';
    this.parameter = parameter;
  }
}

/** An argument or option has the right type but an unusable value (NaN, out of range, empty seed). */
export class CapitalizeRangeError extends RangeError {
  readonly code = CapitalizeErrorCode.OUT_OF_RANGE;
  /** The parameter or option that was wrong, e.g. `"options.probability"`. */
  readonly parameter: string;

  constructor(parameter: string, expected: string, received: unknown, options?: ErrorOptions) {
    super(`Invalid ${parameter}: expected ${expected}, received ${describeValue(received)}.`, options);
    this.name = 'CapitalizeRangeError';
    this.parameter = parameter;
  }
}

/** True for the errors this package throws on bad input. */
export function isCapitalizeError(error: unknown): error is CapitalizeTypeError | CapitalizeRangeError {
  return error instanceof CapitalizeTypeError || error instanceof CapitalizeRangeError;
}

const MAX_SHOWN_STRING = 40;

/** A short, unambiguous rendering of a bad value for error messages (never the whole of a huge string). */
export function describeValue(value: unknown): string {
  switch (typeof value) {
    case 'string': {
      const shown = value.length > MAX_SHOWN_STRING ? `${value.slice(0, MAX_SHOWN_STRING)}…` : value;
      return `the string ${JSON.stringify(shown)}`;
    }
    case 'number':
      return Object.is(value, -0) ? '-0' : String(value);
    case 'bigint':
      return `${value}n`;
    case 'boolean':
    case 'undefined':
      return String(value);
    case 'symbol':
      return value.toString();
    case 'function':
      return `a function${value.name ? ` (${value.name})` : ''}`;
    default:
      if (value === null) return 'null';
      if (Array.isArray(value)) return `an array of length ${value.length}`;
      return `an object (${Object.prototype.toString.call(value).slice(8, -1)})`;
  }
}
