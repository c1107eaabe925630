/**
 * `torch.nn.functional`: the functions behind nn's layers and losses, with no state of their own.
 * A module such as `nn.BCEWithLogitsLoss` keeps its options and calls the function here.
 *
 * Everything in this file is composed from Tensor ops (no backend code), so it runs on every
 * device. A loss either is a plain composition, and autograd differentiates it op by op, or, like
 * PyTorch, computes its forward without recording and records one node of its own whose backward
 * is the closed-form derivative written with Tensor ops (cheaper, better conditioned, and it
 * gives `loss.gradFn` PyTorch's name). Adding a loss: one exported function with the math in its
 * doc comment and an `@example`, using the shared reduction helpers below.
 *
 * Sections: reductions (shared by every loss) · numerically stable pieces · losses.
 */
import { isGradEnabled, noGrad } from '../autograd/grad-mode.js';
import { record } from '../autograd/node.js';
import { isFloating, promoteTypes, type DType } from '../dtype.js';
import { log, sub, where } from '../ops/elementwise.js';
import { broadcastShapes, fmtShape, type Shape } from '../shape.js';
import type { Tensor } from '../tensor.js';

// =================================================================================================
// Reductions
// =================================================================================================

/** How a loss combines its per-element values: keep them (`'none'`), average them, or add them up. */
export type Reduction = 'none' | 'mean' | 'sum';

/** Throws PyTorch's error for anything but 'none', 'mean' or 'sum'. */
function checkReduction(reduction: string): asserts reduction is Reduction {
  if (reduction !== 'none' && reduction !== 'mean' && reduction !== 'sum') {
    throw new RangeError(`${reduction} is not a valid value for reduction`);
  }
}

/** PyTorch's `apply_loss_reduction`: the per-element losses, their mean, or their sum. */
function applyReduction(loss: Tensor, reduction: Reduction): Tensor {
  return reduction === 'mean' ? loss.mean() : reduction === 'sum' ? loss.sum() : loss;
}

/**
 * The gradient arriving at each per-element loss, from the gradient `g` of the reduced loss:
 * `g` itself for 'none' (it has the elements' shape) and 'sum' (a 0-d tensor that broadcasts),
 * and `g / n` for 'mean', since each of the n elements counts 1/n.
 */
function reductionGrad(g: Tensor, reduction: Reduction, numel: number): Tensor {
  return reduction === 'mean' ? g.div(numel) : g;
}

// =================================================================================================
// Numerically stable pieces
// =================================================================================================

/**
 * `log(1 + u)`, accurate even where `1 + u` rounds to 1 (u below about 1e-7 in float32), by
 * Goldberg's trick: with `w = 1 + u` as rounded, `log(1 + u) ≈ log(w) · u / (w - 1)`, and `u`
 * itself where `w` is exactly 1. Both branches stay finite (the divisor is never 0), so gradients
 * through it, needed for double backward, have no NaN from the branch `where` does not pick.
 */
function log1p(u: Tensor): Tensor {
  const w = u.add(1);
  const exact = w.eq(1);
  return where(exact, u, log(w).mul(u).div(where(exact, 1, w.sub(1))));
}

/**
 * `-log σ(x) = log(1 + e^(-x))` (softplus of -x) without overflow: `log1p(e^(-|x|)) + max(-x, 0)`.
 * For x ≥ 0 that is `log(1 + e^(-x))` directly; for x < 0, `log(1 + e^(-x)) = -x + log(1 + e^x)`.
 * Either way the exponent is ≤ 0, so `e^(...)` never overflows. `|x|` and `max(-x, 0)` are both
 * taken on the side x ≥ 0 at x = 0, so their kinks cancel there and the derivative autograd
 * takes through this (in double backward) is the true one, σ(x) - 1, even at 0.
 */
function negLogSigmoid(x: Tensor): Tensor {
  const nonNegative = x.ge(0);
  const absX = where(nonNegative, x, x.neg());
  return log1p(absX.neg().exp()).add(where(nonNegative, 0, x.neg()));
}

// =================================================================================================
// Losses
// =================================================================================================

const sameShape = (a: Shape, b: Shape): boolean => a.length === b.length && a.every((s, i) => s === b[i]);

/**
 * Throws unless `t` broadcasts to `shape` without growing it, as PyTorch's in-place update of the
 * loss requires (`weight` and `posWeight` of a loss). `tFirst` puts `t` first in the broadcast,
 * so that the error names the tensors "a" and "b" in the order PyTorch's computation meets them.
 */
function checkBroadcastsTo(t: Tensor, shape: Shape, tFirst = false): void {
  const result = tFirst ? broadcastShapes(t.shape, shape) : broadcastShapes(shape, t.shape);
  if (!sameShape(result, shape)) {
    throw new RangeError(`output with shape ${fmtShape(shape)} doesn't match the broadcast shape ${fmtShape(result)}`);
  }
}

/**
 * The dtype a loss on `input` and `target` computes in. PyTorch's BCE-with-logits works on them in
 * place, so integer and bool operands fail with the errors of those in-place steps; we raise the
 * same ones (in Kindling's dtype names) and otherwise promote as usual (where PyTorch, through the
 * same in-place steps, would return the target's float dtype).
 */
function bceDType(input: Tensor, target: Tensor): DType {
  if (target.dtype === 'bool') {
    throw new TypeError('Subtraction, the `-` operator, with two bool tensors is not supported. Use the `^` or `logical_xor()` operator instead.');
  }
  if (input.dtype === 'bool') {
    throw new TypeError(
      'Negation, the `-` operator, on a bool tensor is not supported. If you are trying to invert a mask, use the `~` or `logical_not()` operator instead.',
    );
  }
  const integral = [target, input].find((t) => !isFloating(t.dtype));
  if (integral) {
    const floating = [input, target].find((t) => isFloating(t.dtype))?.dtype ?? 'float32';
    throw new TypeError(`result type ${floating} can't be cast to the desired output type ${integral.dtype}`);
  }
  return promoteTypes(input.dtype, target.dtype);
}

/** PyTorch's error for an argument that the loss does not differentiate but that requires grad. */
function checkNoRequiresGrad(t: Tensor | null, argument: string, fn: string): void {
  if (t?.requiresGrad && isGradEnabled()) {
    throw new Error(`The function '${fn}' is not differentiable with respect to argument '${argument}'. This input cannot have requires_grad True.`);
  }
}

/** Options of `binaryCrossEntropyWithLogits` (and, later, `nn.BCEWithLogitsLoss`). */
export interface BinaryCrossEntropyWithLogitsOptions {
  /** Rescales each element's loss; broadcasts to the input's shape. */
  weight?: Tensor | null;
  /**
   * Weight of the positive term, broadcast along the input's last dims: one value per class
   * (shape `[C]`) trades recall against precision for that class (> 1 favours recall).
   */
  posWeight?: Tensor | null;
  /** 'mean' (the default), 'sum' or 'none'. */
  reduction?: Reduction;
}

/**
 * Binary cross entropy between the probabilities `σ(input)` and `target` (each in [0, 1]),
 * taking the logits (raw scores) rather than probabilities, like
 * `torch.nn.functional.binary_cross_entropy_with_logits`. Per element, with x the input, y the
 * target, pw the positive weight (1 when not given) and w the weight (1 when not given):
 *
 *     ℓ = -w · [pw · y · log σ(x) + (1 - y) · log(1 - σ(x))]
 *
 * Since `log(1 - σ(x)) = log σ(x) - x`, that is
 *
 *     ℓ = w · [(1 - y) · x + (1 + (pw - 1) · y) · L(x)],   L(x) = -log σ(x) = log(1 + e^(-|x|)) + max(-x, 0)
 *
 * which is how it is computed: no `σ(x)` that rounds to 0 or 1, no `e^x` that overflows, so it
 * is finite for any logits (unlike `log` of a sigmoid). Then reduced by `reduction`.
 *
 * Backward, with `σ = σ(x)` and `dL/dx = σ - 1`, and `L` itself for the target:
 *
 *     ∂ℓ/∂x = w · [(1 + (pw - 1) · y) · σ - pw · y]     (σ - y when pw = 1)
 *     ∂ℓ/∂y = w · [(pw - 1) · L(x) - x]                 (-x when pw = 1)
 *
 * times the incoming gradient (divided by the number of elements for 'mean'). `weight` and
 * `posWeight` get no gradient; as in PyTorch, passing ones that require grad is an error.
 * `input` and `target` must have the same shape; `weight` and `posWeight` must broadcast to it.
 * Differences from PyTorch: the result's dtype is the promotion of input's and target's (PyTorch
 * returns target's).
 * @example
 * const logits = torch.tensor([0, 0], { dtype: 'float64', requiresGrad: true });
 * const labels = torch.tensor([1, 0], { dtype: 'float64' });
 * const loss = torch.nn.functional.binaryCrossEntropyWithLogits(logits, labels);
 * loss.item(); // 0.6931471805599453
 * loss.gradFn!.name; // 'BinaryCrossEntropyWithLogitsBackward0'
 * loss.backward();
 * logits.grad!.tolist(); // [-0.25, 0.25]
 * torch.nn.functional.binaryCrossEntropyWithLogits(logits, labels, { reduction: 'none' }).tolist(); // [0.6931471805599453, 0.6931471805599453]
 */
export function binaryCrossEntropyWithLogits(input: Tensor, target: Tensor, options: BinaryCrossEntropyWithLogitsOptions = {}): Tensor {
  const { weight = null, posWeight = null, reduction = 'mean' } = options;
  checkReduction(reduction);
  if (!sameShape(target.shape, input.shape)) {
    throw new RangeError(`Target size (${fmtShape(target.shape)}) must be the same as input size (${fmtShape(input.shape)})`);
  }
  const dtype = bceDType(input, target);
  checkNoRequiresGrad(weight, 'weight', 'binary_cross_entropy_with_logits');
  checkNoRequiresGrad(posWeight, 'pos_weight', 'binary_cross_entropy_with_logits');
  if (weight) checkBroadcastsTo(weight, input.shape);
  if (posWeight) checkBroadcastsTo(posWeight, input.shape, true); // PyTorch starts from (pos_weight - 1) · target

  const numel = input.numel();
  const out = noGrad(() => {
    const [x, y] = [input.to(dtype), target.to(dtype)];
    // (1 - y)·x + (1 + (pw - 1)·y)·L(x)
    const positiveWeight = posWeight ? posWeight.to(dtype).sub(1).mul(y).add(1) : null;
    const L = negLogSigmoid(x);
    let loss = sub(1, y).mul(x).add(positiveWeight ? positiveWeight.mul(L) : L);
    if (weight) loss = loss.mul(weight.to(dtype));
    return applyReduction(loss, reduction);
  });

  // the backward closure keeps only flags and dtypes; the tensors it needs come back as `saved`
  const [inputNeedsGrad, targetNeedsGrad] = [input.requiresGrad, target.requiresGrad];
  const [inputDType, targetDType] = [input.dtype, target.dtype];
  return record(
    'BinaryCrossEntropyWithLogitsBackward0',
    [input, target],
    out,
    (g, [savedInput, savedTarget, savedWeight, savedPosWeight]) => {
      const [x, y] = [savedInput.to(dtype), savedTarget.to(dtype)];
      const pw = savedPosWeight ? savedPosWeight.to(dtype) : null;
      // the gradient reaching each element's loss, weighted: g (÷ n for 'mean') · w. Every factor
      // broadcasts to the input's shape and none is larger, so the gradients have the input's shape.
      let scale = reductionGrad(g, reduction, numel);
      if (savedWeight) scale = scale.mul(savedWeight.to(dtype));
      // ∂ℓ/∂x = (1 + (pw - 1)·y)·σ(x) - pw·y
      const gradInput = inputNeedsGrad
        ? (pw ? pw.sub(1).mul(y).add(1).mul(x.sigmoid()).sub(pw.mul(y)) : x.sigmoid().sub(y)).mul(scale).to(inputDType)
        : null;
      // ∂ℓ/∂y = (pw - 1)·L(x) - x
      const gradTarget = targetNeedsGrad ? (pw ? pw.sub(1).mul(negLogSigmoid(x)).sub(x) : x.neg()).mul(scale).to(targetDType) : null;
      return [gradInput, gradTarget];
    },
    [input, target, weight ?? undefined, posWeight ?? undefined],
  );
}
