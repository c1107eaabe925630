/// <reference types="@webgpu/types" />
/**
 * The `webgpu` backend: the Backend interface over WGSL compute kernels.
 *
 * Where WebGPU comes from: in a browser `navigator.gpu`; in Node the optional `webgpu` package
 * (Google's Dawn), imported only when `await torch.init('webgpu')` asks for it. `init` picks the
 * high-performance adapter; a software (fallback) adapter such as SwiftShader is used when it is
 * all there is, and reported as `fallbackAdapter` so that `bestDevice()` passes it over for wasm.
 *
 * The kernels live next to the WGSL they run: elementwise.ts (copy, fill, unary, binary,
 * binaryInto, where), reduce.ts, matmul.ts, indexing.ts (gather, scatter), and softmax.ts (a fused
 * softmax/logSoftmax that the tensor layer uses where a backend offers it). context.ts explains
 * how dispatches are batched and errors surface; pool.ts how memory is reused.
 *
 * What differs from the `js` reference, by design:
 * - Reads are asynchronous: there is no `readSync`, so the tensor layer refuses synchronous reads
 *   with an error that says to `await x.data()` / `x.itemAsync()`.
 * - No float64 (WGSL has none): every float64 request throws a TypeError saying so.
 * - Errors a kernel finds (integer division by zero, an index out of bounds) are thrown by the next
 *   read, with the reference's message, rather than by the call that queued the kernel; an
 *   out-of-range gather reads 0 and an out-of-range scatter writes nothing (indexing.ts). The
 *   tensor layer's index checks run as a kernel too (`checkIndex`), since it cannot read the index.
 * - bool is stored as a u32 0/1 per element.
 * - float32 math is float32 all the way (the reference rounds from double once): exp, log, sin,
 *   cos, tanh, sigmoid and pow are within 4 ulp (math.ts states the tolerance), sums and matrix
 *   products add in another order, and subnormal results may flush to zero.
 * - Memory comes back when a dead tensor's storage is finalized (after a garbage collection and a
 *   turn of the event loop) or at once with `Tensor.dispose()` (pool.ts).
 */
import type { ArgReduceOp, Backend, BinaryOp, IndexCheck, ReduceOp, UnaryOp } from '../backend.js';
import type { DType, TypedArray } from '../../dtype.js';
import { loadCollector } from '../reclaim.js';
import { GpuContext } from './context.js';
import * as elementwise from './elementwise.js';
import * as indexing from './indexing.js';
import * as linalg from './matmul.js';
import type { MemoryStats } from './pool.js';
import * as reductions from './reduce.js';
import * as fused from './softmax.js';
import type { Runtime } from './runtime.js';
import { GpuStorage, type GpuView } from './storage.js';
import { float64Error, gpuDType, type GpuDType } from './wgsl.js';

export { GpuStorage } from './storage.js';
export type { MemoryStats } from './pool.js';

/** What the adapter is (the bench prints it). */
export interface WebGpuInfo {
  vendor: string;
  architecture: string;
  device: string;
  description: string;
  fallbackAdapter: boolean;
  features: string[];
  limits: Record<string, number>;
}

export class WebGpuBackend implements Backend<GpuStorage>, Runtime {
  readonly name = 'webgpu';

  constructor(
    readonly ctx: GpuContext,
    readonly info: WebGpuInfo,
  ) {}

  /** True on a software adapter (SwiftShader): correct, but slower than wasm. */
  get fallbackAdapter(): boolean {
    return this.ctx.fallbackAdapter;
  }

  // ---- memory -------------------------------------------------------------------------------

  storage(dtype: GpuDType, length: number, zero = false): GpuStorage {
    this.ctx.checkAlive();
    const { buffer, bytes, zeroed } = this.ctx.pool.acquire(Math.max(length, 1) * 4, false);
    const storage = new GpuStorage(buffer, dtype, length, bytes);
    this.ctx.pool.track(storage, buffer, bytes);
    if (zero && !zeroed) elementwise.fillStorage(this, storage, 0);
    return storage;
  }

  scratch(dtype: GpuDType, length: number, zero = false): GpuStorage {
    const { buffer, bytes, zeroed } = this.ctx.pool.acquire(Math.max(length, 1) * 4, false);
    const storage = new GpuStorage(buffer, dtype, length, bytes);
    if (zero && !zeroed) elementwise.fillStorage(this, storage, 0);
    return storage;
  }

  alloc(dtype: DType, length: number): GpuStorage {
    return this.storage(gpuDType(dtype), length, true);
  }

  fromArray(array: TypedArray): GpuStorage {
    this.ctx.checkAlive();
    if (array instanceof Float64Array) throw float64Error('cannot hold a float64 tensor');
    const dtype: GpuDType = array instanceof Float32Array ? 'float32' : array instanceof Int32Array ? 'int32' : 'bool';
    const { buffer, bytes } = this.ctx.pool.acquire(Math.max(array.length, 1) * 4, true);
    const storage = new GpuStorage(buffer, dtype, array.length, bytes);
    this.ctx.pool.track(storage, buffer, bytes);
    // bools travel as one u32 per element
    if (array.length > 0) this.ctx.upload(buffer, dtype === 'bool' ? Uint32Array.from(array) : array);
    return storage;
  }

  async read(storage: GpuStorage, dtype: DType): Promise<TypedArray> {
    const bytes = await this.ctx.read(storage.buffer, storage.length * 4);
    switch (gpuDType(dtype)) {
      case 'float32':
        return new Float32Array(bytes);
      case 'int32':
        return new Int32Array(bytes);
      case 'bool':
        return Uint8Array.from(new Uint32Array(bytes));
    }
  }

  /**
   * Returns a storage's buffer to the pool now, instead of when the garbage collector notices
   * (`Tensor.dispose()` calls this). Any tensor viewing it must not be used afterwards: its kernels
   * throw. Work already queued that reads it still sees its values (see the pool's ordering rule).
   */
  free(storage: GpuStorage): void {
    const buffer = storage._take();
    if (buffer) this.ctx.pool.dispose(storage, buffer, storage.bytes);
  }

  /** The same as `free`, by the name the issue gave it. */
  disposeStorage(storage: GpuStorage): void {
    this.free(storage);
  }

  /** Bytes held by live tensors and by the pool. */
  memory(): MemoryStats {
    return this.ctx.pool.stats();
  }

  /** Gives pooled buffers back to the driver. */
  trimPool(): void {
    this.ctx.pool.trim();
  }

  /** Resolves when the GPU has finished all queued work (for timing). */
  synchronize(): Promise<void> {
    return this.ctx.synchronize();
  }

  // ---- kernels ------------------------------------------------------------------------------

  copy(x: GpuView, dtype: DType): GpuStorage {
    return elementwise.copy(this, x, gpuDType(dtype));
  }
  copyInto(dst: GpuView, src: GpuView): void {
    elementwise.copyInto(this, dst, src);
  }
  fill(dst: GpuView, value: number): void {
    elementwise.fill(this, dst, value);
  }
  unary(op: UnaryOp, x: GpuView): GpuStorage {
    return elementwise.unary(this, op, x);
  }
  binary(op: BinaryOp, a: GpuView, b: GpuView): GpuStorage {
    return elementwise.binary(this, op, a, b);
  }
  binaryInto(op: BinaryOp, a: GpuView, b: GpuView, out: GpuView, alpha = 1): void {
    elementwise.binaryInto(this, op, a, b, out, alpha);
  }
  where(cond: GpuView, a: GpuView, b: GpuView): GpuStorage {
    return elementwise.where(this, cond, a, b);
  }
  /** relu's gradient in one dispatch (elementwise.ts). */
  reluBackward(g: GpuView, y: GpuView): GpuStorage {
    return elementwise.reluBackward(this, g, y);
  }
  reduce(op: ReduceOp, x: GpuView, dims: readonly number[], outDtype: DType): GpuStorage {
    return reductions.reduce(this, op, x, dims, outDtype);
  }
  argReduce(op: ArgReduceOp, x: GpuView, dim: number): GpuStorage {
    return reductions.argReduce(this, op, x, dim);
  }
  matmul(a: GpuView, b: GpuView): GpuStorage {
    return linalg.matmul(this, a, b);
  }
  gather(x: GpuView, dim: number, index: GpuView): GpuStorage {
    return indexing.gather(this, x, dim, index);
  }
  scatter(dst: GpuView, dim: number, index: GpuView, src: GpuView, accumulate: boolean): void {
    indexing.scatter(this, dst, dim, index, src, accumulate);
  }
  checkIndex(index: GpuView, check: IndexCheck): void {
    indexing.checkIndex(this, index, check);
  }

  // ---- fused kernels (beyond the Backend interface) -----------------------------------------

  /** softmax, or logSoftmax when `log`, of a float32 view along `dim`, in one dispatch (softmax.ts). */
  softmax(x: GpuView, dim: number, log: boolean): GpuStorage {
    return fused.softmax(this, x, dim, log);
  }
  /** Their gradient from g and the forward's output y, in one dispatch (softmax.ts). */
  softmaxBackward(g: GpuView, y: GpuView, dim: number, log: boolean): GpuStorage {
    return fused.softmaxBackward(this, g, y, dim, log);
  }
}

// ---- loading --------------------------------------------------------------------------------

/** `navigator.gpu` in a browser, Dawn's in Node. */
async function gpuEntry(): Promise<GPU> {
  const nav = (globalThis as { navigator?: { gpu?: GPU } }).navigator;
  if (nav?.gpu) return nav.gpu;
  const isNode = typeof process !== 'undefined' && typeof process.versions?.node === 'string';
  if (!isNode) throw new Error('webgpu: this JavaScript environment has no WebGPU (navigator.gpu is missing)');
  const packageName = 'webgpu'; // a variable, so that browser bundlers leave the Node-only import alone
  let dawn: { create(flags: string[]): GPU };
  try {
    dawn = (await import(/* @vite-ignore */ packageName)) as typeof dawn;
  } catch (e) {
    throw new Error(`webgpu: Node has no WebGPU without the optional 'webgpu' package (Dawn): npm install webgpu (${(e as Error).message})`);
  }
  return dawn.create([]);
}

/** The Dawn instance must outlive the device (Node), so it is kept here. */
let entry: GPU | undefined;

/** Requests an adapter and a device and builds the backend; `torch.init('webgpu')` calls this. */
export async function loadWebGpuBackend(): Promise<WebGpuBackend> {
  await loadCollector(); // the buffer pool collects garbage itself where it can (../reclaim.ts)
  entry ??= await gpuEntry();
  const adapter = await entry.requestAdapter({ powerPreference: 'high-performance' });
  if (!adapter) {
    throw new Error(
      'webgpu: no GPU adapter found. Without a GPU, SwiftShader gives a software one: ' +
        'apt-get install chromium, then VK_ICD_FILENAMES=/usr/lib/chromium/vk_swiftshader_icd.json',
    );
  }
  const adapterInfo = adapter.info;
  const legacyFallback = (adapter as { isFallbackAdapter?: boolean }).isFallbackAdapter;
  const fallbackAdapter =
    (adapterInfo as { isFallbackAdapter?: boolean }).isFallbackAdapter === true ||
    legacyFallback === true ||
    /swiftshader|llvmpipe|lavapipe|software/i.test(`${adapterInfo.architecture} ${adapterInfo.device} ${adapterInfo.description}`);
  // big tensors need the adapter's buffer limits, not WebGPU's guaranteed minimum (128 MiB bindings)
  const wanted = ['maxStorageBufferBindingSize', 'maxBufferSize', 'maxComputeWorkgroupStorageSize'] as const;
  const requiredLimits: Record<string, number> = {};
  for (const name of wanted) requiredLimits[name] = adapter.limits[name];
  const device = await adapter.requestDevice({ requiredLimits });
  const features = new Set<string>([...adapter.features] as string[]);
  const limits: Record<string, number> = {};
  for (const name of ['maxStorageBufferBindingSize', 'maxBufferSize', 'maxComputeWorkgroupStorageSize', 'maxComputeInvocationsPerWorkgroup', 'maxStorageBuffersPerShaderStage'] as const) {
    limits[name] = device.limits[name];
  }
  const info: WebGpuInfo = {
    vendor: adapterInfo.vendor,
    architecture: adapterInfo.architecture,
    device: adapterInfo.device,
    description: adapterInfo.description,
    fallbackAdapter,
    features: [...features].sort(),
    limits,
  };
  return new WebGpuBackend(new GpuContext(device, info, fallbackAdapter, features), info);
}
