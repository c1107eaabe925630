/**
 * Reductions (sum, mean, var, max, argmax, …) and the row-wise normalisations built on them
 * (softmax, logSoftmax, logsumexp). Each takes `dim` (a number, a list, or nothing for all dims)
 * and `keepdim`, and follows PyTorch's dtype rules: integer and bool sums are integers, `mean`
 * and `var` need a floating input.
 */
import type { ReduceOp } from '../backend/backend.js';
import { backendOf } from '../device.js';
import { isFloating, type DType } from '../dtype.js';
import { normalizeDim, numelOf, type Shape } from '../shape.js';
import { noGrad } from '../autograd/grad-mode.js';
import { record } from '../autograd/node.js';
import { Tensor, wrap } from '../tensor.js';
import { exp, fusesBackward, log, maximum, minimum, sqrt, sub, where } from './elementwise.js';
import { full } from './creation.js';
import { cat, narrow } from './joining.js';

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

/**
 * The gradient of a reduction's input from the gradient `g` of its output: put back the reduced
 * dims (as size 1) and broadcast over them, since each input element fed its output element.
 */
function expandGrad(g: Tensor, shape: Shape, dims: readonly number[], keepdim: boolean): Tensor {
  return (keepdim ? g : g.reshape(shape.map((s, d) => (dims.includes(d) ? 1 : s)))).expand(shape);
}

/**
 * Sums `g` down to `shape`: over leading dims it has and `shape` lacks, and over dims where
 * `shape` has size 1. This undoes broadcasting, so it turns the gradient of a broadcast result
 * into the gradient of the operand that was broadcast.
 */
export function sumToShape(g: Tensor, shape: Shape): Tensor {
  if (g.shape.length === shape.length && g.shape.every((s, i) => s === shape[i])) return g;
  const lead = g.ndim - shape.length;
  const dims = g.shape.map((_, d) => d).filter((d) => d < lead || (shape[d - lead] === 1 && g.shape[d] !== 1));
  return (dims.length ? sum(g, dims, true) : g).reshape(shape);
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
  const dims = reducedDims(x, dim);
  const out = reduceWith('sum', input, dims, keepdim, accumulateType(input.dtype));
  // ∂(Σ x)/∂x_i = 1: every input element gets its output's gradient
  return record(dim == null ? 'SumBackward0' : 'SumBackward1', [input], out, (g) => [expandGrad(g, x.shape, dims, keepdim)]);
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
  const out = noGrad(() => sum(x, dims, keepdim).div(count));
  // ∂ mean / ∂x_i = 1 / N
  return record(dim == null ? 'MeanBackward0' : 'MeanBackward1', [x], out, (g) => [expandGrad(g.div(count), x.shape, dims, keepdim)]);
}

/**
 * Product over `dim` (all dims when omitted).
 * @example
 * torch.tensor([1, 2, 3, 4]).prod().item(); // 24
 */
export function prod(x: Tensor, dim?: number | null, keepdim = false): Tensor {
  const dims = reducedDims(x, dim);
  const out = reduceWith('prod', x, dims, keepdim, accumulateType(x.dtype));
  return record(dim == null ? 'ProdBackward0' : 'ProdBackward1', [x], out, (g, [input]) => [prodGrad(input, dims).mul(expandGrad(g, x.shape, dims, keepdim))], [x]);
}

/**
 * ∂(Π x)/∂x_i is the product of the other elements of its slice: the product of those before it
 * times the product of those after it, as PyTorch's prod_safe_zeros_backward computes it. (Not
 * y / x_i, which is 0/0 at a zero, and not "0 beside a zero", which misses 0·inf and 0·NaN = NaN.)
 */
function prodGrad(x: Tensor, dims: readonly number[]): Tensor {
  if (dims.length === 0 || x.numel() === 0) return full(x.shape, 1, { dtype: x.dtype, device: x.device }); // a 0-d prod is x itself
  // over all dims: one slice, the elements in row-major order
  const [flat, d] = dims.length > 1 ? [x.reshape(-1), 0] : [x, dims[0]];
  return exclusiveProducts(flat, d, false).mul(exclusiveProducts(flat, d, true)).reshape(x.shape);
}

/**
 * Along dim `d`, the product of the elements before each one (after it, when `reverse`): the
 * input shifted by one, then a scan of log2(n) steps that multiplies in the values k = 1, 2, 4 …
 * places back (PyTorch uses an exclusive cumprod).
 */
function exclusiveProducts(x: Tensor, d: number, reverse: boolean): Tensor {
  const n = x.shape[d];
  const ones = (k: number) => full(x.shape.map((s, i) => (i === d ? k : s)), 1, { dtype: x.dtype, device: x.device });
  // p moved k places along d (towards the end, or the start when reverse), ones filling in
  const shift = (p: Tensor, k: number) => (reverse ? cat([narrow(p, d, k, n - k), ones(k)], d) : cat([ones(k), narrow(p, d, 0, n - k)], d));
  let p = shift(x, 1);
  for (let k = 1; k < n; k *= 2) p = p.mul(shift(p, k));
  return p;
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
  const divisor = Math.max(0, numelOf(dims.map((d) => x.shape[d])) - correction);
  const out = noGrad(() => {
    const centered = sub(x, mean(x, dims, true));
    return sum(centered.mul(centered), dims, keepdim).div(divisor);
  });
  // ∂ var / ∂x_i = 2 (x_i - mean) / (N - correction)
  return record('VarBackward0', [x], out, (g, [input]) => [
    expandGrad(g, x.shape, dims, keepdim).mul(sub(input, mean(input, dims, true))).mul(2 / divisor),
  ], [x]);
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
  const dims = reducedDims(x, dim);
  const out = noGrad(() => sqrt(varOf(x, dims, keepdim, options)));
  const correction = options?.correction ?? (options?.unbiased === false ? 0 : 1);
  const divisor = Math.max(0, numelOf(dims.map((d) => x.shape[d])) - correction);
  // ∂ std / ∂x_i = (x_i - mean) / ((N - correction) · std); 0 where std = 0 (all x_i equal), as PyTorch masks it
  return record('StdBackward0', [x], out, (g, [input, y]) => [
    expandGrad(where(y.eq(0), 0, g.div(y.mul(divisor))), x.shape, dims, keepdim).mul(sub(input, mean(input, dims, true))),
  ], [x, out]);
}

/**
 * Largest value over `dim` (values only; NaN propagates).
 * @example
 * torch.tensor([[1, 5], [7, 2]]).amax(1).tolist(); // [5, 7]
 */
export function amax(x: Tensor, dim?: number | readonly number[] | null, keepdim = false): Tensor {
  const dims = reducedDims(x, dim);
  checkNonEmpty(x, dims, 'amax', dims.length < x.ndim || dim != null);
  const out = reduceWith('max', x, dims, keepdim, x.dtype);
  return record('AmaxBackward0', [x], out, (g, [input, y]) => [evenlyToExtrema(g, input, y, dims, keepdim)], [x, out]);
}

/**
 * The gradient of a max/min value, shared equally by the elements that attain it (PyTorch's rule for ties).
 * Where the extremum is NaN no element equals it: amax/amin give the whole slice NaN, g/0·0, as PyTorch's
 * scale_grad_by_count does; max()/min() of everything (`nanShares`) share it among the NaN elements,
 * as PyTorch's evenly_distribute_backward does.
 */
function evenlyToExtrema(g: Tensor, x: Tensor, y: Tensor, dims: readonly number[], keepdim: boolean, nanShares = false): Tensor {
  const value = expandGrad(y, x.shape, dims, keepdim);
  const hit = nanShares ? x.eq(value).logicalOr(x.ne(x).logicalAnd(value.ne(value))) : x.eq(value);
  const count = expandGrad(reduceWith('sum', hit, dims, true, x.dtype), x.shape, dims, true);
  const share = expandGrad(g, x.shape, dims, keepdim).div(count);
  return nanShares ? where(hit, share, 0) : share.mul(hit);
}

/**
 * Smallest value over `dim` (values only; NaN propagates).
 * @example
 * torch.tensor([[1, 5], [7, 2]]).amin(0).tolist(); // [1, 2]
 */
export function amin(x: Tensor, dim?: number | readonly number[] | null, keepdim = false): Tensor {
  const dims = reducedDims(x, dim);
  checkNonEmpty(x, dims, 'amin', dims.length < x.ndim || dim != null);
  const out = reduceWith('min', x, dims, keepdim, x.dtype);
  return record('AminBackward0', [x], out, (g, [input, y]) => [evenlyToExtrema(g, input, y, dims, keepdim)], [x, out]);
}

/** The three forms of `max`/`min`: of everything, along a dim with indices, or against another tensor. */
function extremum(
  kind: 'max' | 'min',
  x: Tensor,
  dimOrOther: number | Tensor | undefined,
  keepdim: boolean,
): Tensor | { values: Tensor; indices: Tensor } {
  if (dimOrOther instanceof Tensor) return kind === 'max' ? maximum(x, dimOrOther) : minimum(x, dimOrOther);
  const name = kind === 'max' ? 'Max' : 'Min';
  if (dimOrOther === undefined) {
    const all = reducedDims(x, null);
    checkNonEmpty(x, all, kind, false);
    const out = reduceWith(kind, x, all, false, x.dtype);
    return record(`${name}Backward1`, [x], out, (g, [input, y]) => [evenlyToExtrema(g, input, y, all, false, true)], [x, out]);
  }
  const dims = reducedDims(x, dimOrOther);
  checkNonEmpty(x, dims, kind, true);
  const indices = argExtremum(kind === 'max' ? 'argmax' : 'argmin', x, dimOrOther, keepdim);
  const values = reduceWith(kind, x, dims, keepdim, x.dtype);
  // along a dim, the whole gradient goes to the element `indices` picked
  const d = dims[0] ?? 0;
  const put = (g: Tensor, index: Tensor) =>
    x.ndim === 0 ? g : zerosOf(x).scatter(d, keepdim ? index : index.unsqueeze(d), keepdim ? g : g.unsqueeze(d));
  return { values: record(`${name}Backward0`, [x], values, (g, [index]) => [put(g, index)], [indices]), indices };
}

const zerosOf = (x: Tensor): Tensor => wrap(x.device, backendOf(x.device).alloc(x.dtype, x.numel()), x.dtype, x.shape);

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
  const out = noGrad(() => {
    if (input.numel() === 0) return log(sum(exp(input), dims, keepdim)); // no max to shift by
    const m = amax(input, dims, true);
    // an infinite max (all -inf, or a +inf) would give inf - inf = NaN: shift by 0 instead
    const shift = where(m.abs().eq(Infinity), 0, m);
    const y = log(sum(exp(sub(input, shift)), dims, true)).add(shift);
    return keepdim ? y : y.squeeze(dims);
  });
  // ∂/∂x_i log Σ e^x = e^(x_i - y): the softmax
  return record('LogsumexpBackward0', [x], out, (g, [x, y]) => [
    expandGrad(g, x.shape, dims, keepdim).mul(exp(sub(x, expandGrad(y, x.shape, dims, keepdim)))),
  ], [input, out]);
}

function checkFloating(x: Tensor, name: string): void {
  if (!isFloating(x.dtype)) throw new TypeError(`${name}(): expected a floating point tensor but got ${x.dtype}`);
}

/** softmax, or logSoftmax when `log`, through the backend's fused kernel; undefined where it has none. */
function fusedSoftmax(x: Tensor, dim: number, log: boolean): Tensor | undefined {
  const backend = backendOf(x.device);
  // Backend.softmax kernels are float32 only; an empty tensor needs no kernel at all
  if (!backend.softmax || x.dtype !== 'float32' || x.numel() === 0) return undefined;
  return wrap(x.device, backend.softmax(x._view, normalizeDim(dim, x.ndim), log), x.dtype, x.shape);
}

/** The gradient of softmax (logSoftmax when `log`) through the backend's fused kernel; undefined where it has none or may not use it. */
function fusedSoftmaxBackward(g: Tensor, y: Tensor, dim: number, log: boolean): Tensor | undefined {
  const backend = backendOf(y.device);
  if (!backend.softmaxBackward || !fusesBackward(g, y) || y.numel() === 0) return undefined;
  return wrap(y.device, backend.softmaxBackward(g._view, y._view, normalizeDim(dim, y.ndim), log), y.dtype, y.shape);
}

/**
 * `softmax(x)_i = e^(x_i - m) / Σ_j e^(x_j - m)` along `dim`, with m the max for stability.
 * @example
 * torch.tensor([[1, 1]], { dtype: 'float32' }).softmax(1).tolist(); // [[0.5, 0.5]]
 */
export function softmax(x: Tensor, dim: number): Tensor {
  checkFloating(x, 'softmax');
  const out = noGrad(() => {
    const fused = fusedSoftmax(x, dim, false);
    if (fused) return fused;
    if (x.numel() === 0) return x.clone();
    const e = exp(sub(x, amax(x, dim, true)));
    return e.div(sum(e, dim, true));
  });
  // with y = softmax(x): ∂L/∂x = y ⊙ (g - Σ_j g_j y_j)
  return record('SoftmaxBackward0', [x], out, (g, [y]) => [fusedSoftmaxBackward(g, y, dim, false) ?? y.mul(sub(g, sum(g.mul(y), dim, true)))], [out]);
}

/**
 * `logSoftmax(x)_i = x_i - m - log Σ_j e^(x_j - m)` along `dim`: the log of softmax without its underflow.
 * @example
 * torch.tensor([0, 0], { dtype: 'float64' }).logSoftmax(0).tolist(); // [-0.6931471805599453, -0.6931471805599453]
 */
export function logSoftmax(x: Tensor, dim: number): Tensor {
  checkFloating(x, 'log_softmax');
  const out = noGrad(() => {
    const fused = fusedSoftmax(x, dim, true);
    if (fused) return fused;
    if (x.numel() === 0) return x.clone();
    const shifted = sub(x, amax(x, dim, true));
    return sub(shifted, log(sum(exp(shifted), dim, true)));
  });
  // with y = logSoftmax(x): ∂L/∂x = g - e^y · Σ_j g_j
  return record('LogSoftmaxBackward0', [x], out, (g, [y]) => [fusedSoftmaxBackward(g, y, dim, true) ?? sub(g, exp(y).mul(sum(g, dim, true)))], [out]);
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
 * torch.tensor([0, 0, 3]).any().item(); // 1
 */
export function any(x: Tensor, dim?: number | null, keepdim = false): Tensor {
  // a sum of 0/1 truth values is non-zero exactly when one is 1 (and 0 for no values)
  return reduceWith('sum', x.ne(0), reducedDims(x, dim), keepdim, 'bool');
}
