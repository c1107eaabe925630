/**
 * Loss modules: each keeps its options and calls the `nn.functional` loss of the same name, where
 * the math is written out. Call one with the prediction and the target: `lossFn(pred, y)`.
 * Class weights and `posWeight` are buffers, as in PyTorch: they move with `to(device)` and are
 * part of the state dict.
 */
import type { Tensor } from '../tensor.js';
import * as F from './functional.js';
import { Module } from './module.js';

/** Base of the loss modules: two tensor arguments, a reduction. */
abstract class Loss extends Module<[Tensor, Tensor]> {
  constructor(readonly reduction: F.Reduction = 'mean') {
    super();
  }
}

/**
 * Mean squared error `(x - y)²`, averaged by default (see `nn.functional.mseLoss`).
 * @example
 * const lossFn = new torch.nn.MSELoss();
 * lossFn(torch.tensor([1, 2], { dtype: 'float32' }), torch.tensor([1, 4], { dtype: 'float32' })).item(); // 2
 * String(lossFn); // 'MSELoss()'
 */
export class MSELoss extends Loss {
  constructor(options: { reduction?: F.Reduction } = {}) {
    super(options.reduction);
  }
  forward(input: Tensor, target: Tensor): Tensor {
    return F.mseLoss(input, target, { reduction: this.reduction });
  }
}

/**
 * Negative log likelihood of the target classes, for log-probabilities (see `nn.functional.nllLoss`).
 * @example
 * const lossFn = new torch.nn.NLLLoss();
 * lossFn(torch.tensor([[-1, -2], [-3, -4]], { dtype: 'float32' }), torch.tensor([0, 1])).item(); // 2.5
 */
export class NLLLoss extends Loss {
  declare weight: Tensor | null;
  readonly ignoreIndex: number;
  constructor(options: F.NLLLossOptions = {}) {
    super(options.reduction);
    this.ignoreIndex = options.ignoreIndex ?? -100;
    this.registerBuffer('weight', options.weight ?? null);
  }
  forward(input: Tensor, target: Tensor): Tensor {
    return F.nllLoss(input, target, { weight: this.weight, ignoreIndex: this.ignoreIndex, reduction: this.reduction });
  }
}

/**
 * Cross entropy between the softmax of the logits and the target: `LogSoftmax` and `NLLLoss` in
 * one (see `nn.functional.crossEntropy`). The target is a class index per sample or class
 * probabilities. The loss the tutorial trains with.
 * @example
 * const lossFn = new torch.nn.CrossEntropyLoss();
 * const logits = torch.tensor([[0, 0]], { dtype: 'float64' });
 * lossFn(logits, torch.tensor([1])).item(); // 0.6931471805599453
 * String(new torch.nn.CrossEntropyLoss({ labelSmoothing: 0.1 })); // 'CrossEntropyLoss()'
 */
export class CrossEntropyLoss extends Loss {
  declare weight: Tensor | null;
  readonly ignoreIndex: number;
  readonly labelSmoothing: number;
  constructor(options: F.CrossEntropyOptions = {}) {
    super(options.reduction);
    this.ignoreIndex = options.ignoreIndex ?? -100;
    this.labelSmoothing = options.labelSmoothing ?? 0;
    this.registerBuffer('weight', options.weight ?? null);
  }
  forward(input: Tensor, target: Tensor): Tensor {
    return F.crossEntropy(input, target, {
      weight: this.weight,
      ignoreIndex: this.ignoreIndex,
      reduction: this.reduction,
      labelSmoothing: this.labelSmoothing,
    });
  }
}

/**
 * Binary cross entropy on logits, with an optional positive-class weight per class (see
 * `nn.functional.binaryCrossEntropyWithLogits`).
 * @example
 * const lossFn = new torch.nn.BCEWithLogitsLoss({ posWeight: torch.tensor([2], { dtype: 'float64' }) });
 * lossFn(torch.tensor([0], { dtype: 'float64' }), torch.tensor([1], { dtype: 'float64' })).item(); // 1.3862943611198906
 */
export class BCEWithLogitsLoss extends Loss {
  declare weight: Tensor | null;
  declare posWeight: Tensor | null;
  constructor(options: F.BinaryCrossEntropyWithLogitsOptions = {}) {
    super(options.reduction);
    this.registerBuffer('weight', options.weight ?? null);
    this.registerBuffer('posWeight', options.posWeight ?? null);
  }
  forward(input: Tensor, target: Tensor): Tensor {
    return F.binaryCrossEntropyWithLogits(input, target, { weight: this.weight, posWeight: this.posWeight, reduction: this.reduction });
  }
}
