/**
 * torch.optim beyond the PyTorch fixtures: state dicts (an interrupted run, saved and resumed
 * through `torch.save`/`torch.load`, continues exactly like an uninterrupted one), zeroGrad,
 * closures, parameter groups, schedulers' state, printing and the checks of `loadStateDict`.
 */
import { describe, expect, it } from 'vitest';
import * as torch from '../../src/index.js';
import type { Tensor } from '../../src/index.js';

const { nn, optim } = torch;

function setup(seed: number) {
  torch.manualSeed(seed);
  const model = new nn.Sequential(new nn.Linear(3, 5), new nn.ReLU(), new nn.Linear(5, 2));
  const x = torch.randn(8, 3);
  const y = torch.randint(2, [8]);
  return { model, x, y };
}

function train(model: torch.nn.Module, optimizer: torch.optim.Optimizer, x: Tensor, y: Tensor, steps: number): void {
  const lossFn = new nn.CrossEntropyLoss();
  for (let i = 0; i < steps; i++) {
    optimizer.zeroGrad();
    lossFn(model(x), y).backward();
    optimizer.step();
  }
}

describe.each([
  ['SGD with Nesterov momentum', (p: Iterable<Tensor>) => new optim.SGD(p, { lr: 0.1, momentum: 0.9, nesterov: true })],
  ['Adam with AMSGrad', (p: Iterable<Tensor>) => new optim.Adam(p, { lr: 0.01, amsgrad: true })],
  ['AdamW', (p: Iterable<Tensor>) => new optim.AdamW(p, { lr: 0.01 })],
])('%s: save, load, resume', (_name, makeOptimizer) => {
  it('an interrupted run resumed from files ends where an uninterrupted one does', async () => {
    const straight = setup(1);
    train(straight.model, makeOptimizer(straight.model.parameters()), straight.x, straight.y, 6);

    const first = setup(1);
    const optimizer = makeOptimizer(first.model.parameters());
    train(first.model, optimizer, first.x, first.y, 3);
    const [modelBytes, optimizerBytes] = [await torch.save(first.model.stateDict()), await torch.save(optimizer.stateDict())];

    const resumed = setup(99); // different initial weights, replaced by the loaded ones
    const resumedOptimizer = makeOptimizer(resumed.model.parameters());
    resumed.model.loadStateDict(await torch.load(modelBytes));
    resumedOptimizer.loadStateDict(await torch.load<torch.optim.OptimizerStateDict>(optimizerBytes));
    train(resumed.model, resumedOptimizer, first.x, first.y, 3);

    const [a, b] = [straight.model.stateDict(), resumed.model.stateDict()];
    for (const key of Object.keys(a)) expect(b[key].equal(a[key]), key).toBe(true);
  });
});

describe('Optimizer', () => {
  it('zeroGrad sets gradients to null by default, or to zeros', () => {
    const w = new nn.Parameter(torch.ones(2));
    const optimizer = new optim.SGD([w], { lr: 1 });
    w.sum().backward();
    optimizer.zeroGrad({ setToNone: false });
    expect(w.grad!.tolist()).toEqual([0, 0]);
    optimizer.zeroGrad();
    expect(w.grad).toBeNull();
  });

  it('skips parameters without a gradient and keeps no state for them', () => {
    const [a, b] = [new nn.Parameter(torch.ones(2)), new nn.Parameter(torch.ones(2))];
    const optimizer = new optim.Adam([a, b]);
    a.sum().backward();
    optimizer.step();
    expect(b.tolist()).toEqual([1, 1]);
    expect(Object.keys(optimizer.stateDict().state)).toEqual(['0']);
  });

  it('runs a closure with gradients enabled, even inside noGrad, and returns its loss', () => {
    const w = new nn.Parameter(torch.tensor([2], { dtype: 'float64' }));
    const optimizer = new optim.SGD([w], { lr: 0.25 });
    const loss = torch.noGrad(() =>
      optimizer.step(() => {
        optimizer.zeroGrad();
        const l = w.mul(w).sum();
        l.backward();
        return l;
      }),
    );
    expect(loss!.item()).toBe(4);
    expect(w.item()).toBe(1);
  });

  it('parameter groups take their own hyperparameters, the defaults fill in the rest; lr can be changed in place', () => {
    const [a, b] = [new nn.Parameter(torch.ones(1)), new nn.Parameter(torch.ones(1))];
    const optimizer = new optim.SGD([{ params: [a] }, { params: [b], lr: 0.5 }], { lr: 0.1, momentum: 0.9 });
    expect(optimizer.paramGroups.map((g) => [g.lr, g.momentum])).toEqual([[0.1, 0.9], [0.5, 0.9]]);
    optimizer.paramGroups[0].lr = 1;
    a.sum().backward();
    b.sum().backward();
    optimizer.step();
    expect([a.item(), b.item()]).toEqual([0, 0.5]);
    expect(() => optimizer.addParamGroup({ params: [a] })).toThrow('some parameters appear in more than one parameter group');
  });

  it('accepts model.parameters() and any iterable of tensors, but not a single tensor', () => {
    const layer = new nn.Linear(2, 2);
    expect(new optim.Adam(layer.parameters()).paramGroups[0].params).toHaveLength(2);
    expect(new optim.Adam(new Set(layer.parameters())).paramGroups[0].params).toHaveLength(2);
    expect(() => new optim.SGD(layer.weight as never)).toThrow('should be an iterable of Tensors');
    expect(() => new optim.SGD([torch.zeros(2, { dtype: 'int32' })])).toThrow('floating point');
  });

  it('loadStateDict checks the groups and casts the state to each parameter', () => {
    const w = new nn.Parameter(torch.ones(2, { dtype: 'float64' }));
    const source = new optim.SGD([new nn.Parameter(torch.ones(2))], { lr: 0.1, momentum: 0.9 });
    source.paramGroups[0].params[0].sum().backward();
    source.step();
    const target = new optim.SGD([w], { momentum: 0.9 });
    target.loadStateDict(source.stateDict());
    expect((target.state.get(w)!.momentumBuffer as Tensor).dtype).toBe('float64');
    expect(target.paramGroups[0].lr).toBe(0.1);
    const two = new optim.SGD([{ params: [w] }, { params: [new nn.Parameter(torch.ones(1))] }]);
    expect(() => two.loadStateDict(source.stateDict())).toThrow('loaded state dict has a different number of parameter groups');
    const bigger = new optim.SGD([w, new nn.Parameter(torch.ones(1))]);
    expect(() => bigger.loadStateDict(source.stateDict())).toThrow("doesn't match the size of optimizer's group");
  });

  it('prints its groups as PyTorch does', () => {
    const optimizer = new optim.Adam([new nn.Parameter(torch.ones(1))], { lr: 0.01 });
    expect(String(optimizer)).toBe(
      'Adam (\nParameter Group 0\n    amsgrad: False\n    betas: (0.9, 0.999)\n    eps: 1e-8\n    lr: 0.01\n    maximize: False\n    weightDecay: 0\n)',
    );
  });
});

describe('lrScheduler.StepLR', () => {
  it('decays every stepSize epochs, per group, and restores its state', () => {
    const optimizer = new optim.SGD([{ params: [new nn.Parameter(torch.ones(1))] }, { params: [new nn.Parameter(torch.ones(1))], lr: 1 }], { lr: 0.1 });
    const scheduler = new optim.lrScheduler.StepLR(optimizer, 3, 0.1);
    const seen: number[][] = [];
    for (let epoch = 0; epoch < 7; epoch++) {
      seen.push(scheduler.getLastLr());
      scheduler.step();
    }
    expect(seen.map((lrs) => lrs.map((lr) => Number(lr.toPrecision(12))))).toEqual([
      [0.1, 1], [0.1, 1], [0.1, 1], [0.01, 0.1], [0.01, 0.1], [0.01, 0.1], [0.001, 0.01],
    ]);
    expect(optimizer.paramGroups.map((g) => g.initialLr)).toEqual([0.1, 1]);
    const state = scheduler.stateDict();
    expect(state).toMatchObject({ lastEpoch: 7, stepSize: 3, gamma: 0.1, baseLrs: [0.1, 1] });
    const other = new optim.lrScheduler.StepLR(new optim.SGD([new nn.Parameter(torch.ones(1))]), 1);
    other.loadStateDict(state);
    expect(other.lastEpoch).toBe(7);
  });

  it('resuming needs the initial learning rates', () => {
    expect(() => new optim.lrScheduler.StepLR(new optim.SGD([new nn.Parameter(torch.ones(1))]), 2, 0.1, 4)).toThrow(
      "param 'initial_lr' is not specified in param_groups[0] when resuming an optimizer",
    );
  });
});
