import { randomBytes } from 'node:crypto';

/** A fresh X-Ray trace header as Lambda hands it to the runtime: `Root=1-<epoch hex>-<96 bits>;Parent=…;Sampled=0`. */
export function newTraceId(now = Date.now()): string {
  const epoch = Math.floor(now / 1000)
    .toString(16)
    .padStart(8, '0');
  return `Root=1-${epoch}-${randomBytes(12).toString('hex')};Parent=${randomBytes(8).toString('hex')};Sampled=0`;
}
