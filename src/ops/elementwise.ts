/**
 * Elementwise math: functions of one tensor, and functions of two that broadcast.
 *
 * Type promotion follows PyTorch's `result_type`: dimensioned tensors decide the dtype, and a
 * 0-d tensor or a JavaScript number only raises it when it is of a higher category
 * (bool < integer < floating). So `int32 tensor + 2.5` is float32, `float32 tensor + float64
 * 0-d tensor` stays float32, and `int32 / int32` is a true division that gives float32.
 */
import { comparisonOps, type BinaryOp, type UnaryOp } from '../backend/backend.js';
import { backendOf, readsSynchronously } from '../device.js';
import { category, isFloating, promoteTypes, scalarDType, type DType } from '../dtype.js';
import { broadcastShapes, broadcastsTo, sameShape } from '../shape.js';
import { record } from '../autograd/node.js';
import { isGradEnabled, noGrad } from '../autograd/grad-mode.js';
import { Tensor, wrap, type TensorLike } from '../tensor.js';
import { asTensor, bumpVersion, checkInplace, checkWritable, inplace_ } from './creation.js';
import { sumToShape } from './reduce.js';
import { broadcastView } from './views.js';

/**
 * The dtype PyTorch computes `a op b op …` in (`torch.result_type`).
 * @example
 * torch.resultType(torch.tensor([1, 2]), 2.5); // 'float32'
 * torch.resultType(torch.tensor([1.5, 2]), torch.tensor(1.5, { dtype: 'float64' })); // 'float32'
 * torch.resultType(torch.tensor([1, 2]), torch.tensor(1.5, { dtype: 'float64' })); // 'float64'
 */
export function resultType(...operands: TensorLike[]): DType {
  let dimensioned: DType | undefined;
  let zeroDim: DType | undefined;
  let scalar: DType | undefined;
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

/** `d` joined into a group's dtype so far (`acc`) by promotion. */
const join = (acc: DType | undefined, d: DType): DType => (acc === undefined ? d : promoteTypes(acc, d));

/** Throws PyTorch's error unless every tensor is on one device. */
export function checkSameDevice(...tensors: Tensor[]): void {
  const other = tensors.find((t) => t.device !== tensors[0].device);
  if (other) {
    throw new Error(`Expected all tensors to be on the same device, but found at least two devices, ${tensors[0].device} and ${other.device}!`);
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
  return noGrad(() => binaryForward(op, a, b, dtype));
}

function binaryForward(op: BinaryOp, a: TensorLike, b: TensorLike, dtype: DType): Tensor {
  const anchor = anchorOf(a, b);
  const x = asTensor(a, anchor, dtype).to(dtype);
  const y = asTensor(b, anchor, dtype).to(dtype);
  checkSameDevice(x, y);
  const shape = broadcastShapes(x.shape, y.shape);
  const handle = backendOf(x.device).binary(op, broadcastView(x, shape), broadcastView(y, shape));
  return wrap(x.device, handle, comparisonOps.has(op) ? 'bool' : dtype, shape);
}

/** Runs a unary kernel, first converting integer and bool inputs to float32 when the function is floating (exp, log, …). */
function unary(op: UnaryOp, x: Tensor, floating = false): Tensor {
  const input = floating && !isFloating(x.dtype) ? noGrad(() => x.to('float32')) : x;
  const handle = backendOf(x.device).unary(op, input._view);
  return wrap(x.device, handle, op === 'logicalNot' ? 'bool' : input.dtype, x.shape);
}

/** The dtype for true division and other ops whose result is always floating. */
const floatingType = (a: TensorLike, b: TensorLike): DType => {
  const t = resultType(a, b);
  return isFloating(t) ? t : 'float32';
};

// ---- arithmetic -----------------------------------------------------------------------------
//
// Each differentiable op records its chain rule next to its forward. With g the gradient of the
// output, an operand's gradient is the partial derivative times g, summed back over the dims the
// operand was broadcast along (`gradFor`) and cast to the operand's dtype. A number operand gets none.

/** The tensor operands of a binary op, for `record` (numbers need no gradient). */
const operands = (...xs: (TensorLike | null | undefined)[]): (Tensor | null)[] => xs.map((x) => (x instanceof Tensor ? x : null));

/** The gradient of operand `x` (computed only when it requires one), summed over its broadcast dims, in its dtype. */
function gradFor(x: TensorLike | null | undefined, grad: () => Tensor): Tensor | null {
  return x instanceof Tensor && x.requiresGrad ? sumToShape(grad(), x.shape).to(x.dtype) : null;
}

/** `alpha` for add/sub, checked as PyTorch does: integral results take only integral alphas. */
function checkAlpha(alpha: number | undefined, dtype: DType): number {
  if (alpha === undefined) return 1;
  if (!isFloating(dtype) && !Number.isInteger(alpha)) {
    throw new TypeError('For integral input tensors, argument alpha must not be a floating point number.');
  }
  return alpha;
}

/** `alpha * b`, computed once in the forward pass (the backward scales by alpha itself). */
const scaled = (b: TensorLike, alpha: number): TensorLike =>
  alpha === 1 ? b : b instanceof Tensor ? noGrad(() => mul(b, alpha)) : Number(b) * alpha;

/**
 * `a + alpha * b`, broadcasting.
 * ∂/∂a = 1, ∂/∂b = alpha.
 * @example
 * torch.tensor([1, 2]).add(torch.tensor([[10], [20]])).tolist(); // [[11, 12], [21, 22]]
 * torch.tensor([1, 2]).add(1, { alpha: 3 }).tolist(); // [4, 5]
 */
export function add(a: TensorLike, b: TensorLike, options?: { alpha?: number }): Tensor {
  const alpha = checkAlpha(options?.alpha, resultType(a, b));
  const out = binary('add', a, scaled(b, alpha), resultType(a, b));
  return record('AddBackward0', operands(a, b), out, (g) => [gradFor(a, () => g), gradFor(b, () => (alpha === 1 ? g : g.mul(alpha)))]);
}

/**
 * `a - alpha * b`, broadcasting.
 * ∂/∂a = 1, ∂/∂b = -alpha.
 * @example
 * torch.tensor([5, 7]).sub(2).tolist(); // [3, 5]
 */
export function sub(a: TensorLike, b: TensorLike, options?: { alpha?: number }): Tensor {
  const dtype = resultType(a, b);
  checkSubOperands(a, b);
  const alpha = checkAlpha(options?.alpha, dtype);
  const out = binary('sub', a, scaled(b, alpha), dtype);
  return record('SubBackward0', operands(a, b), out, (g) => [gradFor(a, () => g), gradFor(b, () => g.mul(-alpha))]);
}

/** True for a bool tensor (a JavaScript boolean operand is a number to PyTorch's rules here). */
const isBool = (x: TensorLike): boolean => x instanceof Tensor && x.dtype === 'bool';

/** PyTorch refuses to subtract bool tensors, and says what to use instead. */
function checkSubOperands(a: TensorLike, b: TensorLike): void {
  if (isBool(a) && isBool(b)) {
    throw new TypeError(
      'Subtraction, the `-` operator, with two bool tensors is not supported. Use the `^` or `logical_xor()` operator instead.',
    );
  }
  if (isBool(a) || isBool(b)) {
    throw new TypeError(
      'Subtraction, the `-` operator, with a bool tensor is not supported. If you are trying to invert a mask, use the `~` or `logical_not()` operator instead.',
    );
  }
}

/**
 * `a * b` elementwise (Python's `*`), broadcasting.
 * ∂/∂a = b, ∂/∂b = a.
 * @example
 * torch.tensor([1, 2, 3]).mul(torch.tensor([4, 5, 6])).tolist(); // [4, 10, 18]
 */
export function mul(a: TensorLike, b: TensorLike): Tensor {
  const out = binary('mul', a, b, resultType(a, b));
  return record('MulBackward0', operands(a, b), out, (g, [x, y]) => [gradFor(a, () => g.mul(y)), gradFor(b, () => g.mul(x))], saved(a, b, out));
}

/**
 * What a product-like op saves for backward: each operand as a tensor (numbers become 0-d
 * tensors), but only when the other operand's gradient needs it, as PyTorch does — so that
 * `y.mul_(2)` does not save the `y` it overwrites.
 */
function saved(a: TensorLike, b: TensorLike, out: Tensor): (Tensor | undefined)[] {
  return [needsGrad(b) ? asTensor(a, out, out.dtype) : undefined, needsGrad(a) ? asTensor(b, out, out.dtype) : undefined];
}

/** True for a tensor operand whose gradient autograd computes. */
const needsGrad = (x: TensorLike): boolean => x instanceof Tensor && x.requiresGrad;

/**
 * `a / b`: true division (integers give float32), or rounded with `roundingMode` `'trunc'` or `'floor'`.
 * ∂/∂a = 1/b, ∂/∂b = -a/b² = -out/b.
 * @example
 * torch.tensor([7, -7]).div(2).tolist(); // [3.5, -3.5]
 * torch.tensor([7, -7]).div(2, { roundingMode: 'floor' }).tolist(); // [3, -4]
 */
export function div(a: TensorLike, b: TensorLike, options?: { roundingMode?: 'trunc' | 'floor' }): Tensor {
  switch (options?.roundingMode) {
    case undefined: {
      const out = binary('div', a, b, floatingType(a, b));
      return record(
        'DivBackward0',
        operands(a, b),
        out,
        (g, [y, out]) => [gradFor(a, () => g.div(y)), gradFor(b, () => g.mul(out).div(y).neg())],
        [asTensor(b, out, out.dtype), b instanceof Tensor && b.requiresGrad ? out : undefined],
      );
    }
    case 'floor':
      return floorDivide(a, b);
    case 'trunc': {
      // rounded division is piecewise constant: no gradient, as in PyTorch
      const dtype = resultType(a, b);
      return noGrad(() => (isFloating(dtype) ? binary('div', a, b, dtype).trunc() : truncDivide(a, b, dtype)));
    }
    default:
      throw new RangeError(`div expected rounding_mode to be one of None, 'trunc', or 'floor' but found '${options?.roundingMode}'`);
  }
}

// ---- in place -------------------------------------------------------------------------------

/**
 * `x ← x + alpha·b` in place, like `x.add_(b, alpha=alpha)`.
 * @example
 * const x = torch.tensor([1, 2]);
 * x.add_(torch.tensor([10, 20]), { alpha: 2 }).tolist(); // [21, 42]
 */
export function add_(x: Tensor, b: TensorLike, options?: { alpha?: number }): Tensor {
  const dtype = resultType(x, b);
  const alpha = checkAlpha(options?.alpha, dtype);
  return inplaceBinary('add', x, b, dtype, alpha, () => add(x, b, options));
}

/**
 * `x ← x - alpha·b` in place, like `x.sub_(b, alpha=alpha)`.
 * @example
 * torch.tensor([5, 7]).sub_(2).tolist(); // [3, 5]
 */
export function sub_(x: Tensor, b: TensorLike, options?: { alpha?: number }): Tensor {
  const dtype = resultType(x, b);
  checkSubOperands(x, b);
  const alpha = checkAlpha(options?.alpha, dtype);
  return inplaceBinary('sub', x, b, dtype, alpha, () => sub(x, b, options));
}

/**
 * `x ← x · b` in place, like `x.mul_(b)`.
 * @example
 * torch.tensor([1, 2]).mul_(3).tolist(); // [3, 6]
 */
export const mul_ = (x: Tensor, b: TensorLike): Tensor => inplaceBinary('mul', x, b, resultType(x, b), 1, () => mul(x, b));

/**
 * `x ← x / b` in place, like `x.div_(b)` (true division: an integer `x` cannot hold the result).
 * @example
 * torch.tensor([1, 3], { dtype: 'float32' }).div_(2).tolist(); // [0.5, 1.5]
 */
export const div_ = (x: Tensor, b: TensorLike): Tensor => inplaceBinary('div', x, b, floatingType(x, b), 1, () => div(x, b));

/**
 * An in-place binary op, `x ← x (op) alpha·b`, whose result is computed in `dtype`.
 *
 * When nothing is recorded for autograd (under `noGrad`, as optimizers step, or when no operand
 * requires grad) and the result fits x as it is (x's dtype and shape, b of that dtype, sharing no
 * memory with x unless it is x's very view), the backend writes it straight into x
 * (`Backend.binaryInto`): one pass over memory and no temporary, so an SGD step reads and writes
 * each parameter once. Otherwise `outOfPlace` computes it, recording its node, and `inplace_`
 * writes it into x, with that path's checks, casts and errors.
 */
function inplaceBinary(op: BinaryOp, x: Tensor, b: TensorLike, dtype: DType, alpha: number, outOfPlace: () => Tensor): Tensor {
  const backend = backendOf(x.device);
  const recorded = isGradEnabled() && (x.requiresGrad || needsGrad(b));
  if (!backend.binaryInto || recorded || dtype !== x.dtype || (b instanceof Tensor && !fitsInto(b, x))) {
    return inplace_(x, outOfPlace());
  }
  checkInplace(x, b);
  checkWritable(x);
  // a number is scaled here, as `add` scales it (in float64, rounded once); a tensor by the kernel
  const [operand, kernelAlpha] = b instanceof Tensor ? [b, alpha] : [asTensor(scaled(b, alpha), x, dtype), 1];
  backend.binaryInto(op, x._view, broadcastView(operand, x.shape), x._view, kernelAlpha);
  bumpVersion(x);
  return x;
}

/**
 * True when `b` can be read while x is written: same device and dtype, broadcast to x's shape
 * without changing it, and in memory of its own or exactly x's elements in x's order.
 */
function fitsInto(b: Tensor, x: Tensor): boolean {
  if (b.device !== x.device || b.dtype !== x.dtype || !broadcastsTo(b.shape, x.shape)) return false;
  if (b._storage !== x._storage) return true;
  return b === x || (b.ndim === x.ndim && b._offset === x._offset && b.shape.every((size, d) => size === x.shape[d] && b._strides[d] === x._strides[d]));
}

/**
 * trunc(a / b) in integer arithmetic, so that it runs on every device (webgpu has no float64 to
 * divide int32 exactly in): Python's floor(a / b), plus 1 where the quotient is negative and
 * inexact (floor below 0, a non-zero remainder), e.g. -7 / 2 = floor -4 + 1 = -3. Dividing by
 * zero fails as `floorDivide` does (PyTorch's ZeroDivisionError). bool operands are 0 or 1, which
 * float32 divides exactly.
 */
function truncDivide(a: TensorLike, b: TensorLike, dtype: DType): Tensor {
  if (dtype === 'bool') return binary('div', a, b, 'float32').trunc().to(dtype);
  const floor = binary('floorDivide', a, b, dtype);
  const inexactNegative = floor.lt(0).logicalAnd(binary('remainder', a, b, dtype).ne(0));
  return floor.add(inexactNegative.to(dtype));
}

/**
 * `floor(a / b)`, Python's `//` (not differentiable).
 * @example
 * torch.tensor([7, -7]).floorDivide(2).tolist(); // [3, -4]
 */
export function floorDivide(a: TensorLike, b: TensorLike): Tensor {
  return binary('floorDivide', a, b, resultType(a, b));
}

/**
 * Python's `%`: the remainder has the sign of the divisor.
 * `a % b = a - floor(a/b)·b`, so ∂/∂a = 1 and ∂/∂b = -floor(a/b).
 * @example
 * torch.tensor([5, -5]).remainder(3).tolist(); // [2, 1]
 */
export function remainder(a: TensorLike, b: TensorLike): Tensor {
  const out = binary('remainder', a, b, resultType(a, b));
  return record(
    b instanceof Tensor ? 'RemainderBackward1' : 'RemainderBackward0',
    operands(a, b),
    out,
    (g, [x, y]) => [gradFor(a, () => g), gradFor(b, () => g.mul(floorDivide(x, y)).neg())],
    b instanceof Tensor && b.requiresGrad ? [asTensor(a, out), b] : [],
  );
}

/**
 * `a ** b` elementwise.
 * ∂/∂a = b·a^(b-1), ∂/∂b = a^b·ln a (taken as 0 where a = 0 and b ≥ 0, as PyTorch does).
 * @example
 * torch.tensor([1, 2, 3]).pow(2).tolist(); // [1, 4, 9]
 */
export function pow(a: TensorLike, b: TensorLike): Tensor {
  const out = binary('pow', a, b, resultType(a, b));
  const name = !(b instanceof Tensor) ? 'PowBackward0' : a instanceof Tensor ? 'PowBackward1' : 'PowBackward2';
  return record(
    name,
    operands(a, b),
    out,
    (g, [x, y, result]) => [
      // a zero exponent gets no gradient, even where x^(y-1) is inf or NaN (x = 0, NaN), as in PyTorch's pow_backward
      gradFor(a, () => where(y.eq(0), 0, g.mul(y).mul(pow(x, y.sub(1))))),
      gradFor(b, () => where(x.eq(0).logicalAnd(y.ge(0)), 0, g.mul(result).mul(log(x)))),
    ],
    [asTensor(a, out), asTensor(b, out), out],
  );
}

/**
 * Gradient of an elementwise max/min: to the winner, split in half on ties (PyTorch's rule). Each
 * operand gets g unless the other strictly wins, so where one is NaN (no winner) both get it, as in PyTorch.
 */
function extremumGrad(g: Tensor, x: Tensor, y: Tensor, wins: (x: Tensor, y: Tensor) => Tensor): [Tensor, Tensor] {
  const tie = x.eq(y);
  const half = g.div(2);
  return [where(tie, half, where(wins(y, x), 0, g)), where(tie, half, where(wins(x, y), 0, g))];
}

/**
 * The larger of two tensors, elementwise; NaN wins.
 * @example
 * torch.maximum(torch.tensor([1, 5]), torch.tensor([3, 2])).tolist(); // [3, 5]
 */
export function maximum(a: Tensor, b: Tensor): Tensor {
  const out = binary('maximum', a, b, resultType(a, b));
  return record('MaximumBackward0', [a, b], out, (g, [x, y]) => {
    const [ga, gb] = extremumGrad(g, x, y, gt);
    return [gradFor(a, () => ga), gradFor(b, () => gb)];
  }, [a, b]);
}

/**
 * The smaller of two tensors, elementwise; NaN wins.
 * @example
 * torch.minimum(torch.tensor([1, 5]), torch.tensor([3, 2])).tolist(); // [1, 2]
 */
export function minimum(a: Tensor, b: Tensor): Tensor {
  const out = binary('minimum', a, b, resultType(a, b));
  return record('MinimumBackward0', [a, b], out, (g, [x, y]) => {
    const [ga, gb] = extremumGrad(g, x, y, lt);
    return [gradFor(a, () => ga), gradFor(b, () => gb)];
  }, [a, b]);
}

/**
 * Limits values to `[min, max]` (either bound may be left out; NaN stays NaN).
 * The gradient passes where `min ≤ x ≤ max`; with tensor bounds, the bound that clipped gets it.
 * @example
 * torch.tensor([-2, 0.5, 3]).clamp(0, 1).tolist(); // [0, 0.5, 1]
 */
export function clamp(x: Tensor, min?: TensorLike | null, max?: TensorLike | null): Tensor {
  if (min == null && max == null) throw new TypeError("torch.clamp: At least one of 'min' or 'max' must not be None");
  const dtype = resultType(...[x, min, max].filter((v): v is TensorLike => v != null));
  const out = noGrad(() => {
    let y = x.to(dtype);
    if (min != null) y = binary('maximum', y, min, dtype);
    if (max != null) y = binary('minimum', y, max, dtype);
    return y;
  });
  return record(
    min instanceof Tensor || max instanceof Tensor ? 'ClampBackward0' : 'ClampBackward1',
    operands(x, min, max),
    out,
    (g, [input, lo, hi]) => {
      // out = min(max(x, lo), hi): x passes through inside [lo, hi]; lo wins where x < lo ≤ hi; hi wherever it clips
      const inside = input.ge(lo).logicalAnd(input.le(hi));
      const toLo = input.lt(lo).logicalAnd(lo.le(hi));
      const toHi = input.gt(hi).logicalOr(lo.gt(hi));
      return [gradFor(x, () => where(inside, g, 0)), gradFor(min, () => where(toLo, g, 0)), gradFor(max, () => where(toHi, g, 0))];
    },
    [x, asTensor(min ?? -Infinity, x, dtype), asTensor(max ?? Infinity, x, dtype)],
  );
}

// ---- comparison and logic (results are bool) ------------------------------------------------

/**
 * `a == b` elementwise.
 * @example
 * torch.tensor([1, 2]).eq(2).tolist(); // [false, true]
 */
export const eq = (a: TensorLike, b: TensorLike): Tensor => binary('eq', a, b, resultType(a, b));
/**
 * `a != b` elementwise.
 * @example
 * torch.tensor([1, 2]).ne(2).tolist(); // [true, false]
 */
export const ne = (a: TensorLike, b: TensorLike): Tensor => binary('ne', a, b, resultType(a, b));
/**
 * `a < b` elementwise.
 * @example
 * torch.tensor([1, 2, 3]).lt(2).tolist(); // [true, false, false]
 */
export const lt = (a: TensorLike, b: TensorLike): Tensor => binary('lt', a, b, resultType(a, b));
/**
 * `a <= b` elementwise.
 * @example
 * torch.tensor([1, 2, 3]).le(2).tolist(); // [true, true, false]
 */
export const le = (a: TensorLike, b: TensorLike): Tensor => binary('le', a, b, resultType(a, b));
/**
 * `a > b` elementwise.
 * @example
 * torch.tensor([1, 2, 3]).gt(2).tolist(); // [false, false, true]
 */
export const gt = (a: TensorLike, b: TensorLike): Tensor => binary('gt', a, b, resultType(a, b));
/**
 * `a >= b` elementwise.
 * @example
 * torch.tensor([1, 2, 3]).ge(2).tolist(); // [false, true, true]
 */
export const ge = (a: TensorLike, b: TensorLike): Tensor => binary('ge', a, b, resultType(a, b));
/**
 * Elementwise AND of truth values (non-zero is true).
 * @example
 * torch.tensor([true, true]).logicalAnd(torch.tensor([true, false])).tolist(); // [true, false]
 */
export const logicalAnd = (a: TensorLike, b: TensorLike): Tensor => binary('logicalAnd', a, b, resultType(a, b));
/**
 * Elementwise OR of truth values.
 * @example
 * torch.tensor([true, false]).logicalOr(torch.tensor([false, false])).tolist(); // [true, false]
 */
export const logicalOr = (a: TensorLike, b: TensorLike): Tensor => binary('logicalOr', a, b, resultType(a, b));
/**
 * Elementwise XOR of truth values.
 * @example
 * torch.tensor([true, true]).logicalXor(torch.tensor([true, false])).tolist(); // [false, true]
 */
export const logicalXor = (a: TensorLike, b: TensorLike): Tensor => binary('logicalXor', a, b, resultType(a, b));

/**
 * True when both tensors have the same shape and the same values, like `torch.equal`.
 * @example
 * torch.equal(torch.tensor([1, 2]), torch.tensor([1, 2])); // true
 */
export function equal(a: Tensor, b: Tensor): boolean {
  if (a.shape.length !== b.shape.length || a.shape.some((s, i) => s !== b.shape[i])) return false;
  return allTrue(eq(a, b), 'equal', '`await a.eq(b).all().itemAsync()`');
}

/**
 * Whether every element of the bool tensor `t` is true, as a JavaScript boolean: a synchronous
 * read, which webgpu cannot do, so there `op` fails saying to read asynchronously `instead`.
 */
function allTrue(t: Tensor, op: string, instead: string): boolean {
  if (!readsSynchronously(t.device)) throw new Error(`${op}() answers a JavaScript boolean, and a ${t.device} tensor cannot be read synchronously: use ${instead} instead`);
  return t.all().item() === 1;
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
  return allTrue(close, 'allclose', '`await a.sub(b).abs().le(b.abs().mul(rtol).add(atol)).all().itemAsync()`');
}

/**
 * `cond ? a : b` elementwise, broadcasting all three. The gradient goes to the operand picked.
 * @example
 * torch.where(torch.tensor([true, false]), torch.tensor([1, 2]), torch.tensor([9, 9])).tolist(); // [1, 9]
 */
export function where(cond: Tensor, a: TensorLike, b: TensorLike): Tensor {
  if (cond.dtype !== 'bool') {
    throw new TypeError(`where expected condition to be a boolean tensor, but got a tensor with dtype ${cond.dtype}`);
  }
  const dtype = resultType(a, b);
  const out = noGrad(() => {
    const x = asTensor(a, cond, dtype).to(dtype);
    const y = asTensor(b, cond, dtype).to(dtype);
    checkSameDevice(cond, x, y);
    const shape = broadcastShapes(cond.shape, x.shape, y.shape);
    const handle = backendOf(cond.device).where(broadcastView(cond, shape), broadcastView(x, shape), broadcastView(y, shape));
    return wrap(cond.device, handle, dtype, shape);
  });
  // the gradient flows to whichever operand was picked
  return record('WhereBackward0', operands(null, a, b), out, (g, [c]) => [null, gradFor(a, () => where(c, g, 0)), gradFor(b, () => where(c, 0, g))], [cond]);
}

// ---- functions of one tensor ----------------------------------------------------------------
//
// Each with its derivative: the output's gradient times f'(x), written with `x` or, where it is
// cheaper, with the saved output `y = f(x)`.

/**
 * A differentiable unary op: `derivative(g, x, y)` is the input's gradient. It saves only the one
 * it `uses`, the input `x` or the output `y`: an in-place form such as `y.relu_()` overwrites the
 * input, so saving it would make backward fail the version check (PyTorch saves `result` there).
 */
function unaryOp(
  op: UnaryOp,
  name: string,
  x: Tensor,
  derivative: (g: Tensor, x: Tensor, y: Tensor) => Tensor,
  floating = false,
  uses: 'x' | 'y' = 'x',
): Tensor {
  const out = unary(op, x, floating);
  return record(name, [x], out, (g, [input, y]) => [derivative(g, input, y).to(x.dtype)], uses === 'x' ? [x] : [undefined, out]);
}

/**
 * `-x`. d/dx = -1.
 * @example
 * torch.tensor([1, -2]).neg().tolist(); // [-1, 2]
 */
export function neg(x: Tensor): Tensor {
  if (x.dtype === 'bool') {
    throw new TypeError(
      'Negation, the `-` operator, on a bool tensor is not supported. If you are trying to invert a mask, use the `~` or `logical_not()` operator instead.',
    );
  }
  const out = unary('neg', x);
  return record('NegBackward0', [x], out, (g) => [g.neg()]);
}
/**
 * `|x|`. d/dx = sign(x) (0 at 0).
 * @example
 * torch.tensor([-1.5, 2]).abs().tolist(); // [1.5, 2]
 */
// (PyTorch's gradient is g·sgn(x), and its sgn(NaN) is 0: no gradient at NaN, where Kindling's sign(NaN) is NaN)
export const abs = (x: Tensor): Tensor => unaryOp('abs', 'AbsBackward0', x, (g, x) => where(x.ne(x), 0, g.mul(sign(x))));
/**
 * -1, 0 or 1 by the sign of each element. Its derivative is 0 almost everywhere.
 * @example
 * torch.tensor([-2, 0, 3]).sign().tolist(); // [-1, 0, 1]
 */
export const sign = (x: Tensor): Tensor => unaryOp('sign', 'SignBackward0', x, (g) => g.mul(0));
/**
 * `e^x` (integers give float32). d/dx = e^x = y.
 * @example
 * torch.tensor([0]).exp().tolist(); // [1]
 */
export const exp = (x: Tensor): Tensor => unaryOp('exp', 'ExpBackward0', x, (g, _x, y) => g.mul(y), true, 'y');
/**
 * Natural logarithm. d/dx = 1/x.
 * @example
 * torch.tensor([1]).log().tolist(); // [0]
 * torch.tensor([1]).log().dtype; // 'float32'
 */
export const log = (x: Tensor): Tensor => unaryOp('log', 'LogBackward0', x, (g, x) => g.div(x), true);
/**
 * Square root. d/dx = 1 / (2√x) = 1 / (2y).
 * @example
 * torch.tensor([4, 9]).sqrt().tolist(); // [2, 3]
 */
export const sqrt = (x: Tensor): Tensor => unaryOp('sqrt', 'SqrtBackward0', x, (g, _x, y) => g.div(y.mul(2)), true, 'y');
/**
 * `1 / √x`. d/dx = -x^(-3/2) / 2 = -y³/2.
 * @example
 * torch.tensor([4, 16]).rsqrt().tolist(); // [0.5, 0.25]
 */
export const rsqrt = (x: Tensor): Tensor => unaryOp('rsqrt', 'RsqrtBackward0', x, (g, _x, y) => g.mul(y.pow(3)).mul(-0.5), true, 'y');
/**
 * Sine. d/dx = cos x.
 * @example
 * torch.tensor([0]).sin().tolist(); // [0]
 */
export const sin = (x: Tensor): Tensor => unaryOp('sin', 'SinBackward0', x, (g, x) => g.mul(cos(x)), true);
/**
 * Cosine. d/dx = -sin x.
 * @example
 * torch.tensor([0]).cos().tolist(); // [1]
 */
export const cos = (x: Tensor): Tensor => unaryOp('cos', 'CosBackward0', x, (g, x) => g.mul(sin(x)).neg(), true);
/**
 * Hyperbolic tangent. d/dx = 1 - tanh²x = 1 - y².
 * @example
 * torch.tensor([0]).tanh().tolist(); // [0]
 */
export const tanh = (x: Tensor): Tensor => unaryOp('tanh', 'TanhBackward0', x, (g, _x, y) => g.mul(sub(1, y.mul(y))), true, 'y');
/**
 * The logistic function `σ(x) = 1 / (1 + e^-x)`. dσ/dx = σ(1 - σ) = y(1 - y).
 * @example
 * torch.tensor([0]).sigmoid().tolist(); // [0.5]
 */
export const sigmoid = (x: Tensor): Tensor => unaryOp('sigmoid', 'SigmoidBackward0', x, (g, _x, y) => g.mul(y).mul(sub(1, y)), true, 'y');
/**
 * `max(x, 0)`. d/dx = 1 where y > 0, else 0.
 * @example
 * torch.tensor([-1, 2]).relu().tolist(); // [0, 2]
 */
export function relu(x: Tensor): Tensor {
  if (x.dtype === 'bool') throw new TypeError('Boolean inputs not supported for relu');
  // zero only where y <= 0 (PyTorch's threshold_backward), so a NaN input passes its gradient on
  return unaryOp('relu', 'ReluBackward0', x, (g, _x, y) => fusedReluBackward(g, y) ?? where(y.le(0), 0, g), false, 'y');
}

/**
 * Whether a backend's fused backward kernel (Backend.reluBackward, softmaxBackward) may take the
 * place of the composite: the backward is not itself recorded (double backward differentiates the
 * composite), and the gradient g and the forward's output y are float32 of one shape on one device
 * (a hook's odd gradient goes to the composite, which says what is wrong).
 */
export function fusesBackward(g: Tensor, y: Tensor): boolean {
  return !isGradEnabled() && g.dtype === 'float32' && y.dtype === 'float32' && g.device === y.device && sameShape(g.shape, y.shape);
}

/** relu's gradient through the backend's fused kernel; undefined where it has none or may not use it. */
function fusedReluBackward(g: Tensor, y: Tensor): Tensor | undefined {
  const backend = backendOf(y.device);
  if (!backend.reluBackward || !fusesBackward(g, y)) return undefined;
  return wrap(y.device, backend.reluBackward(g._view, y._view), 'float32', y.shape);
}
/**
 * Largest integer ≤ x. Piecewise constant: gradient 0.
 * @example
 * torch.tensor([-1.5, 1.5]).floor().tolist(); // [-2, 1]
 */
export const floor = (x: Tensor): Tensor => unaryOp('floor', 'FloorBackward0', x, (g) => g.mul(0));
/**
 * Smallest integer ≥ x. Gradient 0.
 * @example
 * torch.tensor([-1.5, 1.5]).ceil().tolist(); // [-1, 2]
 */
export const ceil = (x: Tensor): Tensor => unaryOp('ceil', 'CeilBackward0', x, (g) => g.mul(0));
/**
 * Nearest integer, halves to even, like PyTorch. Gradient 0.
 * @example
 * torch.tensor([0.5, 1.5, 2.5]).round().tolist(); // [0, 2, 2]
 */
export const round = (x: Tensor): Tensor => unaryOp('round', 'RoundBackward0', x, (g) => g.mul(0));
/**
 * Integer part, rounding toward zero. Gradient 0.
 * @example
 * torch.tensor([-1.5, 1.5]).trunc().tolist(); // [-1, 1]
 */
export const trunc = (x: Tensor): Tensor => unaryOp('trunc', 'TruncBackward0', x, (g) => g.mul(0));
/**
 * Elementwise NOT of truth values (non-zero is true).
 * @example
 * torch.tensor([true, false]).logicalNot().tolist(); // [false, true]
 */
export const logicalNot = (x: Tensor): Tensor => unary('logicalNot', x);
