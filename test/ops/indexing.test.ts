/**
 * Indexing (src/ops/indexing.ts): `x.index(...)` with integers, slice strings, null, '...',
 * int and bool tensors; `indexPut_`; gather/scatter/scatterAdd; indexSelect; maskedFill;
 * nonzero; oneHot. Checked against plain-JS slicing and picking on the generated inputs, and
 * against values PyTorch printed for the layout rules of advanced indexing.
 */
import { beforeAll, describe, expect, it as vit } from 'vitest';
import { fc, it } from '@fast-check/vitest';
import * as torch from '../../src/index.js';
import type { Device } from '../../src/device.js';
import type { IndexItem, Tensor } from '../../src/tensor.js';
import { devices, floatDTypes, readsSync } from '../devices.js';
import { expectClose, numelOf, read, refAt, refFrom, refSlice, shapeArb, tensorArb, unravel, type Ref } from '../helpers.js';

/** One basic index item for a dim of `size`, with the reference that applies it to dim `dim` of a Ref. */
type BasicItem = { item: IndexItem; apply: (ref: Ref, dim: number) => { ref: Ref; consumed: boolean } };

/** Prints as the index item itself in fast-check's counterexamples. */
const shown = (b: BasicItem): BasicItem => Object.assign(b, { [fc.toStringMethod]: () => JSON.stringify(b.item) });

/** `null`: a new axis of size 1, consuming no dim of the input. */
const newAxisItem: BasicItem = shown({
  item: null,
  apply: (ref, dim) => ({ ref: { shape: [...ref.shape.slice(0, dim), 1, ...ref.shape.slice(dim)], data: ref.data }, consumed: false }),
});

/** Random basic items for a dim: ':' , 'a:b', 'a:b:s', '::s', ':b', 'a:', or an integer (maybe negative). */
function basicItemArb(size: number): fc.Arbitrary<BasicItem> {
  const bound = fc.integer({ min: -size - 1, max: size + 1 });
  const slice = fc
    .tuple(fc.option(bound, { nil: undefined }), fc.option(bound, { nil: undefined }), fc.option(fc.integer({ min: 1, max: 3 }), { nil: undefined }), fc.boolean())
    .map(([start, stop, step, threeParts]): BasicItem => {
      const text = `${start ?? ''}:${stop ?? ''}${threeParts || step !== undefined ? `:${step ?? ''}` : ''}`;
      return shown({
        item: text,
        apply: (ref, dim) => ({ ref: refSlice(ref, dim, start ?? 0, stop ?? ref.shape[dim], step ?? 1), consumed: true }),
      });
    });
  const all = fc.constant<BasicItem>(shown({ item: ':', apply: (ref) => ({ ref, consumed: true }) }));
  const arbs: fc.Arbitrary<BasicItem>[] = [slice, all];
  if (size > 0) {
    const integer = fc.integer({ min: -size, max: size - 1 }).map(
      (i): BasicItem =>
        shown({
          item: i,
          apply: (ref, dim) => {
            const k = i < 0 ? i + size : i;
            const shape = ref.shape.filter((_, d) => d !== dim);
            return { ref: refFrom(shape, (index) => refAt(ref, [...index.slice(0, dim), k, ...index.slice(dim)])), consumed: false };
          },
        }),
    );
    arbs.push(integer);
  }
  return fc.oneof(...arbs);
}

/**
 * Basic items for the leading dims of a shape, applied in order to a Ref. The reference keeps a
 * cursor on the Ref's dims: an integer removes its dim, null inserts one, a slice keeps it.
 */
function applyItems(ref: Ref, items: BasicItem[]): Ref {
  let dim = 0;
  for (const { apply } of items) {
    const before = ref.shape.length;
    const out = apply(ref, dim);
    ref = out.ref;
    if (out.consumed) dim++;
    else if (ref.shape.length > before) dim++; // skip the new axis
  }
  return ref;
}

/** Items for the first k dims of a tensor, each maybe preceded by a null (which consumes no dim). */
const basicIndexArb = tensorArb('int32', shapeArb({ minDims: 1, maxDims: 3, minSize: 0 })).chain((c) =>
  fc.tuple(
    fc.constant(c),
    fc
      .integer({ min: 0, max: c.shape.length })
      .chain((k) => fc.tuple(...c.shape.slice(0, k).map((size) => fc.tuple(fc.boolean(), basicItemArb(size)))))
      .map((pairs) => pairs.flatMap(([withNull, item]) => (withNull ? [newAxisItem, item] : [item]))),
    fc.boolean(),
  ),
);

describe.each(devices)('basic indexing on %s', (device) => {
  beforeAll(() => torch.init(device));

  it.prop([basicIndexArb], { numRuns: 150 })('integers, slice strings and null equal the reference slice, as a view', async ([c, items, ellipsis]) => {
    const x = c.make(device);
    const written = items.map((i) => i.item);
    const y = x.index(...written, ...(ellipsis ? ['...'] : []));
    expect(y._storage).toBe(x._storage);
    await expectClose(y, applyItems(c.ref, items), { rtol: 0, atol: 0 });
  });

  it.prop([basicIndexArb], { numRuns: 100 })('indexPut_ with basic items writes exactly the indexed elements', async ([c, items]) => {
    if (c.layout?.expanded.some(Boolean)) return; // writes through broadcast dims repeat elements
    const x = c.make(device);
    const written = items.map((i) => i.item);
    // write -(position + 1) into each indexed element: distinct values show that each lands in its place
    const target = applyItems(c.ref, items);
    const value = torch.tensor(target.data.map((_, i) => -(i + 1)), { device }).reshape(target.shape);
    x.indexPut_(written, value);
    await expectClose(x.index(...written), value, { rtol: 0, atol: 0 });
    // every other element keeps its value: mark the written positions on a plain index grid
    const positions = applyItems(refFrom(c.shape, (i) => ravelOf(i, c.shape)), items).data;
    const expected = c.ref.data.map((v, i) => (positions.includes(i) ? -(positions.indexOf(i) + 1) : v));
    await expectClose(x, { shape: c.shape, data: expected }, { rtol: 0, atol: 0 });
  });

  vit('examples', async () => {
    const x = torch.arange(12, { device }).reshape(3, 4);
    await expectClose(x.index(0), [0, 1, 2, 3]);
    await expectClose(x.index(':', 1), [1, 5, 9]);
    await expectClose(x.index('...', -1), [3, 7, 11]);
    await expectClose(x.index('1:3', '::2'), [[4, 6], [8, 10]]);
    await expectClose(x.index(null).index(':', -1), [[8, 9, 10, 11]]);
    await expectClose(x.index(' 1 : 3 ', 0), [4, 8]);
    await expectClose(x.index(-1, '-2:'), [10, 11]);
    await expectClose(x.index('5:'), torch.zeros([0, 4], { dtype: 'int32' }));
    await expectClose(x.index(1, 2), 6);
    await expectClose(x.index(), x);
    await expectClose(x.index('...'), x);
  });

  vit('errors name the index, dim and size', () => {
    const x = torch.zeros([2, 3], { device });
    expect(() => x.index(':', 3)).toThrow(RangeError);
    expect(() => x.index(':', 3)).toThrow('index 3 is out of bounds for dimension 1 with size 3');
    expect(() => x.index(-3)).toThrow('index -3 is out of bounds for dimension 0 with size 2');
    expect(() => x.index(0.5)).toThrow('index 0.5 is out of bounds for dimension 0 with size 2');
    expect(() => x.index(0, 0, 0)).toThrow('too many indices for tensor of dimension 2');
    expect(() => x.index('...', 0, '...')).toThrow('an index can only have a single ellipsis (...)');
    expect(() => x.index('::0')).toThrow('slice step cannot be zero');
    expect(() => x.index('::-1')).toThrow('step must be greater than zero');
    expect(() => x.index('1')).toThrow(TypeError);
    expect(() => x.index('1')).toThrow("index(): invalid index string '1'; expected a slice like '1:3' or '::2', ':' or '...'");
    expect(() => x.index('a:b')).toThrow("index(): invalid slice 'a:b'");
    expect(() => x.index('0.5:')).toThrow("index(): invalid slice '0.5:'");
    expect(() => x.index(true as never)).toThrow("index(): unsupported index true; use numbers, slice strings, '...', null or tensors");
  });
});

/** Row-major position of a multi-index (a tiny local copy so the reference reads plainly). */
function ravelOf(index: number[], shape: number[]): number {
  return index.reduce((flat, k, d) => flat * shape[d] + k, 0);
}

/**
 * Expects `f` to fail with `message`: at the call on a device the tensor layer reads synchronously
 * (js, wasm, as PyTorch on the CPU); on webgpu the check runs in a kernel and the next read of the
 * result throws (as CUDA's device-side asserts do).
 */
async function expectFails(device: Device, f: () => Tensor, message: string): Promise<void> {
  if (readsSync(device)) expect(f).toThrow(message);
  else await expect(f().data()).rejects.toThrow(message);
}

// A bool mask's true elements decide the result's shape, which the tensor layer must read on the
// CPU; a webgpu tensor cannot be read synchronously, so bool masks on webgpu are tested apart.
describe.each(devices)('advanced indexing on %s', (device) => {
  beforeAll(() => torch.init(device));

  const rowsArb = tensorArb('float32', shapeArb({ minDims: 1, maxDims: 3 })).chain((c) =>
    fc.tuple(fc.constant(c), fc.array(fc.integer({ min: -c.shape[0], max: c.shape[0] - 1 }), { maxLength: 5 })),
  );

  it.prop([rowsArb], { numRuns: 80 })('x.index(intTensor) picks rows like indexSelect(0, …), negative indices counting from the end', async ([c, picks]) => {
    const x = c.make(device);
    const wrapped = picks.map((k) => (k < 0 ? k + c.shape[0] : k));
    const expected = refFrom([picks.length, ...c.shape.slice(1)], ([i, ...rest]) => refAt(c.ref, [wrapped[i], ...rest]));
    const picked = x.index(torch.tensor(picks, { dtype: 'int32', device }));
    await expectClose(picked, expected, { rtol: 0, atol: 0 });
    await expectClose(x.indexSelect(0, torch.tensor(wrapped, { dtype: 'int32', device })), expected, { rtol: 0, atol: 0 });
    expect(picked._storage).not.toBe(x._storage); // advanced indexing copies
  });

  (readsSync(device) ? it : it.skip).prop([tensorArb('int32', shapeArb({ minDims: 1, maxDims: 3 })).chain((c) => fc.tuple(fc.constant(c), fc.array(fc.boolean(), { minLength: numelOf(c.shape), maxLength: numelOf(c.shape) })))], {
    numRuns: 60,
  })('x.index(boolMask) lists the elements where the mask is true, in row-major order', async ([c, flags]) => {
    const x = c.make(device);
    const mask = torch.tensor(flags, { device }).reshape(c.shape);
    await expectClose(x.index(mask), c.ref.data.filter((_, i) => flags[i]), { rtol: 0, atol: 0 });
    await expectClose(x.index(x.gt(0)), c.ref.data.filter((v) => v > 0), { rtol: 0, atol: 0 });
  });

  it.prop([rowsArb, fc.integer({ min: -9, max: 9 })], { numRuns: 80 })('indexPut_ with an int tensor, then index reads back the written value', async ([c, picks], value) => {
    const unique = [...new Set(picks.map((k) => (k < 0 ? k + c.shape[0] : k)))];
    const x = c.make(device).contiguous().clone();
    const index = torch.tensor(unique, { dtype: 'int32', device });
    x.indexPut_([index], value);
    await expectClose(x.index(index), refFrom([unique.length, ...c.shape.slice(1)], () => value), { rtol: 0, atol: 0 });
    const untouched = refFrom(c.shape, (i) => (unique.includes(i[0]) ? value : refAt(c.ref, i)));
    await expectClose(x, untouched, { rtol: 0, atol: 0 });
  });

  // (a value that is the same at every true element is a `where`: no read of the mask, so on webgpu too)
  const widest = floatDTypes(device).at(-1)!;
  it.prop([tensorArb(widest, shapeArb({ minDims: 1, maxDims: 3 })), fc.integer({ min: -5, max: 5 }), fc.boolean()], { numRuns: 60 })(
    'indexPut_ with a bool mask writes (or adds) where the mask is true',
    async (c, value, accumulate) => {
      if (c.layout?.expanded.some(Boolean)) return;
      const x = c.make(device);
      const out = accumulate ? torch.indexPut(x, [x.gt(0)], value, true) : x.indexPut_([x.gt(0)], value);
      const sum = (v: number) => (widest === 'float32' ? Math.fround(v + value) : v + value);
      await expectClose(out, { shape: c.shape, data: c.ref.data.map((v) => (v > 0 ? (accumulate ? sum(v) : value) : v)) }, { rtol: 0, atol: 0 });
    },
  );

  vit('indexPut_ through a bool mask broadcasts a value along the true elements, and its gradient sums over them', async () => {
    const x = torch.arange(12, { dtype: 'float32', device }).reshape(3, 4);
    const rows = torch.tensor([true, false, true], { device });
    const v = torch.tensor([10, 20, 30, 40], { dtype: 'float32', device, requiresGrad: true });
    const out = torch.indexPut(x, [rows], v);
    await expectClose(out, [[10, 20, 30, 40], [4, 5, 6, 7], [10, 20, 30, 40]]);
    expect(out.gradFn?.name).toBe('IndexPutBackward0');
    out.backward(torch.arange(12, { dtype: 'float32', device }).reshape(3, 4));
    await expectClose(v.grad!, [8, 10, 12, 14]); // rows 0 and 2 of the upstream gradient, summed
    const columns = torch.tensor([false, true, true, false], { device });
    await expectClose(torch.indexPut(x, [':', columns], torch.tensor([[-1], [-2], [-3]], { dtype: 'float32', device }), true), [[0, 0, 1, 3], [4, 3, 4, 7], [8, 6, 7, 11]]);
    await expectClose(torch.indexPut(x, [null, '...', columns], torch.tensor([[100]], { dtype: 'float32', device })), [[0, 100, 100, 3], [4, 100, 100, 7], [8, 100, 100, 11]]);
    if (readsSync(device)) {
      // a value with one entry per true element needs their count
      await expectClose(torch.indexPut(x, [rows], torch.tensor([[1], [2]], { dtype: 'float32', device })), [[1, 1, 1, 1], [4, 5, 6, 7], [2, 2, 2, 2]]);
    } else {
      expect(() => torch.indexPut(x, [rows], torch.tensor([[1], [2]], { dtype: 'float32', device }))).toThrow(
        'indexing with a bool mask needs the mask on the CPU (it picks one element per true element), and a webgpu tensor cannot be read synchronously',
      );
    }
  });

  vit('several index tensors broadcast together and place their dims like PyTorch', async () => {
    // each expected value printed by PyTorch 1.13 for x = torch.arange(24).reshape(2, 3, 4)
    const x = torch.arange(24, { device }).reshape(2, 3, 4);
    const t = (v: number[] | number[][]) => torch.tensor(v, { device });
    await expectClose(x.index(':', t([0, 2]), t([1, 3])), [[1, 11], [13, 23]]); // adjacent: in place
    await expectClose(x.index(t([0, 1]), ':', t([1, 3])), [[1, 5, 9], [15, 19, 23]]); // apart: first
    await expectClose(x.index(t([[0], [1]]), t([0, 2])), [[[0, 1, 2, 3], [8, 9, 10, 11]], [[12, 13, 14, 15], [20, 21, 22, 23]]]);
    await expectClose(x.index(null, 0, '...', 1), [[1, 5, 9]]);
    if (readsSync(device)) {
      await expectClose(x.index(x.gt(20)), [21, 22, 23]);
      await expectClose(x.index(':', x.index(0).remainder(5).eq(0)), [[0, 5, 10], [12, 17, 22]]);
    }
    await expectClose(x.index(t([-1]), '...'), [[[12, 13, 14, 15], [16, 17, 18, 19], [20, 21, 22, 23]]]);
    await expectClose(x.index('1:', t([2, 0]), '::2'), [[[20, 22], [12, 14]]]);
    await expectClose(x.index(t([0, 1]), 1, t([0, 3])), [4, 19]);
    await expectClose(x.index(t([0, 1]), null, t([0, 2])), [[[0, 1, 2, 3]], [[20, 21, 22, 23]]]);
  });

  vit('indexPut_ accumulates repeated indices when asked, and broadcasts the value', async () => {
    const x = torch.zeros([3], { device });
    torch.indexPut(x, [torch.tensor([0, 0, 2], { device })], torch.tensor([1, 2, 3], { dtype: 'float32', device }), true);
    await expectClose(torch.indexPut(x, [torch.tensor([0, 0, 2], { device })], torch.tensor([1, 2, 3], { dtype: 'float32', device }), true), [3, 0, 3]);
    await expectClose(x, [0, 0, 0]); // indexPut is out of place
    const y = torch.zeros([2, 3], { device });
    y.indexPut_([':', torch.tensor([0, 2], { device })], torch.tensor([[1, 2]], { dtype: 'float32', device }));
    await expectClose(y, [[1, 0, 2], [1, 0, 2]]);
    y.indexPut_(['...', 1], torch.tensor(5, { dtype: 'float32', device }));
    await expectClose(y, [[1, 5, 2], [1, 5, 2]]);
    // the method takes { accumulate } as the function does
    const z = torch.zeros([3], { device });
    z.indexPut_([torch.tensor([0, 0, 2], { device })], torch.tensor([1, 2, 3], { dtype: 'float32', device }), { accumulate: true });
    await expectClose(z, [3, 0, 3]);
  });

  vit('errors name the bad index and the shapes', async () => {
    const x = torch.zeros([2, 3], { device });
    expect(() => x.index(torch.tensor([0.5], { device }))).toThrow(TypeError);
    expect(() => x.index(torch.tensor([0.5], { device }))).toThrow('tensors used as indices must be int32 or bool tensors, got float32');
    if (readsSync(device)) expect(() => x.index(':', torch.tensor([3], { device }))).toThrow(RangeError);
    await expectFails(device, () => x.index(':', torch.tensor([3], { device })), 'index 3 is out of bounds for dimension 1 with size 3');
    await expectFails(device, () => x.index(torch.tensor([-3], { device })), 'index -3 is out of bounds for dimension 0 with size 2');
    await expectFails(device, () => x.index(torch.tensor([1], { device }), torch.tensor([[0], [3]], { device })), 'index 3 is out of bounds for dimension 1 with size 3');
    await expectFails(device, () => x.clone().indexPut_([torch.tensor([0, 2], { device })], 1), 'index 2 is out of bounds for dimension 0 with size 2');
    await expectFails(device, () => torch.indexPut(x, [':', torch.tensor([-4], { device })], 1, true), 'index -4 is out of bounds for dimension 1 with size 3');
    expect(() => x.index(torch.tensor([true, false, true], { device }))).toThrow(
      'The shape of the mask [3] at index 0 does not match the shape of the indexed tensor [2, 3] at index 0',
    );
    expect(() => x.index(torch.tensor([0, 1], { device }), torch.tensor([0, 1, 2], { device }))).toThrow(
      'shape mismatch: indexing tensors could not be broadcast together with shapes [2], [3]',
    );
    expect(() => x.indexPut_([torch.tensor([0, 1], { device })], torch.zeros([3, 3], { device }))).toThrow(
      'shape mismatch: value tensor of shape [3, 3] cannot be broadcast to indexing result of shape [2, 3]',
    );
  });

  vit('a bool mask on js indexes a tensor on any device; a webgpu mask says what to do instead', async () => {
    const x = torch.arange(6, { device }).reshape(2, 3);
    const mask = torch.tensor([[true, false, true], [false, false, true]]); // on js
    await expectClose(x.index(mask), [0, 2, 5]);
    await expectClose(x.clone().indexPut_([mask], torch.tensor([-1, -2, -3], { device })), [[-1, 1, -2], [3, 4, -3]]);
    if (readsSync(device)) return;
    const onDevice = mask.to(device);
    const message = "indexing with a bool mask needs the mask on the CPU (it picks one element per true element), and a webgpu tensor cannot be read synchronously: make the mask on 'js' or 'wasm'";
    expect(() => x.index(onDevice)).toThrow(message);
    expect(() => x.clone().indexPut_([onDevice], torch.tensor([-1, -2, -3], { device }))).toThrow(message);
    // the mask's shape is checked first, as everywhere
    expect(() => x.index(torch.tensor([true], { device }))).toThrow('The shape of the mask [1] at index 0 does not match the shape of the indexed tensor [2, 3] at index 0');
  });
});

/** A tensor, a dim, and an int32 index no larger than the tensor off that dim, with values in range along it. */
const gatherArb = tensorArb('float32', shapeArb({ minDims: 1, maxDims: 3 })).chain((c) =>
  fc.integer({ min: 0, max: c.shape.length - 1 }).chain((dim) =>
    fc
      .tuple(...c.shape.map((s, d) => fc.integer({ min: 1, max: d === dim ? 4 : s })))
      .chain((indexShape) =>
        fc.tuple(
          fc.constant(c),
          fc.constant(dim),
          fc.constant(indexShape),
          fc.array(fc.integer({ min: 0, max: c.shape[dim] - 1 }), { minLength: numelOf(indexShape), maxLength: numelOf(indexShape) }),
        ),
      ),
  ),
);

describe.each(devices)('gather, scatter and indexSelect on %s', (device) => {
  beforeAll(() => torch.init(device));

  it.prop([gatherArb], { numRuns: 80 })('gather reads x with the dim replaced by the index', async ([c, dim, indexShape, values]) => {
    const index = torch.tensor(values, { dtype: 'int32', device }).reshape(indexShape);
    const expected = refFrom(indexShape, (i) => refAt(c.ref, i.map((k, d) => (d === dim ? values[ravelOf(i, indexShape)] : k))));
    await expectClose(c.make(device).gather(dim, index), expected, { rtol: 0, atol: 0 });
    await expectClose(torch.gather(c.make(device), dim - c.shape.length, index), expected, { rtol: 0, atol: 0 });
  });

  it.prop([gatherArb], { numRuns: 80 })('scatterAdd adds src into x at the index along dim', async ([c, dim, indexShape, values]) => {
    const index = torch.tensor(values, { dtype: 'int32', device }).reshape(indexShape);
    const src = torch.arange(numelOf(indexShape), { dtype: 'float32', device }).reshape(indexShape);
    const expected = { shape: c.shape, data: [...c.ref.data] };
    for (let j = 0; j < values.length; j++) {
      const at = unravel(j, indexShape).map((k, d) => (d === dim ? values[j] : k));
      expected.data[ravelOf(at, c.shape)] += j;
    }
    await expectClose(c.make(device).scatterAdd(dim, index, src), expected, { rtol: 0, atol: 0 });
  });

  it.prop(
    [
      tensorArb(floatDTypes(device).at(-1)!, shapeArb({ minDims: 1, maxDims: 3 })).chain((c) =>
        fc.integer({ min: 0, max: c.shape.length - 1 }).chain((dim) => {
          // one permutation of 0..size-1 along `dim` for every line of the tensor
          const lines = numelOf(c.shape) / c.shape[dim];
          const perm = fc.shuffledSubarray([...Array(c.shape[dim]).keys()], { minLength: c.shape[dim], maxLength: c.shape[dim] });
          return fc.tuple(fc.constant(c), fc.constant(dim), fc.array(perm, { minLength: lines, maxLength: lines }));
        }),
      ),
    ],
    { numRuns: 60 },
  )('gather and scatter with permutation indices undo each other', async ([c, dim, perms]) => {
    // lay the permutations out so that each line along `dim` holds one of them
    const moved = [...c.shape.slice(0, dim), ...c.shape.slice(dim + 1), c.shape[dim]];
    const n = c.shape.length;
    const lastToDim = c.shape.map((_, j) => (j < dim ? j : j === dim ? n - 1 : j - 1));
    const index = torch.tensor(perms.flat(), { dtype: 'int32', device }).reshape(moved).permute(lastToDim);
    const x = c.make(device);
    const gathered = x.gather(dim, index);
    const scattered = torch.zerosLike(x).scatter(dim, index, gathered);
    await expectClose(scattered, c.ref, { rtol: 0, atol: 0 });
    await expectClose(torch.zerosLike(x).scatter(dim, index, x).gather(dim, index), c.ref, { rtol: 0, atol: 0 });
  });

  it.prop([tensorArb('int32', shapeArb({ minDims: 1, maxDims: 3 })).chain((c) => fc.integer({ min: 0, max: c.shape.length - 1 }).chain((dim) => fc.tuple(fc.constant(c), fc.constant(dim), fc.array(fc.integer({ min: 0, max: c.shape[dim] - 1 }), { maxLength: 5 }))))], {
    numRuns: 60,
  })('indexSelect picks slices along any dim', async ([c, dim, picks]) => {
    const shape = c.shape.map((s, d) => (d === dim ? picks.length : s));
    const expected = refFrom(shape, (i) => refAt(c.ref, i.map((k, d) => (d === dim ? picks[k] : k))));
    await expectClose(c.make(device).indexSelect(dim, torch.tensor(picks, { dtype: 'int32', device })), expected, { rtol: 0, atol: 0 });
  });

  vit('scatter_ writes numbers or tensors in place; the tutorial’s one-hot', async () => {
    await expectClose(torch.zeros([5], { device }).scatter_(0, torch.tensor(3, { device }), 1), [0, 0, 0, 1, 0]);
    await expectClose(torch.zeros([2, 3], { device }).scatter(1, torch.tensor([[2], [0]], { device }), 5), [[0, 0, 5], [5, 0, 0]]);
    const x = torch.zeros([2, 2], { device });
    x.scatter_(0, torch.tensor([[1, 0]], { device }), torch.tensor([[7, 8], [9, 9]], { dtype: 'float32', device }));
    await expectClose(x, [[0, 8], [7, 0]]);
    await expectClose(torch.tensor([[1, 2], [3, 4]], { device }).gather(1, torch.tensor([[0, 0], [1, 0]], { device })), [[1, 1], [4, 3]]);
    await expectClose(torch.tensor(5, { device }).indexSelect(0, torch.tensor([0, 0], { device })), [5, 5]);
  });

  vit('gather and scatter check the index', async () => {
    const x = torch.zeros([2, 2], { device });
    expect(() => x.gather(0, torch.tensor([[0.5]], { device }))).toThrow(TypeError);
    expect(() => x.gather(0, torch.tensor([[0.5]], { device }))).toThrow('gather(): Expected dtype int32 for index, got float32');
    expect(() => x.gather(0, torch.tensor([0], { device }))).toThrow(RangeError);
    expect(() => x.gather(0, torch.tensor([0], { device }))).toThrow('Index tensor must have the same number of dimensions as input tensor');
    expect(() => x.scatter(0, torch.tensor([0], { device }), 1)).toThrow('Index tensor must have the same number of dimensions as self tensor');
    expect(() => x.gather(0, torch.tensor([[0, 0, 0]], { device }))).toThrow(
      'Size does not match at dimension 1 expected index [1, 3] to be smaller than self [2, 2] apart from dimension 0',
    );
    if (readsSync(device)) expect(() => x.gather(0, torch.tensor([[2]], { device }))).toThrow('index 2 is out of bounds for dimension 0 with size 2');
    // a GPU kernel cannot throw: webgpu reports a bad index at the next read
    else await expect(x.gather(0, torch.tensor([[2]], { device })).data()).rejects.toThrow('index 2 is out of bounds for dimension 0 with size 2');
    expect(() => x.gather(2, torch.tensor([[0]], { device }))).toThrow('Dimension out of range (expected to be in range of [-2, 1], but got 2)');
    const other = torch.ones([1, 1], { dtype: 'int32', device });
    expect(() => x.scatter(0, torch.tensor([[0]], { device }), other)).toThrow(TypeError);
    expect(() => x.scatter(0, torch.tensor([[0]], { device }), other)).toThrow('scatter(): Expected self.dtype to be equal to src.dtype');
    expect(() => x.scatterAdd(0, torch.tensor([[0]], { device }), torch.ones([1, 1], { dtype: 'int32', device }))).toThrow(
      'scatter_add(): Expected self.dtype to be equal to src.dtype',
    );
    expect(() => x.scatter(0, torch.tensor([[0, 1]], { device }), torch.ones([1, 1], { device }))).toThrow(
      'Expected index [1, 2] to be smaller than src [1, 1]',
    );
    expect(() => x.scatter(1, torch.tensor([[1], [0]], { device }), torch.ones([2], { device }))).toThrow(
      'Index tensor must have the same number of dimensions as src tensor',
    );
  });

  vit('indexSelect checks its index', async () => {
    const x = torch.zeros([3], { device });
    expect(() => x.indexSelect(0, torch.tensor([[0]], { device }))).toThrow(RangeError);
    expect(() => x.indexSelect(0, torch.tensor([[0]], { device }))).toThrow('index_select(): Index is supposed to be a vector');
    expect(() => x.indexSelect(0, torch.tensor([0.5], { device }))).toThrow(TypeError);
    expect(() => x.indexSelect(0, torch.tensor([0.5], { device }))).toThrow('index_select(): Expected dtype int32 for index, got float32');
    await expectFails(device, () => x.indexSelect(0, torch.tensor([3], { device })), 'index out of range in self');
    await expectFails(device, () => x.indexSelect(0, torch.tensor([-1], { device })), 'index out of range in self');
    await expectFails(device, () => torch.ones([2, 3], { device }).indexSelect(1, torch.tensor([0, 1, 3, 2], { device }).index('::2')), 'index out of range in self');
  });
});

describe.each(devices)('maskedFill, nonzero and oneHot on %s', (device) => {
  beforeAll(() => torch.init(device));

  it.prop([tensorArb('float32', shapeArb({ maxDims: 3 })), fc.integer({ min: -3, max: 3 })], { numRuns: 60 })(
    'maskedFill puts the value where the mask is true',
    async (c, value) => {
      const x = c.make(device);
      const out = x.maskedFill(x.lt(0), value);
      await expectClose(out, { shape: c.shape, data: c.ref.data.map((v) => (v < 0 ? value : v)) }, { rtol: 0, atol: 0 });
      if (!c.layout?.expanded.some(Boolean)) {
        x.maskedFill_(x.lt(0), torch.tensor(value, { dtype: floatDTypes(device).at(-1)!, device }));
        await expectClose(x, out, { rtol: 0, atol: 0 });
      }
    },
  );

  vit('maskedFill broadcasts the mask and keeps the dtype', async () => {
    const x = torch.tensor([[1, 2], [3, 4]], { device });
    const out = x.maskedFill(torch.tensor([true, false], { device }), 2.7);
    expect(out.dtype).toBe('int32');
    await expectClose(out, [[2, 2], [2, 4]]);
  });

  vit('maskedFill needs a bool mask and a 0-d value', () => {
    const x = torch.zeros([3], { device });
    expect(() => x.maskedFill(torch.tensor([1, 0, 1], { device }), 0)).toThrow(TypeError);
    expect(() => x.maskedFill(torch.tensor([1, 0, 1], { device }), 0)).toThrow(
      'masked_fill_ only supports boolean masks, but got mask with dtype int32',
    );
    expect(() => x.maskedFill(torch.tensor([true, false, true], { device }), torch.zeros([1], { device }))).toThrow(RangeError);
    expect(() => x.maskedFill(torch.tensor([true, false, true], { device }), torch.zeros([1], { device }))).toThrow(
      'masked_fill_ only supports a 0-dimensional value tensor, but got tensor with 1 dimension(s).',
    );
  });

  // (nonzero's result has one row per non-zero element: the tensor layer reads it synchronously)
  (readsSync(device) ? it : it.skip).prop([tensorArb('int32', shapeArb({ maxDims: 3 }))], { numRuns: 40 })('nonzero lists the coordinates of non-zero elements', async (c) => {
    const coords = c.ref.data.flatMap((v, i) => (v !== 0 ? [unravel(i, c.shape)] : []));
    const out = torch.nonzero(c.make(device));
    expect(out.shape).toEqual([coords.length, c.shape.length]);
    expect((await read(out)).data).toEqual(coords.flat());
  });

  it.prop([fc.array(fc.integer({ min: 0, max: 6 }), { minLength: 1, maxLength: 8 })], { numRuns: 30 })('oneHot marks each label’s class', async (labels) => {
    const classes = Math.max(...labels) + 1;
    const expected = labels.map((l) => Array.from({ length: classes }, (_, k) => Number(k === l)));
    const out = torch.oneHot(torch.tensor(labels, { device }), classes);
    expect(out.dtype).toBe('int32');
    await expectClose(out, expected, { rtol: 0, atol: 0 });
    // without numClasses the class count is read from the labels: synchronously, so not on webgpu
    if (readsSync(device)) await expectClose(torch.oneHot(torch.tensor(labels, { device })), expected, { rtol: 0, atol: 0 });
    expect(torch.oneHot(torch.tensor(labels, { device }), 9).shape).toEqual([labels.length, 9]);
  });

  vit('oneHot checks its labels', async () => {
    expect(() => torch.oneHot(torch.tensor([1.5], { device }))).toThrow(TypeError);
    expect(() => torch.oneHot(torch.tensor([1.5], { device }))).toThrow('one_hot is only applicable to index tensor (int32), got float32');
    await expectFails(device, () => torch.oneHot(torch.tensor([-1], { device }), 2), 'Class values must be non-negative.');
    await expectFails(device, () => torch.oneHot(torch.tensor([3], { device }), 3), 'Class values must be smaller than num_classes.');
    expect(() => torch.oneHot(torch.tensor([], { dtype: 'int32', device }))).toThrow('Can not infer total number of classes from empty tensor.');
    if (readsSync(device)) {
      expect(() => torch.oneHot(torch.tensor([-1], { device }))).toThrow('Class values must be non-negative.');
      expect(() => torch.oneHot(torch.tensor([4, -1], { device }), 3)).toThrow('Class values must be non-negative.'); // PyTorch checks the lower bound first
    }
  });

  vit.skipIf(readsSync(device))('nonzero and oneHot without numClasses say what to do on webgpu', () => {
    const x = torch.tensor([0, 2, 1], { device });
    expect(() => torch.nonzero(x)).toThrow(
      "nonzero() needs its input on the CPU (the result has one row per non-zero element), and a webgpu tensor cannot be read synchronously: read the values with `await x.data()` and call nonzero on a 'js' tensor made from them",
    );
    expect(() => torch.oneHot(x)).toThrow(
      'oneHot() without numClasses needs the labels on the CPU (it makes the largest label + 1 classes), and a webgpu tensor cannot be read synchronously: pass numClasses',
    );
  });
});
