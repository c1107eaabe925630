/**
 * Learning-rate schedulers (`torch.optim.lr_scheduler` → `optim.lrScheduler`): they change the
 * learning rate of an optimizer's groups as training goes on. Call `scheduler.step()` once per
 * epoch, after the epoch's `optimizer.step()` calls.
 */
import type { Optimizer } from './optimizer.js';

/**
 * Base of the schedulers: remembers each group's starting learning rate (`initialLr`) and the
 * epoch count, and on every `step()` sets the groups' `lr` from `getLr()`. A subclass calls
 * `this.step()` at the end of its constructor, once its own fields are set (PyTorch's initial
 * step, which moves to epoch 0).
 * @example
 * class Halving extends torch.optim.lrScheduler.LRScheduler {
 *   constructor(optimizer: torch.optim.Optimizer) {
 *     super(optimizer);
 *     this.step();
 *   }
 *   protected getLr() {
 *     return this.baseLrs.map((lr) => lr / 2 ** this.lastEpoch);
 *   }
 * }
 * const optimizer = new torch.optim.SGD([new torch.nn.Parameter(torch.ones(1))], { lr: 1 });
 * const scheduler = new Halving(optimizer);
 * scheduler.step();
 * scheduler.getLastLr(); // [0.5]
 */
export abstract class LRScheduler {
  /** Each group's learning rate before scheduling. */
  readonly baseLrs: number[];
  /** The number of `step()` calls so far, minus one (0 after construction, as in PyTorch). */
  lastEpoch: number;
  private lastLr: number[] = [];

  constructor(
    readonly optimizer: Optimizer,
    lastEpoch = -1,
  ) {
    optimizer.paramGroups.forEach((group, i) => {
      if (lastEpoch === -1) group.initialLr = group.lr;
      else if (group.initialLr === undefined) {
        throw new Error(`param 'initial_lr' is not specified in param_groups[${i}] when resuming an optimizer`);
      }
    });
    this.baseLrs = optimizer.paramGroups.map((g) => g.initialLr!);
    this.lastEpoch = lastEpoch;
  }

  /** The learning rates for the epoch `lastEpoch`, computed from the current ones. */
  protected abstract getLr(): number[];

  /** Advances one epoch and sets every group's learning rate. */
  step(): void {
    this.lastEpoch += 1;
    const lrs = this.getLr();
    this.optimizer.paramGroups.forEach((group, i) => (group.lr = lrs[i]));
    this.lastLr = lrs;
  }

  /** The learning rates the last `step()` set, one per group. */
  getLastLr(): number[] {
    return [...this.lastLr];
  }

  /** The scheduler's state (everything but the optimizer), to save and restore with `loadStateDict`. */
  stateDict(): Record<string, unknown> {
    const { optimizer: _optimizer, ...rest } = this as unknown as Record<string, unknown>;
    void _optimizer;
    return structuredClone(rest);
  }

  /** Restores a state from `stateDict()`. */
  loadStateDict(state: Record<string, unknown>): void {
    Object.assign(this, structuredClone(state));
  }
}

/**
 * Multiplies each group's learning rate by `gamma` every `stepSize` epochs:
 * `lr = initialLr · gamma^⌊epoch / stepSize⌋`.
 * @example
 * const optimizer = new torch.optim.SGD([new torch.nn.Parameter(torch.ones(1))], { lr: 1 });
 * const scheduler = new torch.optim.lrScheduler.StepLR(optimizer, 2, 0.5);
 * const lrs = [];
 * for (let epoch = 0; epoch < 5; epoch++) {
 *   lrs.push(scheduler.getLastLr()[0]);
 *   optimizer.step();
 *   scheduler.step();
 * }
 * lrs; // [1, 1, 0.5, 0.5, 0.25]
 */
export class StepLR extends LRScheduler {
  constructor(
    optimizer: Optimizer,
    readonly stepSize: number,
    readonly gamma = 0.1,
    lastEpoch = -1,
  ) {
    super(optimizer, lastEpoch);
    this.step();
  }

  protected getLr(): number[] {
    if (this.lastEpoch === 0 || this.lastEpoch % this.stepSize !== 0) return this.optimizer.paramGroups.map((g) => g.lr);
    return this.optimizer.paramGroups.map((g) => g.lr * this.gamma);
  }
}
