/**
 * The WebAssembly SIMD kernel for long ASCII text at probability 0.5 (source: `ascii-kernel.wat`). It produces
 * exactly the output of the JS kernel for every seed: bit t of the letter stream is bit t of the same sfc32 pool,
 * drawn in WebAssembly with the same snapshots, and the generator is rewound to just after the last output used.
 * Used only where `Buffer` and WebAssembly SIMD exist; everything else keeps the JS paths.
 * @module
 */

import { ASCII_KERNEL_WASM } from './ascii-kernel-wasm.js';
import type { Sfc32 } from './prng.js';

/** Byte offsets in the module's memory (see the layout in `ascii-kernel.wat`). */
const STATE = 4096;
const STATES = 8192;
const WORDS = 16384;
const BYTES = 32768;
/** Where the text starts in the module's memory. */
export const TEXT = 131072;
/** Text bytes per `block` call: the most the module's pool regions hold. Calls also let V8 tier the code up. */
export const BLOCK_BYTES = 65536;
const PAGE = 65536;

/** The parts of the WebAssembly API used here (the package's `lib` has no DOM/WebAssembly types). */
interface WasmApi {
  validate(bytes: Uint8Array): boolean;
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: object) => { exports: unknown };
}
/** The module's exports. */
export interface KernelExports {
  memory: { buffer: ArrayBuffer; grow(pages: number): number };
  init(): void;
  block(p: number, end: number, first: number): number;
  /** The bare kernel over [p, end), bits from BYTES + t (for the bench's anatomy only). */
  kernel(p: number, end: number, t: number): number;
}
/** The start of the pool's one-byte-per-bit copy (for the bench's anatomy only). */
export const POOL_BYTES = BYTES;
type NodeBuffer = {
  from(arrayBuffer: ArrayBuffer): BufferView;
  from(text: string, encoding: 'base64'): Uint8Array;
};
type BufferView = {
  write(s: string, offset: number, encoding: 'utf8'): number;
  fill(value: number, start: number, end: number): unknown;
  toString(encoding: 'latin1', start: number, end: number): string;
};

const NodeBufferClass = (globalThis as { Buffer?: NodeBuffer }).Buffer;
const Wasm = (globalThis as { WebAssembly?: WasmApi }).WebAssembly;

/** One instance of the module, with its memory. */
export class WasmAsciiKernel {
  /** The instance's exports (public for the bench's anatomy). */
  readonly kernel: KernelExports;

  constructor(module: object) {
    this.kernel = new Wasm!.Instance(module, {}).exports as KernelExports;
    this.kernel.init();
  }

  /**
   * Capitalizes `text` if it is all ASCII, continuing the stream given by `bitState` (leftover bits in `[0]`, their
   * count in `[1]`) and `rng`, both updated as the JS kernel would. Returns `undefined`, having consumed nothing,
   * when the text is not ASCII (or the module's memory cannot grow to hold it).
   */
  capitalize(text: string, bitState: Int32Array, rng: Sfc32): string | undefined {
    const n = text.length;
    const end = TEXT + Math.ceil(n / 64) * 64;
    const memory = this.kernel.memory;
    // 64 bytes of slack: with them, the UTF-8 write returns n exactly when the text is ASCII (see capitalizer.ts).
    const needed = end + 64 - memory.buffer.byteLength;
    if (needed > 0) {
      try {
        memory.grow(Math.ceil(needed / PAGE));
      } catch {
        // Past WebAssembly's 4 GiB or out of memory: the UTF-16 kernel (same output) may still manage.
        return undefined;
      }
    }
    const buffer = memory.buffer;
    const bytes = NodeBufferClass!.from(buffer);
    if (bytes.write(text, TEXT, 'utf8') !== n) return undefined;
    // Padding bytes must not look like letters (they would consume random bits).
    bytes.fill(0, TEXT + n, end);
    const ints = new Int32Array(buffer, 0, TEXT >>> 2);
    const states = new Int32Array(buffer, STATES, (WORDS - STATES) >>> 2);
    for (let p = TEXT; p < end; p += BLOCK_BYTES) {
      const bitCount = bitState[1]!;
      const first = 32 - bitCount;
      ints[WORDS >>> 2] = bitCount === 0 ? 0 : bitState[0]! << first;
      rng.save(ints, STATE >>> 2);
      const t = this.kernel.block(p, Math.min(p + BLOCK_BYTES, end), first);
      const word = t >>> 5;
      const used = t & 31;
      bitState[0] = ints[(WORDS >>> 2) + word]! >>> used;
      bitState[1] = 32 - used;
      rng.rewind(states, word);
    }
    return bytes.toString('latin1', TEXT, TEXT + n);
  }
}

/** `undefined` until first needed, then the compiled module or `null` where WebAssembly SIMD is unavailable. */
let compiled: object | null | undefined;
let instance: WeakRef<WasmAsciiKernel> | undefined;

/**
 * The kernel, compiled and instantiated on first use (synchronously: the module is about 1 KB), or `undefined`
 * where there is no `Buffer`, no WebAssembly, or no SIMD. The instance (and its memory, which only grows) is held
 * through a `WeakRef`, like the JS path's long-input memory, so the GC may reclaim it between calls.
 */
export function wasmAsciiKernel(): WasmAsciiKernel | undefined {
  if (compiled === undefined) compiled = compileKernel();
  if (compiled === null) return undefined;
  let kernel = instance?.deref();
  if (kernel === undefined) {
    kernel = new WasmAsciiKernel(compiled);
    instance = new WeakRef(kernel);
  }
  return kernel;
}

function compileKernel(): object | null {
  if (NodeBufferClass === undefined || Wasm === undefined) return null;
  try {
    const bytes = NodeBufferClass.from(ASCII_KERNEL_WASM, 'base64');
    // validate() is false where the engine lacks SIMD128.
    return Wasm.validate(bytes) ? new Wasm.Module(bytes) : null;
  } catch {
    return null;
  }
}
