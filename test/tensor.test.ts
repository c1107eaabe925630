/**
 * The Tensor class (src/tensor.ts): attributes, conversion to JavaScript values, memory shared
 * with typed arrays (like `from_numpy`/`.numpy()`), `to()`, and the storage model: views share
 * their base's storage, writes through a view are seen in the base, and in-place writes bump
 * the storage's version counter.
 */
import { beforeAll, describe, expect, it as vit } from 'vitest';
import { fc, it } from '@fast-check/vitest';
import * as torch from '../src/index.js';
import { fromArray } from '../src/tensor.js';
import { devices, floatDTypes, readsSync } from './devices.js';
import { expectClose, listOf, read, refAt, refFrom, tensorArb } from './helpers.js';

describe('attributes', () => {
  vit('shape, ndim, numel, size and stride', () => {
    const x = torch.zeros(2, 3, 4);
    expect(x.shape).toEqual([2, 3, 4]);
    expect(x.ndim).toBe(3);
    expect(x.numel()).toBe(24);
    expect(x.size()).toEqual([2, 3, 4]);
    expect(x.size(1)).toBe(3);
    expect(x.size(-1)).toBe(4);
    expect(x.stride()).toEqual([12, 4, 1]);
    expect(x.stride(0)).toBe(12);
    expect(x.stride(-2)).toBe(4);
    expect(x.storageOffset()).toBe(0);
    expect(x.isContiguous()).toBe(true);
    expect(x.dtype).toBe('float32');
    expect(x.device).toBe('js');
  });

  vit('a 0-d tensor has an empty shape and one element', () => {
    const s = torch.tensor(5);
    expect(s.shape).toEqual([]);
    expect(s.ndim).toBe(0);
    expect(s.numel()).toBe(1);
    expect(s.stride()).toEqual([]);
  });

  vit('size and stride reject a dim out of range', () => {
    expect(() => torch.zeros(2, 3).size(2)).toThrow('Dimension out of range (expected to be in range of [-2, 1], but got 2)');
    expect(() => torch.zeros(2, 3).stride(-3)).toThrow(RangeError);
  });

  vit('the shape is frozen, and size() returns a copy', () => {
    const x = torch.zeros(2, 3);
    expect(Object.isFrozen(x.shape)).toBe(true);
    const size = x.size();
    size[0] = 7;
    expect(x.shape).toEqual([2, 3]);
  });

  vit('views report their strides and offset', () => {
    const x = torch.arange(12).reshape(3, 4);
    const v = x.index('1:', '::2');
    expect(v.shape).toEqual([2, 2]);
    expect(v.stride()).toEqual([4, 2]);
    expect(v.storageOffset()).toBe(4);
    expect(v.isContiguous()).toBe(false);
    expect(x.t().isContiguous()).toBe(false);
    expect(x.index(1).isContiguous()).toBe(true);
  });

  vit('requiresGrad_ needs a floating dtype', () => {
    expect(torch.ones(2).requiresGrad_().requiresGrad).toBe(true);
    expect(() => torch.ones([2], { dtype: 'int32' }).requiresGrad_()).toThrow(TypeError);
    expect(() => torch.ones([2], { dtype: 'int32' }).requiresGrad_()).toThrow(
      'only Tensors of floating point dtype can require gradients (got int32)',
    );
    expect(() => torch.tensor([true]).requiresGrad_()).toThrow('(got bool)');
  });
});

describe('conversion to JavaScript values', () => {
  vit('tolist gives nested arrays; bools as booleans', () => {
    expect(torch.tensor([[1, 2], [3, 4]]).tolist()).toEqual([[1, 2], [3, 4]]);
    expect(torch.tensor([true, false]).tolist()).toEqual([true, false]);
    expect(torch.tensor(2.5).tolist()).toBe(2.5);
    expect(torch.zeros(2, 0).tolist()).toEqual([[], []]);
    expect(torch.arange(6).reshape(2, 3).t().tolist()).toEqual([[0, 3], [1, 4], [2, 5]]);
  });

  vit('item reads a one-element tensor of any shape', () => {
    expect(torch.tensor([[2.5]]).item()).toBe(2.5);
    expect(torch.tensor(7).item()).toBe(7);
    expect(torch.tensor([true]).item()).toBe(1);
    expect(torch.tensor(false).item()).toBe(0);
    expect(torch.arange(6).reshape(2, 3).index(1, 2).item()).toBe(5);
  });

  vit('item refuses a tensor of other than one element', () => {
    expect(() => torch.zeros(3).item()).toThrow(RangeError);
    expect(() => torch.zeros(3).item()).toThrow('a Tensor with 3 elements cannot be converted to Scalar');
    expect(() => torch.zeros(0).item()).toThrow('a Tensor with 0 elements cannot be converted to Scalar');
  });

  vit('the async readers work too', async () => {
    expect(Array.from(await torch.tensor([1, 2]).data())).toEqual([1, 2]);
    expect(await torch.tensor([[3]]).itemAsync()).toBe(3);
    expect(await torch.tensor(true).itemAsync()).toBe(1);
    await expect(torch.zeros(2).itemAsync()).rejects.toThrow('a Tensor with 2 elements cannot be converted to Scalar');
  });

  vit('data() is a copy, not a view of the storage', async () => {
    const x = torch.zeros(2);
    const values = await x.data();
    values[0] = 9;
    expect(x.tolist()).toEqual([0, 0]);
  });

  vit('prints like PyTorch', () => {
    expect(String(torch.tensor([[1, 2], [3, 4]], { dtype: 'float32' }))).toBe('tensor([[1., 2.],\n        [3., 4.]])');
    expect(String(torch.tensor([1, 2], { dtype: 'float64' }))).toBe('tensor([1., 2.], dtype=torch.float64)');
    expect(String(torch.tensor([true, false]))).toBe('tensor([ True, False])');
  });
});

describe('memory shared with typed arrays on js', () => {
  vit('fromTypedArray shares memory both ways, like torch.from_numpy', () => {
    const array = new Float32Array([1, 2, 3, 4]);
    const t = torch.fromTypedArray(array, [2, 2]);
    array[0] = 9;
    expect(t.tolist()).toEqual([[9, 2], [3, 4]]);
    t.indexPut_([1, 1], 7);
    expect(array[3]).toBe(7);
  });

  vit('toTypedArray of a contiguous tensor is a view of its storage, like .numpy()', () => {
    const t = torch.ones(3);
    const values = t.toTypedArray();
    expect(values).toBeInstanceOf(Float32Array);
    values[0] = 5;
    expect(t.tolist()).toEqual([5, 1, 1]);
  });

  vit('toTypedArray of a contiguous slice covers just that slice', () => {
    const x = torch.arange(12).reshape(3, 4);
    const row = x.index(1).toTypedArray();
    expect(Array.from(row)).toEqual([4, 5, 6, 7]);
    row[0] = -1;
    expect(x.index(1, 0).item()).toBe(-1);
  });

  vit('toTypedArray of a non-contiguous tensor is a row-major copy', () => {
    const x = torch.arange(6).reshape(2, 3);
    const values = x.t().toTypedArray();
    expect(Array.from(values)).toEqual([0, 3, 1, 4, 2, 5]);
    values[0] = 100;
    expect(x.index(0, 0).item()).toBe(0);
  });

  vit('each dtype is stored in its typed array', () => {
    expect(torch.zeros([1], { dtype: 'float64' }).toTypedArray()).toBeInstanceOf(Float64Array);
    expect(torch.zeros([1], { dtype: 'int32' }).toTypedArray()).toBeInstanceOf(Int32Array);
    expect(torch.zeros([1], { dtype: 'bool' }).toTypedArray()).toBeInstanceOf(Uint8Array);
  });

  vit('tensor(typedArray) copies instead of sharing', () => {
    const array = new Int32Array([1, 2]);
    const t = torch.tensor(array);
    array[0] = 5;
    expect(t.tolist()).toEqual([1, 2]);
  });

  vit('rejects typed arrays of other kinds and shapes of the wrong size', () => {
    expect(() => torch.fromTypedArray(new Uint16Array(2) as never)).toThrow(TypeError);
    expect(() => torch.fromTypedArray(new Uint16Array(2) as never)).toThrow('expected a Float32Array, Float64Array, Int32Array or Uint8Array');
    expect(() => torch.fromTypedArray(new Float32Array(4), [3])).toThrow(RangeError);
    expect(() => torch.fromTypedArray(new Float32Array(4), [3])).toThrow(
      'fromTypedArray(): shape [3] is invalid for a typed array of 4 elements',
    );
    // the internal constructor checks the same things
    expect(() => fromArray(new Float32Array(4), [3])).toThrow('shape [3] does not hold 4 elements');
    expect(() => fromArray(new Int8Array(4) as never, [4])).toThrow('expected a Float32Array, Float64Array, Int32Array or Uint8Array');
  });
});

describe('to()', () => {
  vit('returns the tensor itself when nothing changes', () => {
    const x = torch.zeros(2);
    expect(x.to('js')).toBe(x);
    expect(x.to('float32')).toBe(x);
    expect(x.to({})).toBe(x);
    expect(x.cpu()).toBe(x);
  });

  vit('converts dtypes like PyTorch: truncation to int, non-zero to true', () => {
    expect(torch.tensor([1.7, -1.7, 0.2]).to('int32').tolist()).toEqual([1, -1, 0]);
    expect(torch.tensor([0, 0.5, -2]).to('bool').tolist()).toEqual([false, true, true]);
    expect(torch.tensor([true, false]).to('float32').tolist()).toEqual([1, 0]);
    expect(torch.tensor([0.1]).to('float64').item()).toBe(Math.fround(0.1));
    const converted = torch.tensor([1, 2]).to({ dtype: 'float64' });
    expect(converted.dtype).toBe('float64');
  });

  vit('converts a strided view into a new contiguous tensor', () => {
    const x = torch.arange(6).reshape(2, 3).t();
    const y = x.to('float64');
    expect(y.isContiguous()).toBe(true);
    expect(y.tolist()).toEqual([[0, 3], [1, 4], [2, 5]]);
    expect(y._storage).not.toBe(x._storage);
  });

  vit('rejects unknown dtypes and devices, listing the valid ones', () => {
    expect(() => torch.zeros(2).to('float16' as never)).toThrow(TypeError);
    expect(() => torch.zeros(2).to('float16' as never)).toThrow(
      `to(): "float16" is neither a device ('js', 'wasm', 'webgpu') nor a dtype ('bool', 'int32', 'float32', 'float64')`,
    );
    expect(() => torch.zeros(2).to('cuda' as never)).toThrow(`"cuda" is neither a device`);
    expect(() => torch.zeros(2).to({ dtype: 'half' as never })).toThrow(`unknown dtype "half"`);
    expect(() => torch.zeros(2).to({ device: 'cuda' as never })).toThrow(`unknown device "cuda"; expected one of 'js', 'wasm', 'webgpu'`);
  });
});

describe.each(devices)('storage sharing on %s', (device) => {
  beforeAll(() => torch.init(device));

  const base = () => torch.arange(12, { device }).reshape(3, 4).to('float32');

  vit('views share their base storage', () => {
    const x = base();
    for (const v of [x.index(1), x.t(), x.reshape(12), x.view(4, 3), x.index(':', '1:3'), x.unsqueeze(0), x.expand(2, 3, 4), x.permute(1, 0), x.detach()]) {
      expect(v._storage).toBe(x._storage);
    }
    expect(x.clone()._storage).not.toBe(x._storage);
    expect(x.t().contiguous()._storage).not.toBe(x._storage);
    expect(x.contiguous()).toBe(x);
  });

  vit('writes through a view are visible in the base', async () => {
    const x = base();
    x.index(1).fill_(-1);
    x.t().index(0).add_(100); // column 0
    x.index(':', '2:').mul_(0); // last two columns
    await expectClose(x, [
      [100, 1, 0, 0],
      [99, -1, 0, 0],
      [108, 9, 0, 0],
    ]);
  });

  // (indexPut_ with an index tensor: the tensor layer checks index tensors on the CPU, see devices.ts)
  vit.skipIf(!readsSync(device))('indexPut_ on the base is visible in its views, and through a view in the base', async () => {
    const x = base();
    const column = x.index(':', 1);
    x.indexPut_([':', 1], 0);
    await expectClose(column, [0, 0, 0]);
    column.indexPut_([torch.tensor([0, 2], { device })], 5);
    await expectClose(x.index(':', 1), [5, 0, 5]);
    x.index('1:', '1:').indexPut_([x.index('1:', '1:').gt(9)], -3);
    await expectClose(x, [
      [0, 5, 2, 3],
      [4, 0, 6, 7],
      [8, 5, -3, -3],
    ]);
  });

  vit.skipIf(!readsSync(device))('in-place ops bump the storage version shared by all views; out-of-place ops do not', () => {
    const x = base();
    const view = x.index(0);
    const version = () => x._storage.version;
    let last = version();
    const bumps = (f: () => unknown) => {
      f();
      const bumped = version() > last;
      last = version();
      return bumped;
    };
    expect(bumps(() => x.add_(1))).toBe(true);
    expect(bumps(() => view.mul_(2))).toBe(true);
    expect(bumps(() => x.fill_(0))).toBe(true);
    expect(bumps(() => x.zero_())).toBe(true);
    expect(bumps(() => x.copy_(torch.ones(4, { device })))).toBe(true);
    expect(bumps(() => x.indexPut_([0, 0], 3))).toBe(true);
    expect(bumps(() => x.indexPut_([torch.tensor([1], { device })], 3))).toBe(true);
    expect(bumps(() => x.scatter_(0, torch.tensor([[0]], { device }), 1))).toBe(true);
    expect(bumps(() => x.maskedFill_(x.gt(2), 0))).toBe(true);
    expect(bumps(() => x.relu_())).toBe(true);
    expect(bumps(() => x.add(1))).toBe(false);
    expect(bumps(() => x.index(0).clone().add_(1))).toBe(false);
    expect(bumps(() => x.t().contiguous())).toBe(false);
    expect(view._storage.version).toBe(x._storage.version);
  });

  it.prop([tensorArb('float32')], { numRuns: 30 })('a generated strided tensor reads back its reference values', async (c) => {
    const x = c.make(device);
    expect(x.device).toBe(device);
    await expectClose(x, c.ref);
    await expectClose(x.contiguous(), c.ref);
    expect(torch.tensor(await listOf(x), { dtype: 'float32' }).shape).toEqual(c.shape);
  });

  it.prop([tensorArb('int32', [3, 4])], { numRuns: 20 })('in-place add_ through any view writes exactly its elements', async (c) => {
    // the base is a fresh tensor; the view covers some of its elements
    const x = c.make(device);
    if (c.layout?.expanded.some(Boolean)) return; // writing through a broadcast view repeats elements
    x.add_(1000);
    await expectClose(x, refFrom(c.shape, (i) => refAt(c.ref, i) + 1000));
  });
});

describe.each(devices)('dtype conversion on %s', (device) => {
  beforeAll(() => torch.init(device));

  it.prop([tensorArb(floatDTypes(device).at(-1)!, undefined, { values: 'real' }), fc.constantFrom('int32' as const, 'bool' as const, 'float32' as const)], {
    numRuns: 40,
  })('to(dtype) casts every element like PyTorch', async (c, dtype) => {
    const cast = (v: number) => (dtype === 'int32' ? Math.trunc(v) | 0 : dtype === 'bool' ? Number(v !== 0) : Math.fround(v));
    const y = c.make(device).to(dtype);
    expect(y.dtype).toBe(dtype);
    expect((await read(y)).data).toEqual(c.ref.data.map(cast));
  });
});
