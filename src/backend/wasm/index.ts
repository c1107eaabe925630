/**
 * The `wasm` backend: the Backend interface over AssemblyScript SIMD kernels (assembly/).
 *
 * Tensor storage lives in the module's linear memory (heap.ts), so kernels read and write it in
 * place; values cross into JavaScript only when a tensor is read or moved to another device.
 * Each method here describes its views to a kernel: shapes and strides go into a small
 * descriptor area of linear memory (after merging dims that are contiguous together, so most
 * views become one or two dims), pointers and dtype codes go as arguments. Kernels that can fail
 * (integer division by zero, an index out of bounds) return a status code and this side throws
 * the same error the reference backend throws.
 *
 * `await torch.init('wasm')` loads it: the registry (src/device.ts) imports this module lazily.
 */
import { comparisonOps, type ArgReduceOp, type Backend, type BinaryOp, type ReduceOp, type UnaryOp, type View } from '../backend.js';
import { castScalar, type DType, type TypedArray } from '../../dtype.js';
import { collapseDims as collapse, contiguousStrides, isContiguousLayout, numelOf, type Shape } from '../../shape.js';
import { Heap, WasmStorage, type HeapStats } from './heap.js';
import { availableCores, compileKernels, detectFeatures, kernelsFile, simdMissingError, type WasmFeatures } from './loader.js';
import { ThreadPool } from './threads.js';

export { WasmStorage } from './heap.js';
export type { HeapStats } from './heap.js';

type WasmView = View<WasmStorage>;

/** The kernels' exports (assembly/index.ts); pointers and strides are plain numbers. */
interface Kernels {
  heapBase(): number;
  copy(st: number, dt: number, d: number, src: number, out: number): void;
  copyInto(dt: number, st: number, d: number, dst: number, src: number): void;
  fill(dt: number, d: number, dst: number, value: number): void;
  unary(op: number, dt: number, d: number, x: number, out: number): void;
  binary(op: number, dt: number, d: number, a: number, b: number, out: number, alpha: number): number;
  where(ct: number, dt: number, d: number, cond: number, a: number, b: number, out: number): void;
  reduce(op: number, dt: number, ot: number, dk: number, dr: number, x: number, out: number): void;
  argReduce(op: number, dt: number, dk: number, n: number, s: number, x: number, out: number): void;
  matmulF32(...args: number[]): void;
  matmulF64(...args: number[]): void;
  matmulI32(...args: number[]): void;
  matmulScratchBytes(): number;
  matmulUnitRows(): number;
  softmax(log: number, outer: number, n: number, inner: number, x: number, out: number): void;
  softmaxBackward(log: number, outer: number, n: number, inner: number, g: number, y: number, out: number): void;
  reluBackward(d: number, g: number, y: number, out: number): void;
  gather(dt: number, d: number, x: number, index: number, out: number, size: number, dimStride: number, err: number): number;
  scatter(dt: number, st: number, d: number, dst: number, index: number, src: number, size: number, dimStride: number, accumulate: number, err: number): number;
}

const dtypeCode: Record<DType, number> = { float32: 0, float64: 1, int32: 2, bool: 3 };
const dtypeBytes: Record<DType, number> = { float32: 4, float64: 8, int32: 4, bool: 1 };
const arrayType = { float32: Float32Array, float64: Float64Array, int32: Int32Array, bool: Uint8Array } as const;

// op codes: the order of the unions in src/backend/backend.ts, mirrored in assembly/elementwise.ts
const unaryCode: Record<UnaryOp, number> = {
  neg: 0, abs: 1, sign: 2, exp: 3, log: 4, sqrt: 5, rsqrt: 6, sin: 7, cos: 8, tanh: 9,
  sigmoid: 10, relu: 11, floor: 12, ceil: 13, round: 14, trunc: 15, logicalNot: 16,
};
const binaryCode: Record<BinaryOp, number> = {
  add: 0, sub: 1, mul: 2, div: 3, floorDivide: 4, remainder: 5, pow: 6, maximum: 7, minimum: 8,
  eq: 9, ne: 10, lt: 11, le: 12, gt: 13, ge: 14, logicalAnd: 15, logicalOr: 16, logicalXor: 17,
};
const reduceCode: Record<ReduceOp, number> = { sum: 0, prod: 1, max: 2, min: 3 };

/** The errors of the reference's int32 arithmetic, by the binary kernel's status code. */
const binaryErrors: Record<number, string> = {
  1: 'ZeroDivisionError: integer division by zero',
  2: 'ZeroDivisionError: integer modulo by zero',
  3: 'Integers to negative integer powers are not allowed.',
};

/** Below this many multiply-adds a matmul runs on one thread (waking workers costs more). */
const THREADED_MATMUL_MACS = 1 << 18;

/** What `wasmInfo()` reports. */
export interface WasmInfo extends WasmFeatures {
  /** The build that was loaded, e.g. `kindling-threads-relaxed.wasm` (loader.ts). */
  build: string;
  /** Threads kernels use (1 without thread support). */
  numThreads: number;
  heap: HeapStats;
}

export class WasmBackend implements Backend<WasmStorage> {
  readonly name = 'wasm';
  private readonly desc: number;
  private readonly err: number;

  constructor(
    private readonly k: Kernels,
    readonly heap: Heap,
    readonly features: WasmFeatures,
    readonly pool: ThreadPool | undefined,
    /** The build that was loaded (loader.ts's kernelsFile). */
    readonly build: string,
  ) {
    // a permanent area for kernel descriptors, and a word for error details
    this.desc = heap.allocBlock(16384).ptr;
    this.err = heap.allocBlock(64).ptr;
  }

  // ---- memory ---------------------------------------------------------------------------------

  private live(storage: WasmStorage): number {
    if (storage.ptr < 0) throw new Error('wasm: this tensor was disposed; its storage can no longer be used');
    return storage.ptr;
  }

  /** The byte address of a view's storage (kernels add the view's offset themselves). */
  private base(v: WasmView): number {
    return this.live(v.storage);
  }

  private out(dtype: DType, length: number, zero = false): WasmStorage {
    return this.heap.allocStorage(length * dtypeBytes[dtype], zero);
  }

  alloc(dtype: DType, length: number): WasmStorage {
    return this.out(dtype, length, true);
  }

  fromArray(array: TypedArray): WasmStorage {
    const s = this.out(dtypeOfArrayStrict(array), array.length);
    this.heap.u8.set(new Uint8Array(array.buffer, array.byteOffset, array.byteLength), s.ptr);
    return s;
  }

  /** A copy of the storage's elements (views into wasm memory would change under the user). */
  readSync(storage: WasmStorage, dtype: DType): TypedArray {
    const length = storage.used / dtypeBytes[dtype];
    const buffer = this.heap.u8.buffer as ArrayBuffer; // or a SharedArrayBuffer: slice() copies out of it either way
    return new arrayType[dtype](buffer, this.live(storage), length).slice();
  }

  async read(storage: WasmStorage, dtype: DType): Promise<TypedArray> {
    return this.readSync(storage, dtype);
  }

  /** Frees a storage now. Later use of a tensor viewing it throws. */
  dispose(storage: WasmStorage): void {
    this.heap.dispose(storage);
  }

  free(storage: WasmStorage): void {
    this.heap.dispose(storage);
  }

  // ---- descriptors ------------------------------------------------------------------------------

  /**
   * Writes the walk descriptor of `views` (all of `shape`) at `at` (see assembly/memory.ts):
   * ndim, shape, each operand's strides, zeroed odometer digits, each operand's start offset.
   * Returns the address just past it.
   */
  private describe(at: number, shape: Shape, strides: readonly (readonly number[])[], offsets: readonly number[]): number {
    const c = collapse(shape, strides);
    const ndim = c.shape.length;
    if ((1 + ndim * (2 + strides.length) + offsets.length) * 4 > 8000) throw new RangeError(`wasm: too many dims (${shape.length})`);
    // written word by word: this runs for every kernel call, and building an array first cost
    // more than most small kernels do
    const words = this.heap.i32;
    let w = at >> 2;
    words[w++] = ndim;
    for (const size of c.shape) words[w++] = size;
    for (const operand of c.strides) for (const stride of operand) words[w++] = stride;
    words.fill(0, w, w + ndim);
    w += ndim;
    for (const offset of offsets) words[w++] = offset;
    return w * 4;
  }

  /** A descriptor for views of one shape (elementwise kernels); returns its address. */
  private walk(shape: Shape, ...views: WasmView[]): number {
    this.describe(
      this.desc,
      shape,
      views.map((v) => v.strides),
      views.map((v) => v.offset),
    );
    return this.desc;
  }

  // ---- data movement ----------------------------------------------------------------------------

  copy(x: WasmView, dtype: DType): WasmStorage {
    const n = numelOf(x.shape);
    const out = this.out(dtype, n);
    if (n > 0) this.k.copy(dtypeCode[x.dtype], dtypeCode[dtype], this.walk(x.shape, x), this.base(x), out.ptr);
    return out;
  }

  copyInto(dst: WasmView, src: WasmView): void {
    if (numelOf(dst.shape) === 0) return;
    // the reference reads all of src before writing: when they share a storage, copy src first
    let from = src;
    let temp: WasmStorage | undefined;
    if (src.storage === dst.storage) {
      temp = this.copy(src, src.dtype);
      from = { storage: temp, dtype: src.dtype, shape: src.shape, strides: contiguousStrides(src.shape), offset: 0 };
    }
    this.k.copyInto(dtypeCode[dst.dtype], dtypeCode[from.dtype], this.walk(dst.shape, dst, from), this.base(dst), this.base(from));
    if (temp) this.heap.dispose(temp);
  }

  fill(dst: WasmView, value: number): void {
    if (numelOf(dst.shape) === 0) return;
    this.k.fill(dtypeCode[dst.dtype], this.walk(dst.shape, dst), this.base(dst), value);
  }

  // ---- elementwise ------------------------------------------------------------------------------

  unary(op: UnaryOp, x: WasmView): WasmStorage {
    const n = numelOf(x.shape);
    const out = this.out(op === 'logicalNot' ? 'bool' : x.dtype, n);
    if (n > 0) this.k.unary(unaryCode[op], dtypeCode[x.dtype], this.walk(x.shape, x), this.base(x), out.ptr);
    return out;
  }

  binary(op: BinaryOp, a: WasmView, b: WasmView): WasmStorage {
    const n = numelOf(a.shape);
    const dtype = comparisonOps.has(op) ? 'bool' : a.dtype;
    const out = this.out(dtype, n);
    if (n > 0) this.binaryInto(op, a, b, { storage: out, dtype, shape: a.shape, strides: contiguousStrides(a.shape), offset: 0 });
    return out;
  }

  binaryInto(op: BinaryOp, a: WasmView, b: WasmView, out: WasmView, alpha = 1): void {
    if (numelOf(out.shape) === 0) return;
    const d = this.walk(out.shape, a, b, out);
    // alpha as `mul(b, alpha)` would take it: cast to the dtype (so the kernel's int32 and bool conversions are exact)
    const factor = castScalar(alpha, a.dtype);
    const status = this.k.binary(binaryCode[op], dtypeCode[a.dtype], d, this.base(a), this.base(b), this.base(out), factor);
    if (status !== 0) throw new RangeError(binaryErrors[status]);
  }

  where(cond: WasmView, a: WasmView, b: WasmView): WasmStorage {
    const n = numelOf(cond.shape);
    const out = this.out(a.dtype, n);
    if (n > 0) {
      const d = this.walk(cond.shape, cond, a, b);
      this.k.where(dtypeCode[cond.dtype], dtypeCode[a.dtype], d, this.base(cond), this.base(a), this.base(b), out.ptr);
    }
    return out;
  }

  // ---- reductions -------------------------------------------------------------------------------

  /** Descriptors for the kept dims (from x's offset) and the reduced dims (from 0), at desc and after it. */
  private splitWalk(x: WasmView, dims: readonly number[]): { dk: number; dr: number } {
    const kept = x.shape.map((_, d) => d).filter((d) => !dims.includes(d));
    const dk = this.desc;
    const dr = this.describe(dk, kept.map((d) => x.shape[d]), [kept.map((d) => x.strides[d])], [x.offset]);
    // reduced dims keep size-0 dims (an empty reduction gives the initial value), so collapse only non-empty ones
    const rShape = dims.map((d) => x.shape[d]);
    if (rShape.includes(0)) this.heap.i32.set([1, 0, 0, 0, 0], dr >> 2);
    else this.describe(dr, rShape, [dims.map((d) => x.strides[d])], [0]);
    return { dk, dr };
  }

  reduce(op: ReduceOp, x: WasmView, dims: readonly number[], outDtype: DType): WasmStorage {
    const n = numelOf(x.shape.filter((_, d) => !dims.includes(d)));
    const out = this.out(outDtype, n);
    if (n === 0) return out;
    const { dk, dr } = this.splitWalk(x, dims);
    this.k.reduce(reduceCode[op], dtypeCode[x.dtype], dtypeCode[outDtype], dk, dr, this.base(x), out.ptr);
    return out;
  }

  argReduce(op: ArgReduceOp, x: WasmView, dim: number): WasmStorage {
    const n = numelOf(x.shape.filter((_, d) => d !== dim));
    const out = this.out('int32', n);
    if (n === 0) return out;
    const { dk } = this.splitWalk(x, [dim]);
    this.k.argReduce(op === 'argmax' ? 0 : 1, dtypeCode[x.dtype], dk, x.shape[dim], x.strides[dim], this.base(x), out.ptr);
    return out;
  }

  // ---- linear algebra ---------------------------------------------------------------------------

  matmul(a: WasmView, b: WasmView): WasmStorage {
    const [B, M, K] = a.shape;
    const N = b.shape[2];
    const out = this.out(a.dtype, B * M * N);
    if (B * M * N === 0) return out;
    const kind = a.dtype === 'float32' ? 0 : a.dtype === 'float64' ? 1 : a.dtype === 'int32' ? 2 : -1;
    if (kind < 0) throw new TypeError(`wasm matmul: unsupported dtype ${a.dtype}`);
    const size = dtypeBytes[a.dtype];
    const rowBlocks = Math.ceil(M / this.k.matmulUnitRows());
    // with threads and few row blocks (a batch of 64 rows), also cut the columns so every thread gets work
    const threads = this.pool && B * M * N * K >= THREADED_MATMUL_MACS ? this.pool.numThreads : 1;
    const colBlocks = Math.max(1, Math.min(Math.ceil((2 * threads) / (B * rowBlocks)), Math.floor(N / 64)));
    const nb = colBlocks === 1 ? N : Math.ceil(N / colBlocks / 8) * 8;
    const units = B * rowBlocks * Math.ceil(N / nb);
    const args = [
      M, N, K,
      this.base(a) + a.offset * size, a.strides[0], a.strides[1], a.strides[2],
      this.base(b) + b.offset * size, b.strides[0], b.strides[1], b.strides[2],
      out.ptr, nb,
    ];
    if (this.pool) this.pool.runMatmul(kind, args, units, threads);
    else {
      const kernel = [this.k.matmulF32, this.k.matmulF64, this.k.matmulI32][kind];
      kernel(...args.slice(0, 12), this.scratch(), nb, 0, units);
    }
    return out;
  }

  // ---- fused kernels (assembly/fused.ts): one pass where the tensor layer would run several -------

  /** The byte address of a float32 view's first element, copied to a contiguous storage first if it is strided. */
  private contiguous32(v: WasmView): { ptr: number; temp?: WasmStorage } {
    if (isContiguousLayout(v.shape, v.strides)) return { ptr: this.base(v) + v.offset * 4 };
    const temp = this.copy(v, 'float32');
    return { ptr: temp.ptr, temp };
  }

  /** The contiguous shape seen as [outer, n, inner] around `dim` (a 0-d tensor is one row of one). */
  private around(shape: Shape, dim: number): [number, number, number] {
    if (shape.length === 0) return [1, 1, 1];
    return [numelOf(shape.slice(0, dim)), shape[dim], numelOf(shape.slice(dim + 1))];
  }

  /** softmax, or logSoftmax when `log`, of a float32 view along `dim`: max, exp, sum and log in one pass a row. */
  softmax(x: WasmView, dim: number, log: boolean): WasmStorage {
    const out = this.out('float32', numelOf(x.shape));
    const src = this.contiguous32(x);
    this.k.softmax(log ? 1 : 0, ...this.around(x.shape, dim), src.ptr, out.ptr);
    if (src.temp) this.heap.dispose(src.temp);
    return out;
  }

  /** Their gradient from the output gradient g and the forward's output y (float32, one shape), in one pass a row. */
  softmaxBackward(g: WasmView, y: WasmView, dim: number, log: boolean): WasmStorage {
    const out = this.out('float32', numelOf(y.shape));
    const gs = this.contiguous32(g);
    const ys = this.contiguous32(y);
    this.k.softmaxBackward(log ? 1 : 0, ...this.around(y.shape, dim), gs.ptr, ys.ptr, out.ptr);
    for (const temp of [gs.temp, ys.temp]) if (temp) this.heap.dispose(temp);
    return out;
  }

  /** relu's gradient, g where y > 0 or is NaN and 0 elsewhere, in one pass instead of `le` and `where`. */
  reluBackward(g: WasmView, y: WasmView): WasmStorage {
    const n = numelOf(y.shape);
    const out = this.out('float32', n);
    if (n > 0) this.k.reluBackward(this.walk(y.shape, g, y), this.base(g), this.base(y), out.ptr);
    return out;
  }

  private scratchPtr = -1;
  /** The main thread's matmul packing area (without a thread pool). */
  private scratch(): number {
    if (this.scratchPtr < 0) this.scratchPtr = this.heap.allocBlock(this.k.matmulScratchBytes()).ptr;
    return this.scratchPtr;
  }

  // ---- indexing ---------------------------------------------------------------------------------

  /** The index as an int32 view (a converted copy when it is another dtype). */
  private intIndex(index: WasmView): WasmView {
    if (index.dtype === 'int32') return index;
    return { storage: this.copy(index, 'int32'), dtype: 'int32', shape: index.shape, strides: contiguousStrides(index.shape), offset: 0 };
  }

  private indexError(dim: number, size: number): RangeError {
    const k = this.heap.i32[this.err >> 2];
    return new RangeError(`index ${k} is out of bounds for dimension ${dim} with size ${size}`);
  }

  gather(x: WasmView, dim: number, index: WasmView): WasmStorage {
    const n = numelOf(index.shape);
    const out = this.out(x.dtype, n);
    if (n === 0) return out;
    const idx = this.intIndex(index);
    const xStrides = x.strides.map((s, d) => (d === dim ? 0 : s));
    const d = this.walkWith(index.shape, [xStrides, idx.strides], [x.offset, idx.offset]);
    const size = x.shape[dim];
    const status = this.k.gather(dtypeCode[x.dtype], d, this.base(x), this.base(idx), out.ptr, size, x.strides[dim], this.err);
    if (status !== 0) throw this.indexError(dim, size);
    return out;
  }

  scatter(dst: WasmView, dim: number, index: WasmView, src: WasmView, accumulate: boolean): void {
    if (numelOf(index.shape) === 0) return;
    const idx = this.intIndex(index);
    const dStrides = dst.strides.map((s, d) => (d === dim ? 0 : s));
    const d = this.walkWith(index.shape, [dStrides, idx.strides, src.strides], [dst.offset, idx.offset, src.offset]);
    const size = dst.shape[dim];
    const status = this.k.scatter(
      dtypeCode[dst.dtype], dtypeCode[src.dtype], d, this.base(dst), this.base(idx), this.base(src),
      size, dst.strides[dim], accumulate ? 1 : 0, this.err,
    );
    if (status !== 0) throw this.indexError(dim, size);
  }

  private walkWith(shape: Shape, strides: readonly (readonly number[])[], offsets: readonly number[]): number {
    this.describe(this.desc, shape, strides, offsets);
    return this.desc;
  }
}


function dtypeOfArrayStrict(array: TypedArray): DType {
  if (array instanceof Float32Array) return 'float32';
  if (array instanceof Float64Array) return 'float64';
  if (array instanceof Int32Array) return 'int32';
  return 'bool';
}

// ---- loading ------------------------------------------------------------------------------------

let loaded: WasmBackend | undefined;

/** Loads the kernels, sets up memory and (where supported) the worker threads. Used by `init('wasm')`. */
export async function loadWasmBackend(): Promise<Backend> {
  if (!loaded) loaded = await createWasmBackend();
  return loaded as Backend;
}

/**
 * A new, independent wasm backend (its own module instance and memory). `threads: false` gives
 * the single-threaded build that runtimes without shared memory use (a page that is not
 * cross-origin isolated), and `relaxedSimd: false` the build without fused multiply-adds that
 * runtimes without relaxed SIMD use, so tests can check those paths anywhere.
 */
export async function createWasmBackend(options: { threads?: boolean; relaxedSimd?: boolean } = {}): Promise<WasmBackend> {
  const detected = detectFeatures();
  if (!detected.simd) throw simdMissingError();
  const features: WasmFeatures = { ...detected, relaxedSimd: detected.relaxedSimd && options.relaxedSimd !== false };
  if (options.threads === false && detected.threads) Object.assign(features, { threads: false, threadsMissing: 'turned off by the caller' });
  const build = kernelsFile(features.threads, features.relaxedSimd);
  const module = await compileKernels(build);
  const memory = features.threads
    ? new WebAssembly.Memory({ initial: 256, maximum: 65536, shared: true })
    : new WebAssembly.Memory({ initial: 256, maximum: 65536 });
  const instance = await WebAssembly.instantiate(module, { env: { memory, abort: () => { throw new Error('wasm abort'); } } });
  const k = instance.exports as unknown as Kernels;
  const heap = await Heap.create(memory, k.heapBase());
  let pool: ThreadPool | undefined;
  if (features.threads) {
    pool = new ThreadPool(module, memory, [k.matmulF32, k.matmulF64, k.matmulI32], () => heap.allocBlock(k.matmulScratchBytes()).ptr);
    await pool.setNumThreads(await availableCores());
  }
  return new WasmBackend(k, heap, features, pool, build);
}

function backend(): WasmBackend {
  if (!loaded) throw new Error("device 'wasm' is not initialised: call `await torch.init('wasm')` first");
  return loaded;
}

/**
 * Sets how many threads wasm kernels use (the main thread plus n - 1 workers), like
 * `torch.set_num_threads`; the default is the number of cores. Without thread support it stays 1.
 * Results are identical for any number of threads.
 */
export async function setNumThreads(n: number): Promise<void> {
  const b = backend();
  if (b.pool) await b.pool.setNumThreads(n);
  else if (!Number.isInteger(n) || n < 1) throw new RangeError(`setNumThreads: expected a positive integer, got ${n}`);
}

/** Threads wasm kernels use, like `torch.get_num_threads`. */
export function getNumThreads(): number {
  return backend().pool?.numThreads ?? 1;
}

/** What the wasm backend found (SIMD, relaxed SIMD, threads and why not), the build it loaded, and its heap's state. */
export function wasmInfo(): WasmInfo {
  const b = backend();
  return { ...b.features, build: b.build, numThreads: getNumThreads(), heap: b.heap.stats() };
}

/** Frees a wasm storage now instead of when its tensors become unreachable. */
export function disposeStorage(storage: unknown): void {
  if (storage instanceof WasmStorage) backend().dispose(storage);
}

/** Runs a garbage collection and returns unreachable tensors' storage to the pool now (Node). */
export function collectGarbage(): void {
  backend().heap.collect();
}
