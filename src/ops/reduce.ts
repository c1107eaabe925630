/**
 * Reductions (sum, mean, var, max, argmax, …) and the row-wise normalisations built on them
 * (softmax, logSoftmax, logsumexp). Each takes `dim` (a number, a list, or nothing for all dims)
 * and `keepdim`, and follows PyTorch's dtype rules: integer and bool sums are integers, `mean`
 * and `var` need a floating input.
 */
import type { ReduceOp } from '../backend/backend.js';
import { backendOf } from '../device.js';
import { isFloating, type DType } from '../dtype.js';
import { normalizeDim, numelOf } from '../shape.js';
import { Tensor, wrap } from '../tensor.js';
import { exp, log, maximum, minimum, sqrt, sub, where } from './elementwise.js';

/** PyTorch's scalar type names, used in its error messages. */
export const torchTypeName: Record<DType, string> = { float32: 'Float', float64: 'Double', int32: 'Int', bool: 'Bool' };

/** The dims a reduction covers: all of them when `dim` is undefined, null or an empty list. */
function reducedDims(x: Tensor, dim: number | readonly number[] | null | undefined): number[] {
  if (dim == null) return x.shape.map((_, d) => d);
  const list = typeof dim === 'number' ? [dim] : [...dim];
  if (list.length === 0) return x.shape.map((_, d) => d);
  const dims = list.map((d) => normalizeDim(d, x.ndim)).filter((d) => d < x.ndim); // a 0-d tensor has no dim to reduce
  const twice = dims.find((d, i) => dims.indexOf(d) !== i);
  if (twice !== undefined) throw new RangeError(`dim ${twice} appears multiple times in the list of dims`);
  return dims.sort((a, b) => a - b);
}

/** The reduced tensor's shape: reduced dims become 1 (keepdim) or disappear. */
function reducedShape(x: Tensor, dims: readonly number[], keepdim: boolean): number[] {
  return keepdim ? x.shape.map((s, d) => (dims.includes(d) ? 1 : s)) : x.shape.filter((_, d) => !dims.includes(d));
}

/** Runs a reduce kernel over `dims` and shapes the result. */
function reduceWith(op: ReduceOp, x: Tensor, dims: readonly number[], keepdim: boolean, outDtype: DType): Tensor {
  const handle = backendOf(x.device).reduce(op, x._view, dims, outDtype);
  return wrap(x.device, handle, outDtype, reducedShape(x, dims, keepdim));
}

/** max/min/amax/amin have no value to give for an empty reduction. */
function checkNonEmpty(x: Tensor, dims: readonly number[], name: string, dimGiven: boolean): void {
  if (x.numel() > 0) return;
  if (!dimGiven) {
    throw new RangeError(
      `${name}(): Expected reduction dim to be specified for input.numel() == 0. Specify the reduction dim with the 'dim' argument.`,
    );
  }
  const empty = dims.find((d) => x.shape[d] === 0);
  if (empty !== undefined) throw new RangeError(`${name}(): Expected reduction dim ${empty} to have non-zero size.`);
}

/** An integer or bool sum/product is int32 (PyTorch's int64); floats keep their dtype. */
const accumulateType = (dtype: DType): DType => (isFloating(dtype) ? dtype : 'int32');

/**
 * Sum over `dim` (all dims when omitted).
 * @example
 * const x = torch.tensor([[1, 2], [3, 4]]);
 * x.sum().item(); // 10
 * x.sum(0).tolist(); // [4, 6]
 * x.sum(1, true).tolist(); // [[3], [7]]
 */
export function sum(x: Tensor, dim?: number | readonly number[] | null, keepdim = false, options?: { dtype?: DType }): Tensor {
  const input = options?.dtype ? x.to(options.dtype) : x;
  return reduceWith('sum', input, reducedDims(x, dim), keepdim, accumulateType(input.dtype));
}

/**
 * Arithmetic mean over `dim`; needs a floating dtype, as in PyTorch.
 * @example
 * torch.tensor([[1, 2], [3, 4]], { dtype: 'float32' }).mean(0).tolist(); // [2, 3]
 */
export function mean(x: Tensor, dim?: number | readonly number[] | null, keepdim = false): Tensor {
  if (!isFloating(x.dtype)) {
    throw new TypeError(
      `mean(): could not infer output dtype. Input dtype must be either a floating point or complex dtype. Got: ${torchTypeName[x.dtype]}`,
    );
  }
  const dims = reducedDims(x, dim);
  const count = numelOf(dims.map((d) => x.shape[d]));
  return sum(x, dims, keepdim).div(count);
}

/**
 * Product over `dim` (all dims when omitted).
 * @example
 * torch.tensor([1, 2, 3, 4]).prod().item(); // 24
 */
export function prod(x: Tensor, dim?: number | null, keepdim = false): Tensor {
  return reduceWith('prod', x, reducedDims(x, dim), keepdim, accumulateType(x.dtype));
}

/**
 * Variance `Σ (x - mean)² / (N - correction)`; `correction` defaults to 1 (Bessel's correction,
 * `unbiased: true`).
 * @example
 * torch.tensor([1, 2, 3, 4], { dtype: 'float32' }).var().item(); // 1.6666666269302368
 */
export function varOf(
  x: Tensor,
  dim?: number | readonly number[] | null,
  keepdim = false,
  options?: { correction?: number; unbiased?: boolean },
): Tensor {
  if (!isFloating(x.dtype)) {
    throw new TypeError(`std and var only support floating point and complex dtypes, got: ${torchTypeName[x.dtype]}`);
  }
  const correction = options?.correction ?? (options?.unbiased === false ? 0 : 1);
  const dims = reducedDims(x, dim);
  const count = numelOf(dims.map((d) => x.shape[d]));
  const centered = sub(x, mean(x, dims, true));
  return sum(centered.mul(centered), dims, keepdim).div(Math.max(0, count - correction));
}

/**
 * Standard deviation, the square root of `var`.
 * @example
 * torch.tensor([2, 4, 4, 4, 5, 5, 7, 9], { dtype: 'float64' }).std(null, false, { correction: 0 }).item(); // 2
 */
export function std(
  x: Tensor,
  dim?: number | readonly number[] | null,
  keepdim = false,
  options?: { correction?: number; unbiased?: boolean },
): Tensor {
  return sqrt(varOf(x, dim, keepdim, options));
}

/**
 * Largest value over `dim` (values only; NaN propagates).
 * @example
 * torch.tensor([[1, 5], [7, 2]]).amax(1).tolist(); // [5, 7]
 */
export function amax(x: Tensor, dim?: number | readonly number[] | null, keepdim = false): Tensor {
  const dims = reducedDims(x, dim);
  checkNonEmpty(x, dims, 'amax', true);
  return reduceWith('max', x, dims, keepdim, x.dtype);
}

/**
 * Smallest value over `dim` (values only; NaN propagates).
 * @example
 * torch.tensor([[1, 5], [7, 2]]).amin(0).tolist(); // [1, 2]
 */
export function amin(x: Tensor, dim?: number | readonly number[] | null, keepdim = false): Tensor {
  const dims = reducedDims(x, dim);
  checkNonEmpty(x, dims, 'amin', true);
  return reduceWith('min', x, dims, keepdim, x.dtype);
}

/** The three forms of `max`/`min`: of everything, along a dim with indices, or against another tensor. */
function extremum(
  kind: 'max' | 'min',
  x: Tensor,
  dimOrOther: number | Tensor | undefined,
  keepdim: boolean,
): Tensor | { values: Tensor; indices: Tensor } {
  if (dimOrOther instanceof Tensor) return kind === 'max' ? maximum(x, dimOrOther) : minimum(x, dimOrOther);
  if (dimOrOther === undefined) {
    const all = reducedDims(x, null);
    checkNonEmpty(x, all, kind, false);
    return reduceWith(kind, x, all, false, x.dtype);
  }
  const dim = reducedDims(x, dimOrOther);
  checkNonEmpty(x, dim, kind, true);
  return {
    values: reduceWith(kind, x, dim, keepdim, x.dtype),
    indices: argExtremum(kind === 'max' ? 'argmax' : 'argmin', x, dimOrOther, keepdim),
  };
}

/**
 * `max()` is the largest element; `max(dim)` gives `{ values, indices }` along a dim; `max(other)`
 * is the elementwise `maximum`.
 * @example
 * const x = torch.tensor([[1, 5], [7, 2]]);
 * x.max().item(); // 7
 * x.max(1).indices.tolist(); // [1, 0]
 */
export function max(x: Tensor, dimOrOther?: number | Tensor, keepdim = false): Tensor | { values: Tensor; indices: Tensor } {
  return extremum('max', x, dimOrOther, keepdim);
}

/**
 * `min()`, `min(dim)` → `{ values, indices }`, or `min(other)` (elementwise `minimum`).
 * @example
 * torch.tensor([[1, 5], [7, 2]]).min(0).values.tolist(); // [1, 2]
 */
export function min(x: Tensor, dimOrOther?: number | Tensor, keepdim = false): Tensor | { values: Tensor; indices: Tensor } {
  return extremum('min', x, dimOrOther, keepdim);
}

function argExtremum(op: 'argmax' | 'argmin', x: Tensor, dim: number | null | undefined, keepdim: boolean): Tensor {
  if (dim == null) {
    // over all elements, as positions in the flattened tensor
    const flat = x.reshape(-1);
    checkNonEmpty(flat, [0], op, false);
    const index = wrap(x.device, backendOf(x.device).argReduce(op, flat._view, 0), 'int32', []);
    return keepdim ? index.reshape(x.shape.map(() => 1)) : index;
  }
  const d = normalizeDim(dim, x.ndim);
  if (x.ndim === 0) return wrap(x.device, backendOf(x.device).alloc('int32', 1), 'int32', []);
  if (x.shape[d] === 0) throw new RangeError(`${op}(): Expected reduction dim ${d} to have non-zero size.`);
  const handle = backendOf(x.device).argReduce(op, x._view, d);
  return wrap(x.device, handle, 'int32', reducedShape(x, [d], keepdim));
}

/**
 * Index of the largest value over `dim` (of the flattened tensor when omitted); the first on ties.
 * @example
 * torch.tensor([[1, 9], [7, 2]]).argmax().item(); // 1
 * torch.tensor([[1, 9], [7, 2]]).argmax(0).tolist(); // [1, 0]
 */
export function argmax(x: Tensor, dim?: number | null, keepdim = false): Tensor {
  return argExtremum('argmax', x, dim, keepdim);
}

/**
 * Index of the smallest value over `dim` (of the flattened tensor when omitted).
 * @example
 * torch.tensor([3, 1, 2]).argmin().item(); // 1
 */
export function argmin(x: Tensor, dim?: number | null, keepdim = false): Tensor {
  return argExtremum('argmin', x, dim, keepdim);
}

/**
 * `log Σ exp(x)` over `dim`, computed stably: with m = max(x), log Σ e^(x-m) + m never overflows.
 * @example
 * torch.tensor([0, 0], { dtype: 'float64' }).logsumexp(0).item(); // 0.6931471805599453
 */
export function logsumexp(x: Tensor, dim: number | readonly number[], keepdim = false): Tensor {
  const input = isFloating(x.dtype) ? x : x.to('float32');
  const dims = reducedDims(input, dim);
  if (input.numel() === 0) return log(sum(exp(input), dims, keepdim));
  const m = amax(input, dims, true);
  // an infinite max (all -inf, or a +inf) would give inf - inf = NaN: shift by 0 instead
  const shift = where(m.abs().eq(Infinity), 0, m);
  const out = log(sum(exp(sub(input, shift)), dims, true)).add(shift);
  return keepdim ? out : out.squeeze(dims);
}

function checkFloating(x: Tensor, name: string): void {
  if (!isFloating(x.dtype)) throw new TypeError(`${name}(): expected a floating point tensor but got ${x.dtype}`);
}

/**
 * `softmax(x)_i = e^(x_i - m) / Σ_j e^(x_j - m)` along `dim`, with m the max for stability.
 * @example
 * torch.tensor([[1, 1]], { dtype: 'float32' }).softmax(1).tolist(); // [[0.5, 0.5]]
 */
export function softmax(x: Tensor, dim: number): Tensor {
  checkFloating(x, 'softmax');
  if (x.numel() === 0) return x.clone();
  const e = exp(sub(x, amax(x, dim, true)));
  return e.div(sum(e, dim, true));
}

/**
 * `logSoftmax(x)_i = x_i - m - log Σ_j e^(x_j - m)` along `dim`: the log of softmax without its underflow.
 * @example
 * torch.tensor([0, 0], { dtype: 'float64' }).logSoftmax(0).tolist(); // [-0.6931471805599453, -0.6931471805599453]
 */
export function logSoftmax(x: Tensor, dim: number): Tensor {
  checkFloating(x, 'log_softmax');
  if (x.numel() === 0) return x.clone();
  const shifted = sub(x, amax(x, dim, true));
  return sub(shifted, log(sum(exp(shifted), dim, true)));
}

/**
 * True where every element over `dim` is non-zero.
 * @example
 * torch.tensor([[true, false], [true, true]]).all(1).tolist(); // [false, true]
 */
export function all(x: Tensor, dim?: number | null, keepdim = false): Tensor {
  // a product of 0/1 truth values is 1 exactly when all are 1 (and 1 for no values)
  return reduceWith('prod', x.ne(0), reducedDims(x, dim), keepdim, 'bool');
}

/**
 * True where some element over `dim` is non-zero.
 * @example
 * torch.tensor([0, 0, 3]).any().item(); // true
 */
export function any(x: Tensor, dim?: number | null, keepdim = false): Tensor {
  // a sum of 0/1 truth values is non-zero exactly when one is 1 (and 0 for no values)
  return reduceWith('sum', x.ne(0), reducedDims(x, dim), keepdim, 'bool');
}
