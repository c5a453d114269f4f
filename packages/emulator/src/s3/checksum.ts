import { createHash, type Hash } from 'node:crypto';
import { crc32 } from 'node:zlib';

/** The flexible-checksum algorithms S3 accepts (`x-amz-checksum-<name>`). */
export const CHECKSUM_ALGORITHMS = ['crc32', 'crc32c', 'crc64nvme', 'sha1', 'sha256'] as const;
export type ChecksumAlgorithm = (typeof CHECKSUM_ALGORITHMS)[number];

export function isChecksumAlgorithm(name: string): name is ChecksumAlgorithm {
  return (CHECKSUM_ALGORITHMS as readonly string[]).includes(name);
}

/** Incremental checksum over a body; `digest()` gives the base64 value S3 puts in headers. */
export interface Checksum {
  update(chunk: Uint8Array): void;
  digest(): string;
}

// CRC32C (Castagnoli, reflected polynomial 0x82F63B78): node has no built-in for it.
const CRC32C_TABLE = (() => {
  const table = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0x82f63b78 ^ (c >>> 1) : c >>> 1;
    table[n] = c >>> 0;
  }
  return table;
})();

// CRC64/NVME (reflected polynomial 0x9A6C9329AC4BC9B5), as S3's default full-object checksum.
const CRC64_TABLE = (() => {
  const table = new Array<bigint>(256);
  const poly = 0x9a6c9329ac4bc9b5n;
  for (let n = 0; n < 256; n++) {
    let c = BigInt(n);
    for (let k = 0; k < 8; k++) c = c & 1n ? poly ^ (c >> 1n) : c >> 1n;
    table[n] = c;
  }
  return table;
})();

function uint32Base64(value: number): string {
  const out = Buffer.alloc(4);
  out.writeUInt32BE(value >>> 0);
  return out.toString('base64');
}

/** Creates the running checksum for one algorithm. */
export function createChecksum(algorithm: ChecksumAlgorithm): Checksum {
  switch (algorithm) {
    case 'crc32': {
      let value = 0;
      return {
        update: (chunk) => {
          value = crc32(chunk, value);
        },
        digest: () => uint32Base64(value),
      };
    }
    case 'crc32c': {
      let c = 0xffffffff;
      return {
        update: (chunk) => {
          for (const byte of chunk) c = CRC32C_TABLE[(c ^ byte) & 0xff]! ^ (c >>> 8);
        },
        digest: () => uint32Base64(~c),
      };
    }
    case 'crc64nvme': {
      let c = 0xffffffffffffffffn;
      return {
        update: (chunk) => {
          for (const byte of chunk) c = CRC64_TABLE[Number((c ^ BigInt(byte)) & 0xffn)]! ^ (c >> 8n);
        },
        digest: () => {
          const out = Buffer.alloc(8);
          out.writeBigUInt64BE(c ^ 0xffffffffffffffffn);
          return out.toString('base64');
        },
      };
    }
    case 'sha1':
    case 'sha256': {
      const hash: Hash = createHash(algorithm);
      return {
        update: (chunk) => {
          hash.update(chunk);
        },
        digest: () => hash.digest('base64'),
      };
    }
  }
}
