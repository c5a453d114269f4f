import {
  AddPermissionCommand,
  type AddPermissionCommandInput,
  type LambdaClient,
} from '@aws-sdk/client-lambda';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * AddPermission that treats "The statement id (…) provided already exists" as success (another deploy got there
 * first) and retries the other ResourceConflictException, "an update is in progress", with back-off.
 */
export async function addPermissionOnce(
  lambda: LambdaClient,
  input: AddPermissionCommandInput,
  retry: { readonly attempts: number; readonly baseDelayMs: number } = { attempts: 6, baseDelayMs: 500 },
): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    try {
      await lambda.send(new AddPermissionCommand(input));
      return;
    } catch (error) {
      const e = error as { name?: string; message?: string };
      if (e?.name !== 'ResourceConflictException') throw error;
      if (/already exists/i.test(e.message ?? '')) return;
      if (attempt >= retry.attempts) throw error;
      await sleep(Math.round(retry.baseDelayMs * 2 ** (attempt - 1) * (0.5 + Math.random() / 2)));
    }
  }
}
