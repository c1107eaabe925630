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
 * Arguments: the tensors a function works on are positional, in PyTorch's order; every setting
 * with a default (`stride`, `padding`, `weight` of a loss, `reduction`, …) goes in a trailing
 * options object, in camelCase: `F.conv2d(x, w, b, { stride: 2, padding: 1 })`,
 * `F.crossEntropy(logits, y, { labelSmoothing: 0.1 })`.
 *
 * Sections: reductions (shared by every loss) · numerically stable pieces · layers (linear,
 * activations, dropout, convolution and pooling, batch norm, embedding) · losses.
 */
import { isGradEnabled, noGrad } from '../autograd/grad-mode.js';
import { record } from '../autograd/node.js';
import { isFloating, promoteTypes, type DType } from '../dtype.js';
import { fromTypedArray, full, ones, rand, zeros } from '../ops/creation.js';
import { log, sub, where } from '../ops/elementwise.js';
import { checkIndex, indexPut, oneHot as oneHotOp } from '../ops/indexing.js';
import { logSoftmax as logSoftmaxOp, softmax as softmaxOp, sumToShape } from '../ops/reduce.js';
import { broadcastShapes, fmtShape, normalizeDim, numelOf, sameShape, type Shape } from '../shape.js';
import { Tensor } from '../tensor.js';

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

// =================================================================================================
// Layers
// =================================================================================================

/**
 * The affine map of `nn.Linear`: `y = x Wᵀ + b`, with input [..., in], weight [out, in] and bias
 * [out], giving [..., out]. Row i of the weight holds the coefficients of output feature i.
 *
 * For a batch of vectors (2-D input) with a bias this is PyTorch's `addmm`, recorded as one node,
 * `AddmmBackward0`, with the backward of y = b + x Wᵀ for an output gradient g [N, out]:
 *
 *     ∂L/∂b = Σ_n g[n]      ∂L/∂x = g W      ∂L/∂W = gᵀ x
 *
 * Other shapes are a `matmul` and an `add`, which autograd differentiates.
 * @example
 * const x = torch.tensor([[1, 2]], { dtype: 'float32', requiresGrad: true });
 * const w = torch.tensor([[1, 0], [1, 1], [0, 2]], { dtype: 'float32' });
 * const b = torch.tensor([0, 0, 1], { dtype: 'float32' });
 * const y = torch.nn.functional.linear(x, w, b);
 * y.tolist(); // [[1, 3, 5]]
 * y.gradFn!.name; // 'AddmmBackward0'
 */
export function linear(input: Tensor, weight: Tensor, bias: Tensor | null = null): Tensor {
  if (input.ndim !== 2 || !bias || weight.ndim !== 2 || bias.ndim !== 1) {
    const out = input.matmul(weight.t());
    return bias ? out.add(bias) : out;
  }
  const out = noGrad(() => input.matmul(weight.t()).add(bias));
  const [biasNeedsGrad, inputNeedsGrad, weightNeedsGrad] = [bias.requiresGrad, input.requiresGrad, weight.requiresGrad];
  return record(
    'AddmmBackward0',
    [bias, input, weight],
    out,
    (g, [x, w]) => [biasNeedsGrad ? g.sum(0) : null, inputNeedsGrad ? g.mm(w) : null, weightNeedsGrad ? g.t().mm(x) : null],
    [input, weight],
  );
}

/**
 * `max(x, 0)` elementwise (in place with `inplace`).
 * @example
 * torch.nn.functional.relu(torch.tensor([-1, 2])).tolist(); // [0, 2]
 */
export function relu(input: Tensor, inplace = false): Tensor {
  return inplace ? input.relu_() : input.relu();
}

/** PyTorch's `_get_softmax_dim`: without a dim, softmax runs over dim 0 of 0-, 1- and 3-D inputs and dim 1 otherwise. */
const implicitSoftmaxDim = (ndim: number): number => (ndim === 0 || ndim === 1 || ndim === 3 ? 0 : 1);

/**
 * `softmax(x)_i = e^(x_i) / Σ_j e^(x_j)` along `dim`: turns scores into probabilities that sum to 1.
 * Computed as `e^(x_i - max) / Σ e^(x_j - max)`, which never overflows.
 * @example
 * torch.nn.functional.softmax(torch.tensor([[0, 0]], { dtype: 'float32' }), 1).tolist(); // [[0.5, 0.5]]
 */
export function softmax(input: Tensor, dim?: number | null): Tensor {
  return softmaxOp(input, dim ?? implicitSoftmaxDim(input.ndim));
}

/**
 * `log(softmax(x))` along `dim`, computed as `x_i - max - log Σ e^(x_j - max)`: finite even where
 * softmax itself would round to 0.
 * @example
 * torch.nn.functional.logSoftmax(torch.tensor([0, 0], { dtype: 'float64' }), 0).tolist(); // [-0.6931471805599453, -0.6931471805599453]
 */
export function logSoftmax(input: Tensor, dim?: number | null): Tensor {
  return logSoftmaxOp(input, dim ?? implicitSoftmaxDim(input.ndim));
}

/**
 * Dropout: during training, zeroes each element with probability `p` and scales the others by
 * `1 / (1 - p)`, so that the expected value of every element is unchanged; returns the input
 * itself when `training` is false. The mask is drawn from the seeded generator (`manualSeed`),
 * so runs repeat; Kindling's generator is not PyTorch's, so the masks differ from PyTorch's.
 * @example
 * torch.manualSeed(0);
 * const y = torch.nn.functional.dropout(torch.ones(1000), 0.5);
 * y.eq(0).sum().item() > 400 && y.eq(0).sum().item() < 600; // true
 * y.max().item(); // 2
 * torch.nn.functional.dropout(torch.ones(3), 0.5, false).tolist(); // [1, 1, 1]
 */
export function dropout(input: Tensor, p = 0.5, training = true, inplace = false): Tensor {
  if (!(p >= 0 && p <= 1)) throw new RangeError(`dropout probability has to be between 0 and 1, but got ${p}`);
  if (!training || p === 0) return input;
  // keep each element with probability 1 - p; a kept one is scaled by 1 / (1 - p) (none is kept when p = 1)
  const dtype = isFloating(input.dtype) ? input.dtype : 'float32';
  const noise = noGrad(() => (p === 1 ? zeros([], { dtype, device: input.device }) : rand(input.shape, { dtype, device: input.device }).lt(1 - p).to(dtype).div(1 - p)));
  return inplace ? input.mul_(noise) : input.mul(noise);
}

// ---- convolution and pooling --------------------------------------------------------------------

/** A size given once for both spatial dims, or as [height, width]. */
export type Size2 = number | readonly [number, number];

const pair = (v: Size2, what: string): [number, number] => {
  const [a, b] = typeof v === 'number' ? [v, v] : v;
  if (![a, b].every((n) => Number.isInteger(n))) throw new TypeError(`${what} must be an integer or a pair of integers, got ${String(v)}`);
  return [a, b];
};

/** Padding of the four sides of an image: [top, bottom, left, right]. */
type Padding4 = [number, number, number, number];

/** How many positions a window of `kernel` (spread by `dilation`) takes along a padded size, stepping by `stride`. */
const windows = (padded: number, kernel: number, stride: number, dilation: number): number => Math.floor((padded - dilation * (kernel - 1) - 1) / stride) + 1;

/**
 * im2col: every window of the image batch `x` [N, C, H, W], padded with `padValue`, laid out as
 * a column, giving [N, C, kh·kw, outH·outW] with
 *
 *     cols[n, c, ki·kw + kj, oi·outW + oj] = padded[n, c, oi·sh + ki·dh, oj·sw + kj·dw]
 *
 * so that a convolution becomes one matrix product and a max-pool one max over dim 2. It is
 * built from differentiable ops (a padded copy, then `gather` along the flattened pixels), so its
 * backward, which adds each column's gradient back onto the pixels it read (col2im, "fold"),
 * comes from `gather`'s own backward (a scatter-add).
 */
function unfold(x: Tensor, kernel: [number, number], stride: [number, number], dilation: [number, number], padding: Padding4, padValue: number, outH: number, outW: number): Tensor {
  const [N, C, H, W] = x.shape;
  const [top, bottom, left, right] = padding;
  const [Hp, Wp] = [H + top + bottom, W + left + right];
  const padded =
    top || bottom || left || right
      ? indexPut(full([N, C, Hp, Wp], padValue, { dtype: x.dtype, device: x.device }), [':', ':', `${top}:${top + H}`, `${left}:${left + W}`], x)
      : x;
  // the flat pixel index (row · Wp + column) each column entry reads
  const [kh, kw] = kernel;
  const [K, L] = [kh * kw, outH * outW];
  const positions = new Int32Array(K * L);
  for (let ki = 0; ki < kh; ki++) {
    for (let kj = 0; kj < kw; kj++) {
      for (let oi = 0; oi < outH; oi++) {
        for (let oj = 0; oj < outW; oj++) {
          positions[(ki * kw + kj) * L + oi * outW + oj] = (oi * stride[0] + ki * dilation[0]) * Wp + oj * stride[1] + kj * dilation[1];
        }
      }
    }
  }
  const index = fromTypedArray(positions, [1, 1, K * L]).to(x.device).expand(N, C, K * L);
  return padded.reshape(N, C, Hp * Wp).gather(2, index).reshape(N, C, K, L);
}

/** Options of `conv2d` and `nn.Conv2d`. */
export interface Conv2dOptions {
  /** Step between windows (default 1). */
  stride?: Size2;
  /** Zeros added on each side (default 0); `'valid'` is 0, `'same'` pads so that the output has the input's size (stride 1 only). */
  padding?: Size2 | 'valid' | 'same';
  /** Spacing between kernel elements (default 1). */
  dilation?: Size2;
  /** Split the channels into this many independent groups (default 1). */
  groups?: number;
}

/**
 * 2-D convolution (strictly, cross-correlation, as in every deep-learning library): with input
 * [N, C, H, W] (or [C, H, W]), weight [O, C/groups, kh, kw] and bias [O],
 *
 *     out[n, o, i, j] = b[o] + Σ_{c, ki, kj} w[o, c, ki, kj] · x[n, c, i·sh + ki·dh - ph, j·sw + kj·dw - pw]
 *
 * and the output is [N, O, ⌊(H + 2ph - dh(kh - 1) - 1) / sh⌋ + 1, … the same for the width].
 * Computed as im2col (every window a column) followed by one batched matrix product per group;
 * autograd differentiates that composition, so no backward is written here.
 * @example
 * const x = torch.arange(16, { dtype: 'float32' }).reshape(1, 1, 4, 4);
 * const w = torch.ones(1, 1, 2, 2);
 * torch.nn.functional.conv2d(x, w).tolist(); // [[[[10, 14, 18], [26, 30, 34], [42, 46, 50]]]]
 * torch.nn.functional.conv2d(x, w, null, { stride: 2 }).tolist(); // [[[[10, 18], [42, 50]]]]
 * torch.nn.functional.conv2d(x, w, null, { padding: 1 }).shape; // [1, 1, 5, 5]
 */
export function conv2d(input: Tensor, weight: Tensor, bias: Tensor | null = null, options: Conv2dOptions = {}): Tensor {
  const groups = options.groups ?? 1;
  const stride = pair(options.stride ?? 1, 'stride');
  const dilation = pair(options.dilation ?? 1, 'dilation');
  if (input.ndim !== 3 && input.ndim !== 4) {
    throw new RangeError(`Expected 3D (unbatched) or 4D (batched) input to conv2d, but got input of size: ${fmtShape(input.shape)}`);
  }
  if (input.ndim === 3) return conv2d(input.unsqueeze(0), weight, bias, options).squeeze(0);
  if (weight.ndim !== 4) throw new RangeError(`weight should have 4 dimensions [out_channels, in_channels/groups, kH, kW], got ${fmtShape(weight.shape)}`);
  if (!Number.isInteger(groups) || groups < 1) throw new RangeError('non-positive groups is not supported');
  if (stride.some((s) => s < 1)) throw new RangeError('non-positive stride is not supported');
  if (dilation.some((d) => d < 1)) throw new RangeError('dilation should be greater than zero');
  const [N, C, H, W] = input.shape;
  const [O, Cg, kh, kw] = weight.shape;
  if (O % groups !== 0) {
    // (PyTorch's message prints the size in double brackets)
    throw new RangeError(`Given groups=${groups}, expected weight to be divisible by ${groups} at dimension 0, but got weight of size [${fmtShape(weight.shape)}] instead`);
  }
  if (Cg * groups !== C) {
    throw new RangeError(
      `Given groups=${groups}, weight of size ${fmtShape(weight.shape)}, expected input${fmtShape(input.shape)} to have ${Cg * groups} channels, but got ${C} channels instead`,
    );
  }
  if (bias && (bias.ndim !== 1 || bias.shape[0] !== O)) {
    throw new RangeError(`Given weight of size ${fmtShape(weight.shape)}, expected bias to be 1-dimensional with ${O} elements, but got bias of size ${fmtShape(bias.shape)} instead`);
  }
  if (input.dtype !== weight.dtype || (bias && bias.dtype !== input.dtype)) {
    throw new TypeError(`Input type (${input.dtype}) and ${input.dtype !== weight.dtype ? `weight type (${weight.dtype})` : `bias type (${bias!.dtype})`} should be the same`);
  }

  let padding: Padding4;
  const given = options.padding ?? 0;
  if (given === 'valid') padding = [0, 0, 0, 0];
  else if (given === 'same') {
    if (stride.some((s) => s !== 1)) throw new RangeError("padding='same' is not supported for strided convolutions");
    // the total padding dilation·(k - 1) is split in two; an odd extra goes to the bottom and the right
    const [th, tw] = [dilation[0] * (kh - 1), dilation[1] * (kw - 1)];
    padding = [Math.floor(th / 2), th - Math.floor(th / 2), Math.floor(tw / 2), tw - Math.floor(tw / 2)];
  } else {
    const [ph, pw] = pair(given, 'padding');
    if (ph < 0 || pw < 0) throw new RangeError('negative padding is not supported');
    padding = [ph, ph, pw, pw];
  }
  const [Hp, Wp] = [H + padding[0] + padding[1], W + padding[2] + padding[3]];
  const [outH, outW] = [windows(Hp, kh, stride[0], dilation[0]), windows(Wp, kw, stride[1], dilation[1])];
  if (outH < 1 || outW < 1 || Hp < dilation[0] * (kh - 1) + 1 || Wp < dilation[1] * (kw - 1) + 1) {
    throw new RangeError(
      `Calculated padded input size per channel: (${Hp} x ${Wp}). Kernel size: (${dilation[0] * (kh - 1) + 1} x ${dilation[1] * (kw - 1) + 1}). Kernel size can't be greater than actual input size`,
    );
  }

  // columns [N, G, (C/G)·kh·kw, L] times weights [G, O/G, (C/G)·kh·kw] → [N, G, O/G, L]
  const cols = unfold(input, [kh, kw], stride, dilation, padding, 0, outH, outW).reshape(N, groups, Cg * kh * kw, outH * outW);
  const out = weight.reshape(groups, O / groups, Cg * kh * kw).matmul(cols).reshape(N, O, outH, outW);
  return bias ? out.add(bias.reshape(O, 1, 1)) : out;
}

/** Options of `maxPool2d` and `nn.MaxPool2d`. */
export interface MaxPool2dOptions {
  /** Step between windows (default: the kernel size). */
  stride?: Size2 | null;
  /** -∞ added on each side (default 0; at most half the kernel size). */
  padding?: Size2;
  /** Spacing between window elements (default 1). */
  dilation?: Size2;
  /** Round the output size up rather than down, so that a partial window at the end counts (default false). */
  ceilMode?: boolean;
}

/** PyTorch's `pooling_output_shape`: the number of windows along one dim, with `ceilMode` rounding up but never starting a window in the right padding. */
function poolOutSize(size: number, kernel: number, pad: number, stride: number, dilation: number, ceilMode: boolean): number {
  const span = size + 2 * pad - dilation * (kernel - 1) - 1 + (ceilMode ? stride - 1 : 0);
  let out = Math.floor(span / stride) + 1;
  if (ceilMode && (out - 1) * stride >= size + pad) out--;
  return out;
}

/**
 * 2-D max pooling: the largest value of each `kernelSize` window of every channel,
 *
 *     out[n, c, i, j] = max_{ki, kj} x[n, c, i·sh + ki·dh - ph, j·sw + kj·dw - pw]
 *
 * with padding that never wins (-∞). The gradient goes to the element that was the max (the first
 * one on ties, as in PyTorch). Built on the same im2col as `conv2d`, then `max` over each window.
 * Kindling has no `returnIndices`.
 * @example
 * const x = torch.arange(16, { dtype: 'float32' }).reshape(1, 1, 4, 4);
 * torch.nn.functional.maxPool2d(x, 2).tolist(); // [[[[5, 7], [13, 15]]]]
 * torch.nn.functional.maxPool2d(x, 3, { stride: 1, padding: 1 }).shape; // [1, 1, 4, 4]
 */
export function maxPool2d(input: Tensor, kernelSize: Size2, options: MaxPool2dOptions = {}): Tensor {
  const kernel = pair(kernelSize, 'kernel_size');
  const stride = pair(options.stride ?? kernel, 'stride');
  const [ph, pw] = pair(options.padding ?? 0, 'padding');
  const dilation = pair(options.dilation ?? 1, 'dilation');
  const ceilMode = options.ceilMode ?? false;
  if (input.ndim !== 3 && input.ndim !== 4) {
    throw new RangeError(`non-empty 3D or 4D (batch mode) tensor expected for input, but got: ${fmtShape(input.shape)}`);
  }
  if (input.ndim === 3) return maxPool2d(input.unsqueeze(0), kernelSize, options).squeeze(0);
  if (kernel.some((k) => k < 1)) throw new RangeError(`kernel size should be greater than zero, but got kH: ${kernel[0]} kW: ${kernel[1]}`);
  if (stride.some((s) => s < 1)) throw new RangeError(`stride should be greater than zero, but got dH: ${stride[0]} dW: ${stride[1]}`);
  if (dilation.some((d) => d < 1)) throw new RangeError(`dilation should be greater than zero, but got dilationH: ${dilation[0]} dilationW: ${dilation[1]}`);
  if (ph > kernel[0] / 2 || pw > kernel[1] / 2) {
    const [pad, size] = ph > kernel[0] / 2 ? [ph, kernel[0]] : [pw, kernel[1]];
    throw new RangeError(`pad should be at most half of kernel size, but got pad=${pad} and kernel_size=${size}`);
  }
  const [N, C, H, W] = input.shape;
  const outH = poolOutSize(H, kernel[0], ph, stride[0], dilation[0], ceilMode);
  const outW = poolOutSize(W, kernel[1], pw, stride[1], dilation[1], ceilMode);
  if (outH < 1 || outW < 1) {
    throw new RangeError(`Given input size: (${C}x${H}x${W}). Calculated output size: (${C}x${outH}x${outW}). Output size is too small`);
  }
  // pad on the right and bottom as far as the last window reaches (further than `padding` with ceilMode)
  const bottom = Math.max(ph, (outH - 1) * stride[0] + dilation[0] * (kernel[0] - 1) + 1 - H - ph);
  const right = Math.max(pw, (outW - 1) * stride[1] + dilation[1] * (kernel[1] - 1) + 1 - W - pw);
  const cols = unfold(input, kernel, stride, dilation, [ph, bottom, pw, right], -Infinity, outH, outW);
  return cols.max(2).values.reshape(N, C, outH, outW);
}

// ---- normalisation ------------------------------------------------------------------------------

/** Options of `batchNorm`. */
export interface BatchNormOptions {
  /** Per-channel scale γ (default none: 1). */
  weight?: Tensor | null;
  /** Per-channel shift β (default none: 0). */
  bias?: Tensor | null;
  /** Normalise with this batch's statistics and update the running ones (default false: use the running ones). */
  training?: boolean;
  /** How far each batch moves the running statistics (default 0.1); a 0-d tensor is accepted too. */
  momentum?: number | Tensor;
  /** Added to the variance before the square root (default 1e-5). */
  eps?: number;
}

/**
 * Batch normalisation over the channel dim 1 of [N, C] or [N, C, L]:
 *
 *     y = (x - μ) / √(σ² + ε) · γ + β
 *
 * In training, μ and σ² are the batch's per-channel mean and (biased) variance, and the running
 * statistics, when given, move toward the batch's: `running ← (1 - momentum) · running +
 * momentum · batch` (the running variance takes the unbiased variance, n/(n - 1) · σ²). In
 * evaluation, μ and σ² are the running statistics. The running tensors are updated in place.
 * @example
 * const x = torch.tensor([[1, 10], [3, 30]], { dtype: 'float32' });
 * const mean = torch.zeros(2);
 * const variance = torch.ones(2);
 * torch.nn.functional.batchNorm(x, mean, variance, { training: true, eps: 0 }).tolist(); // [[-1, -1], [1, 1]]
 * mean.tolist(); // [0.20000000298023224, 2]
 */
export function batchNorm(input: Tensor, runningMean: Tensor | null, runningVar: Tensor | null, options: BatchNormOptions = {}): Tensor {
  const { weight = null, bias = null, training = false, momentum = 0.1, eps = 1e-5 } = options;
  if (input.ndim < 2) throw new RangeError(`expected 2D or 3D input (got ${input.ndim}D input)`);
  const C = input.shape[1];
  for (const [name, t] of [['running_mean', runningMean], ['running_var', runningVar], ['weight', weight], ['bias', bias]] as const) {
    if (t && (t.ndim !== 1 || t.shape[0] !== C)) throw new RangeError(`${name} should contain ${C} elements not ${t.numel()}`);
  }
  const dims = input.shape.map((_, d) => d).filter((d) => d !== 1); // every dim but the channels
  const perChannel = input.shape.map((s, d) => (d === 1 ? s : 1)); // [1, C, 1, …]: broadcasts over the others
  const count = input.numel() / C;
  let mean: Tensor;
  let variance: Tensor;
  if (training || !runningMean || !runningVar) {
    if (training && count <= 1) throw new RangeError(`Expected more than 1 value per channel when training, got input size ${fmtShape(input.shape)}`);
    mean = input.mean(dims, true);
    variance = input.var(dims, true, { correction: 0 });
    if (training && runningMean && runningVar) {
      noGrad(() => {
        const keep = typeof momentum === 'number' ? 1 - momentum : sub(1, momentum);
        runningMean.mul_(keep).add_(mean.reshape(C).mul(momentum));
        runningVar.mul_(keep).add_(variance.reshape(C).mul(momentum).mul(count / (count - 1)));
      });
    }
  } else {
    mean = runningMean.reshape(perChannel);
    variance = runningVar.reshape(perChannel);
  }
  let out = input.sub(mean).mul(variance.add(eps).rsqrt());
  if (weight) out = out.mul(weight.reshape(perChannel));
  if (bias) out = out.add(bias.reshape(perChannel));
  return out;
}

// ---- embeddings and one-hot ---------------------------------------------------------------------

/**
 * A lookup table: row `input[i]` of `weight` for every index, giving [...input.shape, embeddingDim].
 * The gradient adds into the rows that were read, except the `paddingIdx` row, which never gets one.
 * @example
 * const weight = torch.tensor([[0, 0], [1, 1], [2, 4]], { dtype: 'float32' });
 * torch.nn.functional.embedding(torch.tensor([[2, 1]]), weight).tolist(); // [[[2, 4], [1, 1]]]
 */
export function embedding(input: Tensor, weight: Tensor, options: { paddingIdx?: number | null } = {}): Tensor {
  if (input.dtype !== 'int32') {
    throw new TypeError(`Expected tensor for argument #1 'indices' to have one of the following scalar types: int32; but got ${input.dtype} instead`);
  }
  if (weight.ndim !== 2) throw new RangeError("'weight' must be 2-D");
  // row i of the result is weight[input[i]]: index_select along dim 0, as in PyTorch, whose
  // bounds check gives embedding's message ("index out of range in self") on every device
  const rows = weight.indexSelect(0, input.reshape(-1)).reshape([...input.shape, weight.shape[1]]);
  const paddingIdx = options.paddingIdx ?? null;
  if (paddingIdx === null) return rows;
  const pad = paddingIdx < 0 ? paddingIdx + weight.shape[0] : paddingIdx;
  // the same values, but the rows read at paddingIdx are cut from the graph
  return where(input.eq(pad).unsqueeze(-1), rows.detach(), rows);
}

/**
 * One-hot encoding of int32 class labels: a new last dim of `numClasses` (default: the largest
 * label + 1), 1 at the label and 0 elsewhere, as int32.
 * @example
 * torch.nn.functional.oneHot(torch.tensor([0, 2]), 3).tolist(); // [[1, 0, 0], [0, 0, 1]]
 */
export function oneHot(tensor: Tensor, numClasses = -1): Tensor {
  return oneHotOp(tensor, numClasses);
}

// =================================================================================================
// More losses
// =================================================================================================

/**
 * Mean squared error, like `torch.nn.functional.mse_loss`: per element `ℓ = (x - y)²`, then
 * reduced (by default the mean). `input` and `target` broadcast. Backward:
 *
 *     ∂ℓ/∂x = 2 (x - y),   ∂ℓ/∂y = -2 (x - y)   (÷ n for 'mean')
 *
 * times the incoming gradient.
 * @example
 * const x = torch.tensor([1, 2, 3], { dtype: 'float32', requiresGrad: true });
 * const loss = torch.nn.functional.mseLoss(x, torch.tensor([1, 2, 5], { dtype: 'float32' }));
 * loss.item(); // 1.3333333730697632
 * loss.gradFn!.name; // 'MseLossBackward0'
 * loss.backward();
 * x.grad!.tolist(); // [0, 0, -1.3333333730697632]
 */
export function mseLoss(input: Tensor, target: Tensor, options: { reduction?: Reduction } = {}): Tensor {
  const { reduction = 'mean' } = options;
  checkReduction(reduction);
  const dtype = promoteTypes(input.dtype, target.dtype);
  if (!isFloating(dtype)) throw new TypeError(`"mse_cpu" not implemented for '${dtype}'`); // (PyTorch's words)
  const shape = broadcastShapes(input.shape, target.shape);
  const numel = numelOf(shape);
  const out = noGrad(() => {
    const d = input.to(dtype).sub(target.to(dtype));
    return applyReduction(d.mul(d), reduction);
  });
  const [inputNeedsGrad, targetNeedsGrad] = [input.requiresGrad, target.requiresGrad];
  const [inputShape, targetShape, inputDType, targetDType] = [input.shape, target.shape, input.dtype, target.dtype];
  return record(
    'MseLossBackward0',
    [input, target],
    out,
    (g, [x, y]) => {
      // 2(x - y) · g, with PyTorch's order of rounding: (x - y) · (2/n) · g for 'mean'
      const grad = x.to(dtype).sub(y.to(dtype)).mul(reduction === 'mean' ? 2 / numel : 2).mul(g);
      return [
        inputNeedsGrad ? sumToShape(grad, inputShape).to(inputDType) : null,
        targetNeedsGrad ? sumToShape(grad.neg(), targetShape).to(targetDType) : null,
      ];
    },
    [input, target],
  );
}

/** Options of `nllLoss` (and `nn.NLLLoss`). */
export interface NLLLossOptions {
  /** A weight per class (shape [C]); by default every class weighs 1. */
  weight?: Tensor | null;
  /** Targets equal to this contribute nothing, to the loss or to the mean's denominator (default -100). */
  ignoreIndex?: number;
  /** 'mean' (the default: weighted mean), 'sum' or 'none'. */
  reduction?: Reduction;
}

/** Checks class-index targets against an input with classes along dim 1 (or dim 0 of a 1-D input), as PyTorch does. */
function checkClassTarget(input: Tensor, target: Tensor): void {
  // (in PyTorch's order of checks, so that the same mistake gives the same message)
  if (input.ndim < 1) throw new RangeError(`Expected 1 or more dimensions (got ${input.ndim})`);
  if (input.ndim >= 2 && input.shape[0] !== (target.shape[0] ?? 1)) {
    throw new RangeError(`Expected input batch_size (${input.shape[0]}) to match target batch_size (${target.shape[0] ?? 1}).`);
  }
  if (input.ndim <= 2 && target.ndim > (input.ndim === 1 ? 0 : 1)) throw new RangeError('0D or 1D target tensor expected, multi-target not supported');
  if (input.ndim > 2) {
    const want = [input.shape[0], ...input.shape.slice(2)];
    if (!sameShape(want, target.shape)) throw new RangeError(`Expected target size ${fmtShape(want)}, got ${fmtShape(target.shape)}`);
  }
  if (target.dtype !== 'int32') throw new TypeError(`expected scalar type int32 but found ${target.dtype}`);
}

/**
 * Negative log likelihood, like `torch.nn.functional.nll_loss`: `input` holds log-probabilities
 * [N, C] (or [N, C, d1, …], or [C] for one sample) and `target` the class of each sample (int32
 * [N] or [N, d1, …]). With w_c the weight of class c (1 by default):
 *
 *     ℓ_n = -w_{y_n} · x[n, y_n]       ('none'; 0 where y_n = ignoreIndex)
 *     'sum': Σ_n ℓ_n      'mean': Σ_n ℓ_n / Σ_n w_{y_n}   (a weighted mean over non-ignored samples)
 *
 * Backward, only at the target's class: `∂ℓ_n/∂x[n, y_n] = -w_{y_n}` (÷ Σ w for 'mean'), 0 at
 * every other class. Recorded as one node, `NllLossBackward0`, whose backward scatters those
 * values. The target and the weight get no gradient.
 * @example
 * const logProbs = torch.tensor([[-0.5, -1], [-2, -0.1]], { dtype: 'float32', requiresGrad: true });
 * const loss = torch.nn.functional.nllLoss(logProbs, torch.tensor([0, 1]));
 * loss.item(); // 0.30000001192092896
 * loss.backward();
 * logProbs.grad!.tolist(); // [[-0.5, 0], [0, -0.5]]
 */
export function nllLoss(input: Tensor, target: Tensor, options: NLLLossOptions = {}): Tensor {
  const { weight = null, ignoreIndex = -100, reduction = 'mean' } = options;
  checkReduction(reduction);
  checkClassTarget(input, target);
  if (!isFloating(input.dtype)) throw new TypeError(`"nll_loss" not implemented for '${input.dtype}'`);
  const classes = input.ndim === 1 ? input.shape[0] : input.shape[1];
  if (weight && (weight.ndim !== 1 || weight.shape[0] !== classes)) {
    throw new RangeError(`weight tensor should be defined either for all ${classes} classes or no classes but got weight tensor of shape: ${fmtShape(weight.shape)}`);
  }
  checkNoRequiresGrad(weight, 'weight', 'nll_loss_forward');
  // every target must name a class or be ignoreIndex ("Target 5 is out of bounds."): at the call
  // where the device reads synchronously, else at the next read, as PyTorch does on CUDA
  checkIndex(target, { kind: 'target', size: classes, ignore: ignoreIndex });

  const { dtype, device } = input;
  const oneSample = input.ndim === 1;
  // work on [N, C, …] and [N, …]: one sample is a batch of one
  const [x, y] = noGrad(() => (oneSample ? [input.unsqueeze(0), target.reshape(1)] : [input, target]));
  const [ignored, safe, w, totalWeight, out] = noGrad(() => {
    const ignored = y.eq(ignoreIndex);
    const safe = where(ignored, 0, y); // ignored samples read class 0, with weight 0
    const classWeight = weight ? weight.to(dtype).gather(0, safe.reshape(-1)).reshape(safe.shape) : ones(safe.shape, { dtype, device });
    const w = where(ignored, 0, classWeight); // w_{y_n}, 0 where ignored
    const losses = x.gather(1, safe.unsqueeze(1)).squeeze(1).neg().mul(w); // -w_{y_n} · x[n, y_n]
    const totalWeight = w.sum();
    const out = reduction === 'none' ? (oneSample ? losses.reshape([]) : losses) : reduction === 'sum' ? losses.sum() : losses.sum().div(totalWeight);
    return [ignored, safe, w, totalWeight, out];
  });

  const [shape, batchShape] = [input.shape, x.shape];
  return record(
    'NllLossBackward0',
    [input],
    out,
    (g, [savedIgnored, savedSafe, savedW, savedTotal]) => {
      // the gradient reaching each ℓ_n: g itself ('none', per sample; 'sum'), or g / Σw ('mean')
      const perSample = reduction === 'mean' ? g.div(savedTotal) : reduction === 'none' && oneSample ? g.reshape(1) : g;
      // -w_{y_n} · g_n, at class y_n; exactly 0 for ignored samples (even when Σw = 0 makes g / Σw infinite)
      const values = where(savedIgnored, 0, savedW.neg().mul(perSample)).unsqueeze(1);
      return [zeros(batchShape, { dtype, device }).scatter(1, savedSafe.unsqueeze(1), values).reshape(shape)];
    },
    [ignored, safe, w, totalWeight],
  );
}

/** Options of `crossEntropy` (and `nn.CrossEntropyLoss`). */
export interface CrossEntropyOptions extends NLLLossOptions {
  /**
   * Blend the target with the uniform distribution: the target becomes `(1 - ε) · target + ε / C`
   * (default 0). Discourages over-confident predictions.
   */
  labelSmoothing?: number;
}

/**
 * Cross entropy between the softmax of `input` (raw scores, "logits") and `target`, like
 * `torch.nn.functional.cross_entropy`: `logSoftmax` along the class dim, then the negative log
 * likelihood. Classes lie along dim 1 of [N, C] or [N, C, d1, …] (dim 0 of [C]). `target` is
 * either a class index per sample (int32, [N] or [N, d1, …]) or class probabilities (floating,
 * the input's shape). Per sample, with p = softmax(x), w the class weights, ε the label smoothing:
 *
 *     class y:        ℓ = -(1 - ε) · w_y · log p_y - (ε / C) · Σ_c w_c · log p_c
 *     probabilities:  ℓ = -Σ_c w_c · q_c · log p_c,  q = (1 - ε) · target + ε / C
 *
 * then reduced: 'mean' divides class-index losses by the total weight of the non-ignored targets
 * (as NLLLoss does) and probability losses by the number of samples. `log p` is computed as
 * `x - logsumexp(x)`, which stays finite for any logits. Gradient with respect to the logits (no
 * weights, no smoothing): `p - onehot(y)`, from autograd through logSoftmax and the
 * `NllLossBackward0` node.
 * @example
 * const logits = torch.tensor([[2, 0, 0], [0, 0, 0]], { dtype: 'float64', requiresGrad: true });
 * const loss = torch.nn.functional.crossEntropy(logits, torch.tensor([0, 2]));
 * Math.abs(loss.item() - 0.6690785274449973) < 1e-15; // true
 * loss.gradFn!.name; // 'NllLossBackward0'
 * const probabilities = torch.tensor([[1, 0, 0], [0, 0, 1]], { dtype: 'float64' });
 * Math.abs(torch.nn.functional.crossEntropy(logits, probabilities).item() - 0.6690785274449973) < 1e-15; // true
 */
export function crossEntropy(input: Tensor, target: Tensor, options: CrossEntropyOptions = {}): Tensor {
  const { weight = null, ignoreIndex = -100, reduction = 'mean', labelSmoothing = 0 } = options;
  checkReduction(reduction);
  if (!(labelSmoothing >= 0 && labelSmoothing <= 1)) throw new RangeError(`label_smoothing must be between 0.0 and 1.0. Got: ${labelSmoothing}`);
  if (input.ndim < 1) throw new RangeError(`Expected 1 or more dimensions (got ${input.ndim})`);
  const classDim = input.ndim === 1 ? 0 : 1;
  const classes = input.shape[classDim];
  if (weight && (weight.ndim !== 1 || weight.shape[0] !== classes)) {
    throw new RangeError(`weight tensor should be defined either for all ${classes} classes or no classes but got weight tensor of shape: ${fmtShape(weight.shape)}`);
  }
  // the weight as [1, C, 1, …], to multiply terms laid out like the input
  const classWeights = weight && weight.reshape(input.shape.map((s, d) => (d === classDim ? s : 1)));
  const logProbs = logSoftmaxOp(input, classDim);

  if (isFloating(target.dtype) && sameShape(target.shape, input.shape)) {
    // class probabilities
    if (ignoreIndex >= 0) throw new RangeError('ignore_index is not supported for floating point target');
    const q = labelSmoothing > 0 ? target.mul(1 - labelSmoothing).add(labelSmoothing / classes) : target;
    let terms = logProbs.mul(q);
    if (classWeights) terms = terms.mul(classWeights);
    const losses = terms.sum(classDim).neg();
    return reduction === 'none' ? losses : reduction === 'sum' ? losses.sum() : losses.sum().div(input.numel() / classes);
  }

  // class indices
  const nll = nllLoss(logProbs, target, { weight, ignoreIndex, reduction });
  if (labelSmoothing === 0) return nll;
  // the smoothing term -Σ_c w_c · log p_c per sample, 0 for ignored ones, reduced like the NLL
  const ignored = target.eq(ignoreIndex);
  const smooth = where(ignored, 0, (classWeights ? logProbs.mul(classWeights) : logProbs).sum(classDim).neg());
  let smoothReduced: Tensor;
  if (reduction === 'none') smoothReduced = smooth;
  else if (reduction === 'sum') smoothReduced = smooth.sum();
  else {
    const safe = where(ignored, 0, target);
    const denominator = weight ? where(ignored, 0, weight.gather(0, safe.reshape(-1)).reshape(safe.shape)).sum() : ignored.logicalNot().sum();
    smoothReduced = smooth.sum().div(denominator);
  }
  return nll.mul(1 - labelSmoothing).add(smoothReduced.mul(labelSmoothing / classes));
}
