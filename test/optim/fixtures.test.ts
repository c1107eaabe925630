/**
 * torch.optim against PyTorch (test/fixtures/optim.json, from tools/fixtures_optim.py; regenerate
 * with `/usr/bin/python3 tools/fixtures_optim.py`), on every device:
 *
 * - step by step: from the same parameters, given the gradients PyTorch's step used, every
 *   parameter after every step, each group's learning rate (with StepLR), and the optimizer's
 *   state at the end must match PyTorch's (float32 within 1e-6 + 1e-5·|e|, float64 within
 *   1e-12 + 1e-10·|e|). Covers SGD (momentum, dampening, Nesterov, weight decay, maximize), Adam
 *   (AMSGrad, weight decay, betas, eps, maximize), AdamW, parameter groups, a parameter skipped by
 *   a step, and StepLR.
 * - end to end: a small MLP trained with CrossEntropyLoss from PyTorch's initial weights gives
 *   PyTorch's losses and final weights (Kindling computes its own gradients here).
 * - resuming: an Adam state saved by PyTorch (safetensors, in the layout src/io documents) loads
 *   into a Kindling Adam, which then continues exactly as PyTorch's did; and the other way round,
 *   PyTorch continues a training that Kindling saved (test/optim/fixtures/kindling-*.safetensors,
 *   which this test checks it still writes byte for byte; `UPDATE_FIXTURES=1` rewrites them), with
 *   the losses and weights Kindling's own continuation gives.
 * - PyTorch's errors for invalid hyperparameters and parameter lists.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import * as torch from '../../src/index.js';
import type { Device, Tensor } from '../../src/index.js';
import { devices, hasFloat64 } from '../devices.js';
import { expectClose } from '../helpers.js';
import { expected, make, tolerance, type TensorSpec } from '../nn/fixture-helpers.js';

const { nn, optim } = torch;
const root = join(import.meta.dirname, '..', '..');

interface StepsCase {
  name: string;
  optimizer: 'SGD' | 'Adam' | 'AdamW';
  kwargs: Record<string, unknown>;
  groups: (Record<string, unknown> & { params: number[] })[] | null;
  scheduler: { step_size: number; gamma: number } | null;
  params: TensorSpec[];
  steps: { grads: (TensorSpec | null)[]; params: TensorSpec[]; lr: number[] }[];
  state: Record<string, Record<string, TensorSpec>>;
}
interface TrainingCase {
  name: string;
  optimizer: 'SGD' | 'Adam' | 'AdamW';
  kwargs: Record<string, unknown>;
  model: Record<string, TensorSpec>;
  x: TensorSpec;
  y: TensorSpec;
  losses: number[];
  final: Record<string, TensorSpec>;
}
interface ResumeCase {
  name: string;
  model: Record<string, TensorSpec>;
  x: TensorSpec;
  y: TensorSpec;
  file: string;
  losses: number[];
  final: Record<string, TensorSpec>;
}
const fixtures = JSON.parse(readFileSync(new URL('../fixtures/optim.json', import.meta.url), 'utf8')) as {
  steps: StepsCase[];
  training: TrainingCase[];
  resume: ResumeCase[];
  errors: { name: string; optimizer: 'SGD' | 'Adam' | 'AdamW'; kwargs: Record<string, unknown>; message: string }[];
  from_kindling: { name: string; param_groups: Record<string, unknown>[]; losses: number[]; final: Record<string, TensorSpec> }[];
};

/** PyTorch's keyword arguments in Kindling's spelling (weight_decay → weightDecay). */
const camel = (kwargs: Record<string, unknown>) =>
  Object.fromEntries(Object.entries(kwargs).map(([k, v]) => [k.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase()), v]));

const optimizers = { SGD: optim.SGD, Adam: optim.Adam, AdamW: optim.AdamW };
// eslint-disable-next-line @typescript-eslint/no-explicit-any
const build = (name: keyof typeof optimizers, params: any, kwargs: Record<string, unknown>) => new optimizers[name](params, camel(kwargs));

/** PyTorch's state names → Kindling's. */
const stateName: Record<string, string> = { momentum_buffer: 'momentumBuffer', exp_avg: 'expAvg', exp_avg_sq: 'expAvgSq', max_exp_avg_sq: 'maxExpAvgSq', step: 'step' };

/** The MLP of tools/fixtures_optim.py. */
class TinyMLP extends nn.Module {
  layers = new nn.Sequential(new nn.Linear(4, 8), new nn.ReLU(), new nn.Linear(8, 3));
  forward(x: Tensor) {
    return this.layers(x);
  }
}

function load(model: torch.nn.Module, state: Record<string, TensorSpec>, device: Device): void {
  model.loadStateDict(Object.fromEntries(Object.entries(state).map(([k, v]) => [k, make(v, device)])));
}

async function trainLoop(model: TinyMLP, optimizer: torch.optim.Optimizer, x: Tensor, y: Tensor, steps: number): Promise<number[]> {
  const lossFn = new nn.CrossEntropyLoss();
  const losses: number[] = [];
  for (let i = 0; i < steps; i++) {
    const loss = lossFn(model(x), y);
    optimizer.zeroGrad();
    loss.backward();
    optimizer.step();
    losses.push(await loss.itemAsync());
  }
  return losses;
}

describe.each(devices)('optim on %s: PyTorch fixtures', (device: Device) => {
  beforeAll(async () => {
    await torch.init(device);
  });
  const supported = (spec: TensorSpec) => hasFloat64(device) || spec.dtype !== 'float64';

  it.each(fixtures.steps.filter((c) => c.params.every(supported)))('step by step: $name', async (c) => {
    const params = c.params.map((spec) => new nn.Parameter(make(spec, device)));
    const groups = c.groups?.map((g) => ({ ...camel(g), params: g.params.map((i) => params[i]) }));
    const optimizer = build(c.optimizer, groups ?? params, c.kwargs);
    const scheduler = c.scheduler && new optim.lrScheduler.StepLR(optimizer, c.scheduler.step_size, c.scheduler.gamma);
    for (const [i, step] of c.steps.entries()) {
      optimizer.zeroGrad();
      step.grads.forEach((g, j) => (params[j].grad = g && make(g, device)));
      optimizer.step();
      scheduler?.step();
      for (const [j, want] of step.params.entries()) await expectClose(params[j], expected(want), tolerance(want.dtype));
      expect(optimizer.paramGroups.map((g) => g.lr), `lr after step ${i}`).toEqual(step.lr);
    }
    // the state at the end: PyTorch's state dict, in Kindling's names (PyTorch 1.13 keeps
    // `momentum_buffer: None` without momentum, where Kindling, like PyTorch 2, keeps nothing)
    const state = optimizer.stateDict().state;
    const pytorchState = Object.entries(c.state)
      .map(([i, entries]) => [i, Object.fromEntries(Object.entries(entries).filter(([, v]) => v !== null))] as const)
      .filter(([, entries]) => Object.keys(entries).length > 0);
    expect(Object.keys(state)).toEqual(pytorchState.map(([i]) => i));
    for (const [index, entries] of pytorchState) {
      expect(Object.keys(state[Number(index)]).sort()).toEqual(Object.keys(entries).map((k) => stateName[k]).sort());
      for (const [name, spec] of Object.entries(entries)) {
        const got = state[Number(index)][stateName[name]];
        if (name === 'step') expect(got).toBe(spec.data[0]);
        else await expectClose(got as Tensor, expected(spec), tolerance(spec.dtype));
      }
    }
  });

  it.each(fixtures.training)('training an MLP with CrossEntropyLoss: $name', async (c) => {
    const model = new TinyMLP().to(device);
    load(model, c.model, device);
    const optimizer = build(c.optimizer, model.parameters(), c.kwargs);
    const losses = await trainLoop(model, optimizer, make(c.x, device), make(c.y, device), c.losses.length);
    losses.forEach((loss, i) => expect(Math.abs(loss - c.losses[i]), `loss ${i}: ${loss} vs ${c.losses[i]}`).toBeLessThan(1e-5 * Math.max(1, Math.abs(c.losses[i]))));
    const state = model.stateDict();
    for (const [key, spec] of Object.entries(c.final)) await expectClose(state[key], expected(spec), { atol: 1e-5, rtol: 1e-4 });
  });

  it.each(fixtures.resume)('resuming from an optimizer state PyTorch saved: $name', async (c) => {
    const model = new TinyMLP().to(device);
    load(model, c.model, device);
    const optimizer = new optim.Adam(model.parameters()); // the hyperparameters come from the file
    optimizer.loadStateDict(await torch.load<torch.optim.OptimizerStateDict>(join(root, c.file)));
    expect(optimizer.paramGroups[0]).toMatchObject({ lr: 0.01, amsgrad: true, weightDecay: 0.01, betas: [0.9, 0.999] });
    expect(optimizer.state.get(model.parameters()[0])).toMatchObject({ step: 3 });
    const losses = await trainLoop(model, optimizer, make(c.x, device), make(c.y, device), c.losses.length);
    losses.forEach((loss, i) => expect(Math.abs(loss - c.losses[i])).toBeLessThan(1e-5));
    const state = model.stateDict();
    for (const [key, spec] of Object.entries(c.final)) await expectClose(state[key], expected(spec), { atol: 1e-5, rtol: 1e-4 });
  });
});

describe('a training saved by Kindling, continued by PyTorch', () => {
  /** Three Adam steps on seeded data: the model (with the data, as x and y) and the optimizer, saved. */
  async function checkpoint() {
    torch.manualSeed(77);
    const model = new TinyMLP();
    const x = torch.randn(16, 4);
    const y = torch.randint(3, [16]);
    const optimizer = new optim.Adam(model.parameters(), { lr: 0.02, betas: [0.8, 0.99], weightDecay: 0.01 });
    await trainLoop(model, optimizer, x, y, 3);
    return { model, optimizer, x, y };
  }

  it('writes the same checkpoint files as when PyTorch read them', async () => {
    const { model, optimizer, x, y } = await checkpoint();
    const files = {
      'kindling-model.safetensors': await torch.save({ ...model.stateDict(), x, y }),
      'kindling-adam.safetensors': await torch.save(optimizer.stateDict()),
    };
    for (const [name, bytes] of Object.entries(files)) {
      const path = join(root, 'test', 'optim', 'fixtures', name);
      if (process.env.UPDATE_FIXTURES) writeFileSync(path, bytes);
      expect(Buffer.from(bytes).equals(readFileSync(path)), `${name}: rerun with UPDATE_FIXTURES=1, then /usr/bin/python3 tools/fixtures_optim.py`).toBe(true);
    }
  });

  it("PyTorch's continuation equals Kindling's", async () => {
    const [c] = fixtures.from_kindling;
    expect(c, 'run /usr/bin/python3 tools/fixtures_optim.py after writing the checkpoint').toBeDefined();
    expect(c.param_groups[0]).toMatchObject({ lr: 0.02, betas: [0.8, 0.99], weight_decay: 0.01, amsgrad: false, params: [0, 1, 2, 3] });
    const { model, optimizer, x, y } = await checkpoint();
    const losses = await trainLoop(model, optimizer, x, y, 3);
    losses.forEach((loss, i) => expect(Math.abs(loss - c.losses[i])).toBeLessThan(1e-5));
    const state = model.stateDict();
    for (const [key, spec] of Object.entries(c.final)) await expectClose(state[key], expected(spec), { atol: 1e-5, rtol: 1e-4 });
  });
});

describe('optimizer errors, as PyTorch words them', () => {
  it.each(fixtures.errors)('$name', (c) => {
    const p = new nn.Parameter(torch.zeros(2));
    const params =
      c.name === 'empty parameter list' ? [] : c.name === 'a parameter in two groups' ? [{ params: [p] }, { params: [p] }] : c.name === 'a non-leaf tensor' ? [p.mul(2)] : [p];
    expect(() => build(c.optimizer, params, c.kwargs)).toThrow(c.message);
  });
});
