/**
 * PyTorch's autograd contract, one rule per test (src/autograd/*, and the `record` calls in
 * src/ops/*): who requires grad, what a leaf is, where `.grad` lands, how it accumulates, node
 * names and edges, printing, vector-Jacobian products, freeing the graph, grad mode, detach,
 * hooks, `autograd.grad`, double backward, the in-place rules, broadcasting and dtype casts in
 * backward, and the DOT picture. Expected strings and numbers come from PyTorch 1.13
 * (`/usr/bin/python3`), quoted where they are not obvious.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import * as torch from '../../src/index.js';
import type { Device } from '../../src/device.js';
import type { Tensor } from '../../src/tensor.js';
import { devices, floatDTypes, hasFloat64 } from '../devices.js';
import { expectClose, listOf } from '../helpers.js';

describe.each(devices)('autograd rules on %s', (device: Device) => {
  beforeAll(() => torch.init(device));

  /** A float32 tensor on the device under test (JavaScript cannot tell `2.0` from `2`, so the dtype is explicit). */
  const f32 = (data: torch.NestedData, requiresGrad = false) => torch.tensor(data, { dtype: 'float32', device, requiresGrad });
  const f64 = (data: torch.NestedData, requiresGrad = false) => torch.tensor(data, { dtype: 'float64', device, requiresGrad });
  /** float64 where the device has it (webgpu has none: float32 there). */
  const wide = (data: torch.NestedData, requiresGrad = false) => torch.tensor(data, { dtype: floatDTypes(device).at(-1)!, device, requiresGrad });

  describe('requiresGrad', () => {
    it('is false by default and set by the requiresGrad creation option', () => {
      expect(torch.ones([2], { device }).requiresGrad).toBe(false);
      expect(torch.ones([2], { device, requiresGrad: true }).requiresGrad).toBe(true);
      if (hasFloat64(device)) expect(torch.zeros([2, 3], { device, dtype: 'float64', requiresGrad: true }).requiresGrad).toBe(true);
      expect(f32([1, 2], true).requiresGrad).toBe(true);
    });

    it('requiresGrad_() turns it on for a floating leaf and returns the same tensor', () => {
      const x = f32([1, 2]);
      expect(x.requiresGrad_()).toBe(x);
      expect(x.requiresGrad).toBe(true);
      expect(x.requiresGrad_(false).requiresGrad).toBe(false);
    });

    it('requiresGrad_() refuses integer and bool tensors, as does the creation option', () => {
      // PyTorch: 'only Tensors of floating point dtype can require gradients'
      expect(() => torch.tensor([1, 2], { device }).requiresGrad_()).toThrow(/only Tensors of floating point dtype can require gradients/);
      expect(() => torch.tensor([true], { device }).requiresGrad_()).toThrow(/only Tensors of floating point dtype can require gradients/);
      expect(() => torch.zeros([2], { dtype: 'int32', device, requiresGrad: true })).toThrow(/floating point/);
      // asking for false is always fine
      expect(torch.tensor([1, 2], { device }).requiresGrad_(false).requiresGrad).toBe(false);
    });

    it('requiresGrad_(false) is refused on a non-leaf', () => {
      const y = f32([1, 2], true).mul(2);
      expect(() => y.requiresGrad_(false)).toThrow(/you can only change requires_grad flags of leaf variables/);
      expect(y.requiresGrad_(true).requiresGrad).toBe(true); // turning it on is a no-op
    });

    it('a result requires grad exactly when some input does', () => {
      const a = f32([1, 2], true);
      const b = f32([3, 4]);
      expect(a.add(b).requiresGrad).toBe(true);
      expect(b.add(a).requiresGrad).toBe(true);
      expect(b.mul(b).requiresGrad).toBe(false);
      expect(b.mul(b).gradFn).toBeNull();
      expect(a.mul(2).sum().exp().requiresGrad).toBe(true);
      // comparisons and integer results carry no gradient
      expect(a.gt(1).requiresGrad).toBe(false);
      expect(a.argmax().requiresGrad).toBe(false);
    });
  });

  it('isLeaf: created tensors and tensors outside the graph are leaves; recorded results are not', () => {
    const x = f32([1, 2], true);
    const c = f32([1, 2]);
    expect(x.isLeaf).toBe(true);
    expect(c.isLeaf).toBe(true);
    expect(c.mul(2).isLeaf).toBe(true); // no input requires grad: nothing recorded
    expect(x.mul(2).isLeaf).toBe(false);
    expect(x.index(0).isLeaf).toBe(false); // views are recorded too
    expect(torch.noGrad(() => x.mul(2)).isLeaf).toBe(true);
    expect(x.mul(2).detach().isLeaf).toBe(true);
  });

  describe('.grad', () => {
    it('lands on leaves that require grad; other leaves and non-leaves get none', async () => {
      const x = f32([1, 2, 3], true);
      const c = f32([4, 5, 6]);
      expect(x.grad).toBeNull();
      const y = x.mul(c);
      const z = y.sum();
      z.backward();
      await expectClose(x.grad!, [4, 5, 6]);
      expect(c.grad).toBeNull();
      expect(y.grad).toBeNull(); // PyTorch warns and returns None for a non-leaf
      expect(z.grad).toBeNull();
    });

    it('retainGrad() keeps a non-leaf gradient; it is refused on a tensor that does not require grad', async () => {
      const x = f32([1, 2], true);
      const y = x.mul(3);
      y.retainGrad();
      const z = y.mul(y).sum();
      z.retainGrad();
      z.backward();
      await expectClose(y.grad!, [6, 12]); // dz/dy = 2y
      await expectClose(z.grad!, 1);
      await expectClose(x.grad!, [18, 36]);
      expect(() => f32([1]).retainGrad()).toThrow("can't retain_grad on Tensor that has requires_grad=False");
      // on a leaf it changes nothing
      const w = f32([1], true);
      w.retainGrad();
      w.sum().backward();
      await expectClose(w.grad!, [1]);
    });

    it('accumulates across backward calls', async () => {
      const x = f32([1, 2], true);
      x.mul(x).sum().backward();
      await expectClose(x.grad!, [2, 4]);
      x.mul(3).sum().backward();
      await expectClose(x.grad!, [5, 7]);
      x.mul(x).sum().backward();
      await expectClose(x.grad!, [7, 11]);
    });

    it('grad.zero_() resets it to zeros and x.grad = null drops it', async () => {
      const x = f32([1, 2], true);
      x.mul(x).sum().backward();
      x.grad!.zero_();
      await expectClose(x.grad!, [0, 0]);
      x.mul(3).sum().backward();
      await expectClose(x.grad!, [3, 3]);
      x.grad = null;
      expect(x.grad).toBeNull();
      x.mul(x).sum().backward();
      await expectClose(x.grad!, [2, 4]);
    });

    it('an assigned gradient must have the tensor’s shape', async () => {
      const x = f32([1, 2], true);
      expect(() => (x.grad = f32([1, 2, 3]))).toThrow(/different size/);
      x.grad = f32([10, 20]);
      x.sum().backward();
      await expectClose(x.grad!, [11, 21]);
    });

    it('is detached from the graph and independent of the tensors that produced it', async () => {
      const x = f32([1, 2], true);
      const y = f32([3, 4], true);
      const s = x.add(y); // AddBackward0 passes one gradient tensor to both inputs
      s.sum().backward();
      expect(x.grad!.requiresGrad).toBe(false);
      expect(x.grad!.gradFn).toBeNull();
      torch.noGrad(() => x.grad!.add_(100));
      await expectClose(y.grad!, [1, 1]); // not aliased with x.grad
    });
  });

  describe('gradFn', () => {
    /** PyTorch's grad_fn.name() for each op, printed by PyTorch 1.13 (2.x agrees on all of these). */
    const cases: [string, (a: Tensor, m: Tensor, b3: Tensor) => Tensor][] = [
      ['AddBackward0', (a) => a.add(a)],
      ['AddBackward0', (a) => a.add(1)],
      ['SubBackward0', (a) => a.sub(a)],
      ['MulBackward0', (a) => a.mul(2)],
      ['DivBackward0', (a) => a.div(a)],
      ['NegBackward0', (a) => a.neg()],
      ['PowBackward0', (a) => a.pow(2)],
      ['PowBackward1', (a) => a.pow(a)],
      ['PowBackward2', (a) => torch.pow(2, a)],
      ['ExpBackward0', (a) => a.exp()],
      ['LogBackward0', (a) => a.log()],
      ['SqrtBackward0', (a) => a.sqrt()],
      ['RsqrtBackward0', (a) => a.rsqrt()],
      ['SinBackward0', (a) => a.sin()],
      ['CosBackward0', (a) => a.cos()],
      ['TanhBackward0', (a) => a.tanh()],
      ['SigmoidBackward0', (a) => a.sigmoid()],
      ['ReluBackward0', (a) => a.relu()],
      ['AbsBackward0', (a) => a.abs()],
      ['ClampBackward1', (a) => a.clamp(0, 1)],
      ['ClampBackward0', (a) => a.clamp(torch.zerosLike(a))],
      ['MaximumBackward0', (a) => a.maximum(a)],
      ['MinimumBackward0', (a) => a.minimum(a)],
      ['RemainderBackward0', (a) => a.remainder(1.5)],
      ['WhereBackward0', (a) => torch.where(a.gt(0), a, a)],
      ['MmBackward0', (_a, m) => m.mm(m)],
      ['MmBackward0', (_a, m) => m.matmul(m)],
      ['MvBackward0', (a, m) => m.matmul(a)],
      ['DotBackward0', (a) => a.matmul(a)],
      ['DotBackward0', (a) => a.dot(a)],
      ['SqueezeBackward3', (a, m) => a.matmul(m)],
      ['UnsafeViewBackward0', (_a, m, b3) => b3.matmul(m)],
      ['UnsafeViewBackward0', (_a, _m, b3) => b3.matmul(b3)],
      ['BmmBackward0', (_a, _m, b3) => b3.bmm(b3)],
      ['MulBackward0', (a) => a.outer(a)],
      ['SumBackward0', (a) => a.sum()],
      ['SumBackward1', (_a, m) => m.sum(0)],
      ['SumBackward1', (_a, m) => m.sum(-1, true)],
      ['MeanBackward0', (a) => a.mean()],
      ['MeanBackward1', (_a, m) => m.mean(0)],
      ['ProdBackward0', (a) => a.prod()],
      ['ProdBackward1', (_a, m) => m.prod(0)],
      ['VarBackward0', (_a, m) => m.var(0)],
      ['StdBackward0', (a) => a.std()],
      ['AmaxBackward0', (_a, m) => m.amax(0)],
      ['AminBackward0', (_a, m) => m.amin(0)],
      ['MaxBackward1', (a) => a.max()],
      ['MaxBackward0', (_a, m) => m.max(0).values],
      ['MinBackward1', (a) => a.min()],
      ['MinBackward0', (_a, m) => m.min(0).values],
      ['LogsumexpBackward0', (_a, m) => m.logsumexp(0)],
      ['SoftmaxBackward0', (_a, m) => m.softmax(0)],
      ['LogSoftmaxBackward0', (_a, m) => m.logSoftmax(-1)],
      ['ExpandBackward0', (a) => a.expand(3, 2)],
      ['TBackward0', (_a, m) => m.t()],
      ['TransposeBackward0', (_a, m) => m.transpose(0, 1)],
      ['PermuteBackward0', (_a, m) => m.permute(1, 0)],
      ['PermuteBackward0', (_a, m) => m.T],
      ['ViewBackward0', (_a, m) => m.view(4)],
      ['ViewBackward0', (a) => a.unflatten(0, [1, 2])],
      ['UnsqueezeBackward0', (a) => a.unsqueeze(0)],
      ['SqueezeBackward0', (_a, m) => m.index('0:1').squeeze()],
      ['SqueezeBackward1', (_a, m) => m.index('0:1').squeeze(0)],
      ['CloneBackward0', (_a, m) => m.clone()],
      ['CloneBackward0', (_a, m) => m.t().contiguous()],
      ['SelectBackward0', (_a, m) => m.index(0)],
      ['SelectBackward0', (_a, m) => m.index(0, 1)],
      ['SelectBackward0', (_a, m) => m.index('0:1', 1)],
      ['SliceBackward0', (_a, m) => m.index('0:1')],
      ['SliceBackward0', (_a, m) => m.index(':', '0:1')],
      ['SliceBackward0', (a) => a.narrow(0, 0, 1)],
      ['UnsqueezeBackward0', (_a, m) => m.index(null)],
      ['AliasBackward0', (_a, m) => m.index('...')],
      ['IndexBackward0', (_a, m) => m.index(torch.tensor([0], { device }))],
      // a js mask indexes a tensor on any device (a webgpu mask can't be read synchronously)
      ['IndexBackward0', (_a, m) => m.index(torch.tensor([[true, false], [false, true]]))],
      ['IndexPutBackward0', (a, m) => torch.indexPut(m, [torch.tensor([0], { device })], a)],
      ['GatherBackward0', (_a, m) => m.gather(0, torch.tensor([[0, 1]], { device }))],
      ['ScatterBackward0', (_a, m) => m.scatter(0, torch.tensor([[0, 1]], { device }), m)],
      ['ScatterBackward1', (_a, m) => m.scatter(0, torch.tensor([[0, 1]], { device }), 1)],
      ['ScatterAddBackward0', (_a, m) => m.scatterAdd(0, torch.tensor([[0, 1]], { device }), m)],
      ['IndexSelectBackward0', (a) => a.indexSelect(0, torch.tensor([0], { device }))],
      ['MaskedFillBackward0', (a) => a.maskedFill(a.gt(0), 0)],
      ['CatBackward0', (a) => torch.cat([a, a])],
      ['StackBackward0', (a) => torch.stack([a, a])],
      ['SplitBackward0', (a) => a.split(1)[0]],
      ['SplitBackward0', (a) => a.chunk(2)[1]],
      ['UnbindBackward0', (a) => a.unbind()[0]],
      ['ToCopyBackward0', (a) => a.to('float64')],
    ];
    // on webgpu: no float64 (ToCopyBackward0 here)
    it.each(device === 'webgpu' ? cases.filter(([name]) => name !== 'ToCopyBackward0') : cases)('%s', (name, f) => {
      const a = torch.ones([2], { device, requiresGrad: true });
      const m = torch.ones([2, 2], { device, requiresGrad: true });
      const b3 = torch.ones([2, 2, 2], { device, requiresGrad: true });
      const out = f(a, m, b3);
      expect(out.gradFn?.name).toBe(name);
      expect(String(out.gradFn)).toBe(`<${name}>`);
    });

    it('nextFunctions: AccumulateGrad for leaves (holding the leaf), null for inputs that need no gradient', () => {
      const a = f32([1, 2], true);
      const c = f32([3, 4]);
      // PyTorch: (a*2).grad_fn.next_functions == ((<AccumulateGrad>, 0), (None, 0))
      const byNumber = a.mul(2).gradFn!.nextFunctions;
      expect(byNumber).toHaveLength(2);
      expect(byNumber[0][0]?.name).toBe('AccumulateGrad');
      expect(byNumber[0][0]?.variable).toBe(a);
      expect(byNumber[0][1]).toBe(0);
      expect(byNumber[1]).toEqual([null, 0]);
      const byConstant = c.mul(a).gradFn!.nextFunctions;
      expect(byConstant[0]).toEqual([null, 0]);
      expect(byConstant[1][0]?.variable).toBe(a);
      // one AccumulateGrad per leaf, shared by every use of it; chains point at the producing node
      const m = a.mul(2);
      const z = m.add(a);
      const [[first], [second]] = z.gradFn!.nextFunctions;
      expect(first).toBe(m.gradFn);
      expect(second).toBe(m.gradFn!.nextFunctions[0][0]);
      expect(second?.nextFunctions).toEqual([]);
      expect(a.gradFn).toBeNull(); // a leaf has no grad_fn; its AccumulateGrad is reached through its users
    });
  });

  it.skipIf(device === 'webgpu')('String(t) shows requires_grad=True and grad_fn=<…> like PyTorch', () => {
    // strings printed by PyTorch 1.13; a device other than the default is named first, as PyTorch names cuda
    const tail = (...parts: string[]) => [...(device === 'js' ? [] : [`device='${device}'`]), ...parts].map((p) => `, ${p}`).join('');
    expect(String(f32([1, 2], true))).toBe(`tensor([1., 2.]${tail('requires_grad=True')})`);
    expect(String(f32([1, 2], true).add(1))).toBe(`tensor([2., 3.]${tail('grad_fn=<AddBackward0>')})`);
    expect(String(f32([[1, 2], [3, 4]], true))).toBe(`tensor([[1., 2.],\n        [3., 4.]]${tail('requires_grad=True')})`);
    expect(String(f32([[1, 2], [3, 4]], true).mul(2))).toBe(`tensor([[2., 4.],\n        [6., 8.]]${tail('grad_fn=<MulBackward0>')})`);
    expect(String(f32(3, true).mul(2))).toBe(`tensor(6.${tail('grad_fn=<MulBackward0>')})`);
    expect(String(f64([1, 2], true))).toBe(`tensor([1., 2.]${tail('dtype=torch.float64', 'requires_grad=True')})`);
    expect(String(f64([1, 2], true).sum())).toBe(`tensor(3.${tail('dtype=torch.float64', 'grad_fn=<SumBackward0>')})`);
    // outside the graph: nothing about grad is appended
    expect(String(f32([1, 2], true).detach())).toBe(`tensor([1., 2.]${tail()})`);
    expect(String(torch.noGrad(() => f32([1, 2], true).mul(2)))).toBe(`tensor([2., 4.]${tail()})`);
  });

  describe('backward', () => {
    it('backward(gradient) on a non-scalar output computes the vector-Jacobian product', async () => {
      const x = f32([1, 2, 3], true);
      x.mul(f32([4, 5, 6])).backward(f32([1, 10, 100]));
      await expectClose(x.grad!, [4, 50, 600]);
      // y = W x: the VJP with v is Wᵀ v
      const W = f32([[1, 2, 3], [4, 5, 6]]);
      const v = f32([1, -1]);
      const w = f32([1, 1, 1], true);
      W.matmul(w).backward(v);
      await expectClose(w.grad!, [-3, -3, -3]);
    });

    it('without a gradient only a one-element output may backward', async () => {
      const x = f32([1, 2], true);
      expect(() => x.mul(2).backward()).toThrow('grad can be implicitly created only for scalar outputs');
      const one = f32([[3]], true);
      one.mul(2).backward(); // one element, any number of dims: the gradient 1 is implied
      await expectClose(one.grad!, [[2]]);
    });

    it('a gradient whose shape is not the output’s is an error', () => {
      const x = f32([1, 2], true);
      // PyTorch: 'Mismatch in shape: grad_output[0] has a shape of torch.Size([3]) and output[0] has a shape of torch.Size([2]).'
      expect(() => x.mul(2).backward(f32([1, 1, 1]))).toThrow(/^Mismatch in shape: grad_output\[0\] has a shape of .*3.* and output\[0\] has a shape of .*2.*\.$/);
      expect(() => x.mul(2).backward(f32([[1, 1]]))).toThrow(/Mismatch in shape/);
    });

    it('a tensor outside the graph cannot backward', () => {
      expect(() => f32([1]).sum().backward()).toThrow('element 0 of tensors does not require grad and does not have a grad_fn');
      const x = f32([1], true);
      expect(() => torch.noGrad(() => x.mul(2)).sum().backward()).toThrow(/does not require grad/);
    });

    it('frees saved tensors: a second backward throws, unless the first one retained the graph', async () => {
      const x = f32([1, 2], true);
      const y = x.mul(x).sum(); // MulBackward0 saved x twice
      y.backward();
      expect(() => y.backward()).toThrow(/^Trying to backward through the graph a second time/);
      expect(() => y.backward()).toThrow(/Specify retainGraph: true/);

      const z = x.mul(x).sum();
      x.grad = null;
      z.backward(undefined, { retainGraph: true });
      z.backward(undefined, { retainGraph: true });
      await expectClose(x.grad!, [4, 8]);
      z.backward(); // retaining is per call: this one frees
      await expectClose(x.grad!, [6, 12]);
      expect(() => z.backward()).toThrow(/a second time/);
    });

    it('a graph that saved no tensors can be backwarded twice, as in PyTorch', async () => {
      const x = f32([1, 2], true);
      const y = x.add(1).sum(); // AddBackward0 and SumBackward0 save nothing
      y.backward();
      y.backward();
      await expectClose(x.grad!, [2, 2]);
      // a product by a number saves the number (PyTorch saves it as a wrapped tensor too): freed
      const z = x.mul(2).sum();
      z.backward();
      expect(() => z.backward()).toThrow(/a second time/);
    });

    it('every path to a leaf contributes (a node runs once, after all its gradients arrived)', async () => {
      const x = f32([2], true);
      const a = x.mul(3);
      const b = a.mul(a); // 9x²
      const c = b.add(a).add(x); // 9x² + 3x + x
      c.sum().backward();
      await expectClose(x.grad!, [18 * 2 + 4]);
    });
  });

  describe('grad mode', () => {
    it('noGrad(fn): nothing inside is recorded, and the mode comes back', () => {
      const x = f32([1, 2], true);
      expect(torch.isGradEnabled()).toBe(true);
      const y = torch.noGrad(() => {
        expect(torch.isGradEnabled()).toBe(false);
        return x.mul(2);
      });
      expect(y.requiresGrad).toBe(false);
      expect(y.gradFn).toBeNull();
      expect(torch.isGradEnabled()).toBe(true);
    });

    it('enableGrad(fn) records inside noGrad, and modes nest', () => {
      const x = f32([1, 2], true);
      const seen: boolean[] = [];
      torch.noGrad(() => {
        seen.push(torch.isGradEnabled());
        const y = torch.enableGrad(() => {
          seen.push(torch.isGradEnabled());
          torch.noGrad(() => seen.push(torch.isGradEnabled()));
          seen.push(torch.isGradEnabled());
          return x.mul(2);
        });
        expect(y.gradFn?.name).toBe('MulBackward0');
        seen.push(torch.isGradEnabled());
      });
      seen.push(torch.isGradEnabled());
      expect(seen).toEqual([false, true, false, true, false, true]);
    });

    it('the mode is restored when fn throws', () => {
      expect(() =>
        torch.noGrad(() => {
          throw new Error('boom');
        }),
      ).toThrow('boom');
      expect(torch.isGradEnabled()).toBe(true);
      torch.noGrad(() => {
        expect(() =>
          torch.enableGrad(() => {
            throw new Error('inner');
          }),
        ).toThrow('inner');
        expect(torch.isGradEnabled()).toBe(false);
      });
      expect(torch.isGradEnabled()).toBe(true);
    });

    it('async fn: the mode stays off across an await inside and is restored when the promise settles', async () => {
      const x = f32([1, 2], true);
      const pending = torch.noGrad(async () => {
        await Promise.resolve();
        const before = torch.isGradEnabled();
        await new Promise((resolve) => setTimeout(resolve, 1));
        return { before, after: torch.isGradEnabled(), y: x.mul(2) };
      });
      const { before, after, y } = await pending;
      expect([before, after]).toEqual([false, false]);
      expect(y.requiresGrad).toBe(false);
      expect(torch.isGradEnabled()).toBe(true);
    });

    it('async fn that rejects: the rejection propagates and the mode is restored', async () => {
      await expect(
        torch.noGrad(async () => {
          await Promise.resolve();
          throw new Error('async boom');
        }),
      ).rejects.toThrow('async boom');
      expect(torch.isGradEnabled()).toBe(true);
    });

    it('setGradEnabled sets the mode globally', () => {
      const x = f32([1], true);
      try {
        torch.setGradEnabled(false);
        expect(torch.isGradEnabled()).toBe(false);
        expect(x.mul(2).requiresGrad).toBe(false);
      } finally {
        torch.setGradEnabled(true);
      }
      expect(x.mul(2).requiresGrad).toBe(true);
    });
  });

  it('detach() shares storage (and its version counter), is a leaf and does not require grad', async () => {
    const x = f32([1, 2, 3], true);
    const y = x.exp(); // saves its output y
    const d = y.detach();
    expect(d.requiresGrad).toBe(false);
    expect(d.gradFn).toBeNull();
    expect(d.isLeaf).toBe(true);
    expect(d._storage).toBe(y._storage);
    expect(d.stride()).toEqual(y.stride());
    d.fill_(7); // a write through the detached tensor is seen by the original, as in PyTorch
    expect(await listOf(y)).toEqual([7, 7, 7]);
    expect(() => y.sum().backward()).toThrow(/modified by an inplace operation/); // …and autograd notices
    // a detached view keeps the view's geometry
    const view = x.index('1:').detach();
    expect(view.shape).toEqual([2]);
    expect(view.storageOffset()).toBe(1);
    expect(await listOf(view)).toEqual([2, 3]);
  });

  describe('registerHook', () => {
    it('on a leaf: sees the gradient, may replace it, and can be removed', async () => {
      const x = f32([1, 2], true);
      const seen: Tensor[] = [];
      const observer = x.registerHook((g) => {
        seen.push(g); // returning nothing keeps the gradient
      });
      const handle = x.registerHook((g) => g.mul(10));
      x.mul(3).sum().backward();
      expect(seen).toHaveLength(1);
      expect(await listOf(seen[0])).toEqual([3, 3]);
      await expectClose(x.grad!, [30, 30]);
      handle.remove();
      observer.remove();
      x.mul(3).sum().backward();
      await expectClose(x.grad!, [33, 33]);
      expect(seen).toHaveLength(1);
    });

    it('on a non-leaf: the replaced gradient flows on to the inputs and into a retained grad', async () => {
      // PyTorch: y = x*3; y.register_hook(lambda g: g*10); y.retain_grad(); y.sum().backward() → x.grad 30, y.grad 10
      const x = f32([1, 1], true);
      const y = x.mul(3);
      y.registerHook((g) => g.mul(10));
      y.retainGrad();
      y.sum().backward();
      await expectClose(x.grad!, [30, 30]);
      await expectClose(y.grad!, [10, 10]);
    });

    it('is refused on a tensor that does not require grad', () => {
      expect(() => f32([1]).registerHook((g) => g)).toThrow("cannot register a hook on a tensor that doesn't require gradient");
    });
  });

  describe('autograd.grad', () => {
    it('returns the gradients and leaves .grad alone (leaves and retained non-leaves)', async () => {
      const x = f32([1, 2], true);
      const w = f32([3, 4], true);
      const h = x.mul(w);
      h.retainGrad();
      const [dx, dw] = torch.autograd.grad(h.sum(), [x, w]);
      await expectClose(dx!, [3, 4]);
      await expectClose(dw!, [1, 2]);
      expect(x.grad).toBeNull();
      expect(w.grad).toBeNull();
      expect(h.grad).toBeNull();
      expect(dx!.requiresGrad).toBe(false);
    });

    it('takes a single input, and non-leaf inputs', async () => {
      const x = f32([1, 2], true);
      const h = x.mul(2);
      const [dh] = torch.autograd.grad(h.mul(h).sum(), h);
      await expectClose(dh!, [4, 8]);
      expect(x.grad).toBeNull();
    });

    it('runs only the part of the graph between the outputs and the inputs: the rest can still be backwarded', async () => {
      // PyTorch: h = x.exp(); grad(h.sum(), h); (h*2).sum().backward() works — ExpBackward0 was neither run nor freed
      const x = f32([0, 1], true);
      const h = x.exp();
      const [dh] = torch.autograd.grad(h.sum(), h);
      await expectClose(dh!, [1, 1]);
      h.mul(2).sum().backward();
      await expectClose(x.grad!, [2, 2 * Math.E]);
      // a branch that does not lead to the inputs is not run either (its saved tensors stay)
      const w = f32([3], true);
      const ww = w.mul(w); // its MulBackward0 is on w's path only
      torch.autograd.grad(x.sum().mul(ww), x);
      ww.sum().backward();
      await expectClose(w.grad!, [6]);
    });

    it('gradOutputs seeds non-scalar outputs; without it they are an error', async () => {
      const x = f32([1, 2], true);
      const [dx] = torch.autograd.grad(x.mul(x), x, { gradOutputs: f32([1, 10]) });
      await expectClose(dx!, [2, 40]);
      expect(() => torch.autograd.grad(x.mul(x), x)).toThrow('grad can be implicitly created only for scalar outputs');
      expect(() => torch.autograd.grad(x.mul(x), x, { gradOutputs: f32([1]) })).toThrow(/Mismatch in shape/);
    });

    it('an input the outputs do not depend on is an error, or null with allowUnused', async () => {
      const x = f32([1, 2], true);
      const u = f32([1, 2], true);
      // PyTorch: 'One of the differentiated Tensors appears to not have been used in the graph. Set allow_unused=True if this is the desired behavior.'
      expect(() => torch.autograd.grad(x.mul(2).sum(), [x, u])).toThrow(/^One of the differentiated Tensors appears to not have been used in the graph/);
      const [dx, du] = torch.autograd.grad(x.mul(2).sum(), [x, u], { allowUnused: true });
      await expectClose(dx!, [2, 2]);
      expect(du).toBeNull();
    });

    it('an input that does not require grad is an error', () => {
      const x = f32([1, 2], true);
      expect(() => torch.autograd.grad(x.mul(2).sum(), [x, f32([1, 2])])).toThrow('One of the differentiated Tensors does not require grad');
    });

    it('frees the graph unless retainGraph; createGraph makes the result differentiable', async () => {
      const x = f32([1, 2], true);
      const y = x.mul(x).sum();
      torch.autograd.grad(y, x, { retainGraph: true });
      const [again] = torch.autograd.grad(y, x);
      await expectClose(again!, [2, 4]);
      expect(() => torch.autograd.grad(y, x)).toThrow(/a second time/);

      const [g] = torch.autograd.grad(x.pow(3).sum(), x, { createGraph: true });
      expect(g!.requiresGrad).toBe(true);
      expect(g!.gradFn).not.toBeNull();
    });
  });

  describe('double backward (createGraph)', () => {
    it('d²/dx² x³ = 6x', async () => {
      const x = wide([2, -1, 0.5], true);
      const [dx] = torch.autograd.grad(x.pow(3).sum(), x, { createGraph: true });
      await expectClose(dx!, [12, 3, 0.75]);
      const [dxx] = torch.autograd.grad(dx!.sum(), x);
      await expectClose(dxx!, [12, -6, 3]);
    });

    it('d²/dx² sin x = -sin x, and d³ = -cos x', async () => {
      const values = [0.3, 1.2, -2];
      const x = wide(values, true);
      const [d1] = torch.autograd.grad(x.sin().sum(), x, { createGraph: true });
      const [d2] = torch.autograd.grad(d1!.sum(), x, { createGraph: true });
      const [d3] = torch.autograd.grad(d2!.sum(), x);
      const tolerance = x.dtype === 'float64' ? { rtol: 1e-12 } : { rtol: 1e-6 };
      await expectClose(d1!, values.map(Math.cos), tolerance);
      await expectClose(d2!, values.map((v) => -Math.sin(v)), tolerance);
      await expectClose(d3!, values.map((v) => -Math.cos(v)), tolerance);
    });

    it('backward(…, { createGraph: true }) leaves a differentiable .grad', async () => {
      const x = wide([1, 3], true);
      x.pow(3).sum().backward(undefined, { createGraph: true });
      const g = x.grad!;
      expect(g.requiresGrad).toBe(true);
      await expectClose(g, [3, 27]);
      x.grad = null;
      g.sum().backward();
      await expectClose(x.grad!, [6, 18]);
    });

    it('mixed partials: ∂²(x·y)/∂x∂y = 1', async () => {
      const x = wide([2], true);
      const y = wide([5], true);
      const [dx] = torch.autograd.grad(x.mul(y).mul(y).sum(), x, { createGraph: true }); // y²
      const [dxy] = torch.autograd.grad(dx!.sum(), y); // 2y
      await expectClose(dx!, [25]);
      await expectClose(dxy!, [10]);
    });
  });

  describe('in-place operations', () => {
    it('modifying a tensor saved for backward makes backward throw', () => {
      const w = f32([1, 2], true);
      const h = w.mul(2);
      const z = h.mul(h); // saves h
      h.add_(1);
      // PyTorch: 'one of the variables needed for gradient computation has been modified by an inplace operation:
      // [torch.FloatTensor [2]], which is output 0 of AddBackward0, is at version 1; expected version 0 instead. Hint: …'
      expect(() => z.sum().backward()).toThrow(/^one of the variables needed for gradient computation has been modified by an inplace operation: .*\[2\]\], which is output 0 of AddBackward0, is at version \d+; expected version \d+ instead/);
    });

    it('a write through another view of the saved storage is noticed too', () => {
      const x = f32([1, 2, 3], true);
      const y = x.exp(); // saves its output y
      const alias = y.detach(); // shares y's storage and version counter
      alias.index(0).fill_(0);
      expect(() => y.sum().backward()).toThrow(/modified by an inplace operation/);
    });

    it('an optimizer step under noGrad on a leaf saved by the graph is noticed at backward', () => {
      const w = f32([1, 2], true);
      const loss = w.pow(2).sum(); // saves w
      torch.noGrad(() => w.sub_(0.1));
      expect(() => loss.backward()).toThrow(/modified by an inplace operation/);
    });

    it('an in-place op on a leaf that requires grad is refused, but allowed inside noGrad', async () => {
      const w = f32([1, 2], true);
      const message = 'a leaf Variable that requires grad is being used in an in-place operation.';
      expect(() => w.add_(1)).toThrow(message);
      expect(() => w.mul_(2)).toThrow(message);
      expect(() => w.zero_()).toThrow(message);
      expect(() => w.fill_(1)).toThrow(message);
      expect(() => w.copy_(f32([5, 6]))).toThrow(message);
      expect(() => w.indexPut_([0], 5)).toThrow(message);
      expect(await listOf(w)).toEqual([1, 2]); // nothing was written
      // what optimizers do
      torch.noGrad(() => {
        w.sub_(f32([0.5, 0.5]), { alpha: 2 });
        w.mul_(2);
      });
      expect(await listOf(w)).toEqual([0, 2]);
      expect(w.isLeaf).toBe(true);
      expect(w.requiresGrad).toBe(true);
      expect(w.gradFn).toBeNull();
    });

    it('an in-place op on a non-leaf rebases its history: y = 2x; y += 1; y *= 3 gives dy/dx = 6', async () => {
      const x = f32([1, 2], true);
      const y = x.mul(2);
      const same = y.add_(1);
      expect(same).toBe(y);
      expect(y.gradFn?.name).toBe('AddBackward0');
      y.mul_(3); // mul_ by a number saves no tensor of y's, so nothing trips the version check
      expect(y.gradFn?.name).toBe('MulBackward0');
      expect(y.gradFn!.nextFunctions[0][0]?.name).toBe('AddBackward0');
      expect(y.isLeaf).toBe(false);
      expect(await listOf(y)).toEqual([9, 15]);
      y.sum().backward();
      await expectClose(x.grad!, [6, 6]);
    });

    it('an in-place op on a non-leaf keeps double backward right (the old value it saved is still in the graph)', async () => {
      const x = wide([2, -1], true);
      const y = x.mul(1);
      y.pow_(3);
      const [d1] = torch.autograd.grad(y.sum(), x, { createGraph: true });
      await expectClose(d1!, [12, 3]);
      const [d2] = torch.autograd.grad(d1!.sum(), x);
      await expectClose(d2!, [12, -6]);
    });

    it('mul_ by a number after the tensor was used by add does not trip the version check', async () => {
      const x = f32([1, 2], true);
      const y = x.mul(1);
      const z = y.add(x); // AddBackward0 saves nothing
      y.mul_(5);
      z.sum().backward();
      await expectClose(x.grad!, [2, 2]);
    });

    /**
     * In-place forms on a non-leaf y = x * 1 with x = [0.5, 1.5] and z = [2, 3] requiring grad,
     * then y.sum().backward(): (x.grad, z.grad) printed by PyTorch 1.13. PyTorch saves the old
     * value of y where the derivative needs it (log_, abs_, pow_, clamp_, mul_), and the result
     * where that suffices (exp_, relu_, sigmoid_, tanh_, sqrt_).
     */
    const inplaceCases: [string, (y: Tensor, z: Tensor) => unknown, number[], number[] | null][] = [
      ['exp_', (y) => y.exp_(), [1.6487212181091309, 4.481688976287842], null],
      ['relu_', (y) => y.relu_(), [1, 1], null],
      ['sigmoid_', (y) => y.sigmoid_(), [0.23500370979309082, 0.14914646744728088], null],
      ['tanh_', (y) => y.tanh_(), [0.7864477038383484, 0.18070662021636963], null],
      ['sqrt_', (y) => y.sqrt_(), [0.7071067690849304, 0.40824827551841736], null],
      ['log_', (y) => y.log_(), [2, 0.6666666865348816], null],
      ['abs_', (y) => y.abs_(), [1, 1], null],
      ['neg_', (y) => y.neg_(), [-1, -1], null],
      ['mul_(z)', (y, z) => y.mul_(z), [2, 3], [0.5, 1.5]],
      ['pow_(2)', (y) => y.pow_(2), [1, 3], null],
      ['pow_(z)', (y, z) => y.pow_(z), [1, 6.75], [-0.1732867956161499, 1.3684446811676025]],
      ['div_(2)', (y) => y.div_(2), [0.5, 0.5], null],
      ['div_(z)', (y, z) => y.div_(z), [0.5, 0.3333333432674408], [-0.125, -0.1666666716337204]],
      ['clamp_(0, 1)', (y) => y.clamp_(0, 1), [1, 0], null],
      ['add_(z)', (y, z) => y.add_(z), [1, 1], [1, 1]],
      ['sub_(z, alpha 2)', (y, z) => y.sub_(z, { alpha: 2 }), [1, 1], [-2, -2]],
      ['fill_(3)', (y) => y.fill_(3), [0, 0], null],
      ['zero_()', (y) => y.zero_(), [0, 0], null],
      ['copy_(z)', (y, z) => y.copy_(z), [0, 0], [1, 1]],
      ['maskedFill_', (y) => y.maskedFill_(torch.tensor([true, false], { device }), 0), [0, 1], null],
      ['indexPut_', (y, z) => y.indexPut_([torch.tensor([0], { device })], z.index('1:')), [0, 1], [0, 1]],
    ];
    it.each(inplaceCases)('%s on a non-leaf gives PyTorch’s gradients', async (_name, op, dx, dz) => {
      const x = f32([0.5, 1.5], true);
      const z = f32([2, 3], true);
      const y = x.mul(1);
      op(y, z);
      y.sum().backward();
      await expectClose(x.grad!, dx);
      if (dz) await expectClose(z.grad!, dz);
      else expect(z.grad).toBeNull();
    });

    it('an in-place op on a plain tensor with a tensor that requires grad puts it in the graph', async () => {
      // PyTorch: buf = torch.ones(2); buf.mul_(w); buf.sum().backward() → w.grad = [1, 1]
      const w = f32([2, 3], true);
      const buf = f32([1, 1]);
      buf.mul_(w);
      expect(buf.requiresGrad).toBe(true);
      expect(buf.isLeaf).toBe(false);
      buf.mul(buf).sum().backward();
      await expectClose(w.grad!, [4, 6]); // d/dw (w·1)² = 2w
    });
  });

  it('broadcasting in the forward pass sums gradients back to each input’s shape', async () => {
    const x = f32([[1], [2], [3]], true); // [3, 1]
    const b = f32([1, 2, 3, 4], true); // [4]
    x.add(b).sum().backward();
    expect(x.grad!.shape).toEqual([3, 1]);
    expect(b.grad!.shape).toEqual([4]);
    await expectClose(x.grad!, [[4], [4], [4]]);
    await expectClose(b.grad!, [3, 3, 3, 3]);
    x.grad = null;
    b.grad = null;
    x.mul(b).sum().backward();
    await expectClose(x.grad!, [[10], [10], [10]]);
    await expectClose(b.grad!, [6, 6, 6, 6]);
    // a 0-d operand gets a 0-d gradient
    const s = f32(2, true);
    x.detach().mul(s).sum().backward();
    expect(s.grad!.shape).toEqual([]);
    await expectClose(s.grad!, 6);
  });

  it.skipIf(!hasFloat64(device))('gradients flow back across dtype conversion, in the source dtype', async () => {
    const x = f32([1, 2], true);
    const y = x.to('float64');
    expect(y.dtype).toBe('float64');
    expect(y.gradFn?.name).toBe('ToCopyBackward0');
    y.mul(y).sum().backward();
    expect(x.grad!.dtype).toBe('float32');
    await expectClose(x.grad!, [2, 4]);
    const d = f64([1, 2], true);
    d.to('float32').mul(3).sum().backward();
    expect(d.grad!.dtype).toBe('float64');
    await expectClose(d.grad!, [3, 3]);
    // a float64 0-d operand does not promote a float32 tensor (dimensioned tensors decide), yet its gradient is float64
    const s = f64(2, true);
    const v = f32([1, 2], true);
    const out = v.mul(s);
    expect(out.dtype).toBe('float32');
    out.sum().backward();
    expect(s.grad!.dtype).toBe('float64');
    await expectClose(s.grad!, 3);
    // integer results carry no gradient
    expect(x.to('int32').requiresGrad).toBe(false);
  });

  it('autograd.toDot draws nodes, named leaves and edges', () => {
    const w = torch.ones([3, 2], { device, requiresGrad: true });
    const b = torch.zeros([2], { device, requiresGrad: true });
    const X = torch.ones([4, 3], { device });
    const loss = X.matmul(w).add(b).relu().sum();
    const dot = torch.autograd.toDot(loss, { params: { w, b } });
    expect(dot.startsWith('digraph {')).toBe(true);
    expect(dot.trimEnd().endsWith('}')).toBe(true);
    for (const name of ['SumBackward0', 'ReluBackward0', 'AddBackward0', 'MmBackward0']) expect(dot).toContain(name);
    expect(dot).toContain('"w\\n(3, 2)"');
    expect(dot).toContain('"b\\n(2)"');
    expect(dot).not.toContain('AccumulateGrad');
    // an edge from each node's input to it, and one from the root into the output box
    const ids = new Map<string, string>();
    for (const line of dot.split('\n')) {
      const m = /^ {2}(n\d+) \[label=("(?:[^"\\]|\\.)*")/.exec(line);
      if (m) ids.set(JSON.parse(m[2]) as string, m[1]);
    }
    const id = (label: string) => ids.get(label) ?? `<no node labelled ${label}>`;
    for (const [from, to] of [
      ['SumBackward0', 'output'],
      ['ReluBackward0', 'SumBackward0'],
      ['AddBackward0', 'ReluBackward0'],
      ['MmBackward0', 'AddBackward0'],
      ['b\n(2)', 'AddBackward0'],
      ['w\n(3, 2)', 'MmBackward0'],
    ]) {
      expect(dot).toContain(`  ${id(from)} -> ${to === 'output' ? 'output' : id(to)}`);
    }
    expect(ids.size).toBe(6);
    // leaves without a name are labelled by shape alone; a tensor outside the graph has no edges
    expect(torch.autograd.toDot(w.mul(2).sum())).toContain('"(3, 2)"');
    const lone = torch.autograd.toDot(torch.ones([2], { device }));
    expect(lone).toContain('"leaf (2)"');
    expect(lone).not.toContain('->');
  });
});
