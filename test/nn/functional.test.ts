/**
 * nn.functional (src/nn/functional.ts).
 *
 * binaryCrossEntropyWithLogits:
 * - PyTorch is the judge: every case of test/fixtures/nn.json (written by tools/fixtures_nn.py,
 *   regenerate with `/usr/bin/python3 tools/fixtures_nn.py`) runs on every device, with input and
 *   target requiring grad; the loss, and the gradients of input and target after
 *   `loss.backward(gradOutput)`, must match PyTorch's: float32 within 1e-6 + 1e-5·|e| for values and
 *   1e-5 + 1e-4·|e| for gradients, float64 within 1e-12 + 1e-10·|e|. Error cases must throw a message
 *   containing PyTorch's (with Kindling's spelling of shapes and dtypes).
 * - gradcheck in float64 (finite differences) for input and target, each reduction, with weight
 *   and posWeight broadcast, and for double backward (the backward is built from Tensor ops).
 * - The graph: `gradFn` named as PyTorch names it, its next functions, saved-tensor version checks,
 *   no recording under noGrad.
 */
import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import * as torch from '../../src/index.js';
import type { DType, Device, Tensor } from '../../src/index.js';
import { devices, hasFloat64 } from '../devices.js';
import { expectClose } from '../helpers.js';

const F = torch.nn.functional;

// ---- fixture format (see tools/fixtures_nn.py) --------------------------------------------------

type Num = number | boolean | 'nan' | 'inf' | '-inf';
interface TensorSpec {
  shape: number[];
  dtype: DType;
  data: Num[];
}
type ArgName = 'input' | 'target' | 'weight' | 'pos_weight';
interface Case {
  name: string;
  args: Partial<Record<ArgName, TensorSpec>>;
  kwargs: { reduction?: torch.nn.functional.Reduction };
  grad_output: TensorSpec;
  output: TensorSpec;
  grads: Partial<Record<'input' | 'target', TensorSpec>>;
}
interface ErrorCase {
  name: string;
  args: Partial<Record<ArgName, TensorSpec>>;
  kwargs: { reduction?: string };
  requires_grad: ArgName[];
  error: string;
  message: string;
}
interface Fixtures {
  binary_cross_entropy_with_logits: { cases: Case[]; errors: ErrorCase[] };
}

const fixtures = JSON.parse(readFileSync(new URL('../fixtures/nn.json', import.meta.url), 'utf8')) as Fixtures;

const decode = (v: Num): number | boolean => (v === 'nan' ? NaN : v === 'inf' ? Infinity : v === '-inf' ? -Infinity : v);

function make(spec: TensorSpec, device: Device, requiresGrad = false): Tensor {
  const values = spec.data.map((v) => Number(decode(v)));
  return torch.tensor(values, { dtype: spec.dtype }).reshape(spec.shape).to(device).requiresGrad_(requiresGrad);
}

const expected = (spec: TensorSpec) => ({ shape: spec.shape, data: spec.data.map((v) => Number(decode(v))) });

/** Values: float32 1e-6 + 1e-5·|e|, float64 1e-12 + 1e-10·|e|; gradients a little looser in float32. */
const tolerance = (dtype: DType, grad = false) =>
  dtype === 'float64' ? { atol: 1e-12, rtol: 1e-10 } : grad ? { atol: 1e-5, rtol: 1e-4 } : { atol: 1e-6, rtol: 1e-5 };

/** The Kindling call for a fixture's arguments. */
function bce(args: Partial<Record<ArgName, Tensor>>, kwargs: { reduction?: string }): Tensor {
  return F.binaryCrossEntropyWithLogits(args.input!, args.target!, {
    weight: args.weight,
    posWeight: args.pos_weight,
    reduction: kwargs.reduction as torch.nn.functional.Reduction | undefined,
  });
}

describe.each(devices)('binaryCrossEntropyWithLogits on %s: PyTorch fixtures', (device) => {
  beforeAll(async () => {
    await torch.init(device);
  });

  const { cases, errors } = fixtures.binary_cross_entropy_with_logits;

  it('has cases for every reduction, weight and posWeight', () => {
    expect(cases.length).toBeGreaterThan(40);
    for (const reduction of ['none', 'mean', 'sum']) expect(cases.some((c) => c.kwargs.reduction === reduction)).toBe(true);
    expect(cases.some((c) => c.args.weight && c.args.pos_weight)).toBe(true);
  });

  // webgpu has no float64: its float64 cases are skipped there
  const runnable = (c: (typeof cases)[number]) => hasFloat64(device) || !JSON.stringify(c).includes('float64');
  it.each(cases.filter(runnable))('$name', async (c) => {
    const args: Partial<Record<ArgName, Tensor>> = {};
    for (const [name, spec] of Object.entries(c.args) as [ArgName, TensorSpec][]) {
      args[name] = make(spec, device, name === 'input' || name === 'target');
    }
    const out = bce(args, c.kwargs);
    expect(out.dtype).toBe(c.output.dtype);
    await expectClose(out, expected(c.output), tolerance(out.dtype));
    expect(out.gradFn?.name).toBe('BinaryCrossEntropyWithLogitsBackward0');

    out.backward(make(c.grad_output, device));
    for (const name of ['input', 'target'] as const) {
      const want = c.grads[name];
      const got = args[name]!.grad;
      expect(got, `${name}.grad`).not.toBeNull();
      expect(got!.dtype).toBe(want!.dtype);
      await expectClose(got!, expected(want!), tolerance(got!.dtype, true));
    }
  });

  it.each(errors)('error: $name', (c) => {
    const args: Partial<Record<ArgName, Tensor>> = {};
    for (const [name, spec] of Object.entries(c.args) as [ArgName, TensorSpec][]) {
      args[name] = make(spec, device, c.requires_grad.includes(name));
    }
    expect(() => bce(args, c.kwargs)).toThrow(c.message);
  });
});

describe('binaryCrossEntropyWithLogits: gradients against finite differences (float64)', () => {
  const f64 = (shape: number[], low: number, high: number, requiresGrad = false) =>
    torch.rand(shape, { dtype: 'float64' }).mul(high - low).add(low).requiresGrad_(requiresGrad);

  it.each(['none', 'mean', 'sum'] as const)('input and target, reduction %s', (reduction) => {
    torch.manualSeed(1);
    const x = f64([3, 4], -4, 4, true);
    const y = f64([3, 4], 0, 1, true);
    expect(torch.autograd.gradcheck((x, y) => F.binaryCrossEntropyWithLogits(x, y, { reduction }), [x, y])).toBe(true);
  });

  it.each(['none', 'mean', 'sum'] as const)('with broadcast weight and posWeight, reduction %s', (reduction) => {
    torch.manualSeed(2);
    const x = f64([2, 3, 4], -5, 5, true);
    const y = f64([2, 3, 4], 0, 1, true);
    const weight = f64([3, 1], 0.1, 2);
    const posWeight = f64([4], 0.5, 3);
    const loss = (x: Tensor, y: Tensor) => F.binaryCrossEntropyWithLogits(x, y, { weight, posWeight, reduction });
    expect(torch.autograd.gradcheck(loss, [x, y])).toBe(true);
  });

  it('at large logits and at 0, where the loss bends', () => {
    const x = torch.tensor([-40, -8, -1e-3, 0, 1e-3, 8, 40], { dtype: 'float64', requiresGrad: true });
    const y = torch.tensor([1, 0.3, 1, 0.5, 0, 0.7, 0], { dtype: 'float64', requiresGrad: true });
    const posWeight = torch.tensor([2.5], { dtype: 'float64' });
    expect(torch.autograd.gradcheck((x, y) => F.binaryCrossEntropyWithLogits(x, y, { posWeight, reduction: 'none' }), [x, y])).toBe(true);
  });

  it('double backward: the backward is itself differentiable', () => {
    torch.manualSeed(3);
    const x = f64([5], -3, 3, true);
    const y = f64([5], 0, 1, true);
    const posWeight = f64([5], 0.5, 3);
    const weight = f64([5], 0.1, 2);
    // the first derivatives, kept in the graph (createGraph), checked against their finite differences
    const gradients = (x: Tensor, y: Tensor) => {
      const loss = F.binaryCrossEntropyWithLogits(x, y, { weight, posWeight });
      return torch.autograd.grad(loss, [x, y], { createGraph: true }) as Tensor[];
    };
    expect(torch.autograd.gradcheck(gradients, [x, y])).toBe(true);
    // including at x = 0 exactly, where -log σ(x) is computed from |x| and max(-x, 0)
    const zero = torch.zeros(5, { dtype: 'float64', requiresGrad: true });
    expect(torch.autograd.gradcheck(gradients, [zero, y])).toBe(true);
    // and far out, where 1 + e^-|x| rounds to 1 and log1p takes its other branch
    const far = torch.tensor([-45, -40, 0.5, 40, 45], { dtype: 'float64', requiresGrad: true });
    expect(torch.autograd.gradcheck(gradients, [far, y])).toBe(true);
  });
});

describe('binaryCrossEntropyWithLogits: the graph and the math', () => {
  it('records one node, named as PyTorch names it, leading to the input and (when it requires grad) the target', () => {
    const x = torch.randn(3, { requiresGrad: true });
    const z = x.mul(2);
    const loss = F.binaryCrossEntropyWithLogits(z, torch.rand(3));
    expect(String(loss.gradFn)).toBe('<BinaryCrossEntropyWithLogitsBackward0>');
    expect(loss.gradFn!.nextFunctions.map(([node, i]) => [node?.name ?? null, i])).toEqual([
      ['MulBackward0', 0],
      [null, 0],
    ]);
    expect(String(loss)).toMatch(/^tensor\(\d+\.\d{4}, grad_fn=<BinaryCrossEntropyWithLogitsBackward0>\)$/);
  });

  it('gives the tutorial network the gradient (σ(z) - y) / n for w and b', () => {
    torch.manualSeed(0);
    const x = torch.ones(5);
    const y = torch.zeros(3);
    const w = torch.randn(5, 3, { requiresGrad: true });
    const b = torch.randn(3, { requiresGrad: true });
    const z = torch.matmul(x, w).add(b);
    F.binaryCrossEntropyWithLogits(z, y).backward();
    const dz = z.detach().sigmoid().sub(y).div(3);
    expect(b.grad!.allclose(dz)).toBe(true);
    expect(w.grad!.allclose(dz.expand(5, 3))).toBe(true);
  });

  it('equals -[pw·y·log σ(x) + (1 - y)·log(1 - σ(x))]·w where that is finite', () => {
    torch.manualSeed(4);
    const x = torch.randn([4, 3], { dtype: 'float64' }).mul(3);
    const y = torch.rand([4, 3], { dtype: 'float64' });
    const weight = torch.rand([3], { dtype: 'float64' });
    const posWeight = torch.rand([3], { dtype: 'float64' }).mul(3);
    const p = x.sigmoid();
    const naive = posWeight.mul(y).mul(p.log()).add(torch.sub(1, y).mul(torch.sub(1, p).log())).neg().mul(weight);
    expect(F.binaryCrossEntropyWithLogits(x, y, { weight, posWeight, reduction: 'none' }).allclose(naive, { rtol: 1e-10, atol: 1e-12 })).toBe(true);
  });

  it('stays finite and exact for huge logits, where σ rounds to 0 or 1', () => {
    const x = torch.tensor([-1000, -100, 100, 1000], { dtype: 'float32' });
    const y = torch.tensor([0, 1, 0, 1], { dtype: 'float32' });
    const loss = F.binaryCrossEntropyWithLogits(x, y, { reduction: 'none' });
    // a right answer far out costs ~e^-|x|; a wrong one costs |x|
    expect(loss.tolist()).toEqual([0, 100, 100, 0]);
    // log(1 + e^-20): 1 + e^-20 rounds to 1 in float32, the loss still comes out as e^-20
    const small = F.binaryCrossEntropyWithLogits(torch.tensor([20], { dtype: 'float32' }), torch.tensor([1], { dtype: 'float32' }));
    expect(small.item()).toBeCloseTo(Math.exp(-20), 15);
    expect(small.item() / Math.exp(-20)).toBeCloseTo(1, 5);
  });

  it('defaults to the mean, and reduces as asked', () => {
    const x = torch.tensor([0.5, -1, 2]);
    const y = torch.tensor([1, 0, 0.25]);
    const none = F.binaryCrossEntropyWithLogits(x, y, { reduction: 'none' });
    expect(none.shape).toEqual([3]);
    expect(F.binaryCrossEntropyWithLogits(x, y).item()).toBeCloseTo(none.mean().item(), 6);
    expect(F.binaryCrossEntropyWithLogits(x, y, { reduction: 'sum' }).item()).toBeCloseTo(none.sum().item(), 6);
  });

  it('promotes input and target to a common float dtype, and gives each its gradient in its own dtype', () => {
    const x = torch.tensor([0.5, -1], { dtype: 'float64', requiresGrad: true });
    const y = torch.tensor([1, 0], { dtype: 'float32', requiresGrad: true });
    const loss = F.binaryCrossEntropyWithLogits(x, y);
    expect(loss.dtype).toBe('float64');
    loss.backward();
    expect(x.grad!.dtype).toBe('float64');
    expect(y.grad!.dtype).toBe('float32');
  });

  it('records nothing under noGrad, where weights that require grad are allowed', () => {
    const x = torch.randn(3, { requiresGrad: true });
    const weight = torch.ones(3, { requiresGrad: true });
    const loss = torch.noGrad(() => F.binaryCrossEntropyWithLogits(x, torch.rand(3), { weight }));
    expect(loss.requiresGrad).toBe(false);
    expect(loss.gradFn).toBeNull();
  });

  it('does not record when neither input nor target requires grad', () => {
    const loss = F.binaryCrossEntropyWithLogits(torch.randn(3), torch.rand(3));
    expect(loss.requiresGrad).toBe(false);
  });

  it('notices an in-place change of a saved tensor before backward', () => {
    const x = torch.randn(3, { requiresGrad: true });
    const y = torch.rand(3);
    const loss = F.binaryCrossEntropyWithLogits(x, y);
    y.add_(1);
    expect(() => loss.backward()).toThrow('one of the variables needed for gradient computation has been modified by an inplace operation');
  });

  it('frees its saved tensors after backward unless retainGraph', () => {
    const x = torch.randn(3, { requiresGrad: true });
    const loss = F.binaryCrossEntropyWithLogits(x, torch.rand(3));
    loss.backward(undefined, { retainGraph: true });
    const once = x.grad!.clone();
    loss.backward();
    expect(x.grad!.allclose(once.mul(2))).toBe(true); // gradients accumulate
    expect(() => loss.backward()).toThrow('Trying to backward through the graph a second time');
  });
});
