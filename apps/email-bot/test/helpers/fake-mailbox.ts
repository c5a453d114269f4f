/** An in-memory Mailbox (the handler's injected S3/SES edge) with failure injection. */

import { MessageTooLargeError, PermanentAwsError, TransientAwsError } from '../../src/errors.js';
import type { Mailbox, SendInput } from '../../src/mailbox.js';

export interface SentReply extends SendInput {
  messageId: string;
}

export class FakeMailbox implements Mailbox {
  readonly objects = new Map<string, Uint8Array | string>();
  readonly sent: SentReply[] = [];
  /** Errors the next sendRawEmail calls throw, in order. */
  readonly sendFailures: Error[] = [];
  /** Errors the next getObject calls for a key throw. */
  readonly getFailures = new Map<string, Error>();
  releaseFails = false;
  /** Makes `claim` throw for matching marker keys (e.g. reply-limit slots) until cleared. */
  claimFails: ((markerKey: string) => Error | undefined) | undefined;
  private counter = 0;

  put(bucket: string, key: string, body: Uint8Array | string): void {
    this.objects.set(`${bucket}/${key}`, body);
  }

  async getObject(bucket: string, key: string, maxBytes: number): Promise<Uint8Array> {
    const failure = this.getFailures.get(key);
    if (failure) throw failure;
    const body = this.objects.get(`${bucket}/${key}`);
    if (body === undefined) {
      throw new PermanentAwsError(`S3 GetObject ${bucket}/${key}`, {
        cause: Object.assign(new Error('no such key'), { name: 'NoSuchKey' }),
      });
    }
    const bytes = typeof body === 'string' ? Buffer.from(body) : body;
    if (bytes.byteLength > maxBytes) throw new MessageTooLargeError(key, bytes.byteLength, maxBytes);
    return bytes;
  }

  async claim(bucket: string, markerKey: string, body: string): Promise<'claimed' | 'taken'> {
    const failure = this.claimFails?.(markerKey);
    if (failure) throw failure;
    if (this.objects.has(`${bucket}/${markerKey}`)) return 'taken';
    this.objects.set(`${bucket}/${markerKey}`, body);
    return 'claimed';
  }

  async putMarker(bucket: string, markerKey: string, body: string): Promise<void> {
    this.objects.set(`${bucket}/${markerKey}`, body);
  }

  async readMarker(bucket: string, markerKey: string): Promise<string | undefined> {
    const body = this.objects.get(`${bucket}/${markerKey}`);
    return body === undefined ? undefined : Buffer.from(body).toString('utf-8');
  }

  async release(bucket: string, markerKey: string): Promise<void> {
    if (this.releaseFails)
      throw new TransientAwsError('S3 DeleteObject', { cause: new Error('socket hang up') });
    this.objects.delete(`${bucket}/${markerKey}`);
  }

  async sendRawEmail(input: SendInput): Promise<string> {
    const failure = this.sendFailures.shift();
    if (failure) throw failure;
    const messageId = `fake-${++this.counter}`;
    this.sent.push({ ...input, messageId });
    return messageId;
  }

  markers(bucket: string, prefix: string): string[] {
    return [...this.objects.keys()].filter((k) => k.startsWith(`${bucket}/${prefix}`));
  }
}
