/**
 * Image layers: `Conv2d` (learned filters slid over an image) and `MaxPool2d` (the largest value
 * of each window). Both call `nn.functional`, where they are built on one im2col step.
 */
import type { Tensor } from '../tensor.js';
import * as F from './functional.js';
import * as init from './init.js';
import { pyBool, pyTuple, type FactoryOptions } from './layers.js';
import { Module } from './module.js';
import { Parameter } from './parameter.js';
import { zeros } from '../ops/creation.js';

const asPair = (v: F.Size2): [number, number] => (typeof v === 'number' ? [v, v] : [v[0], v[1]]);
/** How PyTorch prints a size it was given: as given (a number, or a tuple). */
const asGiven = (v: F.Size2): string => (typeof v === 'number' ? String(v) : pyTuple(v));

/** Options of `nn.Conv2d`: `nn.functional.conv2d`'s, plus the bias and where to create the parameters. */
export interface Conv2dOptions extends F.Conv2dOptions, FactoryOptions {
  /** Learn a bias per output channel (default true). */
  bias?: boolean;
  /** Only 'zeros' (PyTorch's default) is supported. */
  paddingMode?: 'zeros';
}

/**
 * A 2-D convolution layer: `outChannels` filters of size [inChannels/groups, kh, kw], each slid
 * over the input [N, C, H, W] (see `nn.functional.conv2d` for the formula and the output size).
 * Weight and bias start uniform in ±1/√(fan in), fan in = inChannels/groups · kh · kw, as in PyTorch.
 * @example
 * const conv = new torch.nn.Conv2d(1, 6, 5);
 * conv(torch.rand(2, 1, 28, 28)).shape; // [2, 6, 24, 24]
 * String(conv); // 'Conv2d(1, 6, kernel_size=(5, 5), stride=(1, 1))'
 * String(new torch.nn.Conv2d(3, 8, 3, { stride: 2, padding: 1, bias: false })); // 'Conv2d(3, 8, kernel_size=(3, 3), stride=(2, 2), padding=(1, 1), bias=False)'
 */
export class Conv2d extends Module<[Tensor]> {
  readonly inChannels: number;
  readonly outChannels: number;
  readonly kernelSize: [number, number];
  readonly stride: [number, number];
  readonly padding: [number, number] | 'valid' | 'same';
  readonly dilation: [number, number];
  readonly groups: number;
  weight: Parameter;
  bias: Parameter | null;

  constructor(inChannels: number, outChannels: number, kernelSize: F.Size2, options: Conv2dOptions = {}) {
    super();
    const groups = options.groups ?? 1;
    if (!Number.isInteger(groups) || groups <= 0) throw new RangeError('groups must be a positive integer');
    if (inChannels % groups !== 0) throw new RangeError('in_channels must be divisible by groups');
    if (outChannels % groups !== 0) throw new RangeError('out_channels must be divisible by groups');
    if ((options.paddingMode ?? 'zeros') !== 'zeros') throw new RangeError(`padding_mode '${options.paddingMode}' is not supported (only 'zeros')`);
    this.inChannels = inChannels;
    this.outChannels = outChannels;
    this.kernelSize = asPair(kernelSize);
    this.stride = asPair(options.stride ?? 1);
    const padding = options.padding ?? 0;
    this.padding = padding === 'valid' || padding === 'same' ? padding : asPair(padding);
    if (padding === 'same' && this.stride.some((s) => s !== 1)) throw new RangeError("padding='same' is not supported for strided convolutions");
    this.dilation = asPair(options.dilation ?? 1);
    this.groups = groups;
    const dtype = options.dtype ?? 'float32';
    const device = options.device ?? 'js';
    this.weight = new Parameter(zeros([outChannels, inChannels / groups, ...this.kernelSize], { dtype, device }));
    this.bias = options.bias === false ? null : new Parameter(zeros([outChannels], { dtype, device }));
    this.resetParameters();
  }

  /** PyTorch's default initialisation: weight `kaiming_uniform_(a=√5)`, bias U(±1/√fanIn). */
  resetParameters(): void {
    init.kaimingUniform_(this.weight, Math.sqrt(5));
    if (this.bias) {
      const [fanIn] = init.calculateFanInAndFanOut(this.weight);
      const bound = fanIn > 0 ? 1 / Math.sqrt(fanIn) : 0;
      init.uniform_(this.bias, -bound, bound);
    }
  }

  forward(input: Tensor): Tensor {
    return F.conv2d(input, this.weight, this.bias, { stride: this.stride, padding: this.padding, dilation: this.dilation, groups: this.groups });
  }

  override extraRepr(): string {
    let s = `${this.inChannels}, ${this.outChannels}, kernel_size=${pyTuple(this.kernelSize)}, stride=${pyTuple(this.stride)}`;
    if (typeof this.padding === 'string') s += `, padding=${this.padding}`;
    else if (this.padding.some((p) => p !== 0)) s += `, padding=${pyTuple(this.padding)}`;
    if (this.dilation.some((d) => d !== 1)) s += `, dilation=${pyTuple(this.dilation)}`;
    if (this.groups !== 1) s += `, groups=${this.groups}`;
    if (!this.bias) s += `, bias=${pyBool(false)}`;
    return s;
  }
}

/**
 * 2-D max pooling: the largest value of each `kernelSize` window (see `nn.functional.maxPool2d`);
 * the stride defaults to the kernel size, so windows do not overlap. A second number argument
 * is the stride, as in `nn.MaxPool2d(2, 2)`.
 * @example
 * const pool = new torch.nn.MaxPool2d(2);
 * pool(torch.rand(1, 3, 28, 28)).shape; // [1, 3, 14, 14]
 * String(pool); // 'MaxPool2d(kernel_size=2, stride=2, padding=0, dilation=1, ceil_mode=False)'
 */
export class MaxPool2d extends Module<[Tensor]> {
  readonly kernelSize: F.Size2;
  readonly stride: F.Size2;
  readonly padding: F.Size2;
  readonly dilation: F.Size2;
  readonly ceilMode: boolean;

  constructor(kernelSize: F.Size2, options: F.MaxPool2dOptions | F.Size2 = {}) {
    super();
    const opts: F.MaxPool2dOptions = typeof options === 'number' || Array.isArray(options) ? { stride: options as F.Size2 } : (options as F.MaxPool2dOptions);
    this.kernelSize = kernelSize;
    this.stride = opts.stride ?? kernelSize;
    this.padding = opts.padding ?? 0;
    this.dilation = opts.dilation ?? 1;
    this.ceilMode = opts.ceilMode ?? false;
  }

  forward(input: Tensor): Tensor {
    return F.maxPool2d(input, this.kernelSize, { stride: this.stride, padding: this.padding, dilation: this.dilation, ceilMode: this.ceilMode });
  }

  override extraRepr(): string {
    return `kernel_size=${asGiven(this.kernelSize)}, stride=${asGiven(this.stride)}, padding=${asGiven(this.padding)}, dilation=${asGiven(this.dilation)}, ceil_mode=${pyBool(this.ceilMode)}`;
  }
}
