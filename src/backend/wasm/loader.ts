/**
 * Finding and compiling the wasm module, in Node and in browsers, and checking what the runtime
 * supports before trying: SIMD is required; threads (shared memory + atomics + workers) and
 * relaxed SIMD (fused multiply-add in the matmul kernels) are used when present. Four builds
 * cover the combinations: build/kindling[-threads][-relaxed].wasm.
 *
 * The probes are the smallest modules that use each feature (as wasm-feature-detect's):
 * `WebAssembly.validate` says whether the engine would accept them, without running anything.
 */

/** A module whose one function returns a v128 (i32.const 0, i8x16.splat, i8x16.popcnt). */
const SIMD_PROBE = new Uint8Array([
  0, 97, 115, 109, 1, 0, 0, 0, 1, 5, 1, 96, 0, 1, 123, 3, 2, 1, 0, 10, 10, 1, 8, 0, 65, 0, 253, 15, 253, 98, 11,
]);

/** A module with a shared memory and an atomic instruction (memory.atomic.notify). */
const THREADS_PROBE = new Uint8Array([
  0, 97, 115, 109, 1, 0, 0, 0, 1, 4, 1, 96, 0, 0, 3, 2, 1, 0, 5, 4, 1, 3, 1, 1, 10, 11, 1, 9, 0, 65, 0, 254, 16, 2, 0, 26, 11,
]);

/**
 * A module whose one function returns f32x4.relaxed_madd of three splats (i32.const 0 and
 * i8x16.splat three times, then 0xfd 0x85 0x02). V8 has relaxed SIMD from 11.4 on (Chrome 114,
 * Node 21); Node 20 has it behind `--experimental-wasm-relaxed-simd`.
 */
const RELAXED_SIMD_PROBE = new Uint8Array([
  0, 97, 115, 109, 1, 0, 0, 0, 1, 5, 1, 96, 0, 1, 123, 3, 2, 1, 0, 10, 19, 1, 17, 0,
  65, 0, 253, 15, 65, 0, 253, 15, 65, 0, 253, 15, 253, 133, 2, 11,
]);

export interface WasmFeatures {
  simd: boolean;
  threads: boolean;
  /** Whether the engine has relaxed SIMD, so the matmul kernels can use fused multiply-adds. */
  relaxedSimd: boolean;
  /** Why threads are unavailable, when they are. */
  threadsMissing?: string;
}

const isNode = (): boolean => typeof process !== 'undefined' && !!process.versions?.node;

/** Which of the features the wasm backend uses this runtime has, and why threads are missing if they are. */
export function detectFeatures(): WasmFeatures {
  if (typeof WebAssembly !== 'object') return { simd: false, threads: false, relaxedSimd: false, threadsMissing: 'WebAssembly is not available' };
  const simd = WebAssembly.validate(SIMD_PROBE);
  const relaxedSimd = WebAssembly.validate(RELAXED_SIMD_PROBE);
  let threadsMissing: string | undefined;
  if (!WebAssembly.validate(THREADS_PROBE)) threadsMissing = 'this engine does not support wasm threads (shared memory and atomics)';
  else if (typeof SharedArrayBuffer === 'undefined') {
    threadsMissing =
      'SharedArrayBuffer is unavailable: a page must be cross-origin isolated (serve it with the headers ' +
      'Cross-Origin-Opener-Policy: same-origin and Cross-Origin-Embedder-Policy: require-corp)';
  } else if (!isNode() && typeof Worker === 'undefined') threadsMissing = 'Web Workers are unavailable here';
  else {
    try {
      new WebAssembly.Memory({ initial: 1, maximum: 1, shared: true });
    } catch {
      threadsMissing = 'shared WebAssembly.Memory cannot be created here';
    }
  }
  return { simd, threads: threadsMissing === undefined, relaxedSimd, threadsMissing };
}

/** The error `init('wasm')` throws when SIMD is missing. */
export function simdMissingError(): Error {
  return new Error(
    "device 'wasm' needs WebAssembly SIMD (128-bit), which this runtime lacks " +
      '(it is in Node 16.4+, Chrome 91+, Firefox 89+, Safari 16.4+); use the default js device instead',
  );
}

/** The file name of the build with (or without) shared memory and relaxed SIMD. */
export function kernelsFile(threads: boolean, relaxedSimd: boolean): string {
  return `kindling${threads ? '-threads' : ''}${relaxedSimd ? '-relaxed' : ''}.wasm`;
}

/** The compiled kernels, build/<file> (see kernelsFile). */
export async function compileKernels(file: string): Promise<WebAssembly.Module> {
  // src/backend/wasm/ and dist/backend/wasm/ both sit three levels below the package root
  const url = new URL(`../../../build/${file}`, import.meta.url);
  if (isNode()) {
    const { readFile } = await import('node:fs/promises');
    const { fileURLToPath } = await import('node:url');
    let bytes: Uint8Array;
    try {
      bytes = await readFile(fileURLToPath(url));
    } catch {
      throw new Error(`device 'wasm': build/${file} is missing; build it with \`npm run build:wasm\` (npm test, start, bench and docs do it for you)`);
    }
    return WebAssembly.compile(bytes as Uint8Array<ArrayBuffer>);
  }
  const response = await fetch(url);
  if (!response.ok) throw new Error(`device 'wasm': could not fetch ${url} (${response.status})`);
  return WebAssembly.compileStreaming ? WebAssembly.compileStreaming(response) : WebAssembly.compile(await response.arrayBuffer());
}

/** Number of CPU cores, the default thread count. */
export async function availableCores(): Promise<number> {
  if (isNode()) {
    const os = await import('node:os');
    return Math.max(1, os.availableParallelism?.() ?? os.cpus().length);
  }
  return Math.max(1, (globalThis as { navigator?: { hardwareConcurrency?: number } }).navigator?.hardwareConcurrency ?? 1);
}

export { isNode };
