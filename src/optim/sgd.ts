/**
 * Stochastic gradient descent, with momentum, as `torch.optim.SGD` computes it.
 */
import type { Tensor } from '../tensor.js';
import { Optimizer, type ParamGroup, type ParamGroupInput, type ParamState } from './optimizer.js';

/** SGD's hyperparameters. */
export interface SGDHyperparameters {
  /** Learning rate γ (default 1e-3). */
  lr: number;
  /** Momentum factor μ (default 0: plain gradient descent). */
  momentum: number;
  /** Dampening τ of the momentum (default 0). */
  dampening: number;
  /** L2 penalty λ (default 0). */
  weightDecay: number;
  /** Use Nesterov momentum (default false). */
  nesterov: boolean;
  /** Maximise the objective instead of minimising it (default false). */
  maximize: boolean;
  initialLr?: number;
}

/**
 * Stochastic gradient descent, like `torch.optim.SGD`. With g the gradient of parameter θ at step
 * t (negated when `maximize`):
 *
 *     g ← g + λθ                          (weightDecay λ ≠ 0)
 *     b ← g                               (momentum μ ≠ 0: first step)
 *     b ← μ b + (1 - τ) g                 (later steps)
 *     g ← g + μ b  (nesterov)   or   g ← b
 *     θ ← θ - γ g
 *
 * The momentum buffer b is a running sum of past gradients, so steps keep going in directions the
 * gradient keeps pointing to. Each line is one in-place tensor op, in PyTorch's order, so the
 * numbers match PyTorch's step for step.
 * @example
 * const w = new torch.nn.Parameter(torch.tensor([1], { dtype: 'float64' }));
 * const optimizer = new torch.optim.SGD([w], { lr: 0.1, momentum: 0.9 });
 * for (let i = 0; i < 2; i++) {
 *   optimizer.zeroGrad();
 *   w.mul(2).sum().backward();
 *   optimizer.step();
 * }
 * w.item(); // 0.42000000000000004
 */
export class SGD extends Optimizer<SGDHyperparameters> {
  constructor(params: Iterable<Tensor> | Iterable<ParamGroupInput<SGDHyperparameters>>, options: Partial<SGDHyperparameters> = {}) {
    super(params, { lr: 1e-3, momentum: 0, dampening: 0, weightDecay: 0, nesterov: false, maximize: false, ...options });
  }

  protected override checkHyperparameters(group: SGDHyperparameters): void {
    super.checkHyperparameters(group);
    if (!(group.momentum >= 0)) throw new RangeError(`Invalid momentum value: ${group.momentum}`);
    if (!(group.weightDecay >= 0)) throw new RangeError(`Invalid weight_decay value: ${group.weightDecay}`);
    if (group.nesterov && (group.momentum <= 0 || group.dampening !== 0)) throw new RangeError('Nesterov momentum requires a momentum and zero dampening');
  }

  protected update(param: Tensor, grad: Tensor, state: ParamState, group: ParamGroup<SGDHyperparameters>): void {
    const { lr, momentum, dampening, weightDecay, nesterov, maximize } = group;
    let d = maximize ? grad.neg() : grad;
    if (weightDecay !== 0) d = d.add(param, { alpha: weightDecay });
    if (momentum !== 0) {
      let buffer = state.momentumBuffer as Tensor | undefined;
      if (!buffer) state.momentumBuffer = buffer = d.clone();
      else buffer.mul_(momentum).add_(d, { alpha: 1 - dampening });
      d = nesterov ? d.add(buffer, { alpha: momentum }) : buffer;
    }
    param.add_(d, { alpha: -lr });
  }
}
