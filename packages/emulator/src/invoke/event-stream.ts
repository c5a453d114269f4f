import { EventStreamCodec } from '@smithy/core/event-streams';
import { fromUtf8, toUtf8 } from '@smithy/util-utf8';

const codec = new EventStreamCodec(toUtf8, fromUtf8);

/** One `application/vnd.amazon.eventstream` event message. */
function eventMessage(eventType: string, contentType: string, body: Uint8Array): Buffer {
  const bytes = codec.encode({
    headers: {
      ':event-type': { type: 'string', value: eventType },
      ':message-type': { type: 'string', value: 'event' },
      ':content-type': { type: 'string', value: contentType },
    },
    body,
  });
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

/** InvokeWithResponseStream's `PayloadChunk` event. */
export function encodePayloadChunk(payload: Uint8Array): Buffer {
  return eventMessage('PayloadChunk', 'application/octet-stream', payload);
}

/** InvokeWithResponseStream's final `InvokeComplete` event. */
export function encodeInvokeComplete(fields: {
  ErrorCode?: string;
  ErrorDetails?: string;
  LogResult?: string;
}): Buffer {
  return eventMessage('InvokeComplete', 'application/json', Buffer.from(JSON.stringify(fields)));
}
