import { randomUUID } from 'node:crypto';
import { UnsafeZipError, UnzippedSizeError } from '../errors.js';
import { AwsServiceError } from '../http/aws-error.js';
import type { FunctionResolver, FunctionSnapshot } from '../lambda/types.js';
import { CodeStore, type StoredCode } from '../store/code-store.js';
import type {
  AliasRecord,
  FunctionLayerRecord,
  FunctionRecord,
  FunctionVersionRecord,
  LambdaStore,
  LayerRecord,
  LayerVersionRecord,
  PolicyStatement,
} from '../store/lambda-store.js';
import {
  FUNCTION_NAME,
  functionArn,
  layerArn,
  layerVersionArn,
  mergeQualifier,
  parseFunctionRef,
  parseLayerName,
  parseLayerVersionArn,
} from './arn.js';
import { EventInvokeConfigs } from './event-invoke-configs.js';
import {
  checkRuntimeAndEnvironment,
  invalidParameter,
  MAX_LAYERS,
  RUNTIMES,
  Validation,
  validateConfig,
} from './validate.js';

/** AWS's quotas that the control plane enforces (all in bytes). */
export interface LambdaLimits {
  /** Zipped deployment package sent directly in the request (AWS: 50 MB = 52 428 800). */
  readonly zippedBytes: number;
  /** Function code plus all its layers, unzipped (AWS: 262 144 000). */
  readonly unzippedBytes: number;
  /** All stored packages together (AWS: 75 GB per region). */
  readonly codeStorageBytes: number;
}

export const DEFAULT_LIMITS: LambdaLimits = {
  zippedBytes: 52_428_800,
  unzippedBytes: 262_144_000,
  codeStorageBytes: 80_530_636_800,
};

export interface LambdaControlPlaneOptions {
  readonly store: LambdaStore;
  readonly code: CodeStore;
  readonly accountId: string;
  /** Region used when a request carries no SigV4 scope. */
  readonly defaultRegion: string;
  /** How long a new function (or published version) stays Pending. */
  readonly createDelayMs: number;
  /** How long an update stays InProgress. */
  readonly updateDelayMs: number;
  readonly limits: LambdaLimits;
  /** URL that serves a stored zip (GetFunction's Code.Location). */
  readonly codeUrl: (hex: string) => string;
  /** Called when instances of a function must be retired (update finished, delete). */
  readonly retire: (functionName: string) => void;
  /**
   * Reads a code package named by `S3Bucket`/`S3Key` from the emulator's S3 (provided by an extension).
   * Without it, or when it resolves to undefined (no S3 service), S3 code locations are refused.
   */
  readonly readS3Object?: (bucket: string, key: string) => Promise<S3CodeObject | undefined>;
  /** Called after DeleteFunction removed a whole function (its function URLs go with it). */
  readonly onFunctionDeleted?: (functionName: string) => void;
  /** Called after DeleteAlias removed an alias (its function URL goes with it). */
  readonly onAliasDeleted?: (functionName: string, aliasName: string) => void;
}

/** An object read for an S3 code location, or why it could not be. */
export type S3CodeObject =
  | { readonly body: Buffer; readonly region: string }
  | { readonly error: 'NoSuchBucket' | 'NoSuchKey' };

/** Per-request context: the region from the SigV4 scope, when the request was signed. */
export interface RequestContext {
  readonly region?: string;
}

type Json = Record<string, unknown>;

const CREATING = { reason: 'The function is being created.', code: 'Creating' } as const;
const ALIAS_NAME = /^(?!^[0-9]+$)([a-zA-Z0-9-_]+)$/;
const VERSION_NUMBER = /^[0-9]+$/;
const MAX_RESERVED_TOTAL = 900; // account limit 1000 minus the 100 AWS keeps unreserved

/** AWS's LastModified/CreatedDate format: 2024-05-01T12:34:56.789+0000 */
export function awsTimestamp(date: Date = new Date()): string {
  return date.toISOString().replace('Z', '+0000');
}

function notFound(message: string): AwsServiceError {
  return new AwsServiceError(404, 'ResourceNotFoundException', message);
}

function conflict(message: string): AwsServiceError {
  return new AwsServiceError(409, 'ResourceConflictException', message);
}

function str(value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined;
}

function required(input: Json, field: string, wireName: string, v: Validation): void {
  if (input[field] === undefined || input[field] === null) {
    v.fail('null', wireName, 'Member must not be null');
  }
}

function encodeMarker(index: number): string {
  return Buffer.from(String(index)).toString('base64url');
}

function decodeMarker(marker: string | undefined): number {
  if (marker === undefined) return 0;
  const n = Number(Buffer.from(marker, 'base64url').toString('utf8'));
  if (!Number.isInteger(n) || n < 0) throw invalidParameter(`Invalid Marker: ${marker}`);
  return n;
}

function page<T>(items: T[], marker: string | undefined, maxItems: string | undefined, max = 50) {
  const start = decodeMarker(marker);
  const size = maxItems === undefined ? max : Number(maxItems);
  if (!Number.isInteger(size) || size < 1 || size > 10000) {
    throw new AwsServiceError(
      400,
      'ValidationException',
      `1 validation error detected: Value '${maxItems}' at 'maxItems' failed to satisfy constraint: Member must have value between 1 and 10000`,
    );
  }
  const slice = items.slice(start, start + size);
  const next = start + size < items.length ? encodeMarker(start + size) : undefined;
  return { slice, next };
}

/**
 * The Lambda control plane: functions, versions, aliases, layers, policies and concurrency, persisted through
 * LambdaStore/CodeStore, with AWS's state machine (Pending → Active, InProgress → Successful) on timers.
 * Every method takes already-parsed input and returns the JSON AWS would, or throws AwsServiceError.
 */
export class LambdaControlPlane implements FunctionResolver {
  readonly #o: LambdaControlPlaneOptions;
  readonly #timers = new Map<string, NodeJS.Timeout>();
  /** PutFunctionEventInvokeConfig & co (asynchronous invocation retries, age and destinations). */
  readonly eventInvokeConfigs: EventInvokeConfigs;

  constructor(options: LambdaControlPlaneOptions) {
    this.#o = options;
    this.eventInvokeConfigs = new EventInvokeConfigs(options.store, options.accountId, options.defaultRegion);
    // A transition interrupted by a restart is finished at once: the operation it stood for has completed.
    for (const record of options.store.listFunctions()) {
      if (record.latest.state === 'Pending' || record.latest.lastUpdateStatus === 'InProgress') {
        this.#finishTransition(record.name, false);
      }
    }
  }

  /** Stops the state timers (the transitions finish on the next start). */
  close(): void {
    for (const timer of this.#timers.values()) clearTimeout(timer);
    this.#timers.clear();
  }

  // ---------------------------------------------------------------- resolver (for the data plane)

  resolve(nameOrArn: string, qualifier?: string): FunctionSnapshot {
    const ref = parseFunctionRef(nameOrArn);
    const q = mergeQualifier(ref, qualifier);
    const record = this.#getRecord(ref.name, q);
    let config = this.#configFor(record, q);
    // While $LATEST is being updated, its invokes (directly or through an alias) still run the previous config.
    if (config === record.latest && record.live) config = record.live;
    const { accountId } = this.#o;
    const asyncConfig = this.eventInvokeConfigs.forInvoke(record, q);
    return {
      functionName: record.name,
      functionArn: functionArn(record.region, accountId, record.name),
      version: config.version,
      invokedFunctionArn: functionArn(record.region, accountId, record.name, q),
      runtime: config.runtime,
      handler: config.handler,
      memorySize: config.memorySize,
      timeout: config.timeout,
      architecture: config.architectures[0] ?? 'x86_64',
      environment: { ...config.environment },
      codeDir: this.#o.code.dir(config.codeHex),
      codeSha256: config.codeSha256,
      layers: config.layers.map((l) => ({
        arn: l.arn,
        dir: this.#o.code.dir(l.codeHex),
        unzippedSize: l.unzippedSize,
      })),
      revisionId: config.revisionId,
      ...(record.reservedConcurrency === undefined
        ? {}
        : { reservedConcurrency: record.reservedConcurrency }),
      region: record.region,
      logGroupName: `/aws/lambda/${record.name}`,
      state: config.state,
      ...(asyncConfig === undefined ? {} : { asyncConfig }),
    };
  }

  /** The policy statements of a function (unqualified, or for a version/alias): for S3/SES trigger checks. */
  policyStatements(nameOrArn: string, qualifier?: string): readonly PolicyStatement[] {
    const ref = parseFunctionRef(nameOrArn);
    const q = mergeQualifier(ref, qualifier);
    const record = this.#o.store.getFunction(ref.name);
    return record?.policies[q ?? ''] ?? [];
  }

  /**
   * Whether the function's resource policy lets `principal` invoke it for `sourceArn`/`sourceAccount`: the check
   * S3 and SES make before accepting a Lambda destination (fits S3/SES's `InvokePermissionCheck`). A qualified
   * ARN is checked against that version's/alias's policy, an unqualified one against the function's.
   */
  canInvoke(request: {
    readonly functionArn: string;
    readonly principal: string;
    readonly sourceArn: string;
    readonly sourceAccount: string;
  }): boolean {
    let statements: readonly PolicyStatement[];
    try {
      statements = this.policyStatements(request.functionArn);
    } catch {
      return false;
    }
    return statements.some((s) => statementAllows(s, request));
  }

  // ---------------------------------------------------------------- functions

  async createFunction(ctx: RequestContext, input: Json): Promise<Json> {
    const v = new Validation();
    required(input, 'FunctionName', 'functionName', v);
    required(input, 'Role', 'role', v);
    required(input, 'Code', 'code', v);
    if (input.FunctionName !== undefined) {
      const name = str(input.FunctionName);
      const ref = name === undefined ? undefined : parseFunctionRef(name);
      if (ref === undefined || !FUNCTION_NAME.test(ref.name) || ref.qualifier !== undefined) {
        v.fail(
          input.FunctionName,
          'functionName',
          'Member must satisfy regular expression pattern: [a-zA-Z0-9-_]+',
        );
      }
    }
    validateConfig(input, v);
    v.throwIfAny();
    if (input.PackageType === 'Image') {
      throw invalidParameter('PackageType Image is not supported by the emulator; deploy a Zip package.');
    }
    if (input.Runtime === undefined || input.Handler === undefined) {
      throw invalidParameter(
        'Runtime and Handler are mandatory parameters for functions created with deployment packages.',
      );
    }
    checkRuntimeAndEnvironment(input);
    const name = parseFunctionRef(input.FunctionName as string).name;
    const region = ctx.region ?? this.#o.defaultRegion;
    if (this.#o.store.getFunction(name)) throw conflict(`Function already exist: ${name}`);

    const layers = this.#resolveLayers(input.Layers);
    const code = await this.#storeZip(input.Code, 'CreateFunction', region);
    this.#checkCombinedSize(code, layers);
    if (this.#o.store.getFunction(name)) throw conflict(`Function already exist: ${name}`);

    const env = (input.Environment as { Variables?: Record<string, string> } | undefined)?.Variables ?? {};
    const latest: FunctionVersionRecord = {
      version: '$LATEST',
      description: str(input.Description) ?? '',
      runtime: input.Runtime as string,
      handler: input.Handler as string,
      role: input.Role as string,
      memorySize: (input.MemorySize as number | undefined) ?? 128,
      timeout: (input.Timeout as number | undefined) ?? 3,
      architectures: (input.Architectures as ('x86_64' | 'arm64')[] | undefined) ?? ['x86_64'],
      environment: { ...env },
      layers,
      ephemeralStorageSize: (input.EphemeralStorage as { Size?: number } | undefined)?.Size ?? 512,
      tracingMode: (input.TracingConfig as { Mode?: string } | undefined)?.Mode ?? 'PassThrough',
      codeSha256: code.sha256,
      codeHex: code.hex,
      codeSize: code.size,
      lastModified: awsTimestamp(),
      revisionId: randomUUID(),
      state: 'Pending',
      stateReason: CREATING.reason,
      stateReasonCode: CREATING.code,
    };
    const record: FunctionRecord = {
      name,
      region,
      latest,
      versions: {},
      lastVersion: 0,
      aliases: {},
      policies: {},
      policyRevisions: {},
      tags: { ...((input.Tags as Record<string, string> | undefined) ?? {}) },
    };
    let result = latest;
    if (input.Publish === true) result = this.#addVersion(record, str(input.Description));
    this.#o.store.saveFunction(record);
    this.#schedule(name, this.#o.createDelayMs);
    return this.#configuration(record, result);
  }

  getFunction(nameOrArn: string, qualifier: string | undefined): Json {
    const ref = parseFunctionRef(nameOrArn);
    const q = mergeQualifier(ref, qualifier);
    const record = this.#getRecord(ref.name, q);
    const config = this.#configFor(record, q);
    const out: Json = {
      Configuration: this.#configuration(record, config),
      Code: { RepositoryType: 'S3', Location: this.#o.codeUrl(config.codeHex) },
    };
    if (Object.keys(record.tags).length > 0) out.Tags = { ...record.tags };
    if (record.reservedConcurrency !== undefined) {
      out.Concurrency = { ReservedConcurrentExecutions: record.reservedConcurrency };
    }
    return out;
  }

  getFunctionConfiguration(nameOrArn: string, qualifier: string | undefined): Json {
    const ref = parseFunctionRef(nameOrArn);
    const q = mergeQualifier(ref, qualifier);
    const record = this.#getRecord(ref.name, q);
    return this.#configuration(record, this.#configFor(record, q));
  }

  listFunctions(query: URLSearchParams): Json {
    const all = this.#o.store.listFunctions();
    const items =
      query.get('FunctionVersion') === 'ALL'
        ? all.flatMap((r) => [r.latest, ...this.#sortedVersions(r)].map((c) => this.#configuration(r, c)))
        : all.map((r) => this.#configuration(r, r.latest));
    const { slice, next } = page(items, query.get('Marker') ?? undefined, query.get('MaxItems') ?? undefined);
    return next === undefined ? { Functions: slice } : { Functions: slice, NextMarker: next };
  }

  async updateFunctionCode(nameOrArn: string, input: Json): Promise<Json> {
    const v = new Validation();
    validateConfig({ Architectures: input.Architectures }, v);
    v.throwIfAny();
    const name = this.#unqualifiedName(nameOrArn);
    const before = this.#getRecord(name);
    this.#assertMutable(before, str(input.RevisionId));
    const code = await this.#storeZip(input, 'UpdateFunctionCode', before.region);
    // Re-read: another request may have changed the function while the zip was being stored.
    const record = this.#getRecord(name);
    this.#assertMutable(record, str(input.RevisionId));
    this.#checkCombinedSize(code, record.latest.layers);
    const next: FunctionVersionRecord = {
      ...record.latest,
      codeSha256: code.sha256,
      codeHex: code.hex,
      codeSize: code.size,
      architectures:
        (input.Architectures as ('x86_64' | 'arm64')[] | undefined) ?? record.latest.architectures,
    };
    if (input.DryRun === true) return this.#configuration(record, next);
    return this.#beginUpdate(record, next, input.Publish === true);
  }

  updateFunctionConfiguration(nameOrArn: string, input: Json): Json {
    const v = new Validation();
    validateConfig(input, v);
    v.throwIfAny();
    checkRuntimeAndEnvironment(input);
    const record = this.#getRecord(this.#unqualifiedName(nameOrArn));
    this.#assertMutable(record, str(input.RevisionId));
    const cur = record.latest;
    const layers = input.Layers === undefined ? cur.layers : this.#resolveLayers(input.Layers);
    if (input.Layers !== undefined) {
      const code = this.#o.code.get(cur.codeHex);
      if (code) this.#checkCombinedSize(code, layers);
    }
    const env = input.Environment as { Variables?: Record<string, string> } | undefined;
    const next: FunctionVersionRecord = {
      ...cur,
      description: str(input.Description) ?? cur.description,
      runtime: str(input.Runtime) ?? cur.runtime,
      handler: str(input.Handler) ?? cur.handler,
      role: str(input.Role) ?? cur.role,
      memorySize: (input.MemorySize as number | undefined) ?? cur.memorySize,
      timeout: (input.Timeout as number | undefined) ?? cur.timeout,
      // null, like an absent member, keeps the current environment.
      environment: env === undefined || env === null ? cur.environment : { ...(env.Variables ?? {}) },
      layers,
      ephemeralStorageSize:
        (input.EphemeralStorage as { Size?: number } | undefined)?.Size ?? cur.ephemeralStorageSize,
      tracingMode: (input.TracingConfig as { Mode?: string } | undefined)?.Mode ?? cur.tracingMode,
    };
    return this.#beginUpdate(record, next, false);
  }

  deleteFunction(nameOrArn: string, qualifier: string | undefined): void {
    const ref = parseFunctionRef(nameOrArn);
    const q = mergeQualifier(ref, qualifier);
    const record = this.#getRecord(ref.name, q);
    if (q === undefined) {
      const timer = this.#timers.get(record.name);
      if (timer) clearTimeout(timer);
      this.#timers.delete(record.name);
      this.#o.store.deleteFunction(record.name);
      this.#o.retire(record.name);
      this.#o.onFunctionDeleted?.(record.name);
      return;
    }
    if (q === '$LATEST') {
      throw invalidParameter('$LATEST version cannot be deleted without deleting the function.');
    }
    if (!VERSION_NUMBER.test(q)) {
      throw invalidParameter('Deletion of aliases is not supported through DeleteFunction; use DeleteAlias.');
    }
    if (!record.versions[q]) throw notFound(`Function not found: ${this.#arn(record, q)}`);
    const users = Object.values(record.aliases)
      .filter((a) => a.functionVersion === q || a.routingConfig?.AdditionalVersionWeights?.[q] !== undefined)
      .map((a) => a.name);
    if (users.length > 0) {
      throw conflict(
        `Unable to delete version because the following aliases reference it: [${users.join(', ')}]`,
      );
    }
    delete record.versions[q];
    delete record.policies[q];
    delete record.eventInvokeConfigs?.[q];
    this.#o.store.saveFunction(record);
  }

  // ---------------------------------------------------------------- versions

  publishVersion(nameOrArn: string, input: Json): Json {
    const v = new Validation();
    v.maxLength(input.Description, 'description', 256);
    v.throwIfAny();
    const record = this.#getRecord(this.#unqualifiedName(nameOrArn));
    this.#assertMutable(record, str(input.RevisionId));
    const sha = str(input.CodeSha256);
    if (sha !== undefined && sha !== record.latest.codeSha256) {
      throw invalidParameter(
        `CodeSHA256 (${sha}) is different from current CodeSHA256 in $LATEST (${record.latest.codeSha256}). Please try again with the current CodeSHA256.`,
      );
    }
    // Like Lambda: publishing an unchanged $LATEST returns the newest version instead of creating one.
    const newest = record.versions[String(record.lastVersion)];
    if (newest && sameContent(newest, record.latest)) return this.#configuration(record, newest);
    const version = this.#addVersion(record, str(input.Description));
    this.#o.store.saveFunction(record);
    return this.#configuration(record, version);
  }

  listVersionsByFunction(nameOrArn: string, query: URLSearchParams): Json {
    const record = this.#getRecord(this.#unqualifiedName(nameOrArn));
    const items = [record.latest, ...this.#sortedVersions(record)].map((c) => this.#configuration(record, c));
    const { slice, next } = page(items, query.get('Marker') ?? undefined, query.get('MaxItems') ?? undefined);
    return next === undefined ? { Versions: slice } : { Versions: slice, NextMarker: next };
  }

  // ---------------------------------------------------------------- aliases

  createAlias(nameOrArn: string, input: Json): Json {
    const v = new Validation();
    required(input, 'Name', 'name', v);
    required(input, 'FunctionVersion', 'functionVersion', v);
    v.pattern(input.Name, 'name', ALIAS_NAME, '(?!^[0-9]+$)([a-zA-Z0-9-_]+)');
    v.maxLength(input.Name, 'name', 128);
    v.pattern(input.FunctionVersion, 'functionVersion', /^(\$LATEST|[0-9]+)$/, '(\\$LATEST|[0-9]+)');
    v.maxLength(input.Description, 'description', 256);
    v.throwIfAny();
    const record = this.#getRecord(this.#unqualifiedName(nameOrArn));
    const aliasName = input.Name as string;
    if (record.aliases[aliasName]) throw conflict(`Alias already exists: ${this.#arn(record, aliasName)}`);
    this.#assertVersionExists(record, input.FunctionVersion as string);
    const routing = this.#routingConfig(record, input.RoutingConfig);
    const alias: AliasRecord = {
      name: aliasName,
      functionVersion: input.FunctionVersion as string,
      description: str(input.Description) ?? '',
      revisionId: randomUUID(),
      ...(routing ? { routingConfig: routing } : {}),
    };
    record.aliases[aliasName] = alias;
    this.#o.store.saveFunction(record);
    return this.#aliasJson(record, alias);
  }

  getAlias(nameOrArn: string, aliasName: string): Json {
    const record = this.#getRecord(this.#unqualifiedName(nameOrArn));
    return this.#aliasJson(record, this.#getAliasRecord(record, aliasName));
  }

  updateAlias(nameOrArn: string, aliasName: string, input: Json): Json {
    const v = new Validation();
    v.pattern(input.FunctionVersion, 'functionVersion', /^(\$LATEST|[0-9]+)$/, '(\\$LATEST|[0-9]+)');
    v.maxLength(input.Description, 'description', 256);
    v.throwIfAny();
    const record = this.#getRecord(this.#unqualifiedName(nameOrArn));
    const alias = this.#getAliasRecord(record, aliasName);
    const rev = str(input.RevisionId);
    if (rev !== undefined && rev !== alias.revisionId) throw preconditionFailed();
    const version = str(input.FunctionVersion) ?? alias.functionVersion;
    this.#assertVersionExists(record, version);
    const routing =
      input.RoutingConfig === undefined
        ? alias.routingConfig
        : this.#routingConfig(record, input.RoutingConfig);
    const updated: AliasRecord = {
      name: alias.name,
      functionVersion: version,
      description: str(input.Description) ?? alias.description,
      revisionId: randomUUID(),
      ...(routing ? { routingConfig: routing } : {}),
    };
    record.aliases[aliasName] = updated;
    this.#o.store.saveFunction(record);
    return this.#aliasJson(record, updated);
  }

  listAliases(nameOrArn: string, query: URLSearchParams): Json {
    const record = this.#getRecord(this.#unqualifiedName(nameOrArn));
    const wanted = query.get('FunctionVersion');
    const items = Object.values(record.aliases)
      .filter((a) => wanted === null || a.functionVersion === wanted)
      .sort((a, b) => (a.name < b.name ? -1 : 1))
      .map((a) => this.#aliasJson(record, a));
    const { slice, next } = page(items, query.get('Marker') ?? undefined, query.get('MaxItems') ?? undefined);
    return next === undefined ? { Aliases: slice } : { Aliases: slice, NextMarker: next };
  }

  deleteAlias(nameOrArn: string, aliasName: string): void {
    const record = this.#getRecord(this.#unqualifiedName(nameOrArn));
    if (!record.aliases[aliasName]) return; // Lambda's DeleteAlias is idempotent
    delete record.aliases[aliasName];
    delete record.policies[aliasName];
    delete record.eventInvokeConfigs?.[aliasName];
    this.#o.store.saveFunction(record);
    this.#o.onAliasDeleted?.(record.name, aliasName);
  }

  // ---------------------------------------------------------------- policy

  addPermission(nameOrArn: string, qualifier: string | undefined, input: Json): Json {
    const v = new Validation();
    required(input, 'StatementId', 'statementId', v);
    required(input, 'Action', 'action', v);
    required(input, 'Principal', 'principal', v);
    v.pattern(input.StatementId, 'statementId', /^[a-zA-Z0-9-_.]+$/, '([a-zA-Z0-9-_.]+)');
    v.maxLength(input.StatementId, 'statementId', 100);
    v.pattern(
      input.Action,
      'action',
      /^(lambda:[*]|lambda:[a-zA-Z]+|[*])$/,
      '(lambda:[*]|lambda:[a-zA-Z]+|[*])',
    );
    v.pattern(input.Principal, 'principal', /^[^\s]+$/, '[^\\s]+');
    v.throwIfAny();
    const ref = parseFunctionRef(nameOrArn);
    const q = mergeQualifier(ref, qualifier);
    if (q === '$LATEST') throw invalidParameter('We currently do not support adding policies for $LATEST.');
    const record = this.#getRecord(ref.name, q);
    if (q !== undefined) this.#configFor(record, q);
    const rev = str(input.RevisionId);
    if (rev !== undefined && rev !== record.latest.revisionId) throw preconditionFailed();
    const key = q ?? '';
    const statements = record.policies[key] ?? [];
    const sid = input.StatementId as string;
    if (statements.some((s) => s.Sid === sid)) {
      throw conflict(
        `The statement id (${sid}) provided already exists. Please provide a new statement id, or remove the existing statement.`,
      );
    }
    const statement = buildStatement(input, this.#arn(record, q));
    record.policies[key] = [...statements, statement];
    record.policyRevisions[key] = randomUUID();
    this.#o.store.saveFunction(record);
    return { Statement: JSON.stringify(statement) };
  }

  removePermission(nameOrArn: string, statementId: string, query: URLSearchParams): void {
    const ref = parseFunctionRef(nameOrArn);
    const q = mergeQualifier(ref, query.get('Qualifier') ?? undefined);
    const record = this.#getRecord(ref.name, q);
    const key = q ?? '';
    const rev = query.get('RevisionId');
    if (rev !== null && rev !== record.latest.revisionId) throw preconditionFailed();
    const statements = record.policies[key] ?? [];
    if (!statements.some((s) => s.Sid === statementId)) {
      throw notFound(`Statement ${statementId} is not found in resource policy.`);
    }
    const rest = statements.filter((s) => s.Sid !== statementId);
    if (rest.length === 0) {
      delete record.policies[key];
      delete record.policyRevisions[key];
    } else {
      record.policies[key] = rest;
      record.policyRevisions[key] = randomUUID();
    }
    this.#o.store.saveFunction(record);
  }

  getPolicy(nameOrArn: string, qualifier: string | undefined): Json {
    const ref = parseFunctionRef(nameOrArn);
    const q = mergeQualifier(ref, qualifier);
    const record = this.#getRecord(ref.name, q);
    const statements = record.policies[q ?? ''];
    if (!statements || statements.length === 0) throw notFound('The resource you requested does not exist.');
    return {
      Policy: JSON.stringify({ Version: '2012-10-17', Id: 'default', Statement: statements }),
      RevisionId: record.policyRevisions[q ?? ''] ?? record.latest.revisionId,
    };
  }

  // ---------------------------------------------------------------- concurrency

  putFunctionConcurrency(nameOrArn: string, input: Json): Json {
    const v = new Validation();
    required(input, 'ReservedConcurrentExecutions', 'reservedConcurrentExecutions', v);
    v.range(input.ReservedConcurrentExecutions, 'reservedConcurrentExecutions', 0);
    v.throwIfAny();
    const record = this.#getRecord(this.#unqualifiedName(nameOrArn));
    const wanted = input.ReservedConcurrentExecutions as number;
    const others = this.#o.store
      .listFunctions()
      .filter((r) => r.name !== record.name)
      .reduce((sum, r) => sum + (r.reservedConcurrency ?? 0), 0);
    if (others + wanted > MAX_RESERVED_TOTAL) {
      throw invalidParameter(
        "Specified ReservedConcurrentExecutions for function decreases account's UnreservedConcurrentExecution below its minimum value of [100].",
      );
    }
    record.reservedConcurrency = wanted;
    this.#o.store.saveFunction(record);
    return { ReservedConcurrentExecutions: wanted };
  }

  getFunctionConcurrency(nameOrArn: string): Json {
    const record = this.#getRecord(this.#unqualifiedName(nameOrArn));
    return record.reservedConcurrency === undefined
      ? {}
      : { ReservedConcurrentExecutions: record.reservedConcurrency };
  }

  deleteFunctionConcurrency(nameOrArn: string): void {
    const record = this.#getRecord(this.#unqualifiedName(nameOrArn));
    delete record.reservedConcurrency;
    this.#o.store.saveFunction(record);
  }

  // ---------------------------------------------------------------- layers

  async publishLayerVersion(ctx: RequestContext, layerName: string, input: Json): Promise<Json> {
    const name = parseLayerName(layerName);
    const v = new Validation();
    required(input, 'Content', 'content', v);
    v.maxLength(input.Description, 'description', 256);
    v.maxLength(input.LicenseInfo, 'licenseInfo', 512);
    const runtimes = input.CompatibleRuntimes;
    if (runtimes !== undefined) {
      if (!Array.isArray(runtimes) || runtimes.length > 15) {
        v.fail(runtimes, 'compatibleRuntimes', 'Member must have length less than or equal to 15');
      } else {
        for (const r of runtimes) v.oneOf(r, 'compatibleRuntimes', RUNTIMES);
      }
    }
    const archs = input.CompatibleArchitectures;
    if (archs !== undefined) {
      if (!Array.isArray(archs) || archs.length > 2) {
        v.fail(archs, 'compatibleArchitectures', 'Member must have length less than or equal to 2');
      } else {
        for (const a of archs) v.oneOf(a, 'compatibleArchitectures', ['x86_64', 'arm64']);
      }
    }
    v.throwIfAny();
    const code = await this.#storeZip(
      input.Content,
      'PublishLayerVersion',
      ctx.region ?? this.#o.defaultRegion,
    );
    const layer: LayerRecord = this.#o.store.getLayer(name) ?? {
      name,
      region: ctx.region ?? this.#o.defaultRegion,
      lastVersion: 0,
      versions: {},
    };
    const version: LayerVersionRecord = {
      version: layer.lastVersion + 1,
      description: str(input.Description) ?? '',
      ...(input.LicenseInfo === undefined ? {} : { licenseInfo: input.LicenseInfo as string }),
      ...(runtimes === undefined ? {} : { compatibleRuntimes: runtimes as string[] }),
      ...(archs === undefined ? {} : { compatibleArchitectures: archs as string[] }),
      createdDate: awsTimestamp(),
      codeSha256: code.sha256,
      codeHex: code.hex,
      codeSize: code.size,
    };
    layer.lastVersion = version.version;
    layer.versions[String(version.version)] = version;
    this.#o.store.saveLayer(layer);
    return this.#layerVersionJson(layer, version);
  }

  getLayerVersion(layerName: string, versionNumber: string): Json {
    const layer = this.#o.store.getLayer(parseLayerName(layerName));
    const version = layer?.versions[versionNumber];
    if (!layer || !version) throw notFound('The resource you requested does not exist.');
    return this.#layerVersionJson(layer, version);
  }

  getLayerVersionByArn(arn: string): Json {
    const parsed = parseLayerVersionArn(arn);
    if (!parsed) {
      throw new AwsServiceError(
        400,
        'ValidationException',
        `1 validation error detected: Value '${arn}' at 'arn' failed to satisfy constraint: Member must satisfy regular expression pattern: arn:(aws[a-zA-Z-]*)?:lambda:[a-z]{2}((-gov)|(-iso([a-z]?)))?-[a-z]+-\\d{1}:\\d{12}:layer:[a-zA-Z0-9-_]+:[0-9]+`,
      );
    }
    return this.getLayerVersion(parsed.name, String(parsed.version));
  }

  listLayerVersions(layerName: string, query: URLSearchParams): Json {
    const layer = this.#o.store.getLayer(parseLayerName(layerName));
    const runtime = query.get('CompatibleRuntime');
    const arch = query.get('CompatibleArchitecture');
    const items = layer
      ? Object.values(layer.versions)
          .filter((l) => runtime === null || (l.compatibleRuntimes ?? []).includes(runtime))
          .filter((l) => arch === null || (l.compatibleArchitectures ?? []).includes(arch))
          .sort((a, b) => b.version - a.version)
          .map((l) => listItem(this.#layerVersionJson(layer, l)))
      : [];
    const { slice, next } = page(items, query.get('Marker') ?? undefined, query.get('MaxItems') ?? undefined);
    return next === undefined ? { LayerVersions: slice } : { LayerVersions: slice, NextMarker: next };
  }

  listLayers(query: URLSearchParams): Json {
    const items = this.#o.store
      .listLayers()
      .map((layer) => {
        const newest = Object.values(layer.versions).sort((a, b) => b.version - a.version)[0];
        return newest
          ? {
              LayerName: layer.name,
              LayerArn: layerArn(layer.region, this.#o.accountId, layer.name),
              LatestMatchingVersion: listItem(this.#layerVersionJson(layer, newest)),
            }
          : undefined;
      })
      .filter((x) => x !== undefined);
    const { slice, next } = page(items, query.get('Marker') ?? undefined, query.get('MaxItems') ?? undefined);
    return next === undefined ? { Layers: slice } : { Layers: slice, NextMarker: next };
  }

  deleteLayerVersion(layerName: string, versionNumber: string): void {
    const layer = this.#o.store.getLayer(parseLayerName(layerName));
    if (!layer?.versions[versionNumber]) return; // idempotent, as on AWS
    delete layer.versions[versionNumber];
    this.#o.store.saveLayer(layer);
  }

  // ---------------------------------------------------------------- internals

  #arn(record: FunctionRecord, qualifier?: string): string {
    return functionArn(record.region, this.#o.accountId, record.name, qualifier);
  }

  #getRecord(name: string, qualifier?: string): FunctionRecord {
    const record = this.#o.store.getFunction(name);
    if (!record) {
      const arn = functionArn(this.#o.defaultRegion, this.#o.accountId, name, qualifier);
      throw notFound(`Function not found: ${arn}`);
    }
    return record;
  }

  #unqualifiedName(nameOrArn: string): string {
    return parseFunctionRef(nameOrArn).name;
  }

  /** The configuration a qualifier designates: $LATEST, a version, or the version an alias points to. */
  #configFor(record: FunctionRecord, qualifier: string | undefined): FunctionVersionRecord {
    if (qualifier === undefined || qualifier === '$LATEST') return record.latest;
    const version = VERSION_NUMBER.test(qualifier) ? qualifier : record.aliases[qualifier]?.functionVersion;
    if (version === '$LATEST') return record.latest;
    const config = version === undefined ? undefined : record.versions[version];
    if (!config) throw notFound(`Function not found: ${this.#arn(record, qualifier)}`);
    return config;
  }

  #sortedVersions(record: FunctionRecord): FunctionVersionRecord[] {
    return Object.values(record.versions).sort((a, b) => Number(a.version) - Number(b.version));
  }

  #assertVersionExists(record: FunctionRecord, version: string): void {
    if (version !== '$LATEST' && !record.versions[version]) {
      throw notFound(`Function not found: ${this.#arn(record, version)}`);
    }
  }

  #getAliasRecord(record: FunctionRecord, aliasName: string): AliasRecord {
    const alias = record.aliases[aliasName];
    if (!alias) throw notFound(`Alias not found: ${this.#arn(record, aliasName)}`);
    return alias;
  }

  #routingConfig(record: FunctionRecord, value: unknown): AliasRecord['routingConfig'] {
    if (value === undefined || value === null) return undefined;
    const weights = (value as { AdditionalVersionWeights?: Record<string, number> }).AdditionalVersionWeights;
    if (weights === undefined) return undefined;
    for (const [version, weight] of Object.entries(weights)) {
      this.#assertVersionExists(record, version);
      if (typeof weight !== 'number' || weight < 0 || weight > 1) {
        throw invalidParameter(
          `Invalid weight ${weight} for version ${version}: expected a number from 0.0 to 1.0.`,
        );
      }
    }
    return { AdditionalVersionWeights: { ...weights } };
  }

  #aliasJson(record: FunctionRecord, alias: AliasRecord): Json {
    return {
      AliasArn: this.#arn(record, alias.name),
      Name: alias.name,
      FunctionVersion: alias.functionVersion,
      Description: alias.description,
      RevisionId: alias.revisionId,
      ...(alias.routingConfig ? { RoutingConfig: alias.routingConfig } : {}),
    };
  }

  /** AWS's 409s: no mutation while the function is Pending or while an update is InProgress. */
  #assertMutable(record: FunctionRecord, revisionId: string | undefined): void {
    if (record.latest.state === 'Pending') {
      throw conflict(
        'The operation cannot be performed at this time. The function is currently in the following state: Pending',
      );
    }
    if (record.latest.lastUpdateStatus === 'InProgress') {
      throw conflict(
        `The operation cannot be performed at this time. An update is in progress for resource: ${this.#arn(record)}`,
      );
    }
    if (revisionId !== undefined && revisionId !== record.latest.revisionId) throw preconditionFailed();
  }

  #beginUpdate(record: FunctionRecord, next: FunctionVersionRecord, publish: boolean): Json {
    record.live = record.latest;
    record.latest = {
      ...next,
      lastModified: awsTimestamp(),
      revisionId: randomUUID(),
      lastUpdateStatus: 'InProgress',
      lastUpdateStatusReason: CREATING.reason,
      lastUpdateStatusReasonCode: CREATING.code,
    };
    const result = publish ? this.#addVersion(record, undefined) : record.latest;
    this.#o.store.saveFunction(record);
    this.#schedule(record.name, this.#o.updateDelayMs);
    return this.#configuration(record, result);
  }

  /** Publishes $LATEST as the next version (Pending while $LATEST is Pending or updating). */
  #addVersion(record: FunctionRecord, description: string | undefined): FunctionVersionRecord {
    const n = record.lastVersion + 1;
    const busy = record.latest.state === 'Pending' || record.latest.lastUpdateStatus === 'InProgress';
    const version: FunctionVersionRecord = {
      ...record.latest,
      version: String(n),
      description: description ?? record.latest.description,
      revisionId: randomUUID(),
      state: busy ? 'Pending' : 'Active',
      stateReason: busy ? CREATING.reason : undefined,
      stateReasonCode: busy ? CREATING.code : undefined,
      lastUpdateStatus: busy ? undefined : 'Successful',
      lastUpdateStatusReason: undefined,
      lastUpdateStatusReasonCode: undefined,
    };
    record.versions[version.version] = version;
    record.lastVersion = n;
    return version;
  }

  #schedule(name: string, delayMs: number): void {
    const old = this.#timers.get(name);
    if (old) clearTimeout(old);
    const timer = setTimeout(() => {
      this.#timers.delete(name);
      this.#finishTransition(name, true);
    }, delayMs);
    timer.unref();
    this.#timers.set(name, timer);
  }

  #finishTransition(name: string, retire: boolean): void {
    const record = this.#o.store.getFunction(name);
    if (!record) return;
    const settle = (c: FunctionVersionRecord): FunctionVersionRecord => ({
      ...c,
      revisionId: randomUUID(),
      state: c.state === 'Pending' ? 'Active' : c.state,
      stateReason: undefined,
      stateReasonCode: undefined,
      lastUpdateStatus: 'Successful',
      lastUpdateStatusReason: undefined,
      lastUpdateStatusReasonCode: undefined,
    });
    const wasUpdate = record.live !== undefined;
    record.latest = settle(record.latest);
    delete record.live;
    for (const [key, version] of Object.entries(record.versions)) {
      if (version.state === 'Pending') record.versions[key] = settle(version);
    }
    this.#o.store.saveFunction(record);
    if (retire && wasUpdate) this.#o.retire(name);
  }

  #resolveLayers(value: unknown): FunctionLayerRecord[] {
    if (value === undefined || value === null) return [];
    if (!Array.isArray(value) || value.some((x) => typeof x !== 'string')) {
      throw invalidParameter('Layers must be a list of layer version ARNs.');
    }
    if (value.length > MAX_LAYERS) throw invalidParameter(`Cannot reference more than ${MAX_LAYERS} layers.`);
    const seen = new Set<string>();
    return (value as string[]).map((arn) => {
      const parsed = parseLayerVersionArn(arn);
      if (!parsed) {
        throw new AwsServiceError(
          400,
          'ValidationException',
          `1 validation error detected: Value '[${value.join(', ')}]' at 'layers' failed to satisfy constraint: Member must satisfy constraint: [Member must have length less than or equal to 140, Member must have length greater than or equal to 1, Member must satisfy regular expression pattern: arn:[a-zA-Z0-9-]+:lambda:[a-zA-Z0-9-]+:\\d{12}:layer:[a-zA-Z0-9-_]+:[0-9]+, Member must not be null]`,
        );
      }
      if (seen.has(parsed.name)) {
        throw invalidParameter(
          'Two different versions of the same layer are not allowed to be referenced in the same function. Please remove one of the duplicate layers.',
        );
      }
      seen.add(parsed.name);
      const layer = this.#o.store.getLayer(parsed.name);
      const version = layer?.versions[String(parsed.version)];
      if (!layer || !version || parsed.account !== this.#o.accountId) {
        throw invalidParameter(`Layer version ${arn} does not exist.`);
      }
      const code = this.#o.code.get(version.codeHex);
      return {
        arn: layerVersionArn(layer.region, this.#o.accountId, layer.name, version.version),
        codeHex: version.codeHex,
        codeSize: version.codeSize,
        unzippedSize: code?.unzippedSize ?? 0,
      };
    });
  }

  async #storeZip(content: unknown, operation: string, region: string): Promise<StoredCode> {
    const c = (content ?? {}) as Json;
    if (c.ImageUri !== undefined) {
      throw invalidParameter(
        `${operation}: the emulator accepts code as ZipFile or S3Bucket/S3Key, not ImageUri.`,
      );
    }
    const { limits } = this.#o;
    let zip: Buffer;
    if (c.S3Bucket !== undefined || c.S3Key !== undefined) {
      // Through S3 the 50 MB request limit does not apply; the unzipped limit still does (in code.put).
      zip = await this.#readS3Code(c, operation, region);
    } else {
      if (typeof c.ZipFile !== 'string' || c.ZipFile.length === 0) {
        throw invalidParameter('Please provide a source for function code.');
      }
      zip = Buffer.from(c.ZipFile, 'base64');
      if (zip.length > limits.zippedBytes) throw requestTooLarge(limits.zippedBytes, operation);
    }
    const { hex } = CodeStore.hash(zip);
    if (!this.#o.code.get(hex) && this.#o.code.totalBytes + zip.length > limits.codeStorageBytes) {
      throw new AwsServiceError(400, 'CodeStorageExceededException', 'Code storage limit exceeded.');
    }
    try {
      return await this.#o.code.put(zip);
    } catch (err) {
      if (err instanceof UnzippedSizeError) {
        throw invalidParameter(`Unzipped size must be smaller than ${err.limit} bytes`);
      }
      if (err instanceof UnsafeZipError) {
        throw invalidParameter(
          `Could not unzip uploaded file. Please check your file, then try to upload again. (${err.message})`,
        );
      }
      throw err;
    }
  }

  /** AWS's GetObject errors for a code location, in the message shape Lambda uses. */
  async #readS3Code(c: Json, operation: string, region: string): Promise<Buffer> {
    const bucket = str(c.S3Bucket);
    const key = str(c.S3Key);
    if (!bucket || !key) throw invalidParameter(`${operation}: S3Bucket and S3Key must both be set.`);
    if (c.S3ObjectVersion !== undefined) {
      throw invalidParameter(`${operation}: the emulator's S3 has no versioning; leave out S3ObjectVersion.`);
    }
    const found = await this.#o.readS3Object?.(bucket, key);
    if (!found) {
      throw invalidParameter(
        `${operation}: S3 code locations need the emulator's S3 (start it with emailExtension()); send ZipFile instead.`,
      );
    }
    const s3Error = (code: string, message: string) =>
      invalidParameter(
        `Error occurred while GetObject. S3 Error Code: ${code}. S3 Error Message: ${message}`,
      );
    if ('error' in found) {
      throw found.error === 'NoSuchBucket'
        ? s3Error('NoSuchBucket', 'The specified bucket does not exist')
        : s3Error('NoSuchKey', 'The specified key does not exist.');
    }
    if (found.region !== region) {
      throw s3Error(
        'PermanentRedirect',
        `The bucket is in this region: ${found.region}. Please use this region to retry the request`,
      );
    }
    return found.body;
  }

  #checkCombinedSize(code: StoredCode, layers: readonly FunctionLayerRecord[]): void {
    const total = layers.reduce((sum, l) => sum + l.unzippedSize, code.unzippedSize);
    const limit = this.#o.limits.unzippedBytes;
    if (total > limit) {
      throw invalidParameter(
        `Function code combined with layers exceeds the maximum allowed size of ${limit} bytes. The actual size is ${total} bytes.`,
      );
    }
  }

  #layerVersionJson(layer: LayerRecord, v: LayerVersionRecord): Json {
    return {
      Content: { Location: this.#o.codeUrl(v.codeHex), CodeSha256: v.codeSha256, CodeSize: v.codeSize },
      LayerArn: layerArn(layer.region, this.#o.accountId, layer.name),
      LayerVersionArn: layerVersionArn(layer.region, this.#o.accountId, layer.name, v.version),
      Description: v.description,
      CreatedDate: v.createdDate,
      Version: v.version,
      ...(v.compatibleRuntimes ? { CompatibleRuntimes: v.compatibleRuntimes } : {}),
      ...(v.licenseInfo !== undefined ? { LicenseInfo: v.licenseInfo } : {}),
      ...(v.compatibleArchitectures ? { CompatibleArchitectures: v.compatibleArchitectures } : {}),
    };
  }

  #configuration(record: FunctionRecord, c: FunctionVersionRecord): Json {
    const out: Json = {
      FunctionName: record.name,
      FunctionArn: this.#arn(record, c.version === '$LATEST' ? undefined : c.version),
      Runtime: c.runtime,
      Role: c.role,
      Handler: c.handler,
      CodeSize: c.codeSize,
      Description: c.description,
      Timeout: c.timeout,
      MemorySize: c.memorySize,
      LastModified: c.lastModified,
      CodeSha256: c.codeSha256,
      Version: c.version,
      TracingConfig: { Mode: c.tracingMode },
      RevisionId: c.revisionId,
      State: c.state,
      PackageType: 'Zip',
      Architectures: c.architectures,
      EphemeralStorage: { Size: c.ephemeralStorageSize },
      SnapStart: { ApplyOn: 'None', OptimizationStatus: 'Off' },
      LoggingConfig: { LogFormat: 'Text', LogGroup: `/aws/lambda/${record.name}` },
    };
    if (Object.keys(c.environment).length > 0) out.Environment = { Variables: { ...c.environment } };
    if (c.layers.length > 0) out.Layers = c.layers.map((l) => ({ Arn: l.arn, CodeSize: l.codeSize }));
    if (c.stateReason !== undefined) out.StateReason = c.stateReason;
    if (c.stateReasonCode !== undefined) out.StateReasonCode = c.stateReasonCode;
    if (c.lastUpdateStatus !== undefined) out.LastUpdateStatus = c.lastUpdateStatus;
    if (c.lastUpdateStatusReason !== undefined) out.LastUpdateStatusReason = c.lastUpdateStatusReason;
    if (c.lastUpdateStatusReasonCode !== undefined)
      out.LastUpdateStatusReasonCode = c.lastUpdateStatusReasonCode;
    return out;
  }
}

function preconditionFailed(): AwsServiceError {
  return new AwsServiceError(
    412,
    'PreconditionFailedException',
    'The Revision Id provided does not match the latest Revision Id. Call the GetFunction/GetAlias API to retrieve the latest Revision Id',
  );
}

/** AWS's answer to an oversized direct upload: the limit is on the base64 request, hence 69 905 067 for 50 MB. */
export function requestTooLarge(zippedBytes: number, operation: string): AwsServiceError {
  return new AwsServiceError(
    413,
    'RequestEntityTooLargeException',
    `Request must be smaller than ${requestLimit(zippedBytes)} bytes for the ${operation} operation`,
  );
}

/** Largest request body that can carry a zip of `zippedBytes` as base64. */
export function requestLimit(zippedBytes: number): number {
  return Math.ceil((zippedBytes * 4) / 3);
}

function sameContent(a: FunctionVersionRecord, b: FunctionVersionRecord): boolean {
  const pick = (c: FunctionVersionRecord) =>
    JSON.stringify([
      c.codeSha256,
      c.runtime,
      c.handler,
      c.role,
      c.memorySize,
      c.timeout,
      c.environment,
      c.layers.map((l) => l.arn),
      c.architectures,
      c.ephemeralStorageSize,
      c.tracingMode,
    ]);
  return pick(a) === pick(b);
}

function listItem(layerVersion: Json): Json {
  const { Content: _content, LayerArn: _arn, ...rest } = layerVersion;
  return rest;
}

function globToRegExp(glob: string): RegExp {
  const body = glob
    .replace(/[.+^${}()|[\]\\]/g, '\\$&')
    .replace(/\*/g, '.*')
    .replace(/\?/g, '.');
  return new RegExp(`^${body}$`);
}

/** Evaluates one Allow statement the way Lambda does for a service principal invoking the function. */
function statementAllows(
  s: PolicyStatement,
  r: { readonly principal: string; readonly sourceArn: string; readonly sourceAccount: string },
): boolean {
  if (!['lambda:InvokeFunction', 'lambda:*', '*'].includes(s.Action)) return false;
  const principalOk =
    s.Principal === '*' ||
    (typeof s.Principal === 'object' && (s.Principal.Service === r.principal || s.Principal.AWS === '*'));
  if (!principalOk) return false;
  for (const [op, entries] of Object.entries(s.Condition ?? {})) {
    for (const [key, expected] of Object.entries(entries)) {
      const actual =
        key === 'AWS:SourceArn' ? r.sourceArn : key === 'AWS:SourceAccount' ? r.sourceAccount : undefined;
      if (actual === undefined) return false; // a condition the caller cannot satisfy
      const ok =
        op === 'ArnLike' || op === 'StringLike' ? globToRegExp(expected).test(actual) : expected === actual;
      if (!ok) return false;
    }
  }
  return true;
}

function buildStatement(input: Json, resource: string): PolicyStatement {
  const principal = input.Principal as string;
  let Principal: PolicyStatement['Principal'];
  if (principal === '*') Principal = '*';
  else if (/^\d{12}$/.test(principal)) Principal = { AWS: `arn:aws:iam::${principal}:root` };
  else if (principal.startsWith('arn:')) Principal = { AWS: principal };
  else Principal = { Service: principal };
  const condition: Record<string, Record<string, string>> = {};
  const add = (op: string, key: string, value: unknown) => {
    if (typeof value !== 'string') return;
    condition[op] = { ...(condition[op] ?? {}), [key]: value };
  };
  add('StringEquals', 'AWS:SourceAccount', input.SourceAccount);
  add('StringEquals', 'aws:PrincipalOrgID', input.PrincipalOrgID);
  add('StringEquals', 'lambda:EventSourceToken', input.EventSourceToken);
  add('StringEquals', 'lambda:FunctionUrlAuthType', input.FunctionUrlAuthType);
  add('ArnLike', 'AWS:SourceArn', input.SourceArn);
  // AWS's October 2025 rule: a public function URL also needs lambda:InvokeFunction limited to URL invokes.
  if (input.InvokedViaFunctionUrl === true) add('Bool', 'lambda:InvokedViaFunctionUrl', 'true');
  return {
    Sid: input.StatementId as string,
    Effect: 'Allow',
    Principal,
    Action: input.Action as string,
    Resource: resource,
    ...(Object.keys(condition).length > 0 ? { Condition: condition } : {}),
  };
}
