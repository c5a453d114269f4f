import { randomBytes, randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { type AwsCors, corsFromAws } from '../apigw/aws-config.js';
import { createFunctionUrlFrontDoor, type FrontDoor, type IntegrationErrorLog } from '../apigw/front-door.js';
import type { InvokeFunction, InvokeStreamingFunction } from '../apigw/types.js';
import { AwsServiceError } from '../http/aws-error.js';
import {
  DEFAULT_LISTENER_TIMEOUTS,
  guardBodyIdle,
  type ListenerTimeouts,
  serverOptions,
} from '../http/listener-timeouts.js';
import type { DataPlane } from '../lambda/data-plane.js';
import { readJsonDir, removeFile, writeJsonFile } from '../store/json-file.js';
import type { PolicyStatement } from '../store/lambda-store.js';
import { mergeQualifier, parseFunctionRef } from './arn.js';
import { type FunctionUrlAuthType, isSigned, publicUrlAllowed } from './function-url-access.js';
import type { LambdaControlPlane } from './lambda-control-plane.js';
import { Validation } from './validate.js';

type Json = Record<string, unknown>;
type InvokeMode = 'BUFFERED' | 'RESPONSE_STREAM';

/** One function URL as stored (`<stateDir>/lambda/function-urls/<function>.json`, keyed by qualifier). */
export interface FunctionUrlRecord {
  /** The alias it belongs to; absent for the unqualified function. */
  qualifier?: string;
  authType: FunctionUrlAuthType;
  invokeMode: InvokeMode;
  cors?: AwsCors;
  /** ISO-8601. */
  creationTime: string;
  lastModifiedTime: string;
  /** 32 lower-case characters, the host label AWS would give it. */
  urlId: string;
  /** The port its front door listens on; reused after a restart when it is free. */
  port: number;
}

interface FunctionUrlFile {
  functionName: string;
  /** By qualifier ('' = unqualified). */
  urls: Record<string, FunctionUrlRecord>;
}

export interface FunctionUrlConfigsOptions {
  /** Folder of the records: `<stateDir>/lambda/function-urls`. */
  readonly root: string;
  readonly controlPlane: LambdaControlPlane;
  /** Invokes go through the real data plane (`invokeStreaming` for RESPONSE_STREAM when it has one). */
  readonly dataPlane: Pick<DataPlane, 'invoke' | 'invokeStreaming'>;
  /** Interface the URL ports bind (the emulator's host). */
  readonly host: string;
  readonly onIntegrationError?: IntegrationErrorLog;
  /** Slow-loris bounds of the URL ports (defaults: {@link DEFAULT_LISTENER_TIMEOUTS}). */
  readonly timeouts?: ListenerTimeouts;
}

/** One listening function URL. */
interface OpenUrl {
  readonly functionName: string;
  record: FunctionUrlRecord;
  door: FrontDoor;
  readonly server: Server;
}

const ALIAS_QUALIFIER = /^(?!^\d+$)[0-9a-zA-Z-_]+$/;
const AUTH_TYPES = ['NONE', 'AWS_IAM'] as const;
const INVOKE_MODES = ['BUFFERED', 'RESPONSE_STREAM'] as const;
const FORBIDDEN = Buffer.from('{"Message":"Forbidden"}');

/**
 * Lambda function URLs through the control plane (CreateFunctionUrlConfig, Get…, Update…, Delete…,
 * ListFunctionUrlConfigs): each URL is served by `createFunctionUrlFrontDoor` on its own 127.0.0.1 port, opened on
 * create and on start, closed on delete, on DeleteFunction and on close. Records survive a restart.
 */
export class FunctionUrlConfigs {
  readonly #o: FunctionUrlConfigsOptions;
  readonly #files = new Map<string, FunctionUrlFile>();
  /** Keyed by `<function>\n<qualifier>`. */
  readonly #open = new Map<string, OpenUrl>();
  #closed = false;

  constructor(options: FunctionUrlConfigsOptions) {
    this.#o = options;
  }

  /** Loads the stored URLs and opens their ports (the same port as before when it is free). */
  async start(): Promise<void> {
    for (const file of readJsonDir<FunctionUrlFile>(this.#o.root)) {
      if (!this.#functionExists(file.functionName)) {
        removeFile(this.#fileOf(file.functionName));
        continue;
      }
      this.#files.set(file.functionName, file);
      let moved = false;
      for (const [key, record] of Object.entries(file.urls)) {
        const open = await this.#listen(file.functionName, record, record.port).catch(() =>
          this.#listen(file.functionName, record, 0),
        );
        this.#open.set(openKey(file.functionName, key), open);
        const port = portOf(open);
        if (port !== record.port) {
          console.error(
            `[function-url] ${file.functionName}${key ? `:${key}` : ''}: port ${record.port} is taken, now ${port}`,
          );
          record.port = port;
          moved = true;
        }
      }
      if (moved) this.#save(file);
    }
  }

  async create(nameOrArn: string, qualifierParam: string | undefined, input: Json): Promise<Json> {
    const v = new Validation();
    if (input.AuthType === undefined || input.AuthType === null) {
      v.fail('null', 'authType', 'Member must not be null');
    }
    v.oneOf(input.AuthType, 'authType', AUTH_TYPES);
    v.oneOf(input.InvokeMode, 'invokeMode', INVOKE_MODES);
    validateCors(input.Cors, v);
    const { name, qualifier } = this.#target(nameOrArn, qualifierParam, v);
    const key = qualifier ?? '';
    const arn = this.#functionArn(name, qualifier);
    const exists = () => {
      if (this.#files.get(name)?.urls[key]) {
        throw new AwsServiceError(
          409,
          'ResourceConflictException',
          `Failed to create function url config for [functionArn = ${arn}]. Error message:  FunctionUrlConfig exists for this Lambda function`,
        );
      }
    };
    exists();
    const now = new Date().toISOString();
    const record: FunctionUrlRecord = {
      ...(qualifier === undefined ? {} : { qualifier }),
      authType: input.AuthType as FunctionUrlAuthType,
      invokeMode: (input.InvokeMode as InvokeMode | undefined) ?? 'BUFFERED',
      ...(input.Cors === undefined ? {} : { cors: input.Cors as AwsCors }),
      creationTime: now,
      lastModifiedTime: now,
      urlId: randomBytes(20).toString('hex').slice(0, 32),
      port: 0,
    };
    const open = await this.#listen(name, record, 0);
    // Another request may have created it, deleted the function or closed the emulator while the port opened.
    try {
      if (this.#closed) throw shuttingDown();
      exists();
      this.#functionArn(name, qualifier);
    } catch (err) {
      await closeServer(open.server);
      throw err;
    }
    record.port = portOf(open);
    this.#open.set(openKey(name, key), open);
    const file = this.#files.get(name) ?? { functionName: name, urls: {} };
    file.urls[key] = record;
    this.#files.set(name, file);
    this.#save(file);
    const { LastModifiedTime: _omit, ...out } = this.#describe(name, record);
    return out;
  }

  get(nameOrArn: string, qualifierParam: string | undefined): Json {
    const { name, record } = this.#existing(nameOrArn, qualifierParam);
    return this.#describe(name, record);
  }

  update(nameOrArn: string, qualifierParam: string | undefined, input: Json): Json {
    const v = new Validation();
    v.oneOf(input.AuthType, 'authType', AUTH_TYPES);
    v.oneOf(input.InvokeMode, 'invokeMode', INVOKE_MODES);
    validateCors(input.Cors, v);
    const { name, record } = this.#existing(nameOrArn, qualifierParam, v);
    if (input.AuthType !== undefined) record.authType = input.AuthType as FunctionUrlAuthType;
    if (input.InvokeMode !== undefined) record.invokeMode = input.InvokeMode as InvokeMode;
    if (input.Cors !== undefined) record.cors = input.Cors as AwsCors;
    record.lastModifiedTime = new Date().toISOString();
    const open = this.#open.get(openKey(name, record.qualifier ?? ''));
    if (open) {
      open.record = record;
      open.door = this.#door(name, record);
    }
    this.#save(this.#files.get(name)!);
    return this.#describe(name, record);
  }

  async delete(nameOrArn: string, qualifierParam: string | undefined): Promise<void> {
    const { name, record } = this.#existing(nameOrArn, qualifierParam);
    const file = this.#files.get(name)!;
    const key = record.qualifier ?? '';
    delete file.urls[key];
    if (Object.keys(file.urls).length === 0) {
      this.#files.delete(name);
      removeFile(this.#fileOf(name));
    } else {
      this.#save(file);
    }
    await this.#closeOne(name, key, record);
  }

  list(nameOrArn: string, query: URLSearchParams): Json {
    const v = new Validation();
    const maxItems = query.get('MaxItems');
    if (maxItems !== null) v.range(Number(maxItems), 'maxItems', 1, 50);
    const { name } = this.#target(nameOrArn, undefined, v);
    const records = Object.entries(this.#files.get(name)?.urls ?? {})
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([, r]) => this.#describe(name, r));
    const start = Number(query.get('Marker') ?? '0');
    if (!Number.isInteger(start) || start < 0) {
      throw new AwsServiceError(
        400,
        'InvalidParameterValueException',
        `Invalid Marker: ${query.get('Marker')}`,
      );
    }
    const size = maxItems === null ? 50 : Number(maxItems);
    const out: Json = { FunctionUrlConfigs: records.slice(start, start + size) };
    if (start + size < records.length) out.NextMarker = String(start + size);
    return out;
  }

  /** DeleteFunction removed the function: its URLs go too (ports closed, record removed). */
  functionDeleted(functionName: string): void {
    const file = this.#files.get(functionName);
    if (!file) return;
    this.#files.delete(functionName);
    removeFile(this.#fileOf(functionName));
    for (const [key, record] of Object.entries(file.urls)) void this.#closeOne(functionName, key, record);
  }

  /** DeleteAlias removed an alias: its URL goes too. */
  aliasDeleted(functionName: string, aliasName: string): void {
    const file = this.#files.get(functionName);
    const record = file?.urls[aliasName];
    if (!file || !record) return;
    delete file.urls[aliasName];
    if (Object.keys(file.urls).length === 0) {
      this.#files.delete(functionName);
      removeFile(this.#fileOf(functionName));
    } else {
      this.#save(file);
    }
    void this.#closeOne(functionName, aliasName, record);
  }

  /** The URLs being served (dashboards, tests): `{ functionName, qualifier?, url }`. */
  urls(): { functionName: string; qualifier?: string; url: string }[] {
    return [...this.#open.values()].map((o) => ({
      functionName: o.functionName,
      ...(o.record.qualifier === undefined ? {} : { qualifier: o.record.qualifier }),
      url: this.#url(o.record.port),
    }));
  }

  /** Closes every URL port (records stay on disk for the next start). */
  async close(): Promise<void> {
    this.#closed = true;
    const open = [...this.#open.values()];
    this.#open.clear();
    await Promise.all(open.map((o) => closeServer(o.server)));
  }

  // ----------------------------------------------------------------------------------------------

  #target(
    nameOrArn: string,
    qualifierParam: string | undefined,
    v: Validation = new Validation(),
  ): { name: string; qualifier: string | undefined } {
    const ref = parseFunctionRef(nameOrArn);
    const qualifier = mergeQualifier(ref, qualifierParam);
    v.pattern(qualifier, 'qualifier', ALIAS_QUALIFIER, '((?!^\\d+$)^[0-9a-zA-Z-_]+$)');
    v.throwIfAny();
    this.#functionArn(ref.name, qualifier); // 404 for a missing function or alias
    return { name: ref.name, qualifier };
  }

  #existing(
    nameOrArn: string,
    qualifierParam: string | undefined,
    v?: Validation,
  ): { name: string; record: FunctionUrlRecord } {
    const { name, qualifier } = this.#target(nameOrArn, qualifierParam, v);
    const record = this.#files.get(name)?.urls[qualifier ?? ''];
    if (!record) {
      throw new AwsServiceError(
        404,
        'ResourceNotFoundException',
        'The resource you requested does not exist.',
      );
    }
    return { name, record };
  }

  /** The (alias-qualified) function ARN; throws the control plane's 404 when the function or alias is missing. */
  #functionArn(name: string, qualifier: string | undefined): string {
    const arn = this.#o.controlPlane.getFunctionConfiguration(name, undefined).FunctionArn as string;
    if (qualifier === undefined) return arn;
    this.#o.controlPlane.getAlias(name, qualifier);
    return `${arn}:${qualifier}`;
  }

  #functionExists(name: string): boolean {
    try {
      this.#o.controlPlane.getFunctionConfiguration(name, undefined);
      return true;
    } catch {
      return false;
    }
  }

  #describe(name: string, r: FunctionUrlRecord): Json {
    return {
      FunctionUrl: this.#url(r.port),
      FunctionArn: this.#functionArn(name, r.qualifier),
      AuthType: r.authType,
      ...(r.cors === undefined ? {} : { Cors: r.cors }),
      CreationTime: r.creationTime,
      LastModifiedTime: r.lastModifiedTime,
      InvokeMode: r.invokeMode,
    };
  }

  #url(port: number): string {
    const host = this.#o.host.includes(':') ? `[${this.#o.host}]` : this.#o.host;
    return `http://${host}:${port}/`;
  }

  #fileOf(name: string): string {
    return path.join(this.#o.root, `${name}.json`);
  }

  #save(file: FunctionUrlFile): void {
    writeJsonFile(this.#fileOf(file.functionName), file);
  }

  /** Starts the URL's own server (the caller registers it in #open). */
  async #listen(name: string, record: FunctionUrlRecord, port: number): Promise<OpenUrl> {
    if (this.#closed) throw shuttingDown();
    const bounds = this.#o.timeouts ?? DEFAULT_LISTENER_TIMEOUTS;
    const open: OpenUrl = {
      functionName: name,
      record,
      door: this.#door(name, record),
      server: createServer(serverOptions(bounds), (req, res) => {
        guardBodyIdle(req, res, bounds.bodyIdleTimeoutMs);
        void this.#serve(open, req, res);
      }),
    };
    await new Promise<void>((resolve, reject) => {
      open.server.once('error', reject);
      open.server.listen(port, this.#o.host, () => {
        open.server.off('error', reject);
        resolve();
      });
    });
    return open;
  }

  async #closeOne(name: string, key: string, record: FunctionUrlRecord): Promise<void> {
    const k = openKey(name, key);
    const open = this.#open.get(k);
    if (!open || open.record.urlId !== record.urlId) return;
    this.#open.delete(k);
    await closeServer(open.server);
  }

  async #serve(open: OpenUrl, req: IncomingMessage, res: ServerResponse): Promise<void> {
    const { record } = open;
    // Browsers never sign or authorise a CORS preflight: with Cors configured, the front door answers it.
    const preflight =
      record.cors !== undefined &&
      req.method === 'OPTIONS' &&
      req.headers.origin !== undefined &&
      req.headers['access-control-request-method'] !== undefined;
    const allowed =
      preflight || (record.authType === 'AWS_IAM' ? isSigned(req) : publicUrlAllowed(this.#policy(open)));
    if (!allowed) {
      req.resume();
      res.writeHead(403, {
        'content-type': 'application/json',
        'content-length': FORBIDDEN.length,
        'x-amzn-errortype': 'AccessDeniedException',
        'x-amzn-requestid': randomUUID(),
      });
      res.end(FORBIDDEN);
      return;
    }
    await open.door.handle(req, res);
  }

  #policy(open: OpenUrl): readonly PolicyStatement[] {
    try {
      return this.#o.controlPlane.policyStatements(open.functionName, open.record.qualifier);
    } catch {
      return []; // the function or alias is gone: nothing grants access
    }
  }

  #door(name: string, record: FunctionUrlRecord): FrontDoor {
    const dataPlane = this.#o.dataPlane;
    const options = record.qualifier === undefined ? {} : { qualifier: record.qualifier };
    const invoke: InvokeFunction = async (_fn, payload) => {
      const out = await dataPlane.invoke(name, payload, options);
      if (out.statusCode !== 200) throw new Error(`Invoke returned ${out.statusCode}`);
      return { payload: out.payload, ...(out.functionError ? { functionError: out.functionError } : {}) };
    };
    const invokeStreaming: InvokeStreamingFunction = async (fn, payload) => {
      if (!dataPlane.invokeStreaming) {
        // A data plane without streaming (a test fake): the buffered answer as a one-chunk stream.
        const out = await invoke(fn, payload);
        return { contentType: 'application/json', body: oneChunk(out.payload), ...out };
      }
      const out = await dataPlane.invokeStreaming(name, payload, options);
      if (out.statusCode !== 200) throw new Error(`Invoke returned ${out.statusCode}`);
      if (out.functionError) return { functionError: out.functionError, body: oneChunk(Buffer.alloc(0)) };
      return { contentType: out.contentType, body: out.body };
    };
    const region = this.#functionArn(name, undefined).split(':')[3] ?? 'us-east-1';
    return createFunctionUrlFrontDoor({
      functionName: name,
      urlId: record.urlId,
      region,
      invokeMode: record.invokeMode,
      invoke,
      invokeStreaming,
      ...(record.cors === undefined ? {} : { cors: corsFromAws(record.cors) }),
      ...(this.#o.onIntegrationError ? { onIntegrationError: this.#o.onIntegrationError } : {}),
    });
  }
}

function portOf(open: OpenUrl): number {
  return (open.server.address() as AddressInfo).port;
}

function shuttingDown(): AwsServiceError {
  return new AwsServiceError(503, 'ServiceException', 'The emulator is shutting down.');
}

function openKey(name: string, key: string): string {
  return `${name}\n${key}`;
}

async function* oneChunk(payload: Buffer): AsyncIterable<Uint8Array> {
  if (payload.length > 0) yield payload;
}

function closeServer(server: Server): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections();
  });
}

/** The `Cors` member's model constraints (AWS's ValidationException wording). */
function validateCors(cors: unknown, v: Validation): void {
  if (cors === undefined) return;
  if (cors === null || typeof cors !== 'object' || Array.isArray(cors)) {
    v.fail(cors, 'cors', 'Member must be an object');
    return;
  }
  const c = cors as Json;
  const list = (field: string, wire: string, maxItems: number, maxLength: number) => {
    const value = c[field];
    if (value === undefined) return;
    if (!Array.isArray(value) || value.some((x) => typeof x !== 'string')) {
      v.fail(value, `cors.${wire}`, 'Member must be a list of strings');
      return;
    }
    if (value.length > maxItems) {
      v.fail(value, `cors.${wire}`, `Member must have length less than or equal to ${maxItems}`);
    }
    for (const item of value as string[]) {
      if (item.length < 1 || item.length > maxLength) {
        v.fail(item, `cors.${wire}.member`, `Member must have length between 1 and ${maxLength}`);
      }
    }
  };
  list('AllowOrigins', 'allowOrigins', 100, 253);
  list('AllowMethods', 'allowMethods', 6, 6);
  list('AllowHeaders', 'allowHeaders', 100, 1024);
  list('ExposeHeaders', 'exposeHeaders', 100, 1024);
  v.range(c.MaxAge, 'cors.maxAge', 0, 86400);
  if (c.AllowCredentials !== undefined && typeof c.AllowCredentials !== 'boolean') {
    v.fail(c.AllowCredentials, 'cors.allowCredentials', 'Member must be a boolean');
  }
}
