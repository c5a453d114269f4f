import { type BucketLocationConstraint, CreateBucketCommand, S3Client } from '@aws-sdk/client-s3';

/** Creates `bucket` in `region` on the emulator at `endpoint` (for tests of a bucket found in the wrong region). */
export async function createBucketIn(
  endpoint: string,
  bucket: string,
  region: BucketLocationConstraint,
): Promise<void> {
  const s3 = new S3Client({
    endpoint,
    region,
    credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
    forcePathStyle: true,
  });
  try {
    await s3.send(
      new CreateBucketCommand({ Bucket: bucket, CreateBucketConfiguration: { LocationConstraint: region } }),
    );
  } finally {
    s3.destroy();
  }
}
