/**
 * View ops (src/ops/views.ts): reshape/view/flatten/unflatten, squeeze/unsqueeze, permute,
 * transpose/t/T, expand, contiguous/clone/detach. Random chains of views are checked against
 * the same chain applied to a plain-JS array; views must share storage with their base.
 */
import { beforeAll, describe, expect, it as vit } from 'vitest';
import { fc, it } from '@fast-check/vitest';
import * as torch from '../../src/index.js';
import type { Tensor } from '../../src/tensor.js';
import { devices, floatDTypes } from '../devices.js';
import {
  expectClose,
  numelOf,
  permutationArb,
  refAt,
  refExpand,
  refFrom,
  refPermute,
  refSlice,
  shapeArb,
  tensorArb,
  type Ref,
} from '../helpers.js';

/** One step of a view chain, with raw random numbers that `applyStep` fits to the current shape. */
interface Step {
  kind: 'permute' | 'transpose' | 'slice' | 'select' | 'expand' | 'unsqueeze' | 'squeeze' | 'T' | 'flatten' | 'narrow';
  a: number;
  b: number;
  c: number;
}

const stepArb: fc.Arbitrary<Step> = fc.record({
  kind: fc.constantFrom('permute', 'transpose', 'slice', 'select', 'expand', 'unsqueeze', 'squeeze', 'T', 'flatten', 'narrow'),
  a: fc.nat(1000),
  b: fc.nat(1000),
  c: fc.nat(1000),
});

/** A permutation of n dims picked by the number `seed`. */
function permutationFrom(n: number, seed: number): number[] {
  const dims = Array.from({ length: n }, (_, i) => i);
  for (let i = n - 1; i > 0; i--) {
    seed = (seed * 1103515245 + 12345) % 2147483648;
    const j = seed % (i + 1);
    [dims[i], dims[j]] = [dims[j], dims[i]];
  }
  return dims;
}

/**
 * Applies one view step to a tensor and, independently, to its reference array. Returns
 * undefined when the step does not apply to this shape (e.g. squeeze with no size-1 dim).
 */
function applyStep(x: Tensor, ref: Ref, { kind, a, b, c }: Step): [Tensor, Ref] | undefined {
  const n = ref.shape.length;
  switch (kind) {
    case 'permute': {
      const order = permutationFrom(n, a);
      return [x.permute(order), refPermute(ref, order)];
    }
    case 'transpose': {
      if (n === 0) return undefined;
      const [d0, d1] = [a % n, b % n];
      const order = ref.shape.map((_, d) => (d === d0 ? d1 : d === d1 ? d0 : d));
      // negative dims count from the end
      return [x.transpose(d0 - (c % 2) * n, d1), refPermute(ref, order)];
    }
    case 'T': {
      const order = ref.shape.map((_, d) => n - 1 - d);
      return [x.T, refPermute(ref, order)];
    }
    case 'slice': {
      if (n === 0) return undefined;
      const dim = a % n;
      const size = ref.shape[dim];
      const start = (b % (size + 3)) - 1; // -1 … size + 1: negative and out-of-range bounds clamp, as in Python
      const stop = (c % (size + 3)) - 1;
      const step = 1 + ((a + b + c) % 3);
      const items = ref.shape.map((_, d) => (d === dim ? `${start}:${stop}:${step}` : ':'));
      return [x.index(...items), refSlice(ref, dim, start, stop, step)];
    }
    case 'narrow': {
      if (n === 0) return undefined;
      const dim = a % n;
      const size = ref.shape[dim];
      const start = b % (size + 1);
      const length = c % (size - start + 1);
      return [torch.narrow(x, dim, start, length), refSlice(ref, dim, start, start + length, 1)];
    }
    case 'select': {
      if (n === 0) return undefined;
      const dim = a % n;
      const size = ref.shape[dim];
      if (size === 0) return undefined;
      const i = b % size;
      const written = c % 2 ? i - size : i; // a negative index counts from the end
      const items = [...Array(dim).fill(':'), written];
      const shape = ref.shape.filter((_, d) => d !== dim);
      return [x.index(...items), refFrom(shape, (index) => refAt(ref, [...index.slice(0, dim), i, ...index.slice(dim)]))];
    }
    case 'expand': {
      // grow size-1 dims and maybe add a leading dim; -1 keeps a size
      const grown = ref.shape.map((s, d) => (s === 1 ? 1 + ((a + d) % 3) : s));
      const shape = b % 2 ? [1 + (c % 3), ...grown] : grown;
      const written = shape.map((s, i) => (i >= shape.length - n && s === ref.shape[i - (shape.length - n)] && (a + i) % 2 ? -1 : s));
      return [x.expand(written), refExpand(ref, shape)];
    }
    case 'unsqueeze': {
      const dim = a % (n + 1);
      const shape = [...ref.shape.slice(0, dim), 1, ...ref.shape.slice(dim)];
      return [x.unsqueeze(b % 2 ? dim - (n + 1) : dim), { shape, data: ref.data }];
    }
    case 'squeeze': {
      const ones = ref.shape.map((s, d) => d).filter((d) => ref.shape[d] === 1);
      if (ones.length === 0) return undefined;
      const dim = ones[a % ones.length];
      const all = b % 2 === 1;
      const shape = ref.shape.filter((s, d) => (all ? s !== 1 : d !== dim));
      return [all ? x.squeeze() : x.squeeze(dim), { shape, data: ref.data }];
    }
    case 'flatten': {
      if (n === 0) return [x.flatten(), { shape: [1], data: ref.data }];
      const start = a % n;
      const end = start + (b % (n - start));
      const shape = [...ref.shape.slice(0, start), numelOf(ref.shape.slice(start, end + 1)), ...ref.shape.slice(end + 1)];
      return [x.flatten(start, end), { shape, data: ref.data }];
    }
  }
}

/** Ops that never copy: their result must share the input's storage. */
const pureViews = new Set<Step['kind']>(['permute', 'transpose', 'T', 'slice', 'narrow', 'select', 'expand', 'unsqueeze', 'squeeze']);

describe.each(devices)('view chains on %s', (device) => {
  beforeAll(() => torch.init(device));

  it.prop([tensorArb('float32', shapeArb({ maxDims: 4 })), fc.array(stepArb, { minLength: 1, maxLength: 6 })], { numRuns: 120 })(
    'a chain of permute/transpose/slice/select/expand/squeeze/flatten views equals the reference chain',
    async (c, steps) => {
      let [x, ref] = [c.make(device), c.ref];
      for (const step of steps) {
        const next = applyStep(x, ref, step);
        if (!next) continue;
        if (pureViews.has(step.kind)) expect(next[0]._storage).toBe(x._storage);
        [x, ref] = next;
        expect(x.shape).toEqual(ref.shape);
      }
      await expectClose(x, ref, { rtol: 0, atol: 0 });
      const copy = x.contiguous();
      expect(copy.isContiguous()).toBe(true);
      await expectClose(copy, ref, { rtol: 0, atol: 0 });
      await expectClose(x.clone(), ref, { rtol: 0, atol: 0 });
      await expectClose(x.reshape(-1), { shape: [numelOf(ref.shape)], data: ref.data }, { rtol: 0, atol: 0 });
    },
  );

  it.prop([tensorArb('int32', shapeArb({ maxDims: 5, maxSize: 3 })).chain((c) => fc.tuple(fc.constant(c), permutationArb(c.shape.length)))], {
    numRuns: 60,
  })('permute then the inverse permutation gives back the same view', async ([c, order]) => {
    const x = c.make(device);
    const inverse = order.map((_, d) => order.indexOf(d));
    const y = x.permute(order);
    await expectClose(y, refPermute(c.ref, order), { rtol: 0, atol: 0 });
    const back = y.permute(inverse);
    expect(back.shape).toEqual(x.shape);
    expect(back.stride()).toEqual(x.stride());
    expect(back.storageOffset()).toBe(x.storageOffset());
    await expectClose(back, c.ref, { rtol: 0, atol: 0 });
  });

  it.prop([tensorArb(floatDTypes(device).at(-1)!, shapeArb({ maxDims: 4 }))], { numRuns: 60 })('reshape to flat and back is the identity', async (c) => {
    const x = c.make(device);
    const flat = x.reshape(-1);
    expect(flat.shape).toEqual([numelOf(c.shape)]);
    await expectClose(flat, { shape: flat.shape as number[], data: c.ref.data }, { rtol: 0, atol: 0 });
    await expectClose(flat.reshape(c.shape), c.ref, { rtol: 0, atol: 0 });
    await expectClose(x.flatten().view(c.shape.length ? c.shape : [1]).reshape(c.shape), c.ref, { rtol: 0, atol: 0 });
  });

  it.prop([tensorArb('float32', shapeArb({ minDims: 1, maxDims: 4, maxSize: 3 })).chain((c) => fc.tuple(fc.constant(c), fc.shuffledSubarray(divisorsShape(numelOf(c.shape)))))], {
    numRuns: 60,
  })('reshape to any shape of the same size keeps row-major order, and shares storage when it can', async ([c, factors]) => {
    const x = c.make(device);
    const rest = numelOf(c.shape) / numelOf(factors);
    const shape = [...factors, rest];
    const y = x.reshape(shape);
    await expectClose(y, { shape, data: c.ref.data }, { rtol: 0, atol: 0 });
    if (x.isContiguous()) expect(y._storage).toBe(x._storage);
    await expectClose(x.reshape([-1, ...shape.slice(1)]), { shape, data: c.ref.data }, { rtol: 0, atol: 0 });
  });

  vit('view shares storage; writes through it reach the base', async () => {
    const x = torch.arange(6, { device });
    const v = x.view(2, 3);
    expect(v._storage).toBe(x._storage);
    v.indexPut_([1, 2], 50);
    await expectClose(x, [0, 1, 2, 3, 4, 50]);
    await expectClose(x.view(-1, 2), [[0, 1], [2, 3], [4, 50]]);
  });

  vit('view works on strided tensors whose dims can be merged or split in place', async () => {
    const x = torch.arange(24, { device }).reshape(2, 3, 4);
    const sliced = x.index(':', ':', '::2'); // stride 2 in the last dim
    await expectClose(sliced.view(6, 2), [[0, 2], [4, 6], [8, 10], [12, 14], [16, 18], [20, 22]]);
    const swapped = x.permute(1, 0, 2); // [3, 2, 4]: the last dim stays contiguous
    expect(swapped.view(3, 2, 2, 2).shape).toEqual([3, 2, 2, 2]);
    expect(x.index(0).t().view(2, 2, 3).stride()).toEqual([2, 1, 4]);
  });

  vit('view refuses strides that no view can express, and reshape copies instead', async () => {
    const t = torch.arange(6, { device }).reshape(2, 3).t();
    expect(() => t.view(6)).toThrow(RangeError);
    expect(() => t.view(6)).toThrow(
      "view size is not compatible with input tensor's size and stride (at least one dimension spans across two contiguous subspaces). Use .reshape(...) instead.",
    );
    const r = t.reshape(6);
    expect(r._storage).not.toBe(t._storage);
    await expectClose(r, [0, 3, 1, 4, 2, 5]);
  });

  vit('reshape and view resolve one -1 and reject bad shapes', () => {
    const x = torch.zeros([6], { device });
    expect(x.reshape(-1, 3).shape).toEqual([2, 3]);
    expect(x.reshape([3, -1]).shape).toEqual([3, 2]);
    expect(torch.zeros([0, 4], { device }).reshape(-1, 2).shape).toEqual([0, 2]);
    expect(() => x.reshape(-1, -1)).toThrow(RangeError);
    expect(() => x.reshape(-1, -1)).toThrow('only one dimension can be inferred');
    expect(() => x.reshape(4, -1)).toThrow("shape '[4, -1]' is invalid for input of size 6");
    expect(() => x.view(4)).toThrow("shape '[4]' is invalid for input of size 6");
    expect(() => x.reshape(-2, 3)).toThrow('invalid shape dimension -2');
    expect(() => x.reshape(1.5, 4)).toThrow('invalid shape dimension 1.5');
    expect(() => torch.zeros([0], { device }).reshape(-1, 0)).toThrow(
      'cannot reshape tensor of 0 elements into shape [-1, 0] because the unspecified dimension size -1 can be any value and is ambiguous',
    );
    expect(() => x.reshape(-1, 0)).toThrow("shape '[-1, 0]' is invalid for input of size 6");
  });

  vit('flatten and unflatten', async () => {
    const x = torch.zeros([2, 3, 4], { device });
    expect(x.flatten().shape).toEqual([24]);
    expect(x.flatten(1).shape).toEqual([2, 12]);
    expect(x.flatten(0, 1).shape).toEqual([6, 4]);
    expect(x.flatten(-2, -1).shape).toEqual([2, 12]);
    expect(torch.tensor(5, { device }).flatten().shape).toEqual([1]);
    expect(torch.zeros([2, 12], { device }).unflatten(1, [3, 4]).shape).toEqual([2, 3, 4]);
    expect(torch.zeros([2, 12], { device }).unflatten(-1, [-1, 6]).shape).toEqual([2, 2, 6]);
    expect(() => x.flatten(2, 1)).toThrow(RangeError);
    expect(() => x.flatten(2, 1)).toThrow('flatten() has invalid args: start_dim cannot come after end_dim');
    expect(() => torch.zeros([2, 12], { device }).unflatten(1, [5, -1])).toThrow(RangeError);
    expect(() => torch.zeros([2, 12], { device }).unflatten(1, [5, -1])).toThrow(
      "unflatten: Provided sizes [5, -1] don't multiply up to the size of dim 1 (12) in the input tensor",
    );
  });

  vit('squeeze removes size-1 dims (all, one, or a list); unsqueeze adds one', () => {
    const x = torch.zeros([1, 3, 1], { device });
    expect(x.squeeze().shape).toEqual([3]);
    expect(x.squeeze(0).shape).toEqual([3, 1]);
    expect(x.squeeze(1).shape).toEqual([1, 3, 1]); // not size 1: kept, as in PyTorch
    expect(x.squeeze([0, -1]).shape).toEqual([3]);
    expect(torch.zeros([3], { device }).unsqueeze(0).shape).toEqual([1, 3]);
    expect(torch.zeros([3], { device }).unsqueeze(-1).shape).toEqual([3, 1]);
    expect(torch.zeros([3], { device }).unsqueeze(1).stride()).toEqual([1, 1]);
    // PyTorch gives the new dim the stride that keeps the layout contiguous: stride[d] · size[d]
    expect(torch.zeros([2, 3], { device }).unsqueeze(1).stride()).toEqual([3, 3, 1]);
    expect(torch.zeros([2, 3], { device }).unsqueeze(0).stride()).toEqual([6, 3, 1]);
    expect(torch.zeros([2, 3], { device }).t().unsqueeze(1).stride()).toEqual([1, 6, 3]);
    expect(() => x.squeeze(3)).toThrow('Dimension out of range (expected to be in range of [-3, 2], but got 3)');
    expect(() => x.unsqueeze(4)).toThrow('Dimension out of range (expected to be in range of [-4, 3], but got 4)');
  });

  vit('permute, transpose and t reorder dims without copying', () => {
    const x = torch.zeros([2, 3, 4], { device });
    expect(x.permute(2, 0, 1).shape).toEqual([4, 2, 3]);
    expect(x.permute([2, 0, 1]).stride()).toEqual([1, 12, 4]);
    expect(x.permute(-1, 0, 1).shape).toEqual([4, 2, 3]);
    expect(x.transpose(0, 2).shape).toEqual([4, 3, 2]);
    expect(x.T.shape).toEqual([4, 3, 2]);
    expect(torch.zeros([2, 3], { device }).t().shape).toEqual([3, 2]);
    expect(torch.zeros([3], { device }).t().shape).toEqual([3]);
    expect(torch.tensor(1, { device }).t().shape).toEqual([]);
  });

  vit('permute and t reject bad dims', () => {
    const x = torch.zeros([2, 3], { device });
    expect(() => x.permute(0)).toThrow(RangeError);
    expect(() => x.permute(0)).toThrow(
      'permute(sparse_coo): number of dimensions in the tensor input does not match the length of the desired ordering of dimensions i.e. input.dim() = 2 is not equal to len(dims) = 1',
    );
    expect(() => x.permute(0, 0)).toThrow('permute(): duplicate dims are not allowed.');
    expect(() => x.permute(0, -2)).toThrow('permute(): duplicate dims are not allowed.');
    expect(() => x.permute(0, 2)).toThrow('Dimension out of range');
    expect(() => torch.zeros([2, 3, 4], { device }).t()).toThrow('t() expects a tensor with <= 2 dimensions, but self is 3D');
    expect(() => x.transpose(0, 2)).toThrow('Dimension out of range (expected to be in range of [-2, 1], but got 2)');
  });

  vit('expand repeats size-1 dims with stride 0, and -1 keeps a size', async () => {
    const x = torch.tensor([1, 2], { device });
    const e = x.expand(3, 2);
    expect(e.stride()).toEqual([0, 1]);
    expect(e._storage).toBe(x._storage);
    await expectClose(e, [[1, 2], [1, 2], [1, 2]]);
    await expectClose(torch.tensor([[1], [2]], { device }).expand(-1, 3), [[1, 1, 1], [2, 2, 2]]);
    expect(x.expandAs(torch.zeros([4, 2], { device })).shape).toEqual([4, 2]);
    expect(torch.zeros([1], { device }).expand(0).shape).toEqual([0]);
  });

  vit('expand names the mismatch', () => {
    const x = torch.zeros([2, 3], { device });
    expect(() => x.expand(4, 3)).toThrow(RangeError);
    expect(() => x.expand(4, 3)).toThrow(
      'The expanded size of the tensor (4) must match the existing size (2) at non-singleton dimension 0.  Target sizes: [4, 3].  Tensor sizes: [2, 3]',
    );
    expect(() => x.expand(3)).toThrow(
      'expand: the number of sizes provided (1) must be greater or equal to the number of dimensions in the tensor (2)',
    );
    expect(() => torch.zeros([3], { device }).expand(-1, 3)).toThrow(
      "The expanded size of the tensor (-1) isn't allowed in a leading, non-existing dimension 0",
    );
    expect(() => torch.zeros([1], { device }).expand(-2)).toThrow('Trying to create tensor with negative dimension -2: [-2]');
  });

  vit('contiguous returns the tensor itself when already contiguous; clone always copies; detach shares', async () => {
    const x = torch.arange(6, { device }).reshape(2, 3);
    expect(x.contiguous()).toBe(x);
    const c = x.t().contiguous();
    expect(c.stride()).toEqual([2, 1]);
    await expectClose(c, [[0, 3], [1, 4], [2, 5]]);
    const copy = x.clone();
    copy.fill_(0);
    await expectClose(x, [[0, 1, 2], [3, 4, 5]]);
    const d = x.detach();
    expect(d._storage).toBe(x._storage);
    expect(d.requiresGrad).toBe(false);
  });
});

/** Some divisors of n whose product divides n: sizes for a random reshape target. */
function divisorsShape(n: number): number[] {
  const out: number[] = [];
  let rest = n;
  for (const p of [2, 3, 2, 2, 3]) {
    if (rest % p === 0) {
      out.push(p);
      rest /= p;
    }
  }
  return out;
}
