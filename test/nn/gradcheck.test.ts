/**
 * Gradients of every differentiable layer and loss against finite differences
 * (`torch.autograd.gradcheck`, float64), beside the PyTorch fixtures of fixtures.test.ts: the
 * fixtures check against PyTorch at a few points, gradcheck checks the calculus everywhere it is
 * run, including options the fixtures do not combine, and double backward where the backward is
 * written by hand (nllLoss, mseLoss).
 */
import { describe, expect, it } from 'vitest';
import * as torch from '../../src/index.js';
import type { Tensor } from '../../src/index.js';

const F = torch.nn.functional;
const { gradcheck } = torch.autograd;

/** A float64 tensor uniform in [low, high), seeded, optionally requiring grad. */
function f64(shape: number[], seed: number, low = -2, high = 2, requiresGrad = true): Tensor {
  const t = torch.rand(shape, { dtype: 'float64', generator: new torch.Generator(seed) }).mul(high - low).add(low);
  return requiresGrad ? t.requiresGrad_() : t;
}

describe('layers', () => {
  it('linear: input, weight, bias (the addmm node, and its double backward), and batches of matrices', () => {
    expect(gradcheck((x, w, b) => F.linear(x, w, b), [f64([3, 4], 1), f64([2, 4], 2), f64([2], 3)])).toBe(true);
    const grads = (x: Tensor, w: Tensor, b: Tensor) => torch.autograd.grad(F.linear(x, w, b).pow(2).sum(), [x, w, b], { createGraph: true }) as Tensor[];
    expect(gradcheck(grads, [f64([3, 4], 1), f64([2, 4], 2), f64([2], 3)])).toBe(true);
    expect(gradcheck((x, w, b) => F.linear(x, w, b), [f64([2, 3, 4], 1), f64([2, 4], 2), f64([2], 3)])).toBe(true);
  });

  it.each([
    ['plain', {}],
    ['stride and padding', { stride: 2, padding: 1 }],
    ['dilation', { dilation: 2 }],
    ['groups', { groups: 2 }],
    ["padding 'same', even kernel", { padding: 'same' as const }],
    ['rectangular everything', { stride: [2, 1] as [number, number], padding: [0, 1] as [number, number], dilation: [1, 2] as [number, number] }],
  ])('conv2d, %s', (_name, options) => {
    const groups = 'groups' in options ? 2 : 1;
    const kernel = 'padding' in options && options.padding === 'same' ? 2 : 3;
    const x = f64([2, 2, 5, 6], 4);
    const w = f64([2, 2 / groups, kernel, 3], 5);
    const b = f64([2], 6);
    expect(gradcheck((x, w, b) => F.conv2d(x, w, b, options), [x, w, b])).toBe(true);
  });

  it.each([
    ['2x2', 2, {}],
    ['3x3, stride 1, padding 1', 3, { stride: 1, padding: 1 }],
    ['ceil mode', 2, { ceilMode: true }],
    ['dilation', 2, { dilation: 2, stride: 1 }],
  ] as const)('maxPool2d, %s', (_name, kernel, options) => {
    // distinct values, so that no window has a tie that finite differences would straddle
    const x = f64([1, 2, 5, 5], 7);
    expect(gradcheck((x) => F.maxPool2d(x, kernel, options), [x])).toBe(true);
  });

  it('batchNorm in training (batch statistics), with weight and bias', () => {
    const x = f64([4, 3, 2], 8);
    expect(gradcheck((x, w, b) => F.batchNorm(x, null, null, { weight: w, bias: b, training: true }), [x, f64([3], 9), f64([3], 10)])).toBe(true);
  });

  it('batchNorm in evaluation (running statistics)', () => {
    const mean = f64([3], 11, -1, 1, false);
    const variance = f64([3], 12, 0.5, 2, false);
    expect(gradcheck((x, w, b) => F.batchNorm(x, mean, variance, { weight: w, bias: b }), [f64([4, 3], 13), f64([3], 14), f64([3], 15)])).toBe(true);
  });

  it('embedding: the weight; the padding row gets no gradient (by design, not calculus)', () => {
    const indices = torch.tensor([[0, 2, 2], [3, 0, 1]]);
    const weight = f64([4, 3], 16);
    expect(gradcheck((w) => F.embedding(indices, w), [weight])).toBe(true);
    F.embedding(indices, weight, { paddingIdx: 0 }).sum().backward();
    expect(weight.grad!.tolist()).toEqual([[0, 0, 0], [1, 1, 1], [2, 2, 2], [1, 1, 1]]);
  });

  it('dropout: scaled identity on the kept elements (same mask each call, from a seed)', () => {
    expect(gradcheck((x) => (torch.manualSeed(5), F.dropout(x, 0.3)), [f64([20], 17)])).toBe(true);
  });

  it('softmax and logSoftmax', () => {
    expect(gradcheck((x) => F.softmax(x, 1), [f64([2, 4], 18)])).toBe(true);
    expect(gradcheck((x) => F.logSoftmax(x, 0), [f64([3, 2], 19)])).toBe(true);
  });
});

describe('losses', () => {
  it.each(['none', 'mean', 'sum'] as const)('mseLoss, input and broadcast target, %s', (reduction) => {
    expect(gradcheck((x, y) => F.mseLoss(x, y, { reduction }), [f64([3, 4], 20), f64([4], 21)])).toBe(true);
  });

  it.each(['none', 'mean', 'sum'] as const)('nllLoss with weights and an ignored target, %s', (reduction) => {
    const target = torch.tensor([0, 2, -100, 1, 2]);
    const weight = f64([3], 22, 0.5, 2, false);
    expect(gradcheck((x) => F.nllLoss(x, target, { weight, reduction }), [f64([5, 3], 23)])).toBe(true);
  });

  it('nllLoss over spatial dims and one sample', () => {
    expect(gradcheck((x) => F.nllLoss(x, torch.tensor([[0, 3], [2, 1]])), [f64([2, 4, 2], 24)])).toBe(true);
    expect(gradcheck((x) => F.nllLoss(x, torch.tensor(2)), [f64([4], 25)])).toBe(true);
  });

  it.each(['none', 'mean', 'sum'] as const)('crossEntropy, class indices with weights, ignoreIndex and label smoothing, %s', (reduction) => {
    const target = torch.tensor([1, 0, 1, 2]);
    const weight = f64([3], 26, 0.5, 2, false);
    expect(gradcheck((x) => F.crossEntropy(x, target, { weight, reduction, ignoreIndex: 0, labelSmoothing: 0.2 }), [f64([4, 3], 27)])).toBe(true);
  });

  it.each(['none', 'mean', 'sum'] as const)('crossEntropy, probabilities (input and target), %s', (reduction) => {
    const target = f64([3, 4], 28, 0, 1).softmax(1).detach().requiresGrad_();
    expect(gradcheck((x, y) => F.crossEntropy(x, y, { reduction, labelSmoothing: 0.1 }), [f64([3, 4], 29), target])).toBe(true);
  });

  it('crossEntropy stays finite for huge logits', () => {
    const logits = torch.tensor([[1000, -1000, 0], [-1000, 1000, 500]], { dtype: 'float64', requiresGrad: true });
    const loss = F.crossEntropy(logits, torch.tensor([0, 2]));
    expect(loss.item()).toBe(250);
    loss.backward();
    expect(logits.grad!.tolist()).toEqual([[0, 0, 0], [0, 0.5, -0.5]]);
  });

  it('double backward through the hand-written backwards (nllLoss, mseLoss)', () => {
    const target = torch.tensor([2, 0, 1]);
    const nllGrad = (x: Tensor) => torch.autograd.grad(F.crossEntropy(x, target), x, { createGraph: true })[0]!;
    expect(gradcheck(nllGrad, [f64([3, 3], 30)])).toBe(true);
    const mseGrad = (x: Tensor, y: Tensor) => torch.autograd.grad(F.mseLoss(x, y).mul(F.mseLoss(x, y)), [x, y], { createGraph: true }) as Tensor[];
    expect(gradcheck(mseGrad, [f64([4], 31), f64([4], 32)])).toBe(true);
  });
});
