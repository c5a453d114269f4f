import { AwsServiceError } from '../http/aws-error.js';

/**
 * An S3 error: `type` is S3's `Code` (NoSuchBucket, NoSuchKey, …). `extra` becomes additional
 * elements of the `<Error>` document, as S3 adds `<BucketName>`, `<Key>` or `<Condition>`.
 */
export class S3Error extends AwsServiceError {
  constructor(
    status: number,
    code: string,
    message: string,
    readonly extra: Readonly<Record<string, string>> = {},
  ) {
    super(status, code, message);
    this.name = 'S3Error';
  }
}

export const noSuchBucket = (bucket: string): S3Error =>
  new S3Error(404, 'NoSuchBucket', 'The specified bucket does not exist', { BucketName: bucket });

export const noSuchKey = (key: string): S3Error =>
  new S3Error(404, 'NoSuchKey', 'The specified key does not exist.', { Key: key });

export const malformedXml = (): S3Error =>
  new S3Error(
    400,
    'MalformedXML',
    'The XML you provided was not well-formed or did not validate against our published schema',
  );

export const invalidArgument = (message: string, name: string, value: string): S3Error =>
  new S3Error(400, 'InvalidArgument', message, { ArgumentName: name, ArgumentValue: value });
