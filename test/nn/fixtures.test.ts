/**
 * nn.functional against PyTorch: every case of test/fixtures/nn.json (tools/fixtures_nn.py,
 * regenerate with `/usr/bin/python3 tools/fixtures_nn.py`) for the losses (mseLoss, nllLoss,
 * crossEntropy) and the layers (linear, conv2d, maxPool2d, batchNorm, embedding) runs on every
 * device: the output, and the gradient of every input that requires one after
 * `output.backward(gradOutput)`, must match PyTorch's (float32 within 1e-6 + 1e-5·|e| for values,
 * looser for gradients and for sums of many products; float64 within 1e-12 + 1e-10·|e|), and so
 * must the running statistics batchNorm updates. Error cases must throw a message containing
 * PyTorch's (in Kindling's spelling of shapes and dtypes).
 */
import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import * as torch from '../../src/index.js';
import type { Device, Tensor } from '../../src/index.js';
import { devices, hasFloat64, readsSync } from '../devices.js';
import { expectClose } from '../helpers.js';
import { expected, make, tolerance, type TensorSpec } from './fixture-helpers.js';

const F = torch.nn.functional;

interface Case {
  name: string;
  args: Record<string, TensorSpec>;
  kwargs: Record<string, unknown>;
  grad_output: TensorSpec;
  output: TensorSpec;
  grads: Record<string, TensorSpec>;
  after?: Record<string, TensorSpec>;
}
interface ErrorCase {
  name: string;
  args: Record<string, TensorSpec>;
  kwargs: Record<string, unknown>;
  requires_grad: string[];
  message: string;
}
interface BatchNormModuleCase {
  name: string;
  momentum: number | null;
  weight: TensorSpec;
  bias: TensorSpec;
  batches: TensorSpec[];
  outputs: TensorSpec[];
  state_dict: Record<string, TensorSpec>;
  test_input: TensorSpec;
  test_output: TensorSpec;
}

type Fixtures = Record<string, { cases: Case[]; errors: ErrorCase[] }> & { batch_norm: { modules: BatchNormModuleCase[] } };
const fixtures = JSON.parse(readFileSync(new URL('../fixtures/nn.json', import.meta.url), 'utf8')) as Fixtures;

type Args = Record<string, Tensor | undefined>;
type Kwargs = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

/** How each PyTorch function is called in Kindling, which arguments require grad, and the gradFn PyTorch would name. */
const functions: Record<string, { call: (a: Args, k: Kwargs) => Tensor; grad: string[]; loose?: boolean; node?: (c: Case) => string | undefined }> = {
  mse_loss: {
    call: (a, k) => F.mseLoss(a.input!, a.target!, { reduction: k.reduction }),
    grad: ['input', 'target'],
    node: () => 'MseLossBackward0',
  },
  nll_loss: {
    call: (a, k) => F.nllLoss(a.input!, a.target!, { weight: a.weight, ignoreIndex: k.ignore_index, reduction: k.reduction }),
    grad: ['input'],
    node: () => 'NllLossBackward0',
  },
  cross_entropy: {
    call: (a, k) =>
      F.crossEntropy(a.input!, a.target!, { weight: a.weight, ignoreIndex: k.ignore_index, reduction: k.reduction, labelSmoothing: k.label_smoothing }),
    grad: ['input', 'target'],
    // class indices without smoothing end in the NLL node, as in PyTorch
    node: (c) => (c.args.target.dtype === 'int32' && !c.kwargs.label_smoothing ? 'NllLossBackward0' : undefined),
    loose: true,
  },
  linear: {
    call: (a) => F.linear(a.input!, a.weight!, a.bias ?? null),
    grad: ['input', 'weight', 'bias'],
    loose: true,
    node: (c) => (c.args.input.shape.length === 2 && c.args.bias ? 'AddmmBackward0' : undefined),
  },
  conv2d: {
    call: (a, k) => F.conv2d(a.input!, a.weight!, a.bias ?? null, { stride: k.stride, padding: k.padding, dilation: k.dilation, groups: k.groups }),
    grad: ['input', 'weight', 'bias'],
    loose: true,
  },
  max_pool2d: {
    call: (a, k) => F.maxPool2d(a.input!, k.kernel_size, { stride: k.stride, padding: k.padding, dilation: k.dilation, ceilMode: k.ceil_mode }),
    grad: ['input'],
  },
  batch_norm: {
    call: (a, k) =>
      F.batchNorm(a.input!, a.running_mean ?? null, a.running_var ?? null, { weight: a.weight, bias: a.bias, training: k.training, momentum: k.momentum, eps: k.eps }),
    grad: ['input', 'weight', 'bias'],
    loose: true,
  },
  embedding: { call: (a, k) => F.embedding(a.input!, a.weight!, { paddingIdx: k.padding_idx }), grad: ['weight'] },
};

describe.each(devices)('nn.functional on %s: PyTorch fixtures', (device: Device) => {
  beforeAll(async () => {
    await torch.init(device);
  });

  describe.each(Object.keys(functions))('%s', (fn) => {
    const { cases, errors } = fixtures[fn];
    const { call, grad, loose = false, node } = functions[fn];

    it('has cases', () => {
      expect(cases.length).toBeGreaterThan(4);
    });

    // webgpu has no float64
    const runs = (c: { args: Record<string, TensorSpec> }) => hasFloat64(device) || Object.values(c.args).every((a) => a.dtype !== 'float64');

    it.each(cases.filter(runs))('$name', async (c) => {
      const args: Args = {};
      for (const [name, spec] of Object.entries(c.args)) {
        args[name] = make(spec, device, grad.includes(name) && (spec.dtype === 'float32' || spec.dtype === 'float64'));
      }
      const out = call(args, c.kwargs);
      expect(out.dtype).toBe(c.output.dtype);
      await expectClose(out, expected(c.output), tolerance(out.dtype, loose));
      const name = node?.(c);
      if (name) expect(out.gradFn?.name).toBe(name);

      out.backward(make(c.grad_output, device));
      for (const [name, want] of Object.entries(c.grads)) {
        const got = args[name]!.grad;
        expect(got, `${name}.grad`).not.toBeNull();
        expect(got!.dtype).toBe(want.dtype);
        await expectClose(got!, expected(want), tolerance(got!.dtype, true));
      }
      for (const [name, want] of Object.entries(c.after ?? {})) {
        await expectClose(args[name]!, expected(want), tolerance(want.dtype, true));
      }
    });

    it.each(errors)('error: $name', async (c) => {
      const args: Args = {};
      for (const [name, spec] of Object.entries(c.args)) args[name] = make(spec, device, c.requires_grad.includes(name));
      // js and wasm throw at the call, as PyTorch does on the CPU; webgpu reads asynchronously, so
      // its kernels report a bad index or target at the next read (like CUDA's device-side asserts),
      // so read the result; and read the inputs first, so that an error an earlier test left
      // unread fails here rather than pass for this case's
      const deferred = !readsSync(device);
      if (deferred) await Promise.all(Object.values(args).map((a) => a!.data()));
      await expect(
        (async () => {
          const out = call(args, c.kwargs);
          if (deferred) await out.data();
        })(),
      ).rejects.toThrow(c.message);
    });
  });

  it.each(fixtures.batch_norm.modules)('nn.BatchNorm1d over several batches, then eval: $name', async (c) => {
    const bn = new torch.nn.BatchNorm1d(3, { momentum: c.momentum }).to(device);
    torch.noGrad(() => {
      bn.weight!.copy_(make(c.weight, device));
      bn.bias!.copy_(make(c.bias, device));
    });
    for (let i = 0; i < c.batches.length; i++) {
      await expectClose(bn(make(c.batches[i], device)), expected(c.outputs[i]), tolerance('float32', true));
    }
    const state = bn.stateDict({ snakeCase: true });
    expect(Object.keys(state)).toEqual(Object.keys(c.state_dict));
    for (const [key, spec] of Object.entries(c.state_dict)) await expectClose(state[key], expected(spec), tolerance('float32', true));
    bn.eval();
    await expectClose(bn(make(c.test_input, device)), expected(c.test_output), tolerance('float32', true));
  });
});
