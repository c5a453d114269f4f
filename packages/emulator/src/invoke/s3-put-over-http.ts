/** How long one record write may take before it counts as failed. */
const PUT_TIMEOUT_MS = 30_000;

/**
 * PutObject over HTTP to an S3 endpoint (the emulator's own port), the way Lambda's service writes an
 * invocation record to an S3 destination: a plain path-style PUT whose SigV4 scope names `s3`, so the emulator's
 * router sends it to S3 (signatures are not verified there). Going through the S3 API, rather than around it,
 * keeps S3's own behaviour: NoSuchBucket, notifications of the new object.
 */
export function s3PutOverHttp(
  endpoint: string,
): (bucket: string, key: string, body: Buffer, region: string) => Promise<void> {
  const base = endpoint.replace(/\/+$/, '');
  return async (bucket, key, body, region) => {
    const path = [bucket, ...key.split('/')].map(encodeURIComponent).join('/');
    const day = new Date().toISOString().slice(0, 10).replaceAll('-', '');
    const res = await fetch(`${base}/${path}`, {
      method: 'PUT',
      body,
      headers: {
        authorization: `AWS4-HMAC-SHA256 Credential=caprice-lambda/${day}/${region}/s3/aws4_request, SignedHeaders=host, Signature=0`,
        'content-type': 'application/json',
        'x-amz-content-sha256': 'UNSIGNED-PAYLOAD',
      },
      signal: AbortSignal.timeout(PUT_TIMEOUT_MS),
    });
    const text = await res.text();
    if (!res.ok) {
      const code = /<Code>([^<]*)<\/Code>/.exec(text)?.[1] ?? `HTTP ${res.status}`;
      throw new Error(`S3 PutObject to bucket ${bucket} failed: ${code}`);
    }
  };
}
