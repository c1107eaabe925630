/**
 * The `Optimizer` base class: what every optimizer shares. An optimizer holds *parameter groups*
 * (lists of tensors with their own hyperparameters, such as a learning rate), a *state* per
 * parameter (momentum buffers, running averages), and updates the parameters in place from their
 * `.grad` when `step()` is called. Subclasses write only the update rule, in `update`.
 *
 * The training loop, in the order the tutorial writes it:
 *
 *     optimizer.zeroGrad();   // forget the previous batch's gradients (they would add up)
 *     loss.backward();        // fill every parameter's .grad
 *     optimizer.step();       // move every parameter against its gradient
 */
import { enableGrad, noGrad } from '../autograd/grad-mode.js';
import { isFloating } from '../dtype.js';
import { Tensor } from '../tensor.js';

/** Hyperparameters every optimizer has: a learning rate (and, once a scheduler has run, the one it started from). */
export interface BaseHyperparameters {
  lr: number;
  /** Set by a learning-rate scheduler: the group's learning rate before scheduling. */
  initialLr?: number;
}

/** A parameter group: tensors, and the hyperparameters used to update them. */
export type ParamGroup<H extends BaseHyperparameters = BaseHyperparameters> = H & { params: Tensor[] };

/** What the constructor and `addParamGroup` accept for a group: its tensors and any hyperparameters that differ from the defaults. */
export type ParamGroupInput<H extends BaseHyperparameters = BaseHyperparameters> = Partial<H> & { params: Iterable<Tensor> };

/** The state an optimizer keeps for one parameter: tensors (momentum, running averages) and numbers (the step count). */
export type ParamState = Record<string, Tensor | number>;

/**
 * An optimizer's state as a plain object, like PyTorch's: `state[i]` is the state of the i-th
 * parameter (counting through the groups in order; parameters without state are left out), and
 * `paramGroups` are the groups' hyperparameters with `params` holding those indices.
 */
export interface OptimizerStateDict {
  state: Record<number, Record<string, Tensor | number>>;
  paramGroups: (Record<string, unknown> & { params: number[] })[];
}

/**
 * Base class of the optimizers, like `torch.optim.Optimizer`. Give it the parameters to train
 * (`model.parameters()`) or a list of groups (`[{ params: a }, { params: b, lr: 0.1 }]`) and the
 * default hyperparameters.
 * @example
 * const w = new torch.nn.Parameter(torch.tensor([1, 2], { dtype: 'float32' }));
 * const optimizer = new torch.optim.SGD([w], { lr: 0.5 });
 * w.pow(2).sum().backward();
 * optimizer.step();
 * w.tolist(); // [0, 0]
 * optimizer.paramGroups[0].lr; // 0.5
 */
export abstract class Optimizer<H extends BaseHyperparameters = BaseHyperparameters> {
  /** The hyperparameters a group gets when it does not set its own. */
  readonly defaults: H;
  /** The parameter groups. Change a group's `lr` here to change its learning rate. */
  paramGroups: ParamGroup<H>[] = [];
  /** Per-parameter state, created on a parameter's first update. */
  state = new Map<Tensor, ParamState>();

  constructor(params: Iterable<Tensor> | Iterable<ParamGroupInput<H>>, defaults: H) {
    if (params instanceof Tensor) {
      throw new TypeError(`params argument given to the optimizer should be an iterable of Tensors or objects, but got a Tensor`);
    }
    this.defaults = defaults;
    const list = [...params] as (Tensor | ParamGroupInput<H>)[];
    if (list.length === 0) throw new RangeError('optimizer got an empty parameter list');
    const groups = list[0] instanceof Tensor ? [{ params: list as Tensor[] } as unknown as ParamGroupInput<H>] : (list as ParamGroupInput<H>[]);
    for (const group of groups) this.addParamGroup(group);
  }

  /**
   * Adds a group of parameters with its own hyperparameters (the defaults fill in the rest), for
   * example to train a layer added later, or with another learning rate.
   * @example
   * const a = new torch.nn.Parameter(torch.zeros(1));
   * const b = new torch.nn.Parameter(torch.zeros(1));
   * const optimizer = new torch.optim.SGD([a], { lr: 0.1 });
   * optimizer.addParamGroup({ params: [b], lr: 0.01 });
   * optimizer.paramGroups.map((g) => g.lr); // [0.1, 0.01]
   */
  addParamGroup(group: ParamGroupInput<H>): void {
    if (group.params instanceof Tensor) {
      throw new TypeError('optimizer parameters need to be organized in ordered collections, but the ordering of tensors in sets will change between runs. Please use a list instead.');
    }
    const params = [...group.params];
    for (const p of params) {
      if (!(p instanceof Tensor)) throw new TypeError(`optimizer can only optimize Tensors, but one of the params is ${typeof p}`);
      if (!p.isLeaf) throw new Error("can't optimize a non-leaf Tensor");
      if (!isFloating(p.dtype)) throw new TypeError(`optimizer can only optimize floating point Tensors, got ${p.dtype}`);
    }
    const existing = new Set(this.paramGroups.flatMap((g) => g.params));
    if (params.some((p) => existing.has(p))) throw new Error('some parameters appear in more than one parameter group');
    const full = { ...this.defaults, ...group, params } as ParamGroup<H>;
    this.checkHyperparameters(full);
    this.paramGroups.push(full);
  }

  /** Throws on invalid hyperparameters (a negative learning rate, …); subclasses add their own checks. */
  protected checkHyperparameters(group: H): void {
    if (!(group.lr >= 0)) throw new RangeError(`Invalid learning rate: ${group.lr}`);
  }

  /**
   * Resets the gradients of every parameter: to null (the default, as in PyTorch 2: the next
   * backward then assigns rather than adds), or to zeros with `setToNone: false`.
   * @example
   * const w = new torch.nn.Parameter(torch.ones(2));
   * const optimizer = new torch.optim.SGD([w]);
   * w.sum().backward();
   * optimizer.zeroGrad({ setToNone: false });
   * w.grad!.tolist(); // [0, 0]
   * optimizer.zeroGrad();
   * w.grad; // null
   */
  zeroGrad(options: { setToNone?: boolean } = {}): void {
    const setToNone = options.setToNone ?? true;
    for (const group of this.paramGroups) {
      for (const p of group.params) {
        if (!p.grad) continue;
        if (setToNone) p.grad = null;
        else noGrad(() => p.grad!.zero_());
      }
    }
  }

  /**
   * Updates every parameter that has a gradient, in place and without recording (PyTorch's
   * `@torch.no_grad()` step). A `closure` that recomputes and returns the loss is called first,
   * with gradients enabled; its loss is returned.
   * @example
   * const w = new torch.nn.Parameter(torch.tensor([3], { dtype: 'float32' }));
   * const optimizer = new torch.optim.SGD([w], { lr: 0.25 });
   * const loss = optimizer.step(() => {
   *   optimizer.zeroGrad();
   *   const l = w.pow(2).sum();
   *   l.backward();
   *   return l;
   * });
   * loss!.item(); // 9
   * w.tolist(); // [1.5]
   */
  step(closure?: () => Tensor): Tensor | undefined {
    const loss = closure ? enableGrad(closure) : undefined;
    noGrad(() => {
      for (const group of this.paramGroups) {
        for (const p of group.params) {
          if (!p.grad) continue;
          let state = this.state.get(p);
          if (!state) this.state.set(p, (state = {}));
          this.update(p, p.grad, state, group);
        }
      }
    });
    return loss;
  }

  /** The update rule: changes `param` in place from its gradient, the parameter's state and the group's hyperparameters. */
  protected abstract update(param: Tensor, grad: Tensor, state: ParamState, group: ParamGroup<H>): void;

  /**
   * The optimizer's state (see `OptimizerStateDict`), to save with `torch.save` and restore with
   * `loadStateDict`. Tensors are the optimizer's own (not copies), as in PyTorch.
   * @example
   * const w = new torch.nn.Parameter(torch.ones(2));
   * const optimizer = new torch.optim.SGD([w], { lr: 0.1, momentum: 0.9 });
   * w.sum().backward();
   * optimizer.step();
   * const sd = optimizer.stateDict();
   * Object.keys(sd.state[0]); // ['momentumBuffer']
   * sd.paramGroups[0].params; // [0]
   */
  stateDict(): OptimizerStateDict {
    const index = new Map<Tensor, number>();
    const paramGroups = this.paramGroups.map((group) => {
      const { params, ...hyperparameters } = group;
      for (const p of params) if (!index.has(p)) index.set(p, index.size);
      return { ...(hyperparameters as Record<string, unknown>), params: params.map((p) => index.get(p)!) };
    });
    const state: OptimizerStateDict['state'] = {};
    for (const [p, s] of this.state) {
      const i = index.get(p);
      if (i !== undefined && Object.keys(s).length > 0) state[i] = { ...s }; // (plain SGD keeps no state)
    }
    return { state, paramGroups };
  }

  /**
   * Restores a state from `stateDict()` (or from `torch.load`): the groups' hyperparameters and
   * every parameter's state. Tensors are copied, and cast to their parameter's dtype and device;
   * a step count saved as a tensor (as PyTorch saves it) becomes a number. The optimizer must
   * have the same groups of the same sizes.
   * @example
   * const w = new torch.nn.Parameter(torch.ones(2));
   * const optimizer = new torch.optim.SGD([w], { lr: 0.1 });
   * const other = new torch.optim.SGD([w], { lr: 0.5 });
   * other.loadStateDict(optimizer.stateDict());
   * other.paramGroups[0].lr; // 0.1
   */
  loadStateDict(stateDict: OptimizerStateDict): void {
    const saved = stateDict?.paramGroups;
    if (!Array.isArray(saved) || typeof stateDict.state !== 'object' || stateDict.state === null) {
      throw new TypeError('optimizer state dict must have `state` and `paramGroups`');
    }
    if (saved.length !== this.paramGroups.length) throw new RangeError('loaded state dict has a different number of parameter groups');
    if (saved.some((g, i) => g.params.length !== this.paramGroups[i].params.length)) {
      throw new RangeError("loaded state dict contains a parameter group that doesn't match the size of optimizer's group");
    }
    // saved index → this optimizer's parameter, group by group
    const byIndex = new Map<number, Tensor>();
    saved.forEach((g, i) => g.params.forEach((index, j) => byIndex.set(index, this.paramGroups[i].params[j])));
    const state = new Map<Tensor, ParamState>();
    for (const [key, entries] of Object.entries(stateDict.state)) {
      const param = byIndex.get(Number(key));
      if (!param) continue;
      const restored: ParamState = {};
      for (const [name, value] of Object.entries(entries)) {
        if (name === 'step') restored[name] = value instanceof Tensor ? value.item() : Number(value);
        else if (value instanceof Tensor) {
          const cast = isFloating(value.dtype) ? value.to({ device: param.device, dtype: param.dtype }) : value.to(param.device);
          restored[name] = cast === value ? value.clone() : cast;
        } else restored[name] = value;
      }
      state.set(param, restored);
    }
    this.paramGroups = saved.map((g, i) => {
      const { params: _indices, ...hyperparameters } = g;
      void _indices;
      const group = { ...this.paramGroups[i], ...hyperparameters, params: this.paramGroups[i].params } as ParamGroup<H>;
      if (Array.isArray(group.lr)) throw new TypeError('lr must be a number');
      return group;
    });
    this.state = state;
  }

  /**
   * The groups' hyperparameters, as PyTorch prints an optimizer.
   * @example
   * String(new torch.optim.SGD([new torch.nn.Parameter(torch.ones(1))], { lr: 0.1 })).split('\n').slice(0, 3); // ['SGD (', 'Parameter Group 0', '    dampening: 0']
   */
  toString(): string {
    const lines = [`${this.constructor.name} (`];
    this.paramGroups.forEach((group, i) => {
      lines.push(`Parameter Group ${i}`);
      for (const key of Object.keys(group).filter((k) => k !== 'params').sort()) {
        lines.push(`    ${key}: ${pyValue((group as unknown as Record<string, unknown>)[key])}`);
      }
    });
    lines.push(')');
    return lines.join('\n');
  }

  /** `console.log(optimizer)` in Node prints the same as `String(optimizer)`. */
  [Symbol.for('nodejs.util.inspect.custom')](): string {
    return this.toString();
  }
}

/** How Python prints a hyperparameter: True/False, None, tuples. */
function pyValue(v: unknown): string {
  if (typeof v === 'boolean') return v ? 'True' : 'False';
  if (v === null || v === undefined) return 'None';
  if (Array.isArray(v)) return `(${v.map(pyValue).join(', ')})`;
  return String(v);
}
