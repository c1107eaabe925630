/**
 * Reductions and normalisations (src/ops/reduce.ts): sum, prod, mean, var/std, amax/amin,
 * max/min with indices, argmax/argmin, all/any, logsumexp, softmax and logSoftmax, checked
 * against plain-JavaScript reductions of the generated inputs.
 */
import { beforeAll, describe, expect, it as vit } from 'vitest';
import { fc, it } from '@fast-check/vitest';
import * as torch from '../../src/index.js';
import type { DType } from '../../src/dtype.js';
import { devices, floatDTypes, hasFloat64 } from '../devices.js';
import { expectClose, numelOf, read, refAt, refFrom, shapeArb, tensorArb, type Ref } from '../helpers.js';

/**
 * Reduces `ref` over `dims` in plain JS: `f` gets the list of values of each output element.
 * Reduced dims are dropped, or kept with size 1 when `keepdim`.
 */
function refReduce(ref: Ref, dims: readonly number[], keepdim: boolean, f: (values: number[]) => number): Ref {
  const keptShape = ref.shape.map((s, d) => (dims.includes(d) ? 1 : s));
  const reducedSizes = dims.map((d) => ref.shape[d]);
  const full = refFrom(keptShape, (index) => {
    const values: number[] = [];
    for (let j = 0; j < numelOf(reducedSizes); j++) {
      let rest = j;
      const at = [...index];
      for (let k = dims.length - 1; k >= 0; k--) {
        at[dims[k]] = rest % reducedSizes[k];
        rest = Math.floor(rest / reducedSizes[k]);
      }
      values.push(refAt(ref, at));
    }
    return f(values);
  });
  return keepdim ? full : { shape: ref.shape.filter((_, d) => !dims.includes(d)), data: full.data };
}

const sumOf = (v: number[]) => v.reduce((a, b) => a + b, 0);
const prodOf = (v: number[]) => v.reduce((a, b) => a * b, 1);
const maxOf = (v: number[]) => (v.some(Number.isNaN) ? NaN : Math.max(...v));
const minOf = (v: number[]) => (v.some(Number.isNaN) ? NaN : Math.min(...v));
const meanOf = (v: number[]) => sumOf(v) / v.length;
/** The two-pass variance: the mean first, then the squared deviations from it. */
const varOf = (v: number[], correction: number) => {
  const m = meanOf(v);
  return sumOf(v.map((x) => (x - m) ** 2)) / Math.max(0, v.length - correction);
};

/** A tensor, a subset of its dims (in any order, some written negative) and keepdim. */
const reductionArb = (dtype: DType, options: { minSize?: number; values?: 'exact' | 'real' } = {}) =>
  tensorArb(dtype, shapeArb({ maxDims: 4, minSize: options.minSize ?? 1 }), { values: options.values }).chain((c) => {
    const all = c.shape.map((_, d) => d);
    return fc.tuple(
      fc.constant(c),
      fc.shuffledSubarray(all).chain((dims) => fc.tuple(...dims.map((d) => fc.constantFrom(d, d - c.shape.length))).map((written) => ({ dims: [...dims].sort((a, b) => a - b), written }))),
      fc.boolean(),
    );
  });

describe.each(devices)('sum, prod, mean, amax, amin on %s', (device) => {
  beforeAll(() => torch.init(device));

  // (float64: exact sums and products; webgpu's float32 reductions are checked against js in test/backend/webgpu.test.ts)
  (hasFloat64(device) ? it : it.skip).prop([reductionArb('float64')], { numRuns: 100 })('reduce any set of dims like the reference', async ([c, { dims, written }, keepdim]) => {
    const x = c.make(device);
    // an empty dim list means every dim, as in PyTorch
    const over = dims.length ? dims : c.shape.map((_, d) => d);
    await expectClose(x.sum(written, keepdim), refReduce(c.ref, over, keepdim, sumOf), { rtol: 0, atol: 0 });
    await expectClose(x.mean(written, keepdim), refReduce(c.ref, over, keepdim, meanOf), { rtol: 1e-12 });
    await expectClose(x.amax(written, keepdim), refReduce(c.ref, over, keepdim, maxOf), { rtol: 0, atol: 0 });
    await expectClose(x.amin(written, keepdim), refReduce(c.ref, over, keepdim, minOf), { rtol: 0, atol: 0 });
    if (written.length <= 1) {
      await expectClose(x.prod(written[0] ?? null, keepdim), refReduce(c.ref, over, keepdim, prodOf), { rtol: 1e-12 });
    }
  });

  it.prop([reductionArb('int32'), fc.constantFrom('int32' as const, 'bool' as const)], { numRuns: 40 })(
    'sum and prod of int32 and bool tensors are int32',
    async ([c, { dims, written }, keepdim], dtype) => {
      const x = c.make(device).to(dtype);
      const values = dtype === 'bool' ? { ...c.ref, data: c.ref.data.map((v) => Number(v !== 0)) } : c.ref;
      const over = dims.length ? dims : c.shape.map((_, d) => d);
      expect(x.sum(written, keepdim).dtype).toBe('int32');
      await expectClose(x.sum(written, keepdim), refReduce(values, over, keepdim, sumOf), { rtol: 0, atol: 0 });
      expect(x.prod().dtype).toBe('int32');
      await expectClose(x.amax(written, keepdim), refReduce(values, over, keepdim, maxOf), { rtol: 0, atol: 0 });
    },
  );

  it.prop([tensorArb('float32', shapeArb({ minDims: 2, maxDims: 4 }))], { numRuns: 50 })(
    'reducing over [0, 1] equals reducing dim 1 and then dim 0',
    async (c) => {
      const x = c.make(device);
      await expectClose(x.sum([0, 1]), x.sum(1).sum(0), { rtol: 0, atol: 0 });
      await expectClose(x.amax([0, 1]), x.amax(1).amax(0), { rtol: 0, atol: 0 });
      await expectClose(x.amin([1, 0]), x.amin(0).amin(0), { rtol: 0, atol: 0 });
      await expectClose(x.sum(), x.sum([0, 1]).sum(), { rtol: 0, atol: 0 });
      await expectClose(x.max(), x.amax([0, 1]).amax(), { rtol: 0, atol: 0 });
      await expectClose(x.min(), x.amin(), { rtol: 0, atol: 0 });
    },
  );

  it.prop([tensorArb('float32', shapeArb({ minDims: 1, maxDims: 4 })).chain((c) => fc.tuple(fc.constant(c), fc.integer({ min: 0, max: c.shape.length - 1 })))], {
    numRuns: 50,
  })('sum(dim, keepdim=true) broadcasts back against its input', async ([c, dim]) => {
    const x = c.make(device);
    const total = x.sum(dim, true);
    expect(total.shape).toEqual(c.shape.map((s, d) => (d === dim ? 1 : s)));
    const expected = refReduce(c.ref, [dim], true, sumOf);
    // x - x.sum(dim, keepdim) broadcasts: each element minus the total of its line
    await expectClose(x.sub(total), refFrom(c.shape, (i) => Math.fround(refAt(c.ref, i) - refAt(expected, i.map((k, d) => (d === dim ? 0 : k))))), {
      rtol: 0,
      atol: 0,
    });
  });

  vit('sum takes a dtype option and 0-d tensors reduce to themselves', async () => {
    const x = torch.tensor([[1, 2], [3, 4]], { device });
    const s = x.sum(null, false, { dtype: floatDTypes(device).at(-1)! });
    expect(s.dtype).toBe(floatDTypes(device).at(-1)!);
    await expectClose(s, 10);
    await expectClose(torch.tensor(3, { device }).sum(0), 3);
    await expectClose(torch.tensor(3, { device }).sum(-1, true), 3);
    await expectClose(torch.zeros([2, 0], { device }).sum(1), [0, 0]);
    await expectClose(torch.zeros([2, 0], { device }).prod(1), [1, 1]);
    await expectClose(torch.zeros([0], { device }).mean(), NaN);
  });

  vit('a dim may not appear twice, and must be in range', () => {
    const x = torch.zeros([2, 3], { device });
    expect(() => x.sum([0, 0])).toThrow(RangeError);
    expect(() => x.sum([0, 0])).toThrow('dim 0 appears multiple times in the list of dims');
    expect(() => x.sum([1, -1])).toThrow('dim 1 appears multiple times in the list of dims');
    expect(() => x.sum(2)).toThrow('Dimension out of range (expected to be in range of [-2, 1], but got 2)');
    expect(() => x.amax([0, -2])).toThrow('dim 0 appears multiple times in the list of dims');
  });

  vit('mean needs a floating dtype', () => {
    expect(() => torch.tensor([1], { device }).mean()).toThrow(TypeError);
    expect(() => torch.tensor([1], { device }).mean()).toThrow(
      'mean(): could not infer output dtype. Input dtype must be either a floating point or complex dtype. Got: Int',
    );
    expect(() => torch.tensor([true], { device }).mean()).toThrow('Got: Bool');
  });

  vit('max, min, amax and amin have no answer for an empty reduction', () => {
    const empty = torch.zeros([0, 3], { device });
    expect(() => empty.max()).toThrow(RangeError);
    expect(() => empty.max()).toThrow(
      "max(): Expected reduction dim to be specified for input.numel() == 0. Specify the reduction dim with the 'dim' argument.",
    );
    expect(() => empty.min()).toThrow('min(): Expected reduction dim to be specified for input.numel() == 0.');
    expect(() => empty.amax(0)).toThrow('amax(): Expected reduction dim 0 to have non-zero size.');
    expect(() => empty.amin([0, 1])).toThrow('amin(): Expected reduction dim 0 to have non-zero size.');
    expect(() => empty.max(0)).toThrow('max(): Expected reduction dim 0 to have non-zero size.');
    expect(empty.amax(1).shape).toEqual([0]);
  });
});

describe.each(devices)('var and std on %s', (device) => {
  beforeAll(() => torch.init(device));

  (hasFloat64(device) ? it : it.skip).prop([reductionArb('float64', { values: 'real' }), fc.constantFrom(0, 1, 2)], { numRuns: 80 })(
    'var equals the two-pass reference for any correction; std is its square root',
    async ([c, { dims, written }, keepdim], correction) => {
      const x = c.make(device);
      const over = dims.length ? dims : c.shape.map((_, d) => d);
      const expected = refReduce(c.ref, over, keepdim, (v) => varOf(v, correction));
      const tolerance = { rtol: 1e-9, atol: 1e-12 };
      await expectClose(x.var(written, keepdim, { correction }), expected, tolerance);
      await expectClose(x.std(written, keepdim, { correction }), { ...expected, data: expected.data.map(Math.sqrt) }, tolerance);
      if (correction <= 1) await expectClose(x.var(written, keepdim, { unbiased: correction === 1 }), expected, tolerance);
    },
  );

  vit('defaults to Bessel’s correction, and one element gives NaN', async () => {
    await expectClose(torch.tensor([1, 2, 3, 4], { dtype: 'float32', device }).var(), 1.6666666269302368, { rtol: 0, atol: 0 });
    await expectClose(torch.tensor([2, 4, 4, 4, 5, 5, 7, 9], { dtype: floatDTypes(device).at(-1)!, device }).std(null, false, { correction: 0 }), 2);
    await expectClose(torch.tensor([1.5], { device }).var(), NaN);
  });

  vit('needs a floating dtype', () => {
    expect(() => torch.tensor([1, 2], { device }).var()).toThrow(TypeError);
    expect(() => torch.tensor([1, 2], { device }).var()).toThrow('std and var only support floating point and complex dtypes, got: Int');
    expect(() => torch.tensor([true], { device }).std()).toThrow('got: Bool');
  });
});

describe.each(devices)('max/min along a dim, argmax and argmin on %s', (device) => {
  beforeAll(() => torch.init(device));

  const alongDimArb = tensorArb('int32', shapeArb({ minDims: 1, maxDims: 3 })).chain((c) =>
    fc.tuple(fc.constant(c), fc.integer({ min: -c.shape.length, max: c.shape.length - 1 }), fc.boolean()),
  );

  it.prop([alongDimArb, fc.constantFrom('max' as const, 'min' as const)], { numRuns: 80 })(
    'max(dim)/min(dim) give the extreme values and the first index holding them',
    async ([c, dim, keepdim], kind) => {
      const d = dim < 0 ? dim + c.shape.length : dim;
      const { values, indices } = c.make(device)[kind](dim, keepdim);
      const pick = kind === 'max' ? maxOf : minOf;
      await expectClose(values, refReduce(c.ref, [d], keepdim, pick), { rtol: 0, atol: 0 });
      expect(indices.dtype).toBe('int32');
      await expectClose(indices, refReduce(c.ref, [d], keepdim, (v) => v.indexOf(pick(v))), { rtol: 0, atol: 0 });
      const arg = kind === 'max' ? torch.argmax : torch.argmin;
      await expectClose(arg(c.make(device), dim, keepdim), indices, { rtol: 0, atol: 0 });
    },
  );

  it.prop([tensorArb('float32', shapeArb({ maxDims: 3 }))], { numRuns: 50 })(
    'argmax()/argmin() without a dim index the flattened tensor',
    async (c) => {
      const x = c.make(device);
      const { data } = c.ref;
      await expectClose(x.argmax(), data.indexOf(Math.max(...data)), { rtol: 0, atol: 0 });
      await expectClose(x.argmin(), data.indexOf(Math.min(...data)), { rtol: 0, atol: 0 });
      expect(x.argmax(null, true).shape).toEqual(c.shape.map(() => 1));
    },
  );

  vit('NaN counts as the maximum and the minimum, as in PyTorch', async () => {
    const x = torch.tensor([[1, NaN, 3], [4, 5, 6]], { device });
    await expectClose(x.argmax(1), [1, 2]);
    await expectClose(x.argmin(1), [1, 0]);
    await expectClose(x.max(1).values, [NaN, 6]);
    await expectClose(x.amax(), NaN);
  });

  vit('a 0-d tensor is its own max along dim 0', async () => {
    const { values, indices } = torch.tensor(4, { device }).max(0);
    await expectClose(values, 4);
    await expectClose(indices, 0);
  });

  vit('max(other) and min(other) are elementwise', async () => {
    const a = torch.tensor([1, 5], { device });
    await expectClose(a.max(torch.tensor([3, 2], { device })), [3, 5]);
    await expectClose(a.min(torch.tensor([3, 2], { device })), [1, 2]);
  });

  vit('argmax of an empty tensor or along an empty dim has no answer', () => {
    expect(() => torch.zeros([0], { device }).argmax()).toThrow(RangeError);
    expect(() => torch.zeros([0], { device }).argmax()).toThrow('argmax(): Expected reduction dim to be specified for input.numel() == 0.');
    expect(() => torch.zeros([2, 0], { device }).argmin(1)).toThrow('argmin(): Expected reduction dim 1 to have non-zero size.');
  });
});

describe.each(devices)('all and any on %s', (device) => {
  beforeAll(() => torch.init(device));

  it.prop([tensorArb('int32', shapeArb({ maxDims: 3 })).chain((c) => fc.tuple(fc.constant(c), fc.option(fc.integer({ min: 0, max: Math.max(0, c.shape.length - 1) }), { nil: null }), fc.boolean()))], {
    numRuns: 50,
  })('all/any are true where every/some element is non-zero', async ([c, dim, keepdim]) => {
    const x = c.make(device).gt(0);
    const positive = { ...c.ref, data: c.ref.data.map((v) => Number(v > 0)) };
    const over = dim === null || c.shape.length === 0 ? c.shape.map((_, d) => d) : [dim];
    const keep = dim === null ? false : keepdim;
    await expectClose(x.all(dim, keep), refReduce(positive, over, keep, (v) => Number(v.every(Boolean))));
    await expectClose(x.any(dim, keep), refReduce(positive, over, keep, (v) => Number(v.some(Boolean))));
  });

  vit('treat NaN as true and give true/false for empty inputs', async () => {
    await expectClose(torch.tensor([NaN, 1], { device }).all(), true);
    await expectClose(torch.zeros([0], { device }).all(), true);
    await expectClose(torch.zeros([0], { device }).any(), false);
  });
});

describe.each(devices)('softmax, logSoftmax and logsumexp on %s', (device) => {
  beforeAll(() => torch.init(device));

  const rowsArb = (dtype: 'float32' | 'float64') =>
    tensorArb(dtype, shapeArb({ minDims: 1, maxDims: 3 }), { values: 'real' }).chain((c) =>
      fc.tuple(fc.constant(c), fc.integer({ min: -c.shape.length, max: c.shape.length - 1 })),
    );

  it.prop([rowsArb('float32')], { numRuns: 60 })('softmax rows are positive and sum to 1', async ([c, dim]) => {
    const y = c.make(device).softmax(dim);
    expect(y.shape).toEqual(c.shape);
    for (const v of (await read(y)).data) expect(v).toBeGreaterThan(0);
    const rows = y.sum(dim);
    await expectClose(rows, { shape: rows.shape as number[], data: Array(rows.numel()).fill(1) }, { rtol: 0, atol: 1e-5 });
  });

  (hasFloat64(device) ? it : it.skip).prop([rowsArb('float64')], { numRuns: 60 })('softmax is exp(x - max) / Σ exp(x - max); logSoftmax is its log', async ([c, dim]) => {
    const x = c.make(device);
    const d = dim < 0 ? dim + c.shape.length : dim;
    const lineOf = (i: number[]) => Array.from({ length: c.shape[d] }, (_, k) => refAt(c.ref, i.map((v, j) => (j === d ? k : v))));
    const softmax = refFrom(c.shape, (i) => {
      const line = lineOf(i);
      const m = Math.max(...line);
      return Math.exp(refAt(c.ref, i) - m) / sumOf(line.map((v) => Math.exp(v - m)));
    });
    await expectClose(x.softmax(dim), softmax, { rtol: 1e-12, atol: 1e-15 });
    await expectClose(x.logSoftmax(dim), { ...softmax, data: softmax.data.map(Math.log) }, { rtol: 1e-9, atol: 1e-12 });
    await expectClose(x.logSoftmax(dim).exp(), x.softmax(dim), { rtol: 1e-12, atol: 1e-15 });
    const lse = refReduce(c.ref, [d], false, (v) => Math.max(...v) + Math.log(sumOf(v.map((u) => Math.exp(u - Math.max(...v))))));
    await expectClose(x.logsumexp(dim), lse, { rtol: 1e-12, atol: 1e-12 });
  });

  it.prop([rowsArb('float32')], { numRuns: 40 })('logSoftmax equals log(softmax) within float32 tolerance', async ([c, dim]) => {
    const x = c.make(device);
    await expectClose(x.logSoftmax(dim), x.softmax(dim).log(), { rtol: 1e-5, atol: 1e-5 });
  });

  vit('stay finite for large inputs, where a naive formula overflows', async () => {
    const x = torch.tensor([1000, 1000, -1000], { dtype: 'float32', device });
    await expectClose(x.softmax(0), [0.5, 0.5, 0]);
    await expectClose(x.logSoftmax(0), [-Math.LN2, -Math.LN2, -2000 - Math.LN2], { rtol: 1e-6 });
    await expectClose(x.logsumexp(0), 1000 + Math.LN2);
    await expectClose(torch.tensor([-Infinity, -Infinity], { device }).logsumexp(0), -Infinity);
    await expectClose(torch.tensor([Infinity, 0], { device }).logsumexp(0), Infinity);
  });

  vit('logsumexp of integers is float32; keepdim keeps the dim', async () => {
    const y = torch.tensor([[0, 0]], { device }).logsumexp(1, true);
    expect([y.dtype, y.shape]).toEqual(['float32', [1, 1]]);
    await expectClose(y, [[Math.LN2]]);
  });

  vit('softmax and logSoftmax need a floating dtype', () => {
    expect(() => torch.tensor([1, 2], { device }).softmax(0)).toThrow(TypeError);
    expect(() => torch.tensor([1, 2], { device }).softmax(0)).toThrow('softmax(): expected a floating point tensor but got int32');
    expect(() => torch.tensor([1, 2], { device }).logSoftmax(0)).toThrow('log_softmax(): expected a floating point tensor but got int32');
  });
});

