/**
 * Joining and splitting (src/ops/joining.ts): cat, stack, split, chunk, unbind, narrow.
 * The round trips (cat then split, stack then unbind) must give back the inputs exactly, and
 * the pieces of split/chunk/unbind/narrow are views of their input.
 */
import { beforeAll, describe, expect, it as vit } from 'vitest';
import { fc, it } from '@fast-check/vitest';
import * as torch from '../../src/index.js';
import type { DType } from '../../src/dtype.js';
import { devices, floatDTypes } from '../devices.js';
import { expectClose, refAt, refFrom, refSlice, shapeArb, tensorArb, type TensorCase } from '../helpers.js';

/** Tensors of one dtype whose shapes agree except along `dim`, with random strides. */
const catArb = (dtype: DType = 'float32') =>
  shapeArb({ minDims: 1, maxDims: 3 }).chain((shape) =>
    fc.integer({ min: 0, max: shape.length - 1 }).chain((dim) =>
      fc.tuple(
        fc.constant(dim),
        fc.array(
          fc.integer({ min: 0, max: 3 }).chain((size) => tensorArb(dtype, shape.map((s, d) => (d === dim ? size : s)))),
          { minLength: 1, maxLength: 4 },
        ),
      ),
    ),
  );

/** The reference of cat: element i along `dim` comes from the part that covers position i. */
function refCat(parts: TensorCase[], dim: number) {
  const sizes = parts.map((p) => p.shape[dim]);
  const shape = parts[0].shape.map((s, d) => (d === dim ? sizes.reduce((a, b) => a + b, 0) : s));
  return refFrom(shape, (index) => {
    let k = index[dim];
    let p = 0;
    while (k >= sizes[p]) k -= sizes[p++];
    return refAt(parts[p].ref, index.map((v, d) => (d === dim ? k : v)));
  });
}

describe.each(devices)('cat and split on %s', (device) => {
  beforeAll(() => torch.init(device));

  it.prop([catArb()], { numRuns: 80 })('cat joins along dim like the reference, and split gives the parts back', async ([dim, parts]) => {
    const tensors = parts.map((p) => p.make(device));
    const joined = torch.cat(tensors, dim);
    await expectClose(joined, refCat(parts, dim), { rtol: 0, atol: 0 });
    const pieces = joined.split(parts.map((p) => p.shape[dim]), dim);
    expect(pieces.length).toBe(parts.length);
    for (const [i, piece] of pieces.entries()) {
      expect(piece._storage).toBe(joined._storage);
      await expectClose(piece, parts[i].ref, { rtol: 0, atol: 0 });
    }
    await expectClose(torch.cat(tensors, dim - parts[0].shape.length), joined, { rtol: 0, atol: 0 });
  });

  it.prop([catArb('int32'), fc.integer({ min: 1, max: 4 })], { numRuns: 60 })('split into equal sizes: each piece is that slice, the last may be shorter', async ([dim, parts], size) => {
    const x = torch.cat(parts.map((p) => p.make(device)), dim);
    const whole = refCat(parts, dim);
    const length = whole.shape[dim];
    const pieces = x.split(length === 0 ? 0 : size, dim);
    const expectedCount = length === 0 ? 1 : Math.ceil(length / size);
    expect(pieces.length).toBe(expectedCount);
    for (const [i, piece] of pieces.entries()) {
      await expectClose(piece, refSlice(whole, dim, i * size, (i + 1) * size, 1), { rtol: 0, atol: 0 });
    }
  });

  vit('cat promotes dtypes and skips legacy empty 1-D tensors', async () => {
    const out = torch.cat([torch.tensor([1, 2], { device }), torch.tensor([0.5], { device })]);
    expect(out.dtype).toBe('float32');
    await expectClose(out, [1, 2, 0.5]);
    const skipped = torch.cat([torch.ones([2, 2], { device }), torch.zeros([0], { device })]);
    expect(skipped.shape).toEqual([2, 2]);
    expect(torch.cat([torch.zeros([0], { device }), torch.zeros([0], { dtype: 'int32', device })]).shape).toEqual([0]);
  });

  vit('cat names what does not match', () => {
    expect(() => torch.cat([])).toThrow(RangeError);
    expect(() => torch.cat([])).toThrow('torch.cat(): expected a non-empty list of Tensors');
    expect(() => torch.cat([torch.tensor(1, { device })])).toThrow('zero-dimensional tensor (at position 0) cannot be concatenated');
    expect(() => torch.cat([torch.zeros([2], { device }), torch.tensor(1, { device })])).toThrow(
      'zero-dimensional tensor (at position 1) cannot be concatenated',
    );
    expect(() => torch.cat([torch.zeros([2, 2], { device }), torch.zeros([3], { device })])).toThrow(
      'Tensors must have same number of dimensions: got 2 and 1',
    );
    expect(() => torch.cat([torch.zeros([2, 2], { device }), torch.zeros([3, 3], { device })])).toThrow(
      'Sizes of tensors must match except in dimension 0. Expected size 2 but got size 3 for tensor number 1 in the list.',
    );
    expect(() => torch.cat([torch.zeros([2, 2], { device })], 2)).toThrow('Dimension out of range (expected to be in range of [-2, 1], but got 2)');
  });

  vit('split names what is wrong with the sizes', () => {
    const x = torch.arange(5, { device });
    expect(() => x.split(0)).toThrow(RangeError);
    expect(() => x.split(0)).toThrow('split_size can only be 0 if dimension size is 0, but got dimension size of 5');
    expect(() => x.split([1, 2])).toThrow(
      "split_with_sizes expects split_sizes to sum exactly to 5 (input tensor's size at dimension 0), but got split_sizes=[1, 2]",
    );
    expect(() => x.split([-1, 6])).toThrow('split_with_sizes expects split_sizes have only non-negative entries, but got split_sizes=[-1, 6]');
    expect(() => torch.tensor(1, { device }).split(1)).toThrow('split expects at least a 1-dimensional tensor');
    expect(torch.zeros([0], { device }).split(2).map((t) => t.shape)).toEqual([[0]]);
  });
});

describe.each(devices)('stack and unbind on %s', (device) => {
  beforeAll(() => torch.init(device));

  const stackArb = shapeArb({ maxDims: 3 }).chain((shape) =>
    fc.tuple(fc.integer({ min: -shape.length - 1, max: shape.length }), fc.array(tensorArb(floatDTypes(device).at(-1)!, shape), { minLength: 1, maxLength: 4 })),
  );

  it.prop([stackArb], { numRuns: 80 })('stack along a new dim, then unbind that dim, gives the inputs back', async ([dim, parts]) => {
    const stacked = torch.stack(
      parts.map((p) => p.make(device)),
      dim,
    );
    const d = dim < 0 ? dim + parts[0].shape.length + 1 : dim;
    expect(stacked.shape).toEqual([...parts[0].shape.slice(0, d), parts.length, ...parts[0].shape.slice(d)]);
    const expected = refFrom(stacked.shape as number[], (index) => refAt(parts[index[d]].ref, index.filter((_, i) => i !== d)));
    await expectClose(stacked, expected, { rtol: 0, atol: 0 });
    const pieces = stacked.unbind(dim);
    expect(pieces.length).toBe(parts.length);
    for (const [i, piece] of pieces.entries()) {
      expect(piece._storage).toBe(stacked._storage);
      await expectClose(piece, parts[i].ref, { rtol: 0, atol: 0 });
    }
  });

  vit('stack promotes dtypes and checks shapes', async () => {
    await expectClose(torch.stack([torch.tensor([1, 2], { device }), torch.tensor([0.5, 1], { device })], 1), [[1, 0.5], [2, 1]]);
    expect(() => torch.stack([])).toThrow(RangeError);
    expect(() => torch.stack([])).toThrow('stack expects a non-empty TensorList');
    expect(() => torch.stack([torch.zeros([2], { device }), torch.zeros([3], { device })])).toThrow(
      'stack expects each tensor to be equal size, but got [2] at entry 0 and [3] at entry 1',
    );
    expect(() => torch.stack([torch.zeros([2], { device })], 2)).toThrow('Dimension out of range (expected to be in range of [-2, 1], but got 2)');
  });

  vit('unbind needs a dim to unbind', async () => {
    expect(() => torch.tensor(1, { device }).unbind()).toThrow(RangeError);
    expect(() => torch.tensor(1, { device }).unbind()).toThrow('Dimension specified as 0 but tensor has no dimensions');
    const columns = torch.unbind(torch.tensor([[1, 2], [3, 4]], { device }), 1);
    expect(columns.length).toBe(2);
    await expectClose(columns[0], [1, 3]);
    await expectClose(columns[1], [2, 4]);
  });
});

describe.each(devices)('chunk and narrow on %s', (device) => {
  beforeAll(() => torch.init(device));

  it.prop([fc.integer({ min: 0, max: 12 }), fc.integer({ min: 1, max: 6 })], { numRuns: 40 })(
    'chunk splits into pieces of ceil(size / chunks), covering the dim',
    async (size, chunks) => {
      const x = torch.arange(size, { device });
      const pieces = x.chunk(chunks);
      const each = Math.ceil(size / chunks);
      const lengths = pieces.map((p) => p.shape[0]);
      if (size === 0) expect(lengths).toEqual(Array(chunks).fill(0));
      else expect(lengths).toEqual(Array.from({ length: Math.ceil(size / each) }, (_, i) => Math.min(each, size - i * each)));
      await expectClose(torch.cat(pieces), x);
    },
  );

  vit('chunk needs a positive number of chunks', async () => {
    expect(() => torch.arange(3, { device }).chunk(0)).toThrow(RangeError);
    expect(() => torch.arange(3, { device }).chunk(0)).toThrow('chunk expects `chunks` to be greater than 0, got: 0');
    const pieces = torch.arange(6, { device }).chunk(4);
    expect(pieces.map((t) => t.shape)).toEqual([[2], [2], [2]]);
    await expectClose(pieces[2], [4, 5]);
  });

  vit('narrow is a view of a stretch along a dim, start may be negative', async () => {
    const x = torch.arange(5, { device });
    const n = torch.narrow(x, 0, 1, 3);
    expect(n._storage).toBe(x._storage);
    await expectClose(n, [1, 2, 3]);
    await expectClose(torch.narrow(x, 0, -2, 2), [3, 4]);
    await expectClose(torch.narrow(torch.arange(6, { device }).reshape(2, 3), 1, 1, 2), [[1, 2], [4, 5]]);
    expect(() => torch.narrow(x, 0, 4, 2)).toThrow(RangeError);
    expect(() => torch.narrow(x, 0, 4, 2)).toThrow('start (4) + length (2) exceeds dimension size (5).');
    expect(() => torch.narrow(x, 0, -6, 1)).toThrow('start (-6) + length (1) exceeds dimension size (5).');
    expect(() => torch.narrow(x, 0, 0, -1)).toThrow('start (0) + length (-1) exceeds dimension size (5).');
  });
});
