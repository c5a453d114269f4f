import { AwsServiceError } from '../http/aws-error.js';
import type { AsyncInvokeConfig } from '../lambda/types.js';
import type { EventInvokeConfigRecord, FunctionRecord, LambdaStore } from '../store/lambda-store.js';
import { functionArn, mergeQualifier, parseFunctionRef } from './arn.js';
import { invalidParameter, Validation } from './validate.js';

type Json = Record<string, unknown>;

/** Lambda's model pattern for a destination ARN (empty = no destination). */
const DESTINATION_PATTERN =
  /^$|^arn:(aws[a-zA-Z0-9-]*):([a-zA-Z0-9-])+:([a-z]{2}((-gov)|(-iso(b?)))?-[a-z]+-\d{1})?:(\d{12})?:(.*)$/;
const DESTINATION_PATTERN_SHOWN =
  '^$|arn:(aws[a-zA-Z0-9-]*):([a-zA-Z0-9\\-])+:([a-z]{2}((-gov)|(-iso(b?)))?-[a-z]+-\\d{1})?:(\\d{12})?:(.*)';
const QUALIFIER = /^[a-zA-Z0-9$_-]+$/;
const VERSION_NUMBER = /^[0-9]+$/;
/** Services whose ARNs Lambda accepts as destinations of asynchronous invocation records. */
const DESTINATION_SERVICES = new Set(['lambda', 's3', 'sqs', 'sns', 'events']);
const MAX_LIST_ITEMS = 50;

/** The input fields of Put/UpdateFunctionEventInvokeConfig. */
interface ConfigInput {
  readonly MaximumRetryAttempts?: unknown;
  readonly MaximumEventAgeInSeconds?: unknown;
  readonly DestinationConfig?: unknown;
}

/**
 * Lambda's event invoke config API (2019-09-25): Put (replace), Update (merge), Get, Delete, List, per function,
 * version or alias. Records live in the function's state file (`FunctionRecord.eventInvokeConfigs`), so they
 * survive a restart and go with the function, version or alias when it is deleted.
 */
export class EventInvokeConfigs {
  readonly #store: LambdaStore;
  readonly #accountId: string;
  readonly #defaultRegion: string;

  constructor(store: LambdaStore, accountId: string, defaultRegion: string) {
    this.#store = store;
    this.#accountId = accountId;
    this.#defaultRegion = defaultRegion;
  }

  /** The config an invoke of `record` with `qualifier` runs under (unqualified = $LATEST). */
  forInvoke(record: FunctionRecord, qualifier: string | undefined): AsyncInvokeConfig | undefined {
    const c = record.eventInvokeConfigs?.[qualifier ?? '$LATEST'];
    if (c === undefined) return undefined;
    return {
      ...(c.maximumRetryAttempts === undefined ? {} : { maximumRetryAttempts: c.maximumRetryAttempts }),
      ...(c.maximumEventAgeInSeconds === undefined
        ? {}
        : { maximumEventAgeInSeconds: c.maximumEventAgeInSeconds }),
      ...(c.onSuccess === undefined ? {} : { onSuccess: c.onSuccess }),
      ...(c.onFailure === undefined ? {} : { onFailure: c.onFailure }),
    };
  }

  /** PutFunctionEventInvokeConfig: replaces the whole config (fields left out go back to their defaults). */
  put(nameOrArn: string, qualifierParam: string | undefined, input: Json): Json {
    const fields = this.#validate(input);
    const { record, key } = this.#target(nameOrArn, qualifierParam);
    const config: EventInvokeConfigRecord = { ...fields, lastModified: Date.now() };
    this.#checkDestinations(record, config);
    this.#save(record, key, config);
    return this.#json(record, key, config);
  }

  /** UpdateFunctionEventInvokeConfig: changes only the fields given; the config must exist. */
  update(nameOrArn: string, qualifierParam: string | undefined, input: Json): Json {
    const fields = this.#validate(input);
    const { record, key } = this.#target(nameOrArn, qualifierParam);
    const current = record.eventInvokeConfigs?.[key];
    if (current === undefined) throw this.#noConfig(record, key);
    const config: EventInvokeConfigRecord = { ...current, lastModified: Date.now() };
    if (fields.maximumRetryAttempts !== undefined) config.maximumRetryAttempts = fields.maximumRetryAttempts;
    if (fields.maximumEventAgeInSeconds !== undefined) {
      config.maximumEventAgeInSeconds = fields.maximumEventAgeInSeconds;
    }
    // A DestinationConfig given replaces both destinations (an omitted side is cleared), as on AWS.
    if (input.DestinationConfig !== undefined && input.DestinationConfig !== null) {
      delete config.onSuccess;
      delete config.onFailure;
      if (fields.onSuccess !== undefined) config.onSuccess = fields.onSuccess;
      if (fields.onFailure !== undefined) config.onFailure = fields.onFailure;
    }
    this.#checkDestinations(record, config);
    this.#save(record, key, config);
    return this.#json(record, key, config);
  }

  get(nameOrArn: string, qualifierParam: string | undefined): Json {
    const { record, key } = this.#existing(nameOrArn, qualifierParam);
    return this.#json(record, key, record.eventInvokeConfigs![key]!);
  }

  delete(nameOrArn: string, qualifierParam: string | undefined): void {
    const { record, key } = this.#existing(nameOrArn, qualifierParam);
    delete record.eventInvokeConfigs![key];
    this.#store.saveFunction(record);
  }

  /** ListFunctionEventInvokeConfigs: $LATEST, then versions in order, then aliases by name. */
  list(nameOrArn: string, query: URLSearchParams): Json {
    const maxItems = query.get('MaxItems');
    const size = maxItems === null ? MAX_LIST_ITEMS : Number(maxItems);
    if (!Number.isInteger(size) || size < 1 || size > MAX_LIST_ITEMS) {
      const v = new Validation();
      v.range(Number.isInteger(size) ? size : maxItems, 'maxItems', 1, MAX_LIST_ITEMS);
      v.throwIfAny();
    }
    const record = this.#store.getFunction(parseFunctionRef(nameOrArn).name);
    if (!record) throw functionNotFound();
    const rank = (key: string) => (key === '$LATEST' ? 0 : VERSION_NUMBER.test(key) ? 1 : 2);
    const keys = Object.keys(record.eventInvokeConfigs ?? {}).sort((a, b) => {
      const r = rank(a) - rank(b);
      if (r !== 0) return r;
      if (rank(a) === 1) return Number(a) - Number(b);
      return a < b ? -1 : a > b ? 1 : 0;
    });
    const marker = query.get('Marker');
    const start = marker === null ? 0 : Number(Buffer.from(marker, 'base64url').toString('utf8'));
    if (!Number.isInteger(start) || start < 0) throw invalidParameter(`Invalid Marker: ${marker}`);
    const items = keys
      .slice(start, start + size)
      .map((key) => this.#json(record, key, record.eventInvokeConfigs![key]!));
    const next =
      start + size < keys.length ? Buffer.from(String(start + size)).toString('base64url') : undefined;
    return next === undefined
      ? { FunctionEventInvokeConfigs: items }
      : { FunctionEventInvokeConfigs: items, NextMarker: next };
  }

  // ---------------------------------------------------------------- internals

  /** Model constraints first (ValidationException), then "nothing to set" (InvalidParameterValueException). */
  #validate(input: Json): Omit<EventInvokeConfigRecord, 'lastModified'> {
    const i = input as ConfigInput;
    const v = new Validation();
    v.range(i.MaximumRetryAttempts ?? undefined, 'maximumRetryAttempts', 0, 2);
    v.range(i.MaximumEventAgeInSeconds ?? undefined, 'maximumEventAgeInSeconds', 60, 21600);
    const destinations: { onSuccess?: string; onFailure?: string } = {};
    const dc = i.DestinationConfig;
    if (dc !== undefined && dc !== null) {
      if (typeof dc !== 'object' || Array.isArray(dc)) {
        v.fail(dc, 'destinationConfig', 'Member must be a structure');
      } else {
        for (const side of ['OnSuccess', 'OnFailure'] as const) {
          const entry = (dc as Record<string, unknown>)[side];
          if (entry === undefined || entry === null) continue;
          const field = `destinationConfig.${side === 'OnSuccess' ? 'onSuccess' : 'onFailure'}.destination`;
          if (typeof entry !== 'object' || Array.isArray(entry)) {
            v.fail(entry, field.replace('.destination', ''), 'Member must be a structure');
            continue;
          }
          const arn = (entry as Record<string, unknown>).Destination;
          if (arn === undefined || arn === null) continue;
          v.pattern(arn, field, DESTINATION_PATTERN, DESTINATION_PATTERN_SHOWN);
          v.maxLength(arn, field, 350);
          if (typeof arn === 'string' && arn !== '') {
            destinations[side === 'OnSuccess' ? 'onSuccess' : 'onFailure'] = arn;
          }
        }
      }
    }
    v.throwIfAny();
    const none = (x: unknown) => x === undefined || x === null;
    if (none(i.MaximumRetryAttempts) && none(i.MaximumEventAgeInSeconds) && none(i.DestinationConfig)) {
      throw invalidParameter('You must specify at least one of error handling or destination setting.');
    }
    return {
      ...(none(i.MaximumRetryAttempts) ? {} : { maximumRetryAttempts: i.MaximumRetryAttempts as number }),
      ...(none(i.MaximumEventAgeInSeconds)
        ? {}
        : { maximumEventAgeInSeconds: i.MaximumEventAgeInSeconds as number }),
      ...destinations,
    };
  }

  /** The function and the config key a Put/Update addresses; the function, version or alias must exist. */
  #target(nameOrArn: string, qualifierParam: string | undefined): { record: FunctionRecord; key: string } {
    if (qualifierParam !== undefined) {
      const v = new Validation();
      v.pattern(qualifierParam, 'qualifier', QUALIFIER, '(|[a-zA-Z0-9$_-]+)');
      v.maxLength(qualifierParam, 'qualifier', 128);
      v.throwIfAny();
    }
    const ref = parseFunctionRef(nameOrArn);
    const q = mergeQualifier(ref, qualifierParam);
    const record = this.#store.getFunction(ref.name);
    if (!record) throw functionNotFound();
    const key = q ?? '$LATEST';
    if (key !== '$LATEST' && !record.versions[key] && !record.aliases[key]) throw functionNotFound();
    return { record, key };
  }

  /** The function and key of an existing config (Get/Delete), or AWS's "doesn't have an EventInvokeConfig". */
  #existing(nameOrArn: string, qualifierParam: string | undefined): { record: FunctionRecord; key: string } {
    const ref = parseFunctionRef(nameOrArn);
    const q = mergeQualifier(ref, qualifierParam);
    const key = q ?? '$LATEST';
    const record = this.#store.getFunction(ref.name);
    if (!record?.eventInvokeConfigs?.[key]) {
      const region = record?.region ?? ref.region ?? this.#defaultRegion;
      const arn = functionArn(region, this.#accountId, ref.name, key);
      throw new AwsServiceError(
        404,
        'ResourceNotFoundException',
        `The function ${arn} doesn't have an EventInvokeConfig`,
      );
    }
    return { record, key };
  }

  /**
   * What Lambda checks of the destinations themselves: a known service, a Lambda destination that exists and is not
   * the function itself, and S3 only for failures. There is no IAM here, so no permission check.
   */
  #checkDestinations(record: FunctionRecord, config: EventInvokeConfigRecord): void {
    let valid = true;
    for (const [side, arn] of [
      ['OnSuccess', config.onSuccess],
      ['OnFailure', config.onFailure],
    ] as const) {
      if (arn === undefined) continue;
      const service = arn.split(':')[2] ?? '';
      if (!DESTINATION_SERVICES.has(service)) valid = false;
      else if (service === 's3' && (side === 'OnSuccess' || !/^arn:[^:]+:s3:::[^:/]+$/.test(arn)))
        valid = false;
      else if (service === 'lambda') {
        let name: string;
        try {
          name = parseFunctionRef(arn).name;
        } catch {
          throw invalidParameter(`The destination ARN ${arn} is invalid.`);
        }
        if (!this.#store.getFunction(name)) throw invalidParameter(`The destination ARN ${arn} is invalid.`);
        if (name === record.name) {
          throw invalidParameter("You can't specify the function as a destination for itself.");
        }
      }
    }
    if (!valid) {
      const part = (label: string, arn: string | undefined) =>
        arn === undefined ? 'null' : `${label}(destination=${arn})`;
      throw invalidParameter(
        `The provided destination config DestinationConfig(onSuccess=${part('OnSuccess', config.onSuccess)}, onFailure=${part('OnFailure', config.onFailure)}) is invalid.`,
      );
    }
  }

  #save(record: FunctionRecord, key: string, config: EventInvokeConfigRecord): void {
    record.eventInvokeConfigs = { ...record.eventInvokeConfigs, [key]: config };
    this.#store.saveFunction(record);
  }

  #noConfig(record: FunctionRecord, key: string): AwsServiceError {
    const arn = functionArn(record.region, this.#accountId, record.name, key);
    return new AwsServiceError(
      404,
      'ResourceNotFoundException',
      `The function ${arn} doesn't have an EventInvokeConfig`,
    );
  }

  /** AWS's FunctionEventInvokeConfig: LastModified in epoch seconds, both destination sides always present. */
  #json(record: FunctionRecord, key: string, c: EventInvokeConfigRecord): Json {
    return {
      LastModified: c.lastModified / 1000,
      FunctionArn: functionArn(record.region, this.#accountId, record.name, key),
      ...(c.maximumRetryAttempts === undefined ? {} : { MaximumRetryAttempts: c.maximumRetryAttempts }),
      ...(c.maximumEventAgeInSeconds === undefined
        ? {}
        : { MaximumEventAgeInSeconds: c.maximumEventAgeInSeconds }),
      DestinationConfig: {
        OnSuccess: c.onSuccess === undefined ? {} : { Destination: c.onSuccess },
        OnFailure: c.onFailure === undefined ? {} : { Destination: c.onFailure },
      },
    };
  }
}

function functionNotFound(): AwsServiceError {
  return new AwsServiceError(404, 'ResourceNotFoundException', "The function doesn't exist.");
}
