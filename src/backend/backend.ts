/**
 * The Backend interface: the small set of primitive kernels every device implements.
 *
 * Tensors are views (shape, strides, offset) into a backend-owned storage. Kernels read views
 * with any strides, so transposed, sliced and broadcast (stride 0) inputs need no copy, and
 * write a new contiguous (row-major) storage, except `copyInto`, `fill`, `scatter` and
 * `binaryInto`, which write into an existing view. Everything else in Kindling (every op, autograd, nn, optim) is
 * composed from these primitives by the tensor layer.
 */
import type { DType, TypedArray } from '../dtype.js';
import type { Shape } from '../shape.js';

/** A strided window into a storage. `strides` and `offset` count elements, not bytes. */
export interface View<S = unknown> {
  readonly storage: S;
  readonly dtype: DType;
  readonly shape: Shape;
  readonly strides: readonly number[];
  readonly offset: number;
}

/** Elementwise functions of one argument. Output dtype is the input's, except `logicalNot` (bool). */
export type UnaryOp =
  | 'neg'
  | 'abs'
  | 'sign'
  | 'exp'
  | 'log'
  | 'sqrt'
  | 'rsqrt'
  | 'sin'
  | 'cos'
  | 'tanh'
  | 'sigmoid'
  | 'relu'
  | 'floor'
  | 'ceil'
  | 'round'
  | 'trunc'
  | 'logicalNot';

/**
 * Elementwise functions of two arguments. Both inputs arrive with the same dtype (the promoted
 * one) and the same shape (broadcast views). Comparisons and logical ops write bool.
 */
export type BinaryOp =
  | 'add'
  | 'sub'
  | 'mul'
  | 'div'
  | 'floorDivide'
  | 'remainder'
  | 'pow'
  | 'maximum'
  | 'minimum'
  | 'eq'
  | 'ne'
  | 'lt'
  | 'le'
  | 'gt'
  | 'ge'
  | 'logicalAnd'
  | 'logicalOr'
  | 'logicalXor';

/** The binary ops that write bool: comparisons and logical ops. */
export const comparisonOps: ReadonlySet<BinaryOp> = new Set<BinaryOp>(['eq', 'ne', 'lt', 'le', 'gt', 'ge', 'logicalAnd', 'logicalOr', 'logicalXor']);

/** Reductions over a set of dims. */
export type ReduceOp = 'sum' | 'prod' | 'max' | 'min';

/** Index-of-extremum reductions over one dim; the first occurrence wins on ties, as in PyTorch. */
export type ArgReduceOp = 'argmax' | 'argmin';

/**
 * A bounds check of index values (`Backend.checkIndex`, or the tensor layer's own where a device
 * reads synchronously), with the range it accepts and PyTorch's message for a value outside it:
 * - `dim`: `x[index]` into dimension `dim` of `size`, negative indices counting from the end: [-size, size)
 * - `select`: `index_select` into a dimension of `size`: [0, size)
 * - `class`: `one_hot`'s labels for `size` classes: [0, size)
 * - `target`: `nll_loss`'s class targets for `size` classes: [0, size), and `ignore` (its `ignore_index`)
 */
export type IndexCheck =
  | { kind: 'dim'; dim: number; size: number }
  | { kind: 'select' | 'class'; size: number }
  | { kind: 'target'; size: number; ignore: number };

/** The values `check` accepts: [low, high) (and a `target` check's `ignore`). */
export const indexCheckRange = (check: IndexCheck): [low: number, high: number] => [check.kind === 'dim' ? -check.size : 0, check.size];

/** PyTorch's message for `bad`, a value that `check` refuses. */
export function indexCheckMessage(check: IndexCheck, bad: number): string {
  switch (check.kind) {
    case 'dim':
      return `index ${bad} is out of bounds for dimension ${check.dim} with size ${check.size}`;
    case 'select':
      return 'index out of range in self';
    case 'class':
      return bad < 0 ? 'Class values must be non-negative.' : 'Class values must be smaller than num_classes.';
    case 'target':
      return `Target ${bad} is out of bounds.`;
  }
}

/** A device's kernels. `S` is the backend's storage handle, opaque to the tensor layer. */
export interface Backend<S = unknown> {
  /** The device name tensors report in `x.device`. */
  readonly name: string;

  // ---- memory -------------------------------------------------------------------------------
  /** A zero-filled storage of `length` elements. */
  alloc(dtype: DType, length: number): S;
  /** A storage holding `array`'s values. The `js` backend adopts the array itself (shared memory). */
  fromArray(array: TypedArray): S;
  /**
   * All of a storage's elements, synchronously. `js` returns its own array (shared memory).
   * Absent where the device answers only asynchronously (`webgpu`): the tensor layer then refuses
   * every synchronous read (`item()`, `tolist()`, `String(x)`, `to('js')`…) with an error that
   * names the asynchronous call to use instead.
   */
  readSync?(storage: S, dtype: DType): TypedArray;
  /** All of a storage's elements; works on every device. */
  read(storage: S, dtype: DType): Promise<TypedArray>;
  /**
   * Frees a storage now rather than when it becomes unreachable (`Tensor.dispose()`). Backends
   * whose memory the JavaScript garbage collector manages (`js`) leave it out.
   */
  free?(storage: S): void;

  // ---- data movement ----------------------------------------------------------------------
  /** Copies a view into a new contiguous storage of `dtype` (a cast when the dtypes differ). */
  copy(x: View<S>, dtype: DType): S;
  /** Writes `src` into the view `dst` element by element (same shape; `src` may be broadcast), casting to `dst.dtype`. */
  copyInto(dst: View<S>, src: View<S>): void;
  /** Sets every element of the view `dst` to `value`. */
  fill(dst: View<S>, value: number): void;

  // ---- elementwise --------------------------------------------------------------------------
  unary(op: UnaryOp, x: View<S>): S;
  binary(op: BinaryOp, a: View<S>, b: View<S>): S;
  /**
   * `binary` written into the view `out` (the result's shape and dtype) instead of a new storage,
   * for in-place ops (`x.add_(y)`, an optimizer's `p.add_(d, { alpha: -lr })`): one pass and no
   * temporary. For `add` and `sub`, `alpha` scales b first, `a ± alpha·b`, with `alpha·b` what
   * `mul(b, alpha)` would store (alpha cast to the dtype, the product rounded to it), so that the
   * result is the two kernels' to the bit; other ops take 1. `out` may be `a` or `b` itself,
   * element for element (each element is read before it is written), and overlaps them nowhere
   * else. Backends without it get `binary` and `copyInto` from the tensor layer instead.
   */
  binaryInto?(op: BinaryOp, a: View<S>, b: View<S>, out: View<S>, alpha?: number): void;
  /** `cond ? a : b` elementwise; all three views have the output's shape, `a` and `b` its dtype. */
  where(cond: View<S>, a: View<S>, b: View<S>): S;

  // ---- reductions ---------------------------------------------------------------------------
  /** Reduces `dims` of `x`; the output keeps them with size 1. `sum`/`prod` write `outDtype`. */
  reduce(op: ReduceOp, x: View<S>, dims: readonly number[], outDtype: DType): S;
  /** int32 indices of the extremum along `dim`, which the output keeps with size 1. */
  argReduce(op: ArgReduceOp, x: View<S>, dim: number): S;

  // ---- linear algebra -----------------------------------------------------------------------
  /** Batched matrix product: `a` is [B, M, K], `b` is [B, K, N] (any strides), output [B, M, N]. */
  matmul(a: View<S>, b: View<S>): S;

  // ---- indexing -----------------------------------------------------------------------------
  /** `out[i][j][k] = x[index[i][j][k]][j][k]` for dim 0 (and likewise for other dims); output has index's shape. */
  gather(x: View<S>, dim: number, index: View<S>): S;
  /**
   * Writes `src` into `dst` at `index` along `dim`: `dst[index[i][j]][j] = src[i][j]` for dim 0,
   * or `+=` when `accumulate`. `index` and `src` have the same shape. Modifies `dst` in place.
   */
  scatter(dst: View<S>, dim: number, index: View<S>, src: View<S>, accumulate: boolean): void;
  /**
   * Checks that every element of the int32 view `index` is in `check`'s range, on a device that
   * cannot read it synchronously: a value outside fails with `indexCheckMessage` at the next read,
   * as CUDA's device-side asserts do. Devices that read synchronously leave it out: the tensor
   * layer reads the index itself and throws at the call, as PyTorch does on the CPU.
   */
  checkIndex?(index: View<S>, check: IndexCheck): void;
  /**
   * softmax (or logSoftmax when `log`) of a float32 view along `dim` in one pass per row, where a
   * fused kernel saves the five primitives the tensor layer composes it from (webgpu: one dispatch
   * instead of five; wasm: one pass over the row instead of five kernels and four temporaries).
   * Backends where the composition is as fast leave it out.
   */
  softmax?(x: View<S>, dim: number, log: boolean): S;
  /**
   * The gradient of `softmax` (or `logSoftmax`) along `dim` from the output gradient `g` and the
   * forward's output `y` (float32, same shape), in one pass per row:
   * `y ⊙ (g − Σ g ⊙ y)`, or `g − e^y ⊙ Σ g` for logSoftmax (webgpu and wasm: one kernel instead of four).
   */
  softmaxBackward?(g: View<S>, y: View<S>, dim: number, log: boolean): S;
  /**
   * relu's gradient from the output gradient `g` and relu's output `y` (float32, same shape): `g`
   * where `y > 0` or is NaN, 0 where `y ≤ 0` (PyTorch's threshold_backward), in one pass (webgpu
   * and wasm: one kernel instead of le and where, and no bool mask).
   */
  reluBackward?(g: View<S>, y: View<S>): S;
}
