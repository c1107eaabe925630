/**
 * `BatchNorm1d`: normalises each feature (channel) over the batch, then scales and shifts it by
 * learned γ and β. It keeps running estimates of each feature's mean and variance (buffers, saved
 * in the state dict) to use after `eval()`, when there may be no batch to average over.
 */
import { zeros, ones } from '../ops/creation.js';
import { div } from '../ops/elementwise.js';
import type { Tensor } from '../tensor.js';
import * as F from './functional.js';
import { pyBool, pyFloat, type FactoryOptions } from './layers.js';
import { Module } from './module.js';
import { Parameter } from './parameter.js';

/** Options of `nn.BatchNorm1d`. */
export interface BatchNormOptions extends FactoryOptions {
  /** Added to the variance before its square root (default 1e-5). */
  eps?: number;
  /** How far each batch moves the running statistics (default 0.1); null for a plain average over all batches so far. */
  momentum?: number | null;
  /** Learn γ and β (default true). */
  affine?: boolean;
  /** Keep running statistics for evaluation (default true); without them every call uses the batch's. */
  trackRunningStats?: boolean;
}

/**
 * Batch normalisation over the features of [N, C] or [N, C, L] inputs:
 * `y = (x - mean) / √(var + eps) · γ + β` (see `nn.functional.batchNorm`). In training mode it uses
 * the batch's statistics and updates `runningMean` and `runningVar`
 * (`running ← (1 - momentum) · running + momentum · batch`) and counts `numBatchesTracked`; after
 * `eval()` it uses the running statistics.
 * @example
 * const bn = new torch.nn.BatchNorm1d(2);
 * const y = bn(torch.tensor([[1, 10], [3, 30]], { dtype: 'float32' }));
 * y.tolist(); // [[-0.9999949932098389, -0.9999999403953552], [0.9999949932098389, 0.9999999403953552]]
 * bn.runningMean!.tolist(); // [0.20000000298023224, 2]
 * bn.numBatchesTracked!.item(); // 1
 * String(bn); // 'BatchNorm1d(2, eps=1e-05, momentum=0.1, affine=True, track_running_stats=True)'
 */
export class BatchNorm1d extends Module<[Tensor]> {
  readonly numFeatures: number;
  readonly eps: number;
  momentum: number | null;
  readonly affine: boolean;
  readonly trackRunningStats: boolean;
  weight: Parameter | null;
  bias: Parameter | null;
  declare runningMean: Tensor | null;
  declare runningVar: Tensor | null;
  declare numBatchesTracked: Tensor | null;

  constructor(numFeatures: number, options: BatchNormOptions = {}) {
    super();
    const { eps = 1e-5, momentum = 0.1, affine = true, trackRunningStats = true } = options;
    const dtype = options.dtype ?? 'float32';
    const device = options.device ?? 'js';
    this.numFeatures = numFeatures;
    this.eps = eps;
    this.momentum = momentum;
    this.affine = affine;
    this.trackRunningStats = trackRunningStats;
    this.weight = affine ? new Parameter(ones([numFeatures], { dtype, device })) : null;
    this.bias = affine ? new Parameter(zeros([numFeatures], { dtype, device })) : null;
    // running statistics: the estimate of each feature's mean and variance, and how many batches made it
    this.registerBuffer('runningMean', trackRunningStats ? zeros([numFeatures], { dtype, device }) : null);
    this.registerBuffer('runningVar', trackRunningStats ? ones([numFeatures], { dtype, device }) : null);
    this.registerBuffer('numBatchesTracked', trackRunningStats ? zeros([], { dtype: 'int32', device }) : null);
  }

  forward(input: Tensor): Tensor {
    if (input.ndim !== 2 && input.ndim !== 3) throw new RangeError(`expected 2D or 3D input (got ${input.ndim}D input)`);
    let factor: number | Tensor = this.momentum ?? 0;
    if (this.training && this.trackRunningStats && this.numBatchesTracked) {
      this.numBatchesTracked.add_(1);
      // without a momentum: the running statistics are the average of every batch so far, each
      // batch weighing 1/n (a tensor, so that no device has to read the count back)
      if (this.momentum === null) factor = div(1, this.numBatchesTracked);
    }
    const useBatchStats = this.training || (!this.runningMean && !this.runningVar);
    const useRunning = !this.training || this.trackRunningStats;
    return F.batchNorm(input, useRunning ? this.runningMean : null, useRunning ? this.runningVar : null, {
      weight: this.weight,
      bias: this.bias,
      training: useBatchStats,
      momentum: factor,
      eps: this.eps,
    });
  }

  override extraRepr(): string {
    const momentum = this.momentum === null ? 'None' : pyFloat(this.momentum);
    return `${this.numFeatures}, eps=${pyFloat(this.eps)}, momentum=${momentum}, affine=${pyBool(this.affine)}, track_running_stats=${pyBool(this.trackRunningStats)}`;
  }
}
