/**
 * The basic layers: `Linear`, the activations (`ReLU`, `Softmax`, `LogSoftmax`), the shape
 * changers (`Flatten`, `Unflatten`), `Dropout`, `Embedding`, and the container `Sequential`.
 * Each is a small `Module` whose `forward` calls `nn.functional`, and whose `extraRepr` prints its
 * settings as PyTorch does.
 *
 * Arguments that PyTorch code passes by position stay positional (`new nn.Linear(784, 512)`,
 * `new nn.Softmax(1)`, `new nn.Dropout(0.2)`); the rest go in a trailing options object, in
 * camelCase (`{ bias: false }`, `{ paddingIdx: 0 }`, `{ device, dtype }`).
 */
import type { Device } from '../device.js';
import type { DType } from '../dtype.js';
import { zeros } from '../ops/creation.js';
import type { Shape } from '../shape.js';
import type { Tensor } from '../tensor.js';
import * as F from './functional.js';
import * as init from './init.js';
import { Module, type AnyModule } from './module.js';
import { Parameter } from './parameter.js';

/** Where and in what dtype a layer creates its parameters (PyTorch's `device=` and `dtype=`). */
export interface FactoryOptions {
  device?: Device;
  dtype?: DType;
}

/** @internal Python's spelling of a boolean, for `extraRepr`. */
export const pyBool = (b: boolean): string => (b ? 'True' : 'False');

/** @internal Python's `repr` of a float: `0.5`, `1.0`, `1e-05`. */
export function pyFloat(x: number): string {
  if (Number.isInteger(x) && Math.abs(x) < 1e16) return x.toFixed(1);
  if (x !== 0 && (Math.abs(x) < 1e-4 || Math.abs(x) >= 1e16)) {
    // JavaScript writes 1e-5, Python 1e-05: at least two exponent digits
    return x.toExponential().replace(/e([+-])(\d)$/, (_, sign: string, digit: string) => `e${sign}0${digit}`);
  }
  return String(x);
}

/** @internal Python's tuple spelling of a shape or pair: `(2, 5)`, `(3,)`. */
export const pyTuple = (values: readonly number[]): string => (values.length === 1 ? `(${values[0]},)` : `(${values.join(', ')})`);

/** A new parameter of `shape` on the requested device and dtype (zeros until initialised). */
const parameter = (shape: Shape, options: FactoryOptions): Parameter =>
  new Parameter(zeros(shape, { dtype: options.dtype ?? 'float32', device: options.device ?? 'js' }));

/**
 * A fully connected layer: `y = x Wᵀ + b` (see `nn.functional.linear`), with weight [out, in]
 * and bias [out]. Both start uniform in ±1/√in (PyTorch's `kaiming_uniform_(a=√5)` for the weight).
 * `bias` may be given positionally or as `{ bias: false }`.
 * @example
 * const layer = new torch.nn.Linear(784, 20);
 * layer.weight.shape; // [20, 784]
 * layer(torch.rand(3, 784)).shape; // [3, 20]
 * String(new torch.nn.Linear(2, 3, { bias: false })); // 'Linear(in_features=2, out_features=3, bias=False)'
 */
export class Linear extends Module<[Tensor]> {
  readonly inFeatures: number;
  readonly outFeatures: number;
  weight: Parameter;
  bias: Parameter | null;

  constructor(inFeatures: number, outFeatures: number, bias: boolean | (FactoryOptions & { bias?: boolean }) = true, options: FactoryOptions = {}) {
    super();
    const opts = typeof bias === 'object' ? { ...options, ...bias } : { ...options, bias };
    this.inFeatures = inFeatures;
    this.outFeatures = outFeatures;
    this.weight = parameter([outFeatures, inFeatures], opts);
    this.bias = opts.bias === false ? null : parameter([outFeatures], opts);
    this.resetParameters();
  }

  /** PyTorch's default initialisation: weight `kaiming_uniform_(a=√5)`, bias U(±1/√in). */
  resetParameters(): void {
    init.kaimingUniform_(this.weight, Math.sqrt(5));
    if (this.bias) {
      const bound = this.inFeatures > 0 ? 1 / Math.sqrt(this.inFeatures) : 0;
      init.uniform_(this.bias, -bound, bound);
    }
  }

  forward(input: Tensor): Tensor {
    return F.linear(input, this.weight, this.bias);
  }

  override extraRepr(): string {
    return `in_features=${this.inFeatures}, out_features=${this.outFeatures}, bias=${pyBool(this.bias !== null)}`;
  }
}

/**
 * `max(x, 0)` elementwise: the non-linearity between the tutorial's linear layers.
 * @example
 * new torch.nn.ReLU()(torch.tensor([-1, 2])).tolist(); // [0, 2]
 */
export class ReLU extends Module<[Tensor]> {
  constructor(readonly inplace = false) {
    super();
  }
  forward(input: Tensor): Tensor {
    return F.relu(input, this.inplace);
  }
  override extraRepr(): string {
    return this.inplace ? 'inplace=True' : '';
  }
}

/**
 * Softmax along `dim`: scores to probabilities that sum to 1 (see `nn.functional.softmax`).
 * @example
 * const probabilities = new torch.nn.Softmax(1)(torch.tensor([[1, 1]], { dtype: 'float32' }));
 * probabilities.tolist(); // [[0.5, 0.5]]
 * String(new torch.nn.Softmax(1)); // 'Softmax(dim=1)'
 */
export class Softmax extends Module<[Tensor]> {
  constructor(readonly dim: number | null = null) {
    super();
  }
  forward(input: Tensor): Tensor {
    return F.softmax(input, this.dim);
  }
  override extraRepr(): string {
    return `dim=${this.dim ?? 'None'}`;
  }
}

/**
 * `log(softmax(x))` along `dim`, computed stably (see `nn.functional.logSoftmax`).
 * @example
 * new torch.nn.LogSoftmax(0)(torch.tensor([0, 0], { dtype: 'float64' })).tolist(); // [-0.6931471805599453, -0.6931471805599453]
 */
export class LogSoftmax extends Module<[Tensor]> {
  constructor(readonly dim: number | null = null) {
    super();
  }
  forward(input: Tensor): Tensor {
    return F.logSoftmax(input, this.dim);
  }
  override extraRepr(): string {
    return `dim=${this.dim ?? 'None'}`;
  }
}

/**
 * Merges dims `startDim..endDim` into one; by default every dim but the batch dim, so a batch of
 * 28×28 images [N, 28, 28] becomes [N, 784].
 * @example
 * new torch.nn.Flatten()(torch.rand(3, 28, 28)).shape; // [3, 784]
 * String(new torch.nn.Flatten()); // 'Flatten(start_dim=1, end_dim=-1)'
 */
export class Flatten extends Module<[Tensor]> {
  constructor(
    readonly startDim = 1,
    readonly endDim = -1,
  ) {
    super();
  }
  forward(input: Tensor): Tensor {
    return input.flatten(this.startDim, this.endDim);
  }
  override extraRepr(): string {
    return `start_dim=${this.startDim}, end_dim=${this.endDim}`;
  }
}

/**
 * Splits dim `dim` into `unflattenedSize`: the inverse of Flatten.
 * @example
 * new torch.nn.Unflatten(1, [2, 5])(torch.rand(3, 10)).shape; // [3, 2, 5]
 * String(new torch.nn.Unflatten(1, [2, 5])); // 'Unflatten(dim=1, unflattened_size=(2, 5))'
 */
export class Unflatten extends Module<[Tensor]> {
  constructor(
    readonly dim: number,
    readonly unflattenedSize: readonly number[],
  ) {
    super();
  }
  forward(input: Tensor): Tensor {
    return input.unflatten(this.dim, this.unflattenedSize);
  }
  override extraRepr(): string {
    return `dim=${this.dim}, unflattened_size=${pyTuple(this.unflattenedSize)}`;
  }
}

/**
 * During training, zeroes each element with probability `p` and scales the rest by 1/(1 - p)
 * (see `nn.functional.dropout`); after `eval()` it passes its input through unchanged. The masks
 * come from the seeded generator (`torch.manualSeed`).
 * @example
 * const drop = new torch.nn.Dropout(0.2);
 * String(drop); // 'Dropout(p=0.2, inplace=False)'
 * const x = torch.ones(4);
 * drop.eval()(x) === x; // true
 */
export class Dropout extends Module<[Tensor]> {
  constructor(
    readonly p = 0.5,
    readonly inplace = false,
  ) {
    super();
    if (!(p >= 0 && p <= 1)) throw new RangeError(`dropout probability has to be between 0 and 1, but got ${p}`);
  }
  forward(input: Tensor): Tensor {
    return F.dropout(input, this.p, this.training, this.inplace);
  }
  override extraRepr(): string {
    return `p=${pyFloat(this.p)}, inplace=${pyBool(this.inplace)}`;
  }
}

/**
 * A table of `numEmbeddings` vectors of size `embeddingDim`, looked up by int32 index: `[..., ]`
 * indices give `[..., embeddingDim]` vectors. The weight starts N(0, 1); the `paddingIdx` row
 * starts at zero and is never trained.
 * @example
 * const table = new torch.nn.Embedding(10, 3, { paddingIdx: 0 });
 * table(torch.tensor([[1, 2], [0, 9]])).shape; // [2, 2, 3]
 * table.weight.index(0).tolist(); // [0, 0, 0]
 * String(table); // 'Embedding(10, 3, padding_idx=0)'
 */
export class Embedding extends Module<[Tensor]> {
  readonly numEmbeddings: number;
  readonly embeddingDim: number;
  readonly paddingIdx: number | null;
  weight: Parameter;

  constructor(numEmbeddings: number, embeddingDim: number, options: FactoryOptions & { paddingIdx?: number | null } = {}) {
    super();
    this.numEmbeddings = numEmbeddings;
    this.embeddingDim = embeddingDim;
    let paddingIdx = options.paddingIdx ?? null;
    if (paddingIdx !== null) {
      if (paddingIdx >= numEmbeddings || paddingIdx < -numEmbeddings) throw new RangeError('Padding_idx must be within num_embeddings');
      if (paddingIdx < 0) paddingIdx += numEmbeddings;
    }
    this.paddingIdx = paddingIdx;
    this.weight = parameter([numEmbeddings, embeddingDim], options);
    this.resetParameters();
  }

  /** N(0, 1), with the padding row zeroed. */
  resetParameters(): void {
    init.normal_(this.weight);
    if (this.paddingIdx !== null) init.zeros_(this.weight.index(this.paddingIdx));
  }

  forward(input: Tensor): Tensor {
    return F.embedding(input, this.weight, { paddingIdx: this.paddingIdx });
  }

  override extraRepr(): string {
    return `${this.numEmbeddings}, ${this.embeddingDim}${this.paddingIdx !== null ? `, padding_idx=${this.paddingIdx}` : ''}`;
  }
}

/**
 * An ordered container: calling it passes the input through each module in turn. Its modules
 * are named `0`, `1`, … (so its parameters are `0.weight`, `2.bias`, … as in PyTorch) unless
 * given as an object of named modules. `seq[i]` is the i-th module.
 * @example
 * const seq = new torch.nn.Sequential(new torch.nn.Flatten(), new torch.nn.Linear(4, 2), new torch.nn.ReLU());
 * seq(torch.rand(3, 2, 2)).shape; // [3, 2]
 * seq.length; // 3
 * seq[1] instanceof torch.nn.Linear; // true
 * Object.keys(seq.stateDict()); // ['1.weight', '1.bias']
 */
export class Sequential extends Module<[Tensor], Tensor> {
  [index: number]: AnyModule;

  constructor(...modules: AnyModule[] | [Record<string, AnyModule>]) {
    super();
    const [first] = modules;
    if (modules.length === 1 && typeof first === 'object' && first !== null && !(first instanceof Module)) {
      for (const [name, module] of Object.entries(first as Record<string, AnyModule>)) this.addModule(name, module);
    } else {
      (modules as AnyModule[]).forEach((module, i) => this.addModule(String(i), module));
    }
  }

  /** The number of modules, like `len(seq)`. */
  override get length(): number {
    return this._own().children.length;
  }

  /**
   * Adds a module at the end.
   * @example
   * new torch.nn.Sequential().append(new torch.nn.ReLU()).length; // 1
   */
  append(module: AnyModule): this {
    this.addModule(String(this.length), module);
    return this;
  }

  *[Symbol.iterator](): IterableIterator<AnyModule> {
    for (const [, module] of this._own().children) yield module;
  }

  forward(input: Tensor): Tensor {
    let x = input;
    for (const [, module] of this._own().children) x = module(x);
    return x;
  }
}
