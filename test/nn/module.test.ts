/**
 * nn.Module and the layers as modules (src/nn/module.ts, layers.ts, conv.ts, normalization.ts, loss.ts).
 *
 * - PyTorch is the judge of printing and naming: for every module in test/fixtures/nn.json
 *   (`modules.reprs`, from tools/fixtures_nn.py), `String(module)` equals PyTorch's `repr` (with
 *   Kindling's camelCase attribute names), and `stateDict({ snakeCase: true })` and
 *   `namedParameters()` give PyTorch's keys, shapes and dtypes in PyTorch's order.
 * - `loadStateDict` errors read like PyTorch's (missing, unexpected, size mismatch), nothing is
 *   half-loaded, PyTorch's snake_case keys load into camelCase models.
 * - Calling, hooks, train/eval, `to` (parameters stay the same objects), zeroGrad, buffers.
 */
import { readFileSync } from 'node:fs';
import { inspect } from 'node:util';
import { describe, expect, it } from 'vitest';
import * as torch from '../../src/index.js';
import type { Tensor } from '../../src/index.js';
import { devices, readsSync } from '../devices.js';
import { NeuralNetwork, TinyNet } from './models.js';

const { nn } = torch;

interface ReprCase {
  name: string;
  repr: string;
  state_dict: [string, number[], string][];
  named_parameters: string[];
}
const fixtures = JSON.parse(readFileSync(new URL('../fixtures/nn.json', import.meta.url), 'utf8')) as {
  modules: { reprs: ReprCase[]; load_errors: { name: string; message: string }[] };
};

/** The Kindling module for each PyTorch construction in the fixtures. */
const kindling: Record<string, () => torch.nn.AnyModule> = {
  NeuralNetwork: () => new NeuralNetwork(),
  'Linear(784, 512)': () => new nn.Linear(784, 512),
  'Linear(3, 4, bias=False)': () => new nn.Linear(3, 4, { bias: false }),
  'ReLU()': () => new nn.ReLU(),
  'Softmax(dim=1)': () => new nn.Softmax(1),
  'LogSoftmax(dim=1)': () => new nn.LogSoftmax(1),
  'Flatten()': () => new nn.Flatten(),
  'Flatten(0, 2)': () => new nn.Flatten(0, 2),
  'Unflatten(1, (2, 5))': () => new nn.Unflatten(1, [2, 5]),
  'Dropout()': () => new nn.Dropout(),
  'Dropout(0.2)': () => new nn.Dropout(0.2),
  'Conv2d(1, 6, 5)': () => new nn.Conv2d(1, 6, 5),
  'Conv2d(3, 8, 3, stride=2, padding=1, dilation=2, groups=1, bias=False)': () => new nn.Conv2d(3, 8, 3, { stride: 2, padding: 1, dilation: 2, bias: false }),
  "Conv2d(4, 4, 3, padding='same', groups=2)": () => new nn.Conv2d(4, 4, 3, { padding: 'same', groups: 2 }),
  'MaxPool2d(2)': () => new nn.MaxPool2d(2),
  'MaxPool2d(3, stride=1, padding=1)': () => new nn.MaxPool2d(3, { stride: 1, padding: 1 }),
  'BatchNorm1d(4)': () => new nn.BatchNorm1d(4),
  'BatchNorm1d(3, momentum=None, affine=False)': () => new nn.BatchNorm1d(3, { momentum: null, affine: false }),
  'Embedding(10, 3)': () => new nn.Embedding(10, 3),
  'Embedding(5, 2, padding_idx=0)': () => new nn.Embedding(5, 2, { paddingIdx: 0 }),
  'MSELoss()': () => new nn.MSELoss(),
  'NLLLoss()': () => new nn.NLLLoss(),
  'CrossEntropyLoss()': () => new nn.CrossEntropyLoss(),
  'BCEWithLogitsLoss()': () => new nn.BCEWithLogitsLoss(),
  'Sequential()': () => new nn.Sequential(),
  TinyNet: () => new TinyNet(),
};

describe('printing and names, as PyTorch', () => {
  it('covers every fixture', () => {
    expect(Object.keys(kindling).sort()).toEqual(fixtures.modules.reprs.map((r) => r.name).sort());
  });

  it.each(fixtures.modules.reprs)('$name', (c) => {
    const module = kindling[c.name]();
    // Kindling's attribute is linearReluStack where the PyTorch class has linear_relu_stack
    expect(String(module)).toBe(c.repr.replaceAll('linear_relu_stack', 'linearReluStack'));
    expect(inspect(module)).toBe(String(module)); // console.log(model)
    const state = module.stateDict({ snakeCase: true });
    expect(Object.entries(state).map(([k, v]) => [k, [...v.shape], v.dtype])).toEqual(c.state_dict);
    expect(module.namedParameters().map(([name]) => torch.nn.toSnakeCase(name))).toEqual(c.named_parameters);
  });

  it('names parameters as PyTorch does: the attribute path, then the position in a Sequential', () => {
    expect(new NeuralNetwork().namedParameters().map(([name, p]) => [name, p.shape])).toEqual([
      ['linearReluStack.0.weight', [512, 784]],
      ['linearReluStack.0.bias', [512]],
      ['linearReluStack.2.weight', [512, 512]],
      ['linearReluStack.2.bias', [512]],
      ['linearReluStack.4.weight', [10, 512]],
      ['linearReluStack.4.bias', [10]],
    ]);
    const seq = new nn.Sequential(new nn.Linear(2, 2), new nn.ReLU(), new nn.Linear(2, 1));
    expect(Object.keys(seq.stateDict())).toEqual(['0.weight', '0.bias', '2.weight', '2.bias']);
  });

  it('prints nested user modules with their own settings (extraRepr) and children', () => {
    class Block extends nn.Module {
      scale = 2;
      inner = new nn.Sequential(new nn.ReLU());
      forward(x: Tensor) {
        return this.inner(x).mul(this.scale);
      }
      override extraRepr() {
        return `scale=${this.scale}`;
      }
    }
    expect(String(new Block())).toBe('Block(\n  scale=2\n  (inner): Sequential(\n    (0): ReLU()\n  )\n)');
  });
});

describe('calling a module', () => {
  it('is a function that runs forward, and an instance of its class', () => {
    const model = new NeuralNetwork();
    expect(typeof model).toBe('function');
    expect(model).toBeInstanceOf(NeuralNetwork);
    expect(model).toBeInstanceOf(nn.Module);
    const logits = model(torch.rand(3, 28, 28));
    expect(logits.shape).toEqual([3, 10]);
    expect(model.forward(torch.rand(1, 28, 28)).shape).toEqual([1, 10]);
  });

  it('lets subclasses use the names a function would have (name, length)', () => {
    class Named extends nn.Module {
      override name = 'encoder';
      override length = 3;
    }
    const m = new Named();
    expect([m.name, m.length]).toEqual(['encoder', 3]);
  });

  it('fails like PyTorch without a forward', () => {
    expect(() => new nn.Module()(torch.ones(1))).toThrow('Module [Module] is missing the required "forward" function');
  });

  it('runs forward pre-hooks, then forward, then forward hooks; handles remove them', () => {
    const layer = new nn.Linear(2, 2);
    const calls: string[] = [];
    const pre = layer.registerForwardPreHook((m, input) => {
      calls.push(`pre ${m === layer} ${(input[0] as Tensor).shape}`);
    });
    const post = layer.registerForwardHook((_m, _input, output) => {
      calls.push('post');
      return torch.zerosLike(output as Tensor);
    });
    expect(layer(torch.ones(1, 2)).tolist()).toEqual([[0, 0]]);
    pre.remove();
    post.remove();
    expect(layer(torch.ones(1, 2)).abs().sum().item()).toBeGreaterThan(0);
    expect(calls).toEqual(['pre true 1,2', 'post']);
  });
});

describe('walking the tree', () => {
  it('finds parameters, buffers and children by their properties, in order, each once', () => {
    const shared = new nn.Linear(2, 2);
    class Twice extends nn.Module {
      a = shared;
      b = shared;
      plain = torch.ones(2, { requiresGrad: true }); // a plain tensor is not a parameter, as in PyTorch
      forward(x: Tensor) {
        return this.b(this.a(x));
      }
    }
    const m = new Twice();
    expect(m.namedParameters().map(([n]) => n)).toEqual(['a.weight', 'a.bias']);
    expect(m.namedModules().map(([n]) => n)).toEqual(['', 'a']);
    expect(m.namedChildren().map(([n]) => n)).toEqual(['a']);
    // the state dict has every name, as PyTorch's does
    expect(Object.keys(m.stateDict())).toEqual(['a.weight', 'a.bias', 'b.weight', 'b.bias']);
    expect(String(m)).toBe(
      'Twice(\n  (a): Linear(in_features=2, out_features=2, bias=True)\n  (b): Linear(in_features=2, out_features=2, bias=True)\n)',
    );
  });

  it('keeps non-persistent buffers out of the state dict but moves them', () => {
    const m = new nn.Module();
    m.registerBuffer('kept', torch.zeros(2));
    m.registerBuffer('scratch', torch.zeros(2), false);
    expect(Object.keys(m.stateDict())).toEqual(['kept']);
    expect(m.namedBuffers().map(([n]) => n)).toEqual(['kept', 'scratch']);
    m.to('float64');
    expect(m.buffers().map((b) => b.dtype)).toEqual(['float64', 'float64']);
  });

  it('checks registered names and values', () => {
    const m = new nn.Module();
    expect(() => m.registerBuffer('a.b', torch.zeros(1))).toThrow('buffer name can\'t contain "."');
    expect(() => m.registerParameter('w', torch.zeros(1) as never)).toThrow("cannot assign a plain Tensor as parameter 'w'");
    expect(() => m.registerBuffer('train', torch.zeros(1))).toThrow("attribute 'train' already exists");
  });

  it('Sequential: indexing, length, iteration, append, named modules', () => {
    const seq = new nn.Sequential(new nn.Linear(3, 3), new nn.ReLU());
    expect(seq[0]).toBeInstanceOf(nn.Linear);
    expect(seq.length).toBe(2);
    expect([...seq].map((m) => m.constructor.name)).toEqual(['Linear', 'ReLU']);
    seq.append(new nn.Linear(3, 1));
    expect(seq(torch.ones(4, 3)).shape).toEqual([4, 1]);
    const named = new nn.Sequential({ encoder: new nn.Linear(2, 4), act: new nn.ReLU() });
    expect(Object.keys(named.stateDict())).toEqual(['encoder.weight', 'encoder.bias']);
    expect(String(named)).toBe('Sequential(\n  (encoder): Linear(in_features=2, out_features=4, bias=True)\n  (act): ReLU()\n)');
  });
});

describe('modes and gradients', () => {
  it('train() and eval() set every submodule; Dropout is the identity in eval mode', () => {
    torch.manualSeed(0);
    const model = new nn.Sequential(new nn.Linear(4, 4), new nn.Dropout(0.5));
    expect(model.modules().every((m) => m.training)).toBe(true);
    const x = torch.ones(8, 4);
    model.eval();
    expect(model.modules().every((m) => !m.training)).toBe(true);
    expect(model(x).equal(model[0](x))).toBe(true);
    model.train();
    expect(model(x).eq(0).any().item()).toBe(1);
    expect(() => model.train('yes' as never)).toThrow('training mode is expected to be boolean');
  });

  it('zeroGrad sets gradients to null (or zeros); requiresGrad_ freezes', () => {
    const model = new nn.Linear(3, 2);
    model(torch.ones(1, 3)).sum().backward();
    model.zeroGrad({ setToNone: false });
    expect(model.weight.grad!.abs().sum().item()).toBe(0);
    model.zeroGrad();
    expect(model.parameters().map((p) => p.grad)).toEqual([null, null]);
    model.requiresGrad_(false);
    expect(model(torch.ones(1, 3)).requiresGrad).toBe(false);
  });

  it('nn.Parameter is a leaf that requires grad and shares its data', () => {
    const data = torch.zeros(3);
    const p = new nn.Parameter(data);
    expect([p.isLeaf, p.requiresGrad]).toEqual([true, true]);
    data.fill_(2);
    expect(p.tolist()).toEqual([2, 2, 2]);
    expect(new nn.Parameter(torch.zeros(1), false).requiresGrad).toBe(false);
    expect(() => new nn.Parameter(torch.zeros(2, { dtype: 'int32' }))).toThrow('only Tensors of floating point dtype can require gradients');
  });
});

describe.each(devices)('to(%s)', (device) => {
  it('moves parameters in place (same objects, gradients too) and buffers; an optimizer made before keeps working', async () => {
    await torch.init(device);
    torch.manualSeed(3);
    const model = new TinyNet();
    const params = model.parameters();
    const optimizer = new torch.optim.SGD(model.parameters(), { lr: 0.1 });
    const x = torch.rand(4, 3, 4);
    model(x).sum().backward();
    const before = params.map((p) => p.detach().clone());
    expect(model.to(device)).toBe(model);
    expect(model.parameters().every((p, i) => p === params[i] && p.device === device && p.grad?.device === device)).toBe(true);
    expect(model.buffers().every((b) => b.device === device)).toBe(true);
    optimizer.step();
    for (let i = 0; i < params.length; i++) {
      // (read with await: webgpu answers asynchronously)
      const [value, grad] = [await params[i].data(), await params[i].grad!.data()];
      const want = before[i].sub(torch.tensor(grad).reshape(params[i].shape).mul(0.1));
      expect(torch.tensor(value).reshape(params[i].shape).allclose(want, { atol: 1e-6 })).toBe(true);
    }
    expect(model(x.to(device)).device).toBe(device);
    if (!readsSync(device)) return; // moving back to js reads synchronously, which webgpu cannot
    model.to('js');
    expect(model.parameters().every((p) => p.device === 'js')).toBe(true);
  });
});

describe('to(dtype)', () => {
  it('converts floating parameters and buffers, keeps integer buffers, refuses integer dtypes', () => {
    const bn = new nn.BatchNorm1d(3).to('float64');
    expect(bn.stateDict()).toMatchObject({});
    expect(Object.values(bn.stateDict()).map((t) => t.dtype)).toEqual(['float64', 'float64', 'float64', 'float64', 'int32']);
    expect(() => bn.to('int32')).toThrow('nn.Module.to only accepts floating point dtypes, but got desired dtype=int32');
  });
});

describe('loadStateDict', () => {
  const seq = () => new nn.Sequential(new nn.Linear(2, 3), new nn.ReLU(), new nn.Linear(3, 1));
  const first = (s: torch.nn.Sequential) => s[0] as torch.nn.Linear;

  it('copies every tensor into the model (cast to its dtype)', () => {
    const a = seq();
    const b = seq().to('float64');
    expect(b.loadStateDict(a.stateDict())).toEqual({ missingKeys: [], unexpectedKeys: [] });
    expect(first(b).weight.dtype).toBe('float64');
    expect(first(b).weight.to('float32').equal(first(a).weight)).toBe(true);
  });

  it("fails with PyTorch's message listing missing and unexpected keys and shape mismatches, and changes nothing", () => {
    const [c] = fixtures.modules.load_errors;
    const model = seq();
    const before = model.stateDict();
    const copy = Object.fromEntries(Object.entries(before).map(([k, v]) => [k, v.clone()]));
    const sd: Record<string, Tensor> = Object.fromEntries(Object.entries(model.stateDict()).map(([k, v]) => [k, v.add(1)]));
    delete sd['2.bias'];
    sd.extra = torch.zeros(1);
    sd['0.weight'] = torch.zeros(4, 2);
    expect(() => model.loadStateDict(sd)).toThrow(c.message);
    for (const [k, v] of Object.entries(model.stateDict())) expect(v.equal(copy[k]), k).toBe(true);
  });

  it('with strict: false, loads what matches and returns the rest', () => {
    const model = seq();
    const { missingKeys, unexpectedKeys } = model.loadStateDict({ '0.weight': torch.ones(3, 2), other: torch.zeros(1) }, { strict: false });
    expect(missingKeys).toEqual(['0.bias', '2.weight', '2.bias']);
    expect(unexpectedKeys).toEqual(['other']);
    expect(first(model).weight.sum().item()).toBe(6);
    // a shape mismatch is an error even then
    expect(() => model.loadStateDict({ '0.weight': torch.ones(2, 2) }, { strict: false })).toThrow('size mismatch for 0.weight');
  });

  it("accepts PyTorch's snake_case names for Kindling's camelCase ones", () => {
    const model = new TinyNet();
    const pytorchStyle = new TinyNet().stateDict({ snakeCase: true });
    expect(Object.keys(pytorchStyle)).toContain('linear_relu_stack.1.running_mean');
    expect(model.loadStateDict(pytorchStyle)).toEqual({ missingKeys: [], unexpectedKeys: [] });
    expect((model.linearReluStack[1] as torch.nn.BatchNorm1d).runningVar!.equal(pytorchStyle['linear_relu_stack.1.running_var'])).toBe(true);
  });

  it('treats a loose match that fits two keys as unexpected', () => {
    class Clash extends nn.Module {
      fooBar = new nn.Parameter(torch.zeros(1));
      foobar = new nn.Parameter(torch.zeros(1));
    }
    expect(() => new Clash().loadStateDict({ foo_bar: torch.ones(1), fooBar: torch.ones(1) })).toThrow('Unexpected key(s) in state_dict: "foo_bar"');
  });

  it('rejects values that are not tensors', () => {
    expect(() => new nn.Linear(1, 1).loadStateDict({ weight: 3, bias: torch.zeros(1) })).toThrow(
      'While copying the parameter named "weight", expected a Tensor from checkpoint but received number',
    );
  });
});
