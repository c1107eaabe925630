/**
 * nn.init and the layers' default initialisation: PyTorch's distributions (bounds, means and
 * standard deviations within sampling error), seeded reproducibility, and the fan rules.
 * (Kindling's generator is not PyTorch's, so the values themselves cannot be compared.)
 */
import { describe, expect, it } from 'vitest';
import * as torch from '../../src/index.js';
import type { Tensor } from '../../src/index.js';

const { nn } = torch;
const init = nn.init;

const stats = (t: Tensor) => ({ min: t.min().item(), max: t.max().item(), mean: t.mean().item(), std: t.std().item() });

describe('nn.init', () => {
  it('calculateGain and the fans follow PyTorch', () => {
    expect(init.calculateGain('linear')).toBe(1);
    expect(init.calculateGain('leaky_relu', Math.sqrt(5))).toBeCloseTo(Math.sqrt(1 / 3), 15);
    expect(init.calculateGain('selu')).toBe(0.75);
    expect(init.calculateFanInAndFanOut(torch.zeros(8, 4, 3, 2))).toEqual([24, 48]);
    expect(() => init.calculateFanInAndFanOut(torch.zeros(3))).toThrow('fewer than 2 dimensions');
    expect(() => init.kaimingUniform_(torch.zeros(3, 3), 0, 'fan_avg' as never)).toThrow('Mode fan_avg not supported');
  });

  it('uniform_ and normal_ draw from their distributions, in place, without recording', () => {
    torch.manualSeed(0);
    const w = torch.empty(20000, { requiresGrad: true });
    expect(init.uniform_(w, -3, 1)).toBe(w);
    const u = stats(w);
    expect(u.min).toBeGreaterThanOrEqual(-3);
    expect(u.max).toBeLessThan(1);
    expect(u.mean).toBeCloseTo(-1, 1);
    expect(u.std).toBeCloseTo(4 / Math.sqrt(12), 1);
    expect(w.gradFn).toBeNull();
    const n = stats(init.normal_(torch.empty(20000), 2, 0.5));
    expect(n.mean).toBeCloseTo(2, 1);
    expect(n.std).toBeCloseTo(0.5, 1);
  });

  it('repeats with the same seed or generator', () => {
    torch.manualSeed(42);
    const a = init.xavierUniform_(torch.empty(4, 5));
    torch.manualSeed(42);
    expect(init.xavierUniform_(torch.empty(4, 5)).equal(a)).toBe(true);
    const g = () => new torch.Generator(7);
    expect(init.kaimingNormal_(torch.empty(3, 3), 0, 'fan_in', 'relu', { generator: g() }).equal(init.kaimingNormal_(torch.empty(3, 3), 0, 'fan_in', 'relu', { generator: g() }))).toBe(true);
  });

  it('kaiming and xavier scale by the fans', () => {
    torch.manualSeed(1);
    const ku = stats(init.kaimingUniform_(torch.empty(256, 100), 0, 'fan_out', 'relu'));
    const bound = Math.sqrt(2) * Math.sqrt(3 / 256);
    expect(ku.max).toBeLessThanOrEqual(bound);
    expect(ku.min).toBeGreaterThanOrEqual(-bound);
    expect(ku.std).toBeCloseTo(bound / Math.sqrt(3), 2);
    const xn = stats(init.xavierNormal_(torch.empty(300, 100), 2));
    expect(xn.std).toBeCloseTo(2 * Math.sqrt(2 / 400), 2);
  });

  it('constant_, zeros_, ones_, eye_ on any floating tensor, even one that requires grad', () => {
    const p = new nn.Parameter(torch.empty(2, 2));
    expect(init.eye_(p).tolist()).toEqual([[1, 0], [0, 1]]);
    expect(init.constant_(p, 3).sum().item()).toBe(12);
    expect(init.zeros_(p).sum().item()).toBe(0);
    expect(init.ones_(p).sum().item()).toBe(4);
    expect(() => init.uniform_(torch.zeros(2, { dtype: 'int32' }))).toThrow('uniform_ expects a floating point tensor');
  });
});

describe("layers' default initialisation, as PyTorch's", () => {
  it('Linear: weight and bias uniform in ±1/√in_features', () => {
    torch.manualSeed(2);
    const layer = new nn.Linear(400, 300);
    const bound = 1 / Math.sqrt(400);
    const w = stats(layer.weight);
    expect(w.max).toBeLessThanOrEqual(bound);
    expect(w.min).toBeGreaterThanOrEqual(-bound);
    expect(w.std).toBeCloseTo(bound / Math.sqrt(3), 3);
    const b = stats(layer.bias!);
    expect(Math.max(Math.abs(b.min), b.max)).toBeLessThanOrEqual(bound);
  });

  it('Conv2d: uniform in ±1/√(in_channels/groups · kh · kw)', () => {
    torch.manualSeed(3);
    const conv = new nn.Conv2d(8, 64, [3, 5], { groups: 2 });
    const bound = 1 / Math.sqrt(4 * 15);
    expect(conv.weight.shape).toEqual([64, 4, 3, 5]);
    expect(conv.weight.abs().max().item()).toBeLessThanOrEqual(bound);
    expect(stats(conv.weight).std).toBeCloseTo(bound / Math.sqrt(3), 2);
    expect(conv.bias!.abs().max().item()).toBeLessThanOrEqual(bound);
  });

  it('BatchNorm1d: γ = 1, β = 0, running mean 0, variance 1; Embedding: N(0, 1)', () => {
    const bn = new nn.BatchNorm1d(3);
    expect([bn.weight!.tolist(), bn.bias!.tolist(), bn.runningMean!.tolist(), bn.runningVar!.tolist()]).toEqual([[1, 1, 1], [0, 0, 0], [0, 0, 0], [1, 1, 1]]);
    torch.manualSeed(4);
    const e = stats(new nn.Embedding(1000, 20).weight);
    expect(e.mean).toBeCloseTo(0, 1);
    expect(e.std).toBeCloseTo(1, 1);
  });

  it('creates parameters on the requested dtype', () => {
    const layer = new nn.Linear(2, 2, { dtype: 'float64' });
    expect([layer.weight.dtype, layer.bias!.dtype]).toEqual(['float64', 'float64']);
    expect(new nn.Conv2d(1, 1, 1, { dtype: 'float64' }).weight.dtype).toBe('float64');
  });
});
