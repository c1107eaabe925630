/**
 * Matrix products (src/ops/linalg.ts): matmul in all its 1-D/2-D/batched forms, mm, bmm, dot
 * and outer, checked against a naive triple loop on operands with random strides (transposed,
 * sliced, broadcast), and their PyTorch error messages.
 */
import { beforeAll, describe, expect, it as vit } from 'vitest';
import { fc, it } from '@fast-check/vitest';
import * as torch from '../../src/index.js';
import type { DType } from '../../src/dtype.js';
import { devices, floatDTypes, hasFloat64 } from '../devices.js';
import { broadcastPairArb, expectClose, refAt, refBroadcastShape, refFrom, tensorArb, type Ref } from '../helpers.js';

/**
 * `a @ b` by PyTorch's rules, with a naive triple loop: a 1-D left operand is a row and a 1-D
 * right operand a column (their dim removed from the result), batch dims broadcast.
 */
function refMatmul(a: Ref, b: Ref, dtype: DType): Ref {
  const A = a.shape.length === 1 ? { shape: [1, a.shape[0]], data: a.data } : a;
  const B = b.shape.length === 1 ? { shape: [b.shape[0], 1], data: b.data } : b;
  const [M, K] = A.shape.slice(-2);
  const N = B.shape[B.shape.length - 1];
  const batchA = A.shape.slice(0, -2);
  const batchB = B.shape.slice(0, -2);
  const batch = refBroadcastShape(batchA, batchB);
  const batchIndex = (index: number[], own: number[]) => own.map((s, d) => (s === 1 ? 0 : index[batch.length - own.length + d]));
  const round = dtype === 'float32' ? Math.fround : dtype === 'int32' ? (v: number) => v | 0 : (v: number) => v;
  const out = refFrom([...batch, M, N], (index) => {
    const [i, j] = index.slice(-2);
    const bi = index.slice(0, -2);
    let total = 0;
    for (let k = 0; k < K; k++) total += refAt(A, [...batchIndex(bi, batchA), i, k]) * refAt(B, [...batchIndex(bi, batchB), k, j]);
    return round(total);
  });
  const shape = [...batch, ...(a.shape.length === 1 ? [] : [M]), ...(b.shape.length === 1 ? [] : [N])];
  return { shape, data: out.data };
}

/** Operand shapes for every form of matmul: vector or matrix on either side, batch dims that broadcast. */
const matmulShapesArb = fc
  .tuple(
    fc.integer({ min: 1, max: 4 }),
    fc.integer({ min: 0, max: 4 }),
    fc.integer({ min: 1, max: 4 }),
    fc.constantFrom('vector', 'matrix', 'batched'),
    fc.constantFrom('vector', 'matrix', 'batched'),
    broadcastPairArb({ minDims: 1, maxDims: 2, maxSize: 3 }),
  )
  .map(([M, K, N, left, right, [batchA, batchB]]) => {
    const a = left === 'vector' ? [K] : left === 'matrix' ? [M, K] : [...batchA, M, K];
    const b = right === 'vector' ? [K] : right === 'matrix' ? [K, N] : [...batchB, K, N];
    return [a, b] as const;
  });

const matmulArb = (dtype: DType) =>
  matmulShapesArb.chain(([sa, sb]) => fc.tuple(tensorArb(dtype, sa), tensorArb(dtype, sb)));

describe.each(devices)('matmul on %s', (device) => {
  beforeAll(() => torch.init(device));

  it.prop([fc.constantFrom('float32' as const, 'float64' as const, 'int32' as const).chain(matmulArb)], { numRuns: 150 })(
    'equals a naive triple loop for 1-D, 2-D and batched operands with any strides',
    async ([a, b]) => {
      const out = a.make(device).matmul(b.make(device));
      const expected = refMatmul(a.ref, b.ref, a.dtype);
      expect(out.dtype).toBe(a.dtype);
      // values are multiples of 1/4 (or small integers): every product and sum is exact
      await expectClose(out, expected, { rtol: 0, atol: 0 });
    },
  );

  it.prop([fc.integer({ min: 1, max: 5 }), fc.integer({ min: 1, max: 5 }), fc.integer({ min: 1, max: 5 })], { numRuns: 30 })(
    'transposed (non-contiguous) operands give the same product as contiguous copies',
    async (M, K, N) => {
      const dtype = floatDTypes(device).at(-1)!; // float64 where the device has it
      const a = torch.randn([K, M], { dtype, device }).t();
      const b = torch.randn([N, K], { dtype, device }).t();
      if (M > 1 && K > 1) expect(a.isContiguous()).toBe(false);
      const expected = refMatmul(
        { shape: [M, K], data: Array.from(await a.contiguous().data()) },
        { shape: [K, N], data: Array.from(await b.contiguous().data()) },
        dtype,
      );
      const tolerance = dtype === 'float64' ? { rtol: 1e-12, atol: 1e-12 } : { rtol: 1e-5, atol: 1e-6 };
      await expectClose(a.matmul(b), expected, tolerance);
      await expectClose(a.mm(b), expected, tolerance);
      await expectClose(b.t().matmul(a.t()), refFrom([N, M], ([i, j]) => refAt(expected, [j, i])), tolerance);
    },
  );

  vit('shapes of each form, as in PyTorch', async () => {
    const w = torch.ones([5, 3], { device });
    expect(torch.ones([5], { device }).matmul(w).shape).toEqual([3]);
    expect(torch.ones([10, 2, 5], { device }).matmul(w).shape).toEqual([10, 2, 3]);
    expect(torch.ones([3], { device }).matmul(torch.ones([3], { device })).shape).toEqual([]);
    expect(torch.ones([4, 3], { device }).matmul(torch.ones([3], { device })).shape).toEqual([4]);
    expect(torch.ones([2, 1, 4, 3], { device }).matmul(torch.ones([5, 3, 2], { device })).shape).toEqual([2, 5, 4, 2]);
    expect(torch.ones([3], { device }).matmul(torch.ones([2, 3, 4], { device })).shape).toEqual([2, 4]);
    expect(torch.ones([2, 4, 3], { device }).matmul(torch.ones([3], { device })).shape).toEqual([2, 4]);
    await expectClose(torch.ones([2, 0], { device }).matmul(torch.ones([0, 3], { device })), [[0, 0, 0], [0, 0, 0]]);
  });

  vit('errors name the shapes like PyTorch', () => {
    const m = (...shape: number[]) => torch.ones(shape, { device });
    expect(() => m(64, 784).matmul(m(512, 10))).toThrow(RangeError);
    expect(() => m(64, 784).matmul(m(512, 10))).toThrow('mat1 and mat2 shapes cannot be multiplied (64x784 and 512x10)');
    expect(() => m(3).matmul(m(4, 5))).toThrow('mat1 and mat2 shapes cannot be multiplied (1x3 and 4x5)');
    expect(() => m(2, 3, 4).matmul(m(5, 6))).toThrow('mat1 and mat2 shapes cannot be multiplied (6x4 and 5x6)');
    expect(() => m(2, 3, 4).matmul(m(2, 5, 6))).toThrow('Expected size for first two dimensions of batch2 tensor to be: [2, 4] but got: [2, 5].');
    expect(() => m(2, 3, 4).matmul(m(3, 4, 6))).toThrow('The size of tensor a (2) must match the size of tensor b (3) at non-singleton dimension 0');
    expect(() => m(3, 4).matmul(m(5))).toThrow('size mismatch, got input (3), mat (3x4), vec (5)');
    expect(() => m(3).matmul(m(4))).toThrow(
      'inconsistent tensor size, expected tensor [3] and src [4] to have the same number of elements, but got 3 and 4 elements respectively',
    );
    expect(() => torch.tensor(1, { dtype: 'float32', device }).matmul(m(2))).toThrow(
      'both arguments to matmul need to be at least 1D, but they are 0D and 1D',
    );
    if (hasFloat64(device)) {
      expect(() => m(2, 2).matmul(torch.ones([2, 2], { dtype: 'float64', device }))).toThrow(TypeError);
      expect(() => m(2, 2).matmul(torch.ones([2, 2], { dtype: 'float64', device }))).toThrow('expected scalar type Float but found Double');
    }
    expect(() => torch.ones([2, 2], { dtype: 'bool', device }).matmul(torch.ones([2, 2], { dtype: 'bool', device }))).toThrow(
      `"addmm_impl_cpu_" not implemented for 'Bool'`,
    );
  });
});

describe.each(devices)('mm, bmm, dot and outer on %s', (device) => {
  beforeAll(() => torch.init(device));

  it.prop([fc.tuple(fc.integer({ min: 1, max: 4 }), fc.integer({ min: 0, max: 4 }), fc.integer({ min: 1, max: 4 })).chain(([M, K, N]) => fc.tuple(tensorArb('float32', [M, K]), tensorArb('float32', [K, N])))], {
    numRuns: 60,
  })('mm is the 2-D product', async ([a, b]) => {
    await expectClose(a.make(device).mm(b.make(device)), refMatmul(a.ref, b.ref, 'float32'), { rtol: 0, atol: 0 });
  });

  it.prop([fc.tuple(fc.integer({ min: 1, max: 3 }), fc.integer({ min: 1, max: 3 }), fc.integer({ min: 0, max: 3 }), fc.integer({ min: 1, max: 3 })).chain(([B, M, K, N]) => fc.tuple(tensorArb(floatDTypes(device).at(-1)!, [B, M, K]), tensorArb(floatDTypes(device).at(-1)!, [B, K, N])))], {
    numRuns: 60,
  })('bmm multiplies batch by batch', async ([a, b]) => {
    await expectClose(torch.bmm(a.make(device), b.make(device)), refMatmul(a.ref, b.ref, a.dtype), { rtol: 0, atol: 0 });
  });

  it.prop([fc.integer({ min: 0, max: 6 }).chain((n) => fc.tuple(tensorArb('int32', [n]), tensorArb('int32', [n])))], { numRuns: 40 })(
    'dot is Σ a_i b_i; outer is a_i b_j',
    async ([a, b]) => {
      await expectClose(a.make(device).dot(b.make(device)), a.ref.data.reduce((s, v, i) => s + v * b.ref.data[i], 0), { rtol: 0, atol: 0 });
      const outer = a.make(device).outer(b.make(device));
      await expectClose(outer, refFrom([a.shape[0], b.shape[0]], ([i, j]) => a.ref.data[i] * b.ref.data[j]), { rtol: 0, atol: 0 });
    },
  );

  vit('outer promotes dtypes like mul', () => {
    expect(torch.tensor([1, 2], { device }).outer(torch.tensor([0.5], { device })).dtype).toBe('float32');
  });

  vit('errors name the shapes and dtypes', () => {
    const m = (...shape: number[]) => torch.ones(shape, { device });
    expect(() => m(2).mm(m(2, 2))).toThrow(RangeError);
    expect(() => m(2).mm(m(2, 2))).toThrow('self must be a matrix');
    expect(() => m(2, 2).mm(m(2))).toThrow('mat2 must be a matrix');
    expect(() => m(64, 784).mm(m(512, 10))).toThrow('mat1 and mat2 shapes cannot be multiplied (64x784 and 512x10)');
    expect(() => m(2, 2).mm(torch.ones([2, 2], { dtype: 'int32', device }))).toThrow('expected scalar type Float but found Int');
    expect(() => torch.bmm(m(2, 2), m(2, 2, 2))).toThrow('batch1 must be a 3D tensor');
    expect(() => torch.bmm(m(2, 2, 2), m(2, 2))).toThrow('batch2 must be a 3D tensor');
    expect(() => torch.bmm(m(2, 2, 3), m(3, 3, 2))).toThrow('Expected size for first two dimensions of batch2 tensor to be: [2, 3] but got: [3, 3].');
    expect(() => m(2, 2).dot(m(2))).toThrow('1D tensors expected, but got 2D and 1D tensors');
    if (hasFloat64(device)) {
      expect(() => m(2).dot(torch.ones([2], { dtype: 'float64', device }))).toThrow(TypeError);
      expect(() => m(2).dot(torch.ones([2], { dtype: 'float64', device }))).toThrow(
        'dot : expected both vectors to have same dtype, but found Float and Double',
      );
    }
    expect(() => m(2).dot(m(3))).toThrow('inconsistent tensor size, expected tensor [2] and src [3]');
    expect(() => m(2, 2).outer(m(2))).toThrow('outer: Expected 1-D argument self, but got 2-D');
    expect(() => m(2).outer(m(2, 2))).toThrow('outer: Expected 1-D argument vec2, but got 2-D');
  });
});
