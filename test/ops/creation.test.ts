/**
 * Making tensors (src/ops/creation.ts): `tensor` from nested arrays and typed arrays, the filled
 * and range constructors, the `*Like` family, and the in-place writes `fill_`/`copy_` that every
 * other in-place op ends in. Random creation is in test/random.test.ts.
 */
import { beforeAll, describe, expect, it as vit } from 'vitest';
import { fc, it } from '@fast-check/vitest';
import * as torch from '../../src/index.js';
import { devices, floatDTypes, hasFloat64 } from '../devices.js';
import { expectClose, read, shapeArb, tensorArb, toNested, valueArb } from '../helpers.js';
import { asTensor } from '../../src/ops/creation.js';

describe('tensor() from nested arrays', () => {
  vit('infers the shape and PyTorch-like dtypes', () => {
    const ints = torch.tensor([[1, 2], [3, 4]]);
    expect([ints.shape, ints.dtype]).toEqual([[2, 2], 'int32']);
    expect(torch.tensor([1.5, 2]).dtype).toBe('float32');
    expect(torch.tensor([true, false]).dtype).toBe('bool');
    expect(torch.tensor([]).dtype).toBe('float32');
    expect(torch.tensor([]).shape).toEqual([0]);
    expect(torch.tensor([[], []]).shape).toEqual([2, 0]);
    expect(torch.tensor(3).shape).toEqual([]);
    expect(torch.tensor(true).tolist()).toBe(true);
  });

  vit('takes a dtype, device and requiresGrad', () => {
    const x = torch.tensor([[1, 2]], { dtype: 'float64', requiresGrad: true });
    expect([x.dtype, x.device, x.requiresGrad]).toEqual(['float64', 'js', true]);
    expect(torch.tensor([1.7, -1.7], { dtype: 'int32' }).tolist()).toEqual([1, -1]);
    expect(torch.tensor([0, 2], { dtype: 'bool' }).tolist()).toEqual([false, true]);
    expect(torch.tensor([true], { dtype: 'float32' }).tolist()).toEqual([1]);
  });

  vit('names the path of a ragged element', () => {
    expect(() => torch.tensor([[1, 2], [3]])).toThrow(RangeError);
    expect(() => torch.tensor([[1, 2], [3]])).toThrow('ragged nested sequence: expected sequence of length 2 at dim 1 (got 1) at [1]');
    expect(() => torch.tensor([[[1], [2]], [[3], [4, 5]]])).toThrow('expected sequence of length 1 at dim 2 (got 2) at [1][1]');
    expect(() => torch.tensor([[1, 2], 3] as never)).toThrow(
      'ragged nested sequence: expected a sequence of length 2 at dim 1 but got a number at [1]',
    );
    expect(() => torch.tensor([1, [2]] as never)).toThrow('ragged nested sequence: expected a number at [1] but got a sequence of length 1');
  });

  vit('rejects values that are not numbers or booleans, naming where', () => {
    expect(() => torch.tensor([1, 'a'] as never)).toThrow(TypeError);
    expect(() => torch.tensor([1, 'a'] as never)).toThrow('tensor(): expected numbers or booleans but found string at [1]');
    expect(() => torch.tensor([[1], [null]] as never)).toThrow('but found null at [1][0]');
    expect(() => torch.tensor(undefined as never)).toThrow('tensor(): expected numbers or booleans but found undefined');
  });

  vit('reads booleans mixed with numbers as numbers, like PyTorch', () => {
    const t = torch.tensor([true, 2, false] as never);
    expect(t.dtype).toBe('int32');
    expect(t.tolist()).toEqual([1, 2, 0]);
    expect(torch.tensor([true, 0.5] as never).tolist()).toEqual([1, 0.5]);
  });

  it.prop([tensorArb('float64', shapeArb(), { values: 'real', layout: 'contiguous' })], { numRuns: 30 })(
    'tolist() of tensor(nested) gives the nested arrays back',
    (c) => {
      const nested = toNested(c.ref);
      expect(torch.tensor(nested, { dtype: 'float64' }).tolist()).toEqual(nested);
      expect(torch.tensor(nested, { dtype: 'float64' }).shape).toEqual(c.shape);
    },
  );
});

describe('tensor() from typed arrays', () => {
  vit('keeps the array’s dtype and takes a shape', () => {
    const t = torch.tensor(new Int32Array([1, 2, 3, 4, 5, 6]), { shape: [2, 3] });
    expect([t.dtype, t.shape]).toEqual(['int32', [2, 3]]);
    expect(torch.tensor(new Float64Array([1, 2])).shape).toEqual([2]);
    expect(torch.tensor(new Uint8Array([0, 1])).tolist()).toEqual([false, true]);
    expect(torch.tensor(new Float32Array([1.5, -1.5]), { dtype: 'int32' }).tolist()).toEqual([1, -1]);
  });

  vit('rejects other typed arrays and shapes of the wrong size', () => {
    expect(() => torch.tensor(new Uint16Array(2) as never)).toThrow(TypeError);
    expect(() => torch.tensor(new Uint16Array(2) as never)).toThrow('tensor(): expected a Float32Array, Float64Array, Int32Array or Uint8Array');
    expect(() => torch.tensor(new Float32Array(6), { shape: [4] })).toThrow(RangeError);
    expect(() => torch.tensor(new Float32Array(6), { shape: [4] })).toThrow('tensor(): shape [4] is invalid for a typed array of 6 elements');
    expect(() => torch.tensor(new Float32Array(6), { shape: [-2, -3] })).toThrow('Trying to create tensor with negative dimension -2: [-2, -3]');
  });
});

describe.each(devices)('filled and range constructors on %s', (device) => {
  beforeAll(() => torch.init(device));

  vit('zeros, ones and empty take a shape spread or as an array, and options', async () => {
    for (const t of [torch.zeros(2, 3, { device }), torch.zeros([2, 3], { device })]) {
      expect([t.shape, t.dtype, t.device]).toEqual([[2, 3], 'float32', device]);
      await expectClose(t, [[0, 0, 0], [0, 0, 0]]);
    }
    await expectClose(torch.ones([2], { dtype: 'int32', device }), [1, 1]);
    expect(torch.ones(2, { dtype: 'int32', device }).dtype).toBe('int32');
    await expectClose(torch.empty(3, { device }), [0, 0, 0]);
    expect(torch.zeros([], { device }).shape).toEqual([]);
    expect(torch.zeros(0, 3, { device }).numel()).toBe(0);
  });

  vit('reject invalid sizes and dtypes', () => {
    expect(() => torch.zeros(2, -1)).toThrow(RangeError);
    expect(() => torch.zeros(2, -1)).toThrow('Trying to create tensor with negative dimension -1: [2, -1]');
    expect(() => torch.ones([1.5])).toThrow(TypeError);
    expect(() => torch.ones([1.5])).toThrow('shape [1.5] is invalid: every size must be an integer');
    expect(() => torch.zeros(2, { dtype: 'int64' as never })).toThrow(TypeError);
    expect(() => torch.zeros(2, { dtype: 'int64' as never })).toThrow(`unknown dtype "int64"; expected one of 'bool', 'int32', 'float32', 'float64'`);
  });

  vit('full takes its dtype from the value unless given', async () => {
    const sevens = torch.full([2], 7, { device });
    expect(sevens.dtype).toBe('int32');
    await expectClose(sevens, [7, 7]);
    expect(torch.full([2], 0.5, { device }).dtype).toBe('float32');
    await expectClose(torch.full([2], true, { device }), [true, true]);
    await expectClose(torch.full([1, 2], 2.5, { dtype: 'int32', device }), [[2, 2]]);
  });

  vit('eye makes identity matrices', async () => {
    await expectClose(torch.eye(2, { device }), [[1, 0], [0, 1]]);
    await expectClose(torch.eye(2, 3, { device }), [[1, 0, 0], [0, 1, 0]]);
    const e = torch.eye(3, 2, { dtype: 'int32', device });
    expect([e.dtype, e.device]).toEqual(['int32', device]);
    await expectClose(e, [[1, 0], [0, 1], [0, 0]]);
    expect(() => torch.eye(-1)).toThrow(RangeError);
    expect(() => torch.eye(-1)).toThrow('n must be greater or equal to 0, got -1');
    expect(() => torch.eye(2, -3)).toThrow('m must be greater or equal to 0, got -3');
  });

  vit('arange counts from start to end (exclusive) by step', async () => {
    await expectClose(torch.arange(4, { device }), [0, 1, 2, 3]);
    expect(torch.arange(4).dtype).toBe('int32');
    await expectClose(torch.arange(2, 5, { device }), [2, 3, 4]);
    await expectClose(torch.arange(10, 0, -3, { device }), [10, 7, 4, 1]);
    await expectClose(torch.arange(1, 2, 0.25, { device }), [1, 1.25, 1.5, 1.75]);
    expect(torch.arange(1, 2, 0.25).dtype).toBe('float32');
    expect(torch.arange(0, 1, 0.1).shape).toEqual([10]);
    expect(torch.arange(3, { dtype: 'float64' }).dtype).toBe('float64');
    expect(torch.arange(0).shape).toEqual([0]);
  });

  it.prop([fc.integer({ min: -20, max: 20 }), fc.integer({ min: 0, max: 30 }), fc.integer({ min: 1, max: 5 })], { numRuns: 30 })(
    'arange(start, end, step) lists start + i·step below end',
    async (start, length, step) => {
      const end = start + length;
      const expected: number[] = [];
      for (let v = start; v < end; v += step) expected.push(v);
      await expectClose(torch.arange(start, end, step, { device }), expected);
    },
  );

  vit('arange rejects a zero step, infinite bounds and a step of the wrong sign', () => {
    expect(() => torch.arange(0, 1, 0)).toThrow(RangeError);
    expect(() => torch.arange(0, 1, 0)).toThrow('arange(): step must be nonzero');
    expect(() => torch.arange(0, Infinity)).toThrow('arange(): unsupported range: 0 -> Infinity');
    expect(() => torch.arange(NaN)).toThrow('arange(): unsupported range: 0 -> NaN');
    expect(() => torch.arange(0, 1, -1)).toThrow('arange(): upper bound and larger bound inconsistent with step sign');
  });

  vit('linspace includes both ends', async () => {
    await expectClose(torch.linspace(0, 1, 5, { device }), [0, 0.25, 0.5, 0.75, 1]);
    await expectClose(torch.linspace(2, -2, 3, { device }), [2, 0, -2]);
    await expectClose(torch.linspace(3, 9, 1, { device }), [3]);
    expect(torch.linspace(0, 1, 0).shape).toEqual([0]);
    expect(torch.linspace(0, 1, 3, { dtype: 'float64' }).dtype).toBe('float64');
  });

  (hasFloat64(device) ? it : it.skip).prop([valueArb('float64', 'real'), valueArb('float64', 'real'), fc.integer({ min: 2, max: 40 })], { numRuns: 30 })(
    'linspace hits both ends exactly and steps evenly',
    async (start, end, steps) => {
      const { data } = await read(torch.linspace(start, end, steps, { dtype: 'float64', device }));
      expect(data.length).toBe(steps);
      expect([data[0], data[steps - 1]]).toEqual([start, end]);
      const step = (end - start) / (steps - 1);
      data.forEach((v, i) => expect(Math.abs(v - (start + i * step))).toBeLessThanOrEqual(1e-12 * (1 + Math.abs(start) + Math.abs(end))));
    },
  );

  vit('linspace rejects a negative number of steps', () => {
    expect(() => torch.linspace(0, 1, -1)).toThrow(RangeError);
    expect(() => torch.linspace(0, 1, -1)).toThrow('linspace(): number of steps must be non-negative, got -1');
    expect(() => torch.linspace(0, 1, 1.5)).toThrow('got 1.5');
  });

  vit('the *Like functions copy shape, dtype and device, and take overrides', async () => {
    const dtype = floatDTypes(device).at(-1)!; // float64 where the device has it
    const model = torch.zeros([2, 3], { dtype, device });
    for (const t of [torch.zerosLike(model), torch.onesLike(model), torch.fullLike(model, 4)]) {
      expect([t.shape, t.dtype, t.device]).toEqual([[2, 3], dtype, device]);
    }
    await expectClose(torch.fullLike(model, 4), [[4, 4, 4], [4, 4, 4]]);
    await expectClose(torch.onesLike(model, { dtype: 'int32' }), [[1, 1, 1], [1, 1, 1]]);
    expect(torch.onesLike(model, { dtype: 'int32' }).dtype).toBe('int32');
  });
});

describe.each(devices)('fill_ and copy_ on %s', (device) => {
  beforeAll(() => torch.init(device));

  it.prop([tensorArb('float32', shapeArb({ minDims: 1 })), valueArb('float32')], { numRuns: 30 })(
    'fill_ sets every element of a view, and only those',
    async (c, value) => {
      if (c.layout?.expanded.some(Boolean)) return; // a broadcast view has fewer storage elements than it shows
      const x = c.make(device);
      x.fill_(value);
      await expectClose(x, { shape: c.shape, data: c.ref.data.map(() => value) });
    },
  );

  vit('fill_ casts the value to the dtype and takes a 0-d tensor', async () => {
    await expectClose(torch.zeros([2], { dtype: 'int32', device }).fill_(2.7), [2, 2]);
    await expectClose(torch.zeros([2], { dtype: 'bool', device }).fill_(3), [true, true]);
    await expectClose(torch.zeros([2], { device }).fill_(torch.tensor(1.5, { device })), [1.5, 1.5]);
    await expectClose(torch.zeros([2, 2], { dtype: 'int32', device }).index(':', 1).fill_(torch.tensor(-2.7, { device })), [-2, -2]);
    await expectClose(torch.zeros([2], { dtype: 'bool', device }).fill_(torch.tensor(0.5)), [true, true]); // a js value fills any device
    await expectClose(torch.ones([2], { device }).zero_(), [0, 0]);
  });

  vit('fill_ refuses a tensor value with dims', () => {
    expect(() => torch.zeros(3).fill_(torch.zeros(2))).toThrow(RangeError);
    expect(() => torch.zeros(3).fill_(torch.zeros(2))).toThrow('fill_ only supports 0-dimension value tensor but got tensor with 1 dimensions.');
  });

  vit('copy_ broadcasts and casts the source into the destination view', async () => {
    const x = torch.zeros([2, 3], { dtype: 'int32', device });
    x.t().copy_(torch.tensor([[1.9], [2.9], [-3.9]], { device }));
    await expectClose(x, [[1, 2, -3], [1, 2, -3]]);
    const y = torch.zeros([2, 2], { device });
    y.copy_(torch.tensor([0.5, 0.25], { device }));
    await expectClose(y, [[0.5, 0.25], [0.5, 0.25]]);
  });

  vit('copy_ reads the whole source first when it overlaps the destination', async () => {
    const x = torch.tensor([1.5, 2.5, 3.5, 4.5], { device });
    x.index('1:').copy_(x.index(':3'));
    await expectClose(x, [1.5, 1.5, 2.5, 3.5]);
  });
});

describe.each(devices)('in-place op rules on %s', (device) => {
  beforeAll(() => torch.init(device));

  vit('an in-place result may not need a higher dtype category', () => {
    const x = torch.zeros([3], { dtype: 'int32', device });
    expect(() => x.add_(1.5)).toThrow(TypeError);
    expect(() => x.add_(1.5)).toThrow("result type float32 can't be cast to the desired output type int32");
    expect(() => torch.zeros([2], { dtype: 'bool', device }).add_(1)).toThrow("result type int32 can't be cast to the desired output type bool");
  });

  vit('an in-place result may not broadcast the destination to a bigger shape', () => {
    expect(() => torch.zeros([3], { device }).add_(torch.zeros([2, 3], { device }))).toThrow(RangeError);
    expect(() => torch.zeros([3], { device }).add_(torch.zeros([2, 3], { device }))).toThrow(
      "output with shape [3] doesn't match the broadcast shape [2, 3]",
    );
    expect(() => torch.zeros([3, 1], { device }).mul_(torch.zeros([3], { device }))).toThrow(
      "output with shape [3, 1] doesn't match the broadcast shape [3, 3]",
    );
  });

  vit('an in-place op may broadcast its other operand, and keep the destination dtype', async () => {
    const dtype = floatDTypes(device).at(-1)!; // float64 where the device has it
    const x = torch.ones([2, 3], { dtype, device });
    x.mul_(torch.tensor([1, 2, 3], { dtype: 'float32', device })).add_(0.5);
    expect(x.dtype).toBe(dtype);
    await expectClose(x, [[1.5, 2.5, 3.5], [1.5, 2.5, 3.5]]);
    const i = torch.tensor([5, 7], { device });
    i.add_(torch.tensor([true, false], { device }));
    await expectClose(i, [6, 7]);
  });
});

describe('number operands', () => {
  vit('become one cached 0-d tensor per device, dtype and value, which results never alias', async () => {
    const x = torch.ones([3]);
    expect(asTensor(0.5, x)).toBe(asTensor(0.5, x));
    expect(asTensor(0.5, x).tolist()).toBe(0.5);
    expect(asTensor(-0, x)).not.toBe(asTensor(0, x));
    expect(Object.is(asTensor(-0, x).item(), -0)).toBe(true);
    expect(asTensor(2, x, 'int32')).not.toBe(asTensor(2, x, 'float32'));
    expect(asTensor(2.7, x, 'int32').item()).toBe(2);
    const y = x.mul(0.5);
    y.mul_(4); // writes into the result, never into the 0.5 it was made with
    await expectClose(x.mul(0.5), [0.5, 0.5, 0.5]);
    // the cache is bounded: after 64 other numbers, 0.5 is made again
    const first = asTensor(0.5, x);
    for (let i = 0; i < 64; i++) asTensor(1000 + i, x);
    expect(asTensor(0.5, x)).not.toBe(first);
  });
});
