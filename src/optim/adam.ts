/**
 * Adam and AdamW, as `torch.optim.Adam` and `torch.optim.AdamW` compute them.
 */
import type { Tensor } from '../tensor.js';
import { Optimizer, type ParamGroup, type ParamGroupInput, type ParamState } from './optimizer.js';

/** Adam's (and AdamW's) hyperparameters. */
export interface AdamHyperparameters {
  /** Learning rate γ (default 1e-3). */
  lr: number;
  /** Decay rates β1, β2 of the running averages of the gradient and of its square (default [0.9, 0.999]). */
  betas: [number, number];
  /** Added to the denominator for numerical stability (default 1e-8). */
  eps: number;
  /** Weight decay λ (default 0 for Adam, 1e-2 for AdamW). */
  weightDecay: number;
  /** Use the maximum of past second moments (AMSGrad) (default false). */
  amsgrad: boolean;
  /** Maximise the objective instead of minimising it (default false). */
  maximize: boolean;
  initialLr?: number;
}

const adamDefaults = (weightDecay: number): AdamHyperparameters => ({ lr: 1e-3, betas: [0.9, 0.999], eps: 1e-8, weightDecay, amsgrad: false, maximize: false });

/** Adam's update of one parameter; `decoupled` is AdamW's weight decay. */
function adamUpdate(param: Tensor, grad: Tensor, state: ParamState, group: AdamHyperparameters, decoupled: boolean): void {
  const { lr, betas: [beta1, beta2], eps, weightDecay, amsgrad, maximize } = group;
  if (state.step === undefined) {
    state.step = 0;
    state.expAvg = param.detach().mul(0);
    state.expAvgSq = param.detach().mul(0);
    if (amsgrad) state.maxExpAvgSq = param.detach().mul(0);
  }
  const step = (state.step = (state.step as number) + 1);
  const [m, v] = [state.expAvg as Tensor, state.expAvgSq as Tensor];
  let g = maximize ? grad.neg() : grad;
  if (weightDecay !== 0) {
    if (decoupled) param.mul_(1 - lr * weightDecay);
    else g = g.add(param, { alpha: weightDecay });
  }
  m.mul_(beta1).add_(g, { alpha: 1 - beta1 }); // m ← β1 m + (1 - β1) g
  v.mul_(beta2).add_(g.mul(1 - beta2).mul(g)); // v ← β2 v + (1 - β2) g²
  const biasCorrection1 = 1 - beta1 ** step;
  const biasCorrection2Sqrt = Math.sqrt(1 - beta2 ** step);
  let second = v;
  if (amsgrad) {
    const max = state.maxExpAvgSq as Tensor;
    max.copy_(max.maximum(v)); // v̂max ← max(v̂max, v)
    second = max;
  }
  const denominator = second.sqrt().div(biasCorrection2Sqrt).add(eps); // √v / √(1 - β2^t) + ε
  param.add_(m.mul(-lr / biasCorrection1).div(denominator)); // θ ← θ - γ/(1 - β1^t) · m / denominator
}

/**
 * Adam, like `torch.optim.Adam`: each parameter moves by its gradient's running average divided
 * by the running root mean square of its gradient, so every parameter takes steps of about `lr`
 * whatever the scale of its gradient. With g the gradient at step t (negated when `maximize`):
 *
 *     g ← g + λθ                                        (weightDecay λ ≠ 0)
 *     m ← β1 m + (1 - β1) g                             (first moment)
 *     v ← β2 v + (1 - β2) g²                            (second moment; AMSGrad: v̂ ← max(v̂, v))
 *     θ ← θ - γ / (1 - β1^t) · m / (√v / √(1 - β2^t) + ε)
 *
 * The divisions by 1 - β^t undo the bias of m and v toward their zero start. The state of a
 * parameter is `step`, `expAvg` (m), `expAvgSq` (v) and, with AMSGrad, `maxExpAvgSq`.
 * @example
 * const w = new torch.nn.Parameter(torch.tensor([1, -1], { dtype: 'float64' }));
 * const optimizer = new torch.optim.Adam([w], { lr: 0.1 });
 * w.mul(torch.tensor([100, 0.01], { dtype: 'float64' })).sum().backward();
 * optimizer.step();
 * w.tolist(); // [0.90000000001, -1.0999999000001]
 */
export class Adam extends Optimizer<AdamHyperparameters> {
  constructor(params: Iterable<Tensor> | Iterable<ParamGroupInput<AdamHyperparameters>>, options: Partial<AdamHyperparameters> = {}) {
    super(params, { ...adamDefaults(0), ...options });
  }

  protected override checkHyperparameters(group: AdamHyperparameters): void {
    checkAdam(group, (g) => super.checkHyperparameters(g));
  }

  protected update(param: Tensor, grad: Tensor, state: ParamState, group: ParamGroup<AdamHyperparameters>): void {
    adamUpdate(param, grad, state, group, false);
  }
}

/**
 * AdamW, like `torch.optim.AdamW`: Adam with *decoupled* weight decay. Instead of adding λθ to the
 * gradient (where Adam's scaling would shrink it for parameters with large gradients), every step
 * first shrinks the parameter itself, `θ ← θ (1 - γλ)`, then takes Adam's step with the plain
 * gradient. Weight decay defaults to 1e-2.
 * @example
 * const w = new torch.nn.Parameter(torch.tensor([1], { dtype: 'float64' }));
 * const optimizer = new torch.optim.AdamW([w], { lr: 0.1 });
 * w.sum().backward();
 * optimizer.step();
 * w.item(); // 0.899000001
 */
export class AdamW extends Optimizer<AdamHyperparameters> {
  constructor(params: Iterable<Tensor> | Iterable<ParamGroupInput<AdamHyperparameters>>, options: Partial<AdamHyperparameters> = {}) {
    super(params, { ...adamDefaults(1e-2), ...options });
  }

  protected override checkHyperparameters(group: AdamHyperparameters): void {
    checkAdam(group, (g) => super.checkHyperparameters(g));
  }

  protected update(param: Tensor, grad: Tensor, state: ParamState, group: ParamGroup<AdamHyperparameters>): void {
    adamUpdate(param, grad, state, group, true);
  }
}

function checkAdam(group: AdamHyperparameters, base: (g: AdamHyperparameters) => void): void {
  base(group);
  if (!(group.eps >= 0)) throw new RangeError(`Invalid epsilon value: ${group.eps}`);
  group.betas.forEach((beta, i) => {
    // (Python prints the float 1 as 1.0)
    if (!(beta >= 0 && beta < 1)) throw new RangeError(`Invalid beta parameter at index ${i}: ${Number.isInteger(beta) ? beta.toFixed(1) : beta}`);
  });
  if (!(group.weightDecay >= 0)) throw new RangeError(`Invalid weight_decay value: ${group.weightDecay}`);
}
