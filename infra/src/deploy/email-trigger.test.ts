import { describe, expect, it } from 'vitest';
import { defineStack } from '../stack.js';
import { mergeNotifications, notificationEntry, s3StatementId } from './email-trigger.js';

const trigger = defineStack({}).triggers.email!;
const arn = 'arn:aws:lambda:us-east-1:000000000000:function:caprice-email-bot';

describe('mergeNotifications', () => {
  it('adds our entry and keeps the bucket owner’s other notifications', () => {
    const other = { Id: 'theirs', LambdaFunctionArn: 'arn:other', Events: ['s3:ObjectRemoved:*' as const] };
    const { merged, changed } = mergeNotifications([other], notificationEntry(trigger, arn));
    expect(changed).toBe(true);
    expect(merged.map((c) => c.Id)).toEqual(['theirs', 'caprice-caprice-email-bot']);
  });

  it('reports no change when the same entry is already there, whatever the case of filter names', () => {
    const ours = notificationEntry(trigger, arn);
    const asStored = {
      ...ours,
      Filter: { Key: { FilterRules: [{ Name: 'Prefix' as 'prefix', Value: 'inbound/' }] } },
    };
    expect(mergeNotifications([asStored], ours).changed).toBe(false);
  });

  it('replaces our entry when the function or prefix moved', () => {
    const old = { ...notificationEntry(trigger, 'arn:old'), Id: 'caprice-caprice-email-bot' };
    const { merged, changed } = mergeNotifications([old], notificationEntry(trigger, arn));
    expect(changed).toBe(true);
    expect(merged).toHaveLength(1);
    expect(merged[0]?.LambdaFunctionArn).toBe(arn);
  });
});

describe('s3StatementId', () => {
  it('is deterministic and limited to the characters Lambda accepts', () => {
    expect(s3StatementId('my.bucket')).toBe('caprice-s3-my-bucket');
  });
});
