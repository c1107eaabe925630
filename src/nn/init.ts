/**
 * `torch.nn.init`: fill a parameter, in place, with values from a distribution chosen so that
 * signals neither grow nor shrink as they pass through many layers. Each function returns the
 * tensor it filled and runs without recording gradients (it is setup, not part of the model).
 *
 * The values come from Kindling's seeded generator (`manualSeed`, or `{ generator }`), so they
 * repeat from run to run; they are not PyTorch's numbers (its generator differs), but they follow
 * the same distributions.
 *
 * "fan in" and "fan out" of a weight are the number of inputs and outputs each unit connects:
 * for a Linear weight [out, in] they are `in` and `out`; for a Conv2d weight [O, C, kh, kw] they
 * are `C·kh·kw` and `O·kh·kw`.
 */
import { noGrad } from '../autograd/grad-mode.js';
import { isFloating } from '../dtype.js';
import { eye, rand, randn } from '../ops/creation.js';
import type { Generator } from '../random.js';
import type { Tensor } from '../tensor.js';

/** Options of the random init functions. */
export interface InitOptions {
  /** Draw from this generator instead of the default one. */
  generator?: Generator;
}

/** The activation functions `calculateGain` knows. */
export type Nonlinearity = 'linear' | 'conv1d' | 'conv2d' | 'conv3d' | 'sigmoid' | 'tanh' | 'relu' | 'leaky_relu' | 'selu';

function checkFloating(t: Tensor, fn: string): void {
  if (!isFloating(t.dtype)) throw new TypeError(`${fn} expects a floating point tensor, got ${t.dtype}`);
}

/**
 * The recommended gain for an activation: the factor by which to scale a weight's standard
 * deviation so the activation keeps signals at unit scale. 1 for linear layers and sigmoid, 5/3
 * for tanh, √2 for ReLU, √(2 / (1 + slope²)) for leaky ReLU (slope `param`, default 0.01), 3/4 for SELU.
 * @example
 * torch.nn.init.calculateGain('relu'); // 1.4142135623730951
 * torch.nn.init.calculateGain('tanh'); // 1.6666666666666667
 */
export function calculateGain(nonlinearity: Nonlinearity, param?: number): number {
  switch (nonlinearity) {
    case 'linear':
    case 'conv1d':
    case 'conv2d':
    case 'conv3d':
    case 'sigmoid':
      return 1;
    case 'tanh':
      return 5 / 3;
    case 'relu':
      return Math.SQRT2;
    case 'leaky_relu': {
      const slope = param ?? 0.01;
      return Math.sqrt(2 / (1 + slope ** 2));
    }
    case 'selu':
      return 3 / 4;
    default:
      throw new RangeError(`Unsupported nonlinearity ${String(nonlinearity)}`);
  }
}

/**
 * `[fanIn, fanOut]` of a weight with at least 2 dims: dim 1 and dim 0 times the size of one
 * kernel (the product of the dims after the first two).
 * @example
 * torch.nn.init.calculateFanInAndFanOut(torch.zeros(512, 784)); // [784, 512]
 * torch.nn.init.calculateFanInAndFanOut(torch.zeros(6, 3, 5, 5)); // [75, 150]
 */
export function calculateFanInAndFanOut(t: Tensor): [number, number] {
  if (t.ndim < 2) throw new RangeError('Fan in and fan out can not be computed for tensor with fewer than 2 dimensions');
  const receptive = t.shape.slice(2).reduce((a, b) => a * b, 1);
  return [t.shape[1] * receptive, t.shape[0] * receptive];
}

/** Writes `values` into `t` without recording (values are made on 'js' and copied to t's device). */
function fill(t: Tensor, values: () => Tensor): Tensor {
  noGrad(() => t.copy_(values()));
  return t;
}

/**
 * Fills `t` with values from the uniform distribution U(a, b).
 * @example
 * const w = torch.nn.init.uniform_(torch.empty(1000), -2, 2);
 * w.min().item() >= -2 && w.max().item() < 2; // true
 */
export function uniform_(t: Tensor, a = 0, b = 1, options: InitOptions = {}): Tensor {
  checkFloating(t, 'uniform_');
  return fill(t, () => rand(t.shape, { dtype: t.dtype, generator: options.generator }).mul(b - a).add(a));
}

/**
 * Fills `t` with values from the normal distribution N(mean, std²).
 * @example
 * torch.manualSeed(0);
 * const w = torch.nn.init.normal_(torch.empty(10000), 3, 0.5);
 * Math.abs(w.mean().item() - 3) < 0.05; // true
 */
export function normal_(t: Tensor, mean = 0, std = 1, options: InitOptions = {}): Tensor {
  checkFloating(t, 'normal_');
  return fill(t, () => randn(t.shape, { dtype: t.dtype, generator: options.generator }).mul(std).add(mean));
}

/**
 * Fills `t` with `value`.
 * @example
 * torch.nn.init.constant_(torch.empty(2), 0.5).tolist(); // [0.5, 0.5]
 */
export function constant_(t: Tensor, value: number): Tensor {
  noGrad(() => t.fill_(value));
  return t;
}

/**
 * Fills `t` with zeros.
 * @example
 * torch.nn.init.zeros_(torch.ones(2)).tolist(); // [0, 0]
 */
export function zeros_(t: Tensor): Tensor {
  return constant_(t, 0);
}

/**
 * Fills `t` with ones.
 * @example
 * torch.nn.init.ones_(torch.zeros(2)).tolist(); // [1, 1]
 */
export function ones_(t: Tensor): Tensor {
  return constant_(t, 1);
}

/**
 * Fills a 2-D `t` with the identity matrix (ones on the diagonal), so a Linear layer starts by passing its input through.
 * @example
 * torch.nn.init.eye_(torch.empty(2, 3)).tolist(); // [[1, 0, 0], [0, 1, 0]]
 */
export function eye_(t: Tensor): Tensor {
  if (t.ndim !== 2) throw new RangeError('Only tensors with 2 dimensions are supported');
  return fill(t, () => eye(t.shape[0], t.shape[1], { dtype: t.dtype }));
}

/** The fan `mode` picks: 'fan_in' keeps the forward signal's scale, 'fan_out' the backward gradient's. */
function fanFor(t: Tensor, mode: 'fan_in' | 'fan_out'): number {
  if (mode !== 'fan_in' && mode !== 'fan_out') throw new RangeError(`Mode ${String(mode)} not supported, please use one of fan_in, fan_out`);
  const [fanIn, fanOut] = calculateFanInAndFanOut(t);
  return mode === 'fan_in' ? fanIn : fanOut;
}

/**
 * He (Kaiming) uniform initialisation: U(-bound, bound) with `bound = gain · √(3 / fan)`, where
 * `gain = calculateGain(nonlinearity, a)`. This is how `nn.Linear` and `nn.Conv2d` initialise
 * their weights, with `a = √5`, which makes `bound = 1 / √fanIn`.
 * @example
 * const w = torch.nn.init.kaimingUniform_(torch.empty(8, 100), Math.sqrt(5));
 * w.abs().max().item() <= 0.1; // true
 */
export function kaimingUniform_(
  t: Tensor,
  a = 0,
  mode: 'fan_in' | 'fan_out' = 'fan_in',
  nonlinearity: Nonlinearity = 'leaky_relu',
  options: InitOptions = {},
): Tensor {
  checkFloating(t, 'kaimingUniform_');
  if (t.numel() === 0) return t;
  const bound = calculateGain(nonlinearity, a) * Math.sqrt(3 / fanFor(t, mode));
  return uniform_(t, -bound, bound, options);
}

/**
 * He (Kaiming) normal initialisation: N(0, std²) with `std = gain / √fan`.
 * @example
 * torch.manualSeed(0);
 * const w = torch.nn.init.kaimingNormal_(torch.empty(200, 200), 0, 'fan_in', 'relu');
 * Math.abs(w.std().item() - Math.sqrt(2 / 200)) < 0.005; // true
 */
export function kaimingNormal_(
  t: Tensor,
  a = 0,
  mode: 'fan_in' | 'fan_out' = 'fan_in',
  nonlinearity: Nonlinearity = 'leaky_relu',
  options: InitOptions = {},
): Tensor {
  checkFloating(t, 'kaimingNormal_');
  if (t.numel() === 0) return t;
  return normal_(t, 0, calculateGain(nonlinearity, a) / Math.sqrt(fanFor(t, mode)), options);
}

/**
 * Glorot (Xavier) uniform initialisation: U(-a, a) with `a = gain · √(6 / (fanIn + fanOut))`.
 * @example
 * const w = torch.nn.init.xavierUniform_(torch.empty(30, 20));
 * w.abs().max().item() <= Math.sqrt(6 / 50); // true
 */
export function xavierUniform_(t: Tensor, gain = 1, options: InitOptions = {}): Tensor {
  checkFloating(t, 'xavierUniform_');
  const [fanIn, fanOut] = calculateFanInAndFanOut(t);
  const a = gain * Math.sqrt(6 / (fanIn + fanOut));
  return uniform_(t, -a, a, options);
}

/**
 * Glorot (Xavier) normal initialisation: N(0, std²) with `std = gain · √(2 / (fanIn + fanOut))`.
 * @example
 * torch.manualSeed(0);
 * const w = torch.nn.init.xavierNormal_(torch.empty(200, 200));
 * Math.abs(w.std().item() - Math.sqrt(2 / 400)) < 0.005; // true
 */
export function xavierNormal_(t: Tensor, gain = 1, options: InitOptions = {}): Tensor {
  checkFloating(t, 'xavierNormal_');
  const [fanIn, fanOut] = calculateFanInAndFanOut(t);
  return normal_(t, 0, gain * Math.sqrt(2 / (fanIn + fanOut)), options);
}
