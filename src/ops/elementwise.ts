/**
 * Elementwise math: functions of one tensor, and functions of two that broadcast.
 *
 * Type promotion follows PyTorch's `result_type`: dimensioned tensors decide the dtype, and a
 * 0-d tensor or a JavaScript number only raises it when it is of a higher category
 * (bool < integer < floating). So `int32 tensor + 2.5` is float32, `float32 tensor + float64
 * 0-d tensor` stays float32, and `int32 / int32` is a true division that gives float32.
 */
import type { BinaryOp, UnaryOp } from '../backend/backend.js';
import { backendOf } from '../device.js';
import { category, isFloating, promoteTypes, scalarDType, type DType } from '../dtype.js';
import { broadcastShapes } from '../shape.js';
import { Tensor, wrap, type TensorLike } from '../tensor.js';
import { asTensor } from './creation.js';

/**
 * The dtype PyTorch computes `a op b op …` in (`torch.result_type`).
 * @example
 * torch.resultType(torch.tensor([1, 2]), 2.5); // 'float32'
 * torch.resultType(torch.tensor([1, 2]), torch.tensor(1.5, { dtype: 'float64' })); // 'float32'
 */
export function resultType(...operands: TensorLike[]): DType {
  let dimensioned: DType | undefined;
  let zeroDim: DType | undefined;
  let scalar: DType | undefined;
  const join = (acc: DType | undefined, d: DType) => (acc === undefined ? d : promoteTypes(acc, d));
  for (const x of operands) {
    if (x instanceof Tensor) {
      if (x.ndim > 0) dimensioned = join(dimensioned, x.dtype);
      else zeroDim = join(zeroDim, x.dtype);
    } else scalar = join(scalar, scalarDType(x));
  }
  let result = dimensioned;
  for (const group of [zeroDim, scalar]) {
    if (group === undefined) continue;
    if (result === undefined || category(group) > category(result)) result = group;
  }
  return result ?? 'float32';
}

/** Throws PyTorch's error unless every tensor is on one device. */
export function checkSameDevice(...tensors: Tensor[]): void {
  const found = [...new Set(tensors.map((t) => t.device))];
  if (found.length > 1) {
    throw new Error(`Expected all tensors to be on the same device, but found at least two devices, ${found[0]} and ${found[1]}!`);
  }
}

/** The first tensor among the operands: numbers become tensors on its device. */
function anchorOf(a: TensorLike, b: TensorLike): Tensor {
  if (a instanceof Tensor) return a;
  if (b instanceof Tensor) return b;
  throw new TypeError('expected at least one Tensor operand');
}

/**
 * Runs a binary kernel: both operands are converted to `dtype`, broadcast to a common shape, and
 * handed to the backend as views (broadcast dims have stride 0, so nothing is copied).
 */
function binary(op: BinaryOp, a: TensorLike, b: TensorLike, dtype: DType): Tensor {
  const anchor = anchorOf(a, b);
  const x = asTensor(a, anchor, dtype).to(dtype);
  const y = asTensor(b, anchor, dtype).to(dtype);
  checkSameDevice(x, y);
  const shape = broadcastShapes(x.shape, y.shape);
  const handle = backendOf(x.device).binary(op, x.expand(shape)._view, y.expand(shape)._view);
  const comparison = ['eq', 'ne', 'lt', 'le', 'gt', 'ge', 'logicalAnd', 'logicalOr', 'logicalXor'].includes(op);
  return wrap(x.device, handle, comparison ? 'bool' : dtype, shape);
}

/** Runs a unary kernel, first converting integer and bool inputs to float32 when the function is floating (exp, log, …). */
function unary(op: UnaryOp, x: Tensor, floating = false): Tensor {
  const input = floating && !isFloating(x.dtype) ? x.to('float32') : x;
  const handle = backendOf(x.device).unary(op, input._view);
  return wrap(x.device, handle, op === 'logicalNot' ? 'bool' : input.dtype, x.shape);
}

/** The dtype for true division and other ops whose result is always floating. */
const floatingType = (a: TensorLike, b: TensorLike): DType => {
  const t = resultType(a, b);
  return isFloating(t) ? t : 'float32';
};

// ---- arithmetic -----------------------------------------------------------------------------

/**
 * `a + alpha * b`, broadcasting.
 * @example
 * torch.tensor([1, 2]).add(torch.tensor([[10], [20]])).tolist(); // [[11, 12], [21, 22]]
 * torch.tensor([1, 2]).add(1, { alpha: 3 }).tolist(); // [4, 5]
 */
export function add(a: TensorLike, b: TensorLike, options?: { alpha?: number }): Tensor {
  const alpha = options?.alpha ?? 1;
  return binary('add', a, alpha === 1 ? b : mul(b, alpha), resultType(a, b));
}

/**
 * `a - alpha * b`, broadcasting.
 * @example
 * torch.tensor([5, 7]).sub(2).tolist(); // [3, 5]
 */
export function sub(a: TensorLike, b: TensorLike, options?: { alpha?: number }): Tensor {
  const dtype = resultType(a, b);
  if (dtype === 'bool') {
    throw new TypeError(
      'Subtraction, the `-` operator, with two bool tensors is not supported. Use the `^` or `logical_xor()` operator instead.',
    );
  }
  const alpha = options?.alpha ?? 1;
  return binary('sub', a, alpha === 1 ? b : mul(b, alpha), dtype);
}

/**
 * `a * b` elementwise (Python's `*`), broadcasting.
 * @example
 * torch.tensor([1, 2, 3]).mul(torch.tensor([4, 5, 6])).tolist(); // [4, 10, 18]
 */
export function mul(a: TensorLike, b: TensorLike): Tensor {
  return binary('mul', a, b, resultType(a, b));
}

/**
 * `a / b`: true division (integers give float32), or rounded with `roundingMode` `'trunc'` or `'floor'`.
 * @example
 * torch.tensor([7, -7]).div(2).tolist(); // [3.5, -3.5]
 * torch.tensor([7, -7]).div(2, { roundingMode: 'floor' }).tolist(); // [3, -4]
 */
export function div(a: TensorLike, b: TensorLike, options?: { roundingMode?: 'trunc' | 'floor' }): Tensor {
  switch (options?.roundingMode) {
    case undefined:
      return binary('div', a, b, floatingType(a, b));
    case 'floor':
      return floorDivide(a, b);
    case 'trunc': {
      const dtype = resultType(a, b);
      return isFloating(dtype) ? binary('div', a, b, dtype).trunc() : binary('div', a, b, 'float64').trunc().to(dtype);
    }
    default:
      throw new RangeError(`div expected rounding_mode to be one of None, 'trunc', or 'floor' but found '${options?.roundingMode}'`);
  }
}

/**
 * `floor(a / b)`, Python's `//`.
 * @example
 * torch.tensor([7, -7]).floorDivide(2).tolist(); // [3, -4]
 */
export function floorDivide(a: TensorLike, b: TensorLike): Tensor {
  return binary('floorDivide', a, b, resultType(a, b));
}

/**
 * Python's `%`: the remainder has the sign of the divisor.
 * @example
 * torch.tensor([5, -5]).remainder(3).tolist(); // [2, 1]
 */
export function remainder(a: TensorLike, b: TensorLike): Tensor {
  return binary('remainder', a, b, resultType(a, b));
}

/**
 * `a ** b` elementwise.
 * @example
 * torch.tensor([1, 2, 3]).pow(2).tolist(); // [1, 4, 9]
 */
export function pow(a: TensorLike, b: TensorLike): Tensor {
  return binary('pow', a, b, resultType(a, b));
}

/**
 * The larger of two tensors, elementwise; NaN wins.
 * @example
 * torch.maximum(torch.tensor([1, 5]), torch.tensor([3, 2])).tolist(); // [3, 5]
 */
export function maximum(a: Tensor, b: Tensor): Tensor {
  return binary('maximum', a, b, resultType(a, b));
}

/**
 * The smaller of two tensors, elementwise; NaN wins.
 * @example
 * torch.minimum(torch.tensor([1, 5]), torch.tensor([3, 2])).tolist(); // [1, 2]
 */
export function minimum(a: Tensor, b: Tensor): Tensor {
  return binary('minimum', a, b, resultType(a, b));
}

/**
 * Limits values to `[min, max]` (either bound may be left out; NaN stays NaN).
 * @example
 * torch.tensor([-2, 0.5, 3]).clamp(0, 1).tolist(); // [0, 0.5, 1]
 */
export function clamp(x: Tensor, min?: TensorLike | null, max?: TensorLike | null): Tensor {
  if (min == null && max == null) throw new TypeError("torch.clamp: At least one of 'min' or 'max' must not be None");
  const dtype = resultType(...[x, min, max].filter((v): v is TensorLike => v != null));
  let out = x.to(dtype);
  if (min != null) out = binary('maximum', out, min, dtype);
  if (max != null) out = binary('minimum', out, max, dtype);
  return out;
}

// ---- comparison and logic (results are bool) ------------------------------------------------

/**
 * `a == b` elementwise.
 * @example
 * torch.tensor([1, 2]).eq(2).tolist(); // [false, true]
 */
export const eq = (a: TensorLike, b: TensorLike): Tensor => binary('eq', a, b, resultType(a, b));
/** `a != b` elementwise. */
export const ne = (a: TensorLike, b: TensorLike): Tensor => binary('ne', a, b, resultType(a, b));
/**
 * `a < b` elementwise.
 * @example
 * torch.tensor([1, 2, 3]).lt(2).tolist(); // [true, false, false]
 */
export const lt = (a: TensorLike, b: TensorLike): Tensor => binary('lt', a, b, resultType(a, b));
/** `a <= b` elementwise. */
export const le = (a: TensorLike, b: TensorLike): Tensor => binary('le', a, b, resultType(a, b));
/** `a > b` elementwise. */
export const gt = (a: TensorLike, b: TensorLike): Tensor => binary('gt', a, b, resultType(a, b));
/** `a >= b` elementwise. */
export const ge = (a: TensorLike, b: TensorLike): Tensor => binary('ge', a, b, resultType(a, b));
/**
 * Elementwise AND of truth values (non-zero is true).
 * @example
 * torch.tensor([true, true]).logicalAnd(torch.tensor([true, false])).tolist(); // [true, false]
 */
export const logicalAnd = (a: TensorLike, b: TensorLike): Tensor => binary('logicalAnd', a, b, resultType(a, b));
/** Elementwise OR of truth values. */
export const logicalOr = (a: TensorLike, b: TensorLike): Tensor => binary('logicalOr', a, b, resultType(a, b));
/** Elementwise XOR of truth values. */
export const logicalXor = (a: TensorLike, b: TensorLike): Tensor => binary('logicalXor', a, b, resultType(a, b));

/**
 * True when both tensors have the same shape and the same values, like `torch.equal`.
 * @example
 * torch.equal(torch.tensor([1, 2]), torch.tensor([1, 2])); // true
 */
export function equal(a: Tensor, b: Tensor): boolean {
  if (a.shape.length !== b.shape.length || a.shape.some((s, i) => s !== b.shape[i])) return false;
  return eq(a, b).all().item() as boolean;
}

/**
 * True when `|a - b| <= atol + rtol * |b|` everywhere (broadcasting), like `torch.allclose`.
 * @example
 * torch.allclose(torch.tensor([1, 2]), torch.tensor([1, 2.000001])); // true
 */
export function allclose(a: Tensor, b: Tensor, options?: { rtol?: number; atol?: number; equalNan?: boolean }): boolean {
  const { rtol = 1e-5, atol = 1e-8, equalNan = false } = options ?? {};
  const dtype = floatingType(a, b);
  const [x, y] = [a.to(dtype), b.to(dtype)];
  let close = sub(x, y).abs().le(y.abs().mul(rtol).add(atol)).logicalOr(x.eq(y)); // eq: inf == inf
  if (equalNan) close = close.logicalOr(x.ne(x).logicalAnd(y.ne(y)));
  return close.all().item() as boolean;
}

/**
 * `cond ? a : b` elementwise, broadcasting all three.
 * @example
 * torch.where(torch.tensor([true, false]), torch.tensor([1, 2]), torch.tensor([9, 9])).tolist(); // [1, 9]
 */
export function where(cond: Tensor, a: TensorLike, b: TensorLike): Tensor {
  if (cond.dtype !== 'bool') {
    throw new TypeError(`where expected condition to be a boolean tensor, but got a tensor with dtype ${cond.dtype}`);
  }
  const dtype = resultType(a, b);
  const x = asTensor(a, cond, dtype).to(dtype);
  const y = asTensor(b, cond, dtype).to(dtype);
  checkSameDevice(cond, x, y);
  const shape = broadcastShapes(cond.shape, x.shape, y.shape);
  const handle = backendOf(cond.device).where(cond.expand(shape)._view, x.expand(shape)._view, y.expand(shape)._view);
  return wrap(cond.device, handle, dtype, shape);
}

// ---- functions of one tensor ----------------------------------------------------------------

/**
 * `-x`.
 * @example
 * torch.tensor([1, -2]).neg().tolist(); // [-1, 2]
 */
export function neg(x: Tensor): Tensor {
  if (x.dtype === 'bool') {
    throw new TypeError(
      'Negation, the `-` operator, on a bool tensor is not supported. If you are trying to invert a mask, use the `~` or `logical_not()` operator instead.',
    );
  }
  return unary('neg', x);
}
/**
 * `|x|`.
 * @example
 * torch.tensor([-1.5, 2]).abs().tolist(); // [1.5, 2]
 */
export const abs = (x: Tensor): Tensor => unary('abs', x);
/** -1, 0 or 1 by the sign of each element. */
export const sign = (x: Tensor): Tensor => unary('sign', x);
/**
 * `e^x` (integers give float32).
 * @example
 * torch.tensor([0]).exp().tolist(); // [1]
 */
export const exp = (x: Tensor): Tensor => unary('exp', x, true);
/** Natural logarithm. */
export const log = (x: Tensor): Tensor => unary('log', x, true);
/**
 * Square root.
 * @example
 * torch.tensor([4, 9]).sqrt().tolist(); // [2, 3]
 */
export const sqrt = (x: Tensor): Tensor => unary('sqrt', x, true);
/** `1 / √x`. */
export const rsqrt = (x: Tensor): Tensor => unary('rsqrt', x, true);
/** Sine. */
export const sin = (x: Tensor): Tensor => unary('sin', x, true);
/** Cosine. */
export const cos = (x: Tensor): Tensor => unary('cos', x, true);
/** Hyperbolic tangent. */
export const tanh = (x: Tensor): Tensor => unary('tanh', x, true);
/**
 * The logistic function `1 / (1 + e^-x)`.
 * @example
 * torch.tensor([0]).sigmoid().tolist(); // [0.5]
 */
export const sigmoid = (x: Tensor): Tensor => unary('sigmoid', x, true);
/**
 * `max(x, 0)`.
 * @example
 * torch.tensor([-1, 2]).relu().tolist(); // [0, 2]
 */
export function relu(x: Tensor): Tensor {
  if (x.dtype === 'bool') throw new TypeError('relu: "clamp_min_scalar_cpu" not implemented for \'Bool\'');
  return unary('relu', x);
}
/** Largest integer ≤ x. */
export const floor = (x: Tensor): Tensor => unary('floor', x);
/** Smallest integer ≥ x. */
export const ceil = (x: Tensor): Tensor => unary('ceil', x);
/**
 * Nearest integer, halves to even, like PyTorch.
 * @example
 * torch.tensor([0.5, 1.5, 2.5]).round().tolist(); // [0, 2, 2]
 */
export const round = (x: Tensor): Tensor => unary('round', x);
/** Integer part, rounding toward zero. */
export const trunc = (x: Tensor): Tensor => unary('trunc', x);
/**
 * Elementwise NOT of truth values (non-zero is true).
 * @example
 * torch.tensor([true, false]).logicalNot().tolist(); // [false, true]
 */
export const logicalNot = (x: Tensor): Tensor => unary('logicalNot', x);
