/**
 * The Tensor: a strided view (shape, strides, offset, dtype) into a storage that a device's
 * backend owns. Views share their base's storage, so a write through a slice is seen in the
 * base, as in PyTorch. Ops live in `src/ops/<family>.ts`; the methods here only dispatch to
 * them, so a reader finds each op's rule, errors and (with autograd) derivative in one place.
 */
import type { View } from './backend/backend.js';
import { backendOf, checkDevice, devices, readsSynchronously, type Device } from './device.js';
import { checkDType, dtypeOfArray, dtypes, isFloating, type DType, type TypedArray } from './dtype.js';
import { formatTensor } from './format.js';
import { contiguousStrides, fmtShape, isContiguousLayout, normalizeDim, numelOf, type Shape } from './shape.js';
import { backward as runBackwardFrom, type BackwardOptions } from './autograd/engine.js';
import { gradNodeOf, type Hook, type Node } from './autograd/node.js';
import * as creation from './ops/creation.js';
import * as elementwise from './ops/elementwise.js';
import * as reduce from './ops/reduce.js';
import * as views from './ops/views.js';
import * as indexing from './ops/indexing.js';
import * as joining from './ops/joining.js';
import * as linalg from './ops/linalg.js';

/** A number or a Tensor: every binary op accepts either as its other operand. */
export type TensorLike = Tensor | number | boolean;

/** Options accepted by creation functions and `to`. */
export interface TensorOptions {
  dtype?: DType;
  device?: Device;
  requiresGrad?: boolean;
}

/**
 * A storage and its version counter. Views of one base share it; in-place writes bump the
 * version, which autograd checks to detect tensors modified after being saved for backward.
 * @example
 * const x = torch.zeros(2, 3);
 * const row = x.index(1);
 * row._storage === x._storage; // true
 * x._storage.length; // 6
 * row.fill_(1);
 * x._storage.version; // 1
 */
export class Storage {
  version = 0;
  constructor(
    readonly device: Device,
    readonly handle: unknown,
    readonly dtype: DType,
    /** Number of elements the storage holds (a view may see fewer). */
    readonly length: number,
  ) {}
}

/** One item of `x.index(...)`: an integer, a slice string like `'1:3'` or `'::2'`, `':'`, `'...'`, `null` (new axis), or a bool/int Tensor. */
export type IndexItem = number | string | null | Tensor;

/**
 * A multi-dimensional array on a device, like `torch.Tensor`.
 * @example
 * const x = torch.tensor([[1, 2], [3, 4]]);
 * x.shape; // [2, 2]
 * String(x.matmul(x)); // 'tensor([[ 7, 10],\n        [15, 22]])'
 */
export class Tensor {
  /** The elements' type. */
  readonly dtype: DType;
  /** The device whose backend holds the storage. */
  readonly device: Device;
  /** The size of each dim, like `x.shape` / `x.size()` in PyTorch. */
  readonly shape: readonly number[];
  /** @internal The storage this tensor views (shared with every other view of it). */
  readonly _storage: Storage;
  /** @internal Elements to step in storage for one step along each dim. */
  readonly _strides: readonly number[];
  /** @internal Storage index of the first element. */
  readonly _offset: number;
  /** @internal For a view, the tensor that owns the storage it views. */
  _base: Tensor | undefined;

  /** @internal Use the creation functions (`torch.tensor`, `torch.zeros`, …) to make tensors. */
  constructor(storage: Storage, shape: Shape, strides: readonly number[] = contiguousStrides(shape), offset = 0) {
    this._storage = storage;
    this.dtype = storage.dtype;
    this.device = storage.device;
    this.shape = Object.freeze([...shape]);
    // (a copy, but not frozen as the shape is: users never see it, and freezing costs more than
    // the rest of the constructor — it runs for every tensor every op makes)
    this._strides = [...strides];
    this._offset = offset;
  }

  // ---- autograd ---------------------------------------------------------------------------

  /** Whether autograd records operations on this tensor (see `requiresGrad_`). */
  requiresGrad = false;
  /** The node of the backward graph that produced this tensor (null for leaves), like `x.grad_fn`. */
  gradFn: Node | null = null;
  /** @internal The accumulated gradient; read it through `grad`. */
  private _grad: Tensor | null = null;

  /**
   * The gradient accumulated by `backward()`: set on leaves that require grad, and on other
   * tensors only after `retainGrad()`. Assignable, like PyTorch's (`x.grad = null`).
   */
  get grad(): Tensor | null {
    return this._grad;
  }
  set grad(value: Tensor | null) {
    if (value && (value.shape.length !== this.shape.length || value.shape.some((s, i) => s !== this.shape[i]))) {
      throw new RangeError(`assigned grad has data of a different size: ${fmtShape(value.shape)} for a tensor of ${fmtShape(this.shape)}`);
    }
    this._grad = value;
  }

  /**
   * True for tensors the user created (not results of recorded ops): their gradients accumulate in `.grad`.
   * @example
   * const w = torch.ones(2, { requiresGrad: true });
   * w.isLeaf; // true
   * w.mul(2).isLeaf; // false
   */
  get isLeaf(): boolean {
    return this.gradFn === null;
  }

  /**
   * Asks autograd to record operations on this tensor, like `x.requires_grad_()`.
   * @example
   * torch.ones(2).requiresGrad_().requiresGrad; // true
   */
  requiresGrad_(requiresGrad = true): this {
    if (!this.isLeaf && !requiresGrad) {
      throw new Error(
        "you can only change requires_grad flags of leaf variables. If you want to use a computed variable in a subgraph that doesn't require differentiation use varNoGrad = x.detach().",
      );
    }
    if (requiresGrad && !isFloating(this.dtype)) {
      throw new TypeError(`only Tensors of floating point dtype can require gradients (got ${this.dtype})`);
    }
    this.requiresGrad = requiresGrad;
    return this;
  }

  /**
   * Computes the gradient of this tensor with respect to every leaf that requires grad, adding it
   * into their `.grad`. A non-scalar tensor needs `gradient` (the vector of the vector-Jacobian
   * product). The graph's saved tensors are freed afterwards unless `retainGraph`.
   * @example
   * const x = torch.tensor([1, 2], { dtype: 'float32', requiresGrad: true });
   * x.mul(x).sum().backward();
   * x.grad!.tolist(); // [2, 4]
   */
  backward(gradient?: Tensor, options?: BackwardOptions): void {
    runBackwardFrom(this, gradient, options);
  }

  /**
   * Keeps this non-leaf tensor's gradient in `.grad` during `backward()`.
   * @example
   * const x = torch.ones(2, { requiresGrad: true });
   * const y = x.mul(3);
   * y.retainGrad();
   * y.sum().backward();
   * y.grad!.tolist(); // [1, 1]
   */
  retainGrad(): void {
    if (!this.requiresGrad) throw new Error("can't retain_grad on Tensor that has requires_grad=False");
    if (this.gradFn) this.gradFn.retainsGradOf = this;
  }

  /**
   * Calls `hook(grad)` whenever a gradient for this tensor is computed; a returned tensor replaces
   * the gradient. Returns a handle whose `remove()` unregisters it.
   * @example
   * const x = torch.ones(2, { requiresGrad: true });
   * x.registerHook((g) => g.mul(10));
   * x.sum().backward();
   * x.grad!.tolist(); // [10, 10]
   */
  registerHook(hook: Hook): { remove(): void } {
    const node = gradNodeOf(this);
    if (!node) throw new Error("cannot register a hook on a tensor that doesn't require gradient");
    node.hooks.push(hook);
    return {
      remove: () => {
        const i = node.hooks.indexOf(hook);
        if (i >= 0) node.hooks.splice(i, 1);
      },
    };
  }

  /**
   * Frees this tensor's storage now (wasm or GPU memory) instead of when it becomes unreachable,
   * for code that wants memory back at once. The tensor, and every view of its storage, must not
   * be used afterwards. On `js` it does nothing: the garbage collector owns that memory.
   * @example
   * await torch.init('wasm');
   * const t = torch.ones(1000, { device: 'wasm' });
   * t.sum().item(); // 1000
   * t.dispose();
   */
  dispose(): void {
    backendOf(this.device).free?.(this._storage.handle);
  }

  /** @internal The backend view of this tensor, for kernels. */
  get _view(): View {
    return { storage: this._storage.handle, dtype: this.dtype, shape: this.shape, strides: this._strides, offset: this._offset };
  }

  // ---- attributes -------------------------------------------------------------------------------

  /** Number of dims. */
  get ndim(): number {
    return this.shape.length;
  }

  /** Number of elements. */
  numel(): number {
    return numelOf(this.shape);
  }

  /**
   * The shape, or one dim's size (negative dims count from the end), like `x.size()`.
   * @example
   * torch.zeros(2, 3).size(-1); // 3
   */
  size(): number[];
  size(dim: number): number;
  size(dim?: number): number | number[] {
    return dim === undefined ? [...this.shape] : this.shape[this.checkedDim(dim)];
  }

  /**
   * Steps in storage per dim, like `x.stride()`.
   * @example
   * torch.zeros(2, 3).stride(); // [3, 1]
   * torch.zeros(2, 3).t().stride(); // [1, 3]
   */
  stride(): number[];
  stride(dim: number): number;
  stride(dim?: number): number | number[] {
    return dim === undefined ? [...this._strides] : this._strides[this.checkedDim(dim)];
  }

  /** A dim of this tensor, wrapped if negative; a 0-d tensor has none to ask about. */
  private checkedDim(dim: number): number {
    if (this.ndim === 0) throw new RangeError(`Dimension specified as ${dim} but tensor has no dimensions`);
    return normalizeDim(dim, this.ndim);
  }

  /** The first element's position in the storage, like `x.storage_offset()`. */
  storageOffset(): number {
    return this._offset;
  }

  /**
   * True when the elements lie in storage in row-major order with no gaps.
   * @example
   * torch.zeros(2, 3).t().isContiguous(); // false
   */
  isContiguous(): boolean {
    return isContiguousLayout(this.shape, this._strides);
  }

  // ---- conversion -------------------------------------------------------------------------------

  /**
   * The elements in row-major order. For a contiguous `js` tensor this is a view of its storage
   * (shared memory, like `.numpy()`): writing to it changes the tensor.
   * @example
   * const t = torch.ones(3);
   * t.toTypedArray()[0] = 5;
   * t.tolist(); // [5, 1, 1]
   */
  toTypedArray(): TypedArray {
    this.syncReadable('toTypedArray', 'data');
    const backend = backendOf(this.device);
    if (this.isContiguous()) {
      return backend.readSync!(this._storage.handle, this.dtype).subarray(this._offset, this._offset + this.numel());
    }
    return backend.readSync!(backend.copy(this._view, this.dtype), this.dtype);
  }

  /**
   * A copy of the elements in row-major order; works on every device, including `webgpu`.
   * @example
   * Array.from(await torch.tensor([1, 2]).data()); // [1, 2]
   */
  async data(): Promise<TypedArray> {
    const backend = backendOf(this.device);
    const array = await backend.read(backend.copy(this._view, this.dtype), this.dtype);
    return array.slice();
  }

  /**
   * The value of a one-element tensor as a number. A bool tensor gives 1 or 0 (Python's `True`
   * and `False` are the integers 1 and 0 too); `tolist()` gives `true`/`false`. Always a number,
   * so that `loss.item()` needs no cast in TypeScript.
   * @example
   * torch.tensor([[2.5]]).item(); // 2.5
   * torch.tensor([1, 2]).gt(0).all().item(); // 1
   */
  item(): number {
    this.syncReadable('item', 'itemAsync');
    return this.itemOf(this.toTypedArray());
  }

  /**
   * `item()` for every device, including `webgpu`.
   * @example
   * await torch.tensor(3).itemAsync(); // 3
   */
  async itemAsync(): Promise<number> {
    return this.itemOf(await this.data());
  }

  private itemOf(values: TypedArray): number {
    if (values.length !== 1) {
      throw new RangeError(`a Tensor with ${values.length} elements cannot be converted to Scalar`);
    }
    return values[0];
  }

  /**
   * Nested arrays of the elements, like `x.tolist()`.
   * @example
   * torch.eye(2).tolist(); // [[1, 0], [0, 1]]
   */
  tolist(): NestedArray {
    this.syncReadable('tolist', 'data');
    const values = Array.from(this.toTypedArray(), (v) => (this.dtype === 'bool' ? v !== 0 : v));
    const build = (dim: number, start: number): NestedArray => {
      if (dim === this.ndim) return values[start];
      const step = numelOf(this.shape.slice(dim + 1));
      return Array.from({ length: this.shape[dim] }, (_, i) => build(dim + 1, start + i * step));
    };
    return build(0, 0);
  }

  /** Synchronous reads need a device that can answer synchronously; webgpu reads with `await`. */
  private syncReadable(method: string, asyncMethod: string): void {
    if (!readsSynchronously(this.device)) {
      throw new Error(`${method}() cannot read a ${this.device} tensor synchronously; use \`await x.${asyncMethod}()\` instead`);
    }
  }

  /**
   * A tensor on another device and/or with another dtype; returns `this` when nothing changes.
   * Moving a `webgpu` tensor to another device needs an asynchronous read, so it throws an error
   * that names the way: `torch.tensor(await x.data(), { shape: x.shape, device })`.
   * @example
   * torch.tensor([1.7, -1.7]).to('int32').tolist(); // [1, -1]
   */
  to(target: Device | DType | { device?: Device; dtype?: DType }): Tensor {
    let device: Device | undefined;
    let dtype: DType | undefined;
    if (typeof target !== 'string') ({ device, dtype } = target);
    else if ((devices as readonly string[]).includes(target)) device = target as Device;
    else if ((dtypes as readonly string[]).includes(target)) dtype = target as DType;
    else {
      throw new TypeError(
        `to(): ${JSON.stringify(target)} is neither a device (${devices.map((d) => `'${d}'`).join(', ')}) nor a dtype (${dtypes.map((d) => `'${d}'`).join(', ')})`,
      );
    }
    const toDevice = device === undefined ? this.device : checkDevice(device);
    // values leave the GPU only through an asynchronous read, which a synchronous `to` cannot wait for
    if (toDevice !== this.device && !readsSynchronously(this.device)) {
      throw new Error(
        `to('${toDevice}') cannot read a ${this.device} tensor synchronously (the GPU answers asynchronously); ` +
          `use \`torch.tensor(await x.data(), { shape: x.shape, device: '${toDevice}' })\` instead`,
      );
    }
    return creation.convert(this, toDevice, dtype ?? this.dtype);
  }

  /** The tensor on the `js` device, like `x.cpu()`. */
  cpu(): Tensor {
    return this.to('js');
  }

  /**
   * Prints like PyTorch: `tensor([[1., 2.],\n        [3., 4.]])`.
   * @example
   * String(torch.tensor([true, false])); // 'tensor([ True, False])'
   */
  toString(): string {
    this.syncReadable('toString', 'data');
    const suffixes: string[] = [];
    if (this.device !== 'js') suffixes.push(`device='${this.device}'`);
    // PyTorch omits the dtype when it is a default one (float32, int64, bool). Kindling's int32
    // plays the part of PyTorch's int64, so only float64 is named.
    if (this.dtype === 'float64') suffixes.push('dtype=torch.float64');
    if (this.gradFn) suffixes.push(`grad_fn=<${this.gradFn.name}>`);
    else if (this.requiresGrad) suffixes.push('requires_grad=True');
    return formatTensor(this.toTypedArray(), this.shape, this.dtype, suffixes);
  }

  /** `console.log(x)` in Node prints the same as `String(x)`. */
  [Symbol.for('nodejs.util.inspect.custom')](): string {
    return readsSynchronously(this.device) ? this.toString() : `Tensor(shape=[${this.shape}], device='${this.device}', dtype=${this.dtype})`;
  }

  // ---- views --------------------------------------------------------------------------------

  /** @see views.reshape */
  reshape(...shape: (number | Shape)[]): Tensor {
    return views.reshape(this, shape);
  }
  /** @see views.view */
  view(...shape: (number | Shape)[]): Tensor {
    return views.view(this, shape);
  }
  /** @see views.flatten */
  flatten(startDim = 0, endDim = -1): Tensor {
    return views.flatten(this, startDim, endDim);
  }
  /** @see views.unflatten */
  unflatten(dim: number, sizes: Shape): Tensor {
    return views.unflatten(this, dim, sizes);
  }
  /** @see views.squeeze */
  squeeze(dim?: number | number[]): Tensor {
    return views.squeeze(this, dim);
  }
  /** @see views.unsqueeze */
  unsqueeze(dim: number): Tensor {
    return views.unsqueeze(this, dim);
  }
  /** @see views.permute */
  permute(...dims: (number | number[])[]): Tensor {
    return views.permute(this, dims.flat());
  }
  /** @see views.transpose */
  transpose(dim0: number, dim1: number): Tensor {
    return views.transpose(this, dim0, dim1);
  }
  /** @see views.t */
  t(): Tensor {
    return views.t(this);
  }
  /** The reversed-dims view, like `x.T`. */
  get T(): Tensor {
    return views.permute(this, this.shape.map((_, d) => this.ndim - 1 - d));
  }
  /** @see views.expand */
  expand(...sizes: (number | Shape)[]): Tensor {
    return views.expand(this, sizes);
  }
  /** @see views.expandAs */
  expandAs(other: Tensor): Tensor {
    return views.expand(this, [other.shape]);
  }
  /** @see views.contiguous */
  contiguous(): Tensor {
    return views.contiguous(this);
  }
  /** @see views.clone */
  clone(): Tensor {
    return views.clone(this);
  }
  /** @see views.detach */
  detach(): Tensor {
    return views.detach(this);
  }

  // ---- indexing -----------------------------------------------------------------------------

  /** @see indexing.index */
  index(...items: IndexItem[]): Tensor {
    return indexing.index(this, items);
  }
  /** @see indexing.indexPut_ */
  indexPut_(items: IndexItem | IndexItem[], value: TensorLike, options?: { accumulate?: boolean }): Tensor {
    return indexing.indexPut_(this, Array.isArray(items) ? items : [items], value, options);
  }
  /** @see indexing.gather */
  gather(dim: number, index: Tensor): Tensor {
    return indexing.gather(this, dim, index);
  }
  /** @see indexing.scatter */
  scatter(dim: number, index: Tensor, src: TensorLike): Tensor {
    return indexing.scatter(this, dim, index, src);
  }
  /** @see indexing.scatter_ */
  scatter_(dim: number, index: Tensor, src: TensorLike): Tensor {
    return indexing.scatter_(this, dim, index, src);
  }
  /** @see indexing.scatterAdd */
  scatterAdd(dim: number, index: Tensor, src: Tensor): Tensor {
    return indexing.scatterAdd(this, dim, index, src);
  }
  /** @see indexing.indexSelect */
  indexSelect(dim: number, index: Tensor): Tensor {
    return indexing.indexSelect(this, dim, index);
  }
  /** @see indexing.maskedFill */
  maskedFill(mask: Tensor, value: TensorLike): Tensor {
    return indexing.maskedFill(this, mask, value);
  }
  /** @see indexing.maskedFill_ */
  maskedFill_(mask: Tensor, value: TensorLike): Tensor {
    return indexing.maskedFill_(this, mask, value);
  }
  /** @see joining.split */
  split(splitSizeOrSections: number | number[], dim = 0): Tensor[] {
    return joining.split(this, splitSizeOrSections, dim);
  }
  /** @see joining.narrow */
  narrow(dim: number, start: number, length: number): Tensor {
    return joining.narrow(this, dim, start, length);
  }
  /** @see joining.chunk */
  chunk(chunks: number, dim = 0): Tensor[] {
    return joining.chunk(this, chunks, dim);
  }
  /** @see joining.unbind */
  unbind(dim = 0): Tensor[] {
    return joining.unbind(this, dim);
  }

  // ---- in-place writes ----------------------------------------------------------------------

  /** @see creation.fill_ */
  fill_(value: TensorLike): Tensor {
    return creation.fill_(this, value);
  }
  /** @see creation.zero_ */
  zero_(): Tensor {
    return creation.fill_(this, 0);
  }
  /** @see creation.copy_ */
  copy_(src: Tensor): Tensor {
    return creation.copy_(this, src);
  }

  // ---- elementwise math ---------------------------------------------------------------------

  /** @see elementwise.add */
  add(other: TensorLike, options?: { alpha?: number }): Tensor {
    return elementwise.add(this, other, options);
  }
  /** @see elementwise.sub */
  sub(other: TensorLike, options?: { alpha?: number }): Tensor {
    return elementwise.sub(this, other, options);
  }
  /** @see elementwise.mul */
  mul(other: TensorLike): Tensor {
    return elementwise.mul(this, other);
  }
  /** @see elementwise.div */
  div(other: TensorLike, options?: { roundingMode?: 'trunc' | 'floor' }): Tensor {
    return elementwise.div(this, other, options);
  }
  /** @see elementwise.floorDivide */
  floorDivide(other: TensorLike): Tensor {
    return elementwise.floorDivide(this, other);
  }
  /** @see elementwise.remainder */
  remainder(other: TensorLike): Tensor {
    return elementwise.remainder(this, other);
  }
  /** @see elementwise.pow */
  pow(exponent: TensorLike): Tensor {
    return elementwise.pow(this, exponent);
  }
  /** @see elementwise.maximum */
  maximum(other: Tensor): Tensor {
    return elementwise.maximum(this, other);
  }
  /** @see elementwise.minimum */
  minimum(other: Tensor): Tensor {
    return elementwise.minimum(this, other);
  }
  /** @see elementwise.clamp */
  clamp(min?: TensorLike | null, max?: TensorLike | null): Tensor {
    return elementwise.clamp(this, min, max);
  }
  neg(): Tensor {
    return elementwise.neg(this);
  }
  abs(): Tensor {
    return elementwise.abs(this);
  }
  sign(): Tensor {
    return elementwise.sign(this);
  }
  exp(): Tensor {
    return elementwise.exp(this);
  }
  log(): Tensor {
    return elementwise.log(this);
  }
  sqrt(): Tensor {
    return elementwise.sqrt(this);
  }
  rsqrt(): Tensor {
    return elementwise.rsqrt(this);
  }
  sin(): Tensor {
    return elementwise.sin(this);
  }
  cos(): Tensor {
    return elementwise.cos(this);
  }
  tanh(): Tensor {
    return elementwise.tanh(this);
  }
  sigmoid(): Tensor {
    return elementwise.sigmoid(this);
  }
  relu(): Tensor {
    return elementwise.relu(this);
  }
  floor(): Tensor {
    return elementwise.floor(this);
  }
  ceil(): Tensor {
    return elementwise.ceil(this);
  }
  round(): Tensor {
    return elementwise.round(this);
  }
  trunc(): Tensor {
    return elementwise.trunc(this);
  }
  logicalNot(): Tensor {
    return elementwise.logicalNot(this);
  }
  logicalAnd(other: TensorLike): Tensor {
    return elementwise.logicalAnd(this, other);
  }
  logicalOr(other: TensorLike): Tensor {
    return elementwise.logicalOr(this, other);
  }
  logicalXor(other: TensorLike): Tensor {
    return elementwise.logicalXor(this, other);
  }
  eq(other: TensorLike): Tensor {
    return elementwise.eq(this, other);
  }
  ne(other: TensorLike): Tensor {
    return elementwise.ne(this, other);
  }
  lt(other: TensorLike): Tensor {
    return elementwise.lt(this, other);
  }
  le(other: TensorLike): Tensor {
    return elementwise.le(this, other);
  }
  gt(other: TensorLike): Tensor {
    return elementwise.gt(this, other);
  }
  ge(other: TensorLike): Tensor {
    return elementwise.ge(this, other);
  }
  /** @see elementwise.equal */
  equal(other: Tensor): boolean {
    return elementwise.equal(this, other);
  }
  /** @see elementwise.allclose */
  allclose(other: Tensor, options?: { rtol?: number; atol?: number; equalNan?: boolean }): boolean {
    return elementwise.allclose(this, other, options);
  }

  // in-place forms (PyTorch's `add_`, `mul_`, …): add_, sub_, mul_ and div_ write straight into this
  // view where they can (see elementwise.ts); the others compute out of place, then write into it
  /** @see elementwise.add_ */
  add_(other: TensorLike, options?: { alpha?: number }): Tensor {
    return elementwise.add_(this, other, options);
  }
  /** @see elementwise.sub_ */
  sub_(other: TensorLike, options?: { alpha?: number }): Tensor {
    return elementwise.sub_(this, other, options);
  }
  /** @see elementwise.mul_ */
  mul_(other: TensorLike): Tensor {
    return elementwise.mul_(this, other);
  }
  /** @see elementwise.div_ */
  div_(other: TensorLike): Tensor {
    return elementwise.div_(this, other);
  }
  pow_(exponent: TensorLike): Tensor {
    return creation.inplace_(this, elementwise.pow(this, exponent));
  }
  clamp_(min?: TensorLike | null, max?: TensorLike | null): Tensor {
    return creation.inplace_(this, elementwise.clamp(this, min, max));
  }
  neg_(): Tensor {
    return creation.inplace_(this, elementwise.neg(this));
  }
  exp_(): Tensor {
    return creation.inplace_(this, elementwise.exp(this));
  }
  log_(): Tensor {
    return creation.inplace_(this, elementwise.log(this));
  }
  sqrt_(): Tensor {
    return creation.inplace_(this, elementwise.sqrt(this));
  }
  relu_(): Tensor {
    return creation.inplace_(this, elementwise.relu(this));
  }
  sigmoid_(): Tensor {
    return creation.inplace_(this, elementwise.sigmoid(this));
  }
  tanh_(): Tensor {
    return creation.inplace_(this, elementwise.tanh(this));
  }
  abs_(): Tensor {
    return creation.inplace_(this, elementwise.abs(this));
  }

  // ---- reductions ---------------------------------------------------------------------------

  /** @see reduce.sum */
  sum(dim?: number | number[] | null, keepdim = false, options?: { dtype?: DType }): Tensor {
    return reduce.sum(this, dim, keepdim, options);
  }
  /** @see reduce.mean */
  mean(dim?: number | number[] | null, keepdim = false): Tensor {
    return reduce.mean(this, dim, keepdim);
  }
  /** @see reduce.prod */
  prod(dim?: number | null, keepdim = false): Tensor {
    return reduce.prod(this, dim, keepdim);
  }
  /** @see reduce.varOf */
  var(dim?: number | number[] | null, keepdim = false, options?: { correction?: number; unbiased?: boolean }): Tensor {
    return reduce.varOf(this, dim, keepdim, options);
  }
  /** @see reduce.std */
  std(dim?: number | number[] | null, keepdim = false, options?: { correction?: number; unbiased?: boolean }): Tensor {
    return reduce.std(this, dim, keepdim, options);
  }
  /** @see reduce.amax */
  amax(dim?: number | number[] | null, keepdim = false): Tensor {
    return reduce.amax(this, dim, keepdim);
  }
  /** @see reduce.amin */
  amin(dim?: number | number[] | null, keepdim = false): Tensor {
    return reduce.amin(this, dim, keepdim);
  }
  /** @see reduce.max */
  max(): Tensor;
  max(dim: number, keepdim?: boolean): { values: Tensor; indices: Tensor };
  max(other: Tensor): Tensor;
  max(dimOrOther?: number | Tensor, keepdim = false): Tensor | { values: Tensor; indices: Tensor } {
    return reduce.max(this, dimOrOther, keepdim);
  }
  /** @see reduce.min */
  min(): Tensor;
  min(dim: number, keepdim?: boolean): { values: Tensor; indices: Tensor };
  min(other: Tensor): Tensor;
  min(dimOrOther?: number | Tensor, keepdim = false): Tensor | { values: Tensor; indices: Tensor } {
    return reduce.min(this, dimOrOther, keepdim);
  }
  /** @see reduce.argmax */
  argmax(dim?: number | null, keepdim = false): Tensor {
    return reduce.argmax(this, dim, keepdim);
  }
  /** @see reduce.argmin */
  argmin(dim?: number | null, keepdim = false): Tensor {
    return reduce.argmin(this, dim, keepdim);
  }
  /** @see reduce.logsumexp */
  logsumexp(dim: number | number[], keepdim = false): Tensor {
    return reduce.logsumexp(this, dim, keepdim);
  }
  /** @see reduce.softmax */
  softmax(dim: number): Tensor {
    return reduce.softmax(this, dim);
  }
  /** @see reduce.logSoftmax */
  logSoftmax(dim: number): Tensor {
    return reduce.logSoftmax(this, dim);
  }
  /** @see reduce.all */
  all(dim?: number | null, keepdim = false): Tensor {
    return reduce.all(this, dim, keepdim);
  }
  /** @see reduce.any */
  any(dim?: number | null, keepdim = false): Tensor {
    return reduce.any(this, dim, keepdim);
  }

  // ---- linear algebra -----------------------------------------------------------------------

  /** @see linalg.matmul */
  matmul(other: Tensor): Tensor {
    return linalg.matmul(this, other);
  }
  /** @see linalg.mm */
  mm(other: Tensor): Tensor {
    return linalg.mm(this, other);
  }
  /** @see linalg.bmm */
  bmm(other: Tensor): Tensor {
    return linalg.bmm(this, other);
  }
  /** @see linalg.dot */
  dot(other: Tensor): Tensor {
    return linalg.dot(this, other);
  }
  /** @see linalg.outer */
  outer(other: Tensor): Tensor {
    return linalg.outer(this, other);
  }
}

/** What `tolist()` returns: numbers (or booleans) nested as deep as the tensor has dims. */
export type NestedArray = number | boolean | NestedArray[];

/** @internal A new contiguous tensor around a storage handle that a backend kernel returned. */
export function wrap(device: Device, handle: unknown, dtype: DType, shape: Shape): Tensor {
  return new Tensor(new Storage(device, handle, dtype, numelOf(shape)), shape);
}

/** @internal A tensor holding `array` (adopted as-is on `js`). */
export function fromArray(array: TypedArray, shape: Shape, device: Device = 'js'): Tensor {
  const dtype = dtypeOfArray(array);
  if (!dtype) throw new TypeError('expected a Float32Array, Float64Array, Int32Array or Uint8Array');
  if (numelOf(shape) !== array.length) throw new RangeError(`shape ${fmtShape(shape)} does not hold ${array.length} elements`);
  return wrap(device, backendOf(device).fromArray(array), dtype, shape);
}

/** @internal A view of `x`'s storage with other geometry; it remembers the tensor it views (`_base`). */
export function viewOf(x: Tensor, shape: Shape, strides: readonly number[], offset: number): Tensor {
  const view = new Tensor(x._storage, shape, strides, offset);
  view._base = x._base ?? x;
  return view;
}
