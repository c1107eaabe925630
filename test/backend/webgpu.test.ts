/**
 * The webgpu backend's kernels (src/backend/webgpu) against the js reference kernels, called
 * directly on the same hand-made strided views: transposed, sliced, broadcast (stride 0) and
 * overlapping inputs, strided outputs, every dtype webgpu stores (float32, int32, bool), and the
 * special values (NaN, ±inf, ±0, INT_MIN, INT_MAX).
 *
 * Tolerance, stated once: results equal the reference exactly (NaN matches NaN, and the sign of
 * zero must match), except
 * - exp, log, sin, cos, tanh, sigmoid and rsqrt on float32: |a − e| ≤ 1e-7 + 5e-7·|e| (4 ulp,
 *   with an absolute term for results near a zero of sin/cos); sin/cos for |x| ≤ 8192;
 * - pow on float32: |a − e| ≤ 3.6e-7·|e| (3 ulp);
 * - float32 sums, products and matrix products, which add in another order than the reference
 *   (which adds in double): |a − e| ≤ 1e-5·(Σ|terms|) (sums) or 1e-5 + 1e-5·|e|.
 * Subnormal float32 inputs are left out of the generic properties (GPUs, SwiftShader included,
 * may flush them to zero in arithmetic), and a subnormal result may be 0; one test pins down the
 * unary functions that handle subnormal inputs anyway.
 *
 * Without a WebGPU adapter the whole file is skipped with a loud warning (CI sets
 * KINDLING_REQUIRE_WEBGPU, which turns that into a failure): see test/webgpu-env.ts.
 */
import v8 from 'node:v8';
import vm from 'node:vm';
import { beforeAll, describe, expect, it as vit, vi } from 'vitest';
import { fc, it } from '@fast-check/vitest';
import type { ArgReduceOp, BinaryOp, ReduceOp, UnaryOp, View } from '../../src/backend/backend.js';
import { jsBackend as js } from '../../src/backend/js/index.js';
import { loadWebGpuBackend, type GpuStorage, type WebGpuBackend } from '../../src/backend/webgpu/index.js';
import { sizeClass } from '../../src/backend/webgpu/pool.js';
import { matmul as matmulWith, tileBytes, tileFor, TILES, type Tile } from '../../src/backend/webgpu/matmul.js';
import { allocArray, type DType, type TypedArray } from '../../src/dtype.js';
import { backendOf } from '../../src/device.js';
import * as torch from '../../src/index.js';
import { webgpuAvailable } from '../webgpu-env.js';

type GpuDT = 'float32' | 'int32' | 'bool';
const available = await webgpuAvailable();

let gpu: WebGpuBackend;
beforeAll(async () => {
  if (available) gpu = backendOf('webgpu') as WebGpuBackend;
});

// ---- views over the same data on both backends ---------------------------------------------------

interface Geometry {
  shape: number[];
  strides: number[];
  offset: number;
}

/** A js view and the same view on webgpu, over the same values. */
interface Pair {
  js: View<TypedArray>;
  gpu: View<GpuStorage>;
}

function pairOf(dtype: GpuDT, values: readonly number[], g: Geometry): Pair {
  const array = allocArray(dtype, values.length);
  array.set(values);
  const storage = gpu.fromArray(array.slice());
  return {
    js: { storage: array, dtype, shape: g.shape, strides: g.strides, offset: g.offset },
    gpu: { storage, dtype, shape: g.shape, strides: g.strides, offset: g.offset },
  };
}

/** The js half of a pair as a Tensor over the same storage, strides and offset. */
const jsTensorOf = (p: Pair): torch.Tensor =>
  new torch.Tensor(new torch.Storage('js', p.js.storage, p.js.dtype, p.js.storage.length), p.js.shape, p.js.strides, p.js.offset);

const contiguous = (shape: readonly number[]): number[] => shape.map((_, d) => shape.slice(d + 1).reduce((a, b) => a * b, 1));
const numel = (shape: readonly number[]) => shape.reduce((a, b) => a * b, 1);

/** Any read-only geometry: strides 0..3 (so broadcast and overlapping views), an offset, over a base just big enough. */
const readGeometryArb = (shape?: fc.Arbitrary<number[]>): fc.Arbitrary<Geometry & { length: number }> =>
  (shape ?? fc.array(fc.integer({ min: 1, max: 5 }), { maxLength: 4 })).chain((s) =>
    fc
      .tuple(fc.array(fc.integer({ min: 0, max: 3 }), { minLength: s.length, maxLength: s.length }), fc.integer({ min: 0, max: 3 }))
      .map(([strides, offset]) => ({ shape: s, strides, offset, length: offset + s.reduce((n, size, d) => n + (size - 1) * strides[d], 0) + 1 })),
  );

/** A geometry that writes each element once: a permuted, stepped slice of a contiguous base. */
const writeGeometryArb = (shape: number[]): fc.Arbitrary<Geometry & { length: number }> =>
  fc
    .tuple(
      fc.shuffledSubarray([...shape.keys()], { minLength: shape.length, maxLength: shape.length }),
      fc.array(fc.integer({ min: 1, max: 2 }), { minLength: shape.length, maxLength: shape.length }),
      fc.integer({ min: 0, max: 2 }),
    )
    .map(([perm, steps, offset]) => {
      // base dim i holds logical dim perm[i], `steps` apart
      const baseShape = perm.map((d, i) => shape[d] * steps[i]);
      const baseStrides = contiguous(baseShape);
      const strides = shape.map((_, d) => baseStrides[perm.indexOf(d)] * steps[perm.indexOf(d)]);
      return { shape, strides, offset, length: offset + numel(baseShape) };
    });

const INT_MIN = -2147483648;
const INT_MAX = 2147483647;
const f32 = Math.fround;

/** Values per dtype: specials mixed with ordinary ones (no subnormals: see the header). */
function valueArb(dtype: GpuDT, kind: 'any' | 'moderate' = 'any'): fc.Arbitrary<number> {
  if (dtype === 'bool') return fc.constantFrom(0, 1);
  if (dtype === 'int32') {
    return kind === 'moderate'
      ? fc.integer({ min: -50, max: 50 })
      : fc.oneof(fc.integer({ min: -20, max: 20 }), fc.constantFrom(INT_MIN, INT_MAX, INT_MIN + 1, -1, 65536, 46341), fc.integer({ min: INT_MIN, max: INT_MAX }));
  }
  const ordinary = fc.double({ min: -10, max: 10, noNaN: true }).map(f32);
  if (kind === 'moderate') return fc.oneof(ordinary, fc.integer({ min: -8, max: 8 }).map((v) => v / 2));
  return fc.oneof(
    { weight: 6, arbitrary: ordinary },
    { weight: 2, arbitrary: fc.integer({ min: -16, max: 16 }).map((v) => v / 4) },
    { weight: 2, arbitrary: fc.constantFrom(NaN, Infinity, -Infinity, 0, -0, 1, -1, 0.5, -0.5, 2.5, -2.5, 1e30, -1e30, 3.4e38, 16777217) },
    { weight: 1, arbitrary: fc.double({ min: -1e6, max: 1e6, noNaN: true }).map(f32) },
  ).map((v) => (Math.abs(v) < 1.2e-38 ? 0 : f32(v)));
}

/** A read-only view of `dtype` with its values. */
const inputArb = (dtype: GpuDT, kind: 'any' | 'moderate' = 'any', shape?: fc.Arbitrary<number[]>) =>
  readGeometryArb(shape).chain((g) => fc.tuple(fc.constant(g), fc.array(valueArb(dtype, kind), { minLength: g.length, maxLength: g.length })));

// ---- comparing --------------------------------------------------------------------------------------

interface Tolerance {
  rtol: number;
  atol: number;
}
const TRANSCENDENTAL: Tolerance = { rtol: 5e-7, atol: 1e-7 };
/**
 * float32 pow: 3 ulp, relative (math.ts, powFinite): the reference's rounding (½ ulp), that of
 * y = b·ln|a|, which is carried to about 40 bits (below ¾ ulp in a float64 model of the kernel),
 * and expF's (about 1.5 ulp). 1 ulp measured, on SwiftShader and an H200, where |b·ln a| reaches 87.
 */
const POW: Tolerance = { rtol: 3.6e-7, atol: 0 };

/** Why two results differ, or undefined. Exact unless a tolerance is given (then ±0 and ulps may differ). */
function difference(actual: ArrayLike<number>, expected: ArrayLike<number>, tol?: Tolerance): string | undefined {
  if (actual.length !== expected.length) return `length ${actual.length}, expected ${expected.length}`;
  for (let i = 0; i < actual.length; i++) {
    const [a, e] = [actual[i], expected[i]];
    if (a === 0 && e !== 0 && Math.abs(e) < 2 ** -126) continue; // a subnormal result may flush to zero
    if (Number.isNaN(e) ? Number.isNaN(a) : tol && Number.isFinite(e) ? Math.abs(a - e) <= tol.atol + tol.rtol * Math.abs(e) : Object.is(a, e)) continue;
    return `[${i}] ${Object.is(a, -0) ? '-0' : a}, expected ${Object.is(e, -0) ? '-0' : e}`;
  }
  return undefined;
}

async function expectSame(storage: GpuStorage, dtype: DType, expected: TypedArray, tol?: Tolerance, what = ''): Promise<void> {
  const actual = await gpu.read(storage, dtype);
  expect(actual.constructor).toBe(expected.constructor);
  expect(difference(actual, expected, tol), what).toBeUndefined();
}

// ---- the tests --------------------------------------------------------------------------------------

const dtypes: GpuDT[] = ['float32', 'int32', 'bool'];

describe.skipIf(!available)('webgpu backend against the js reference', () => {
  describe('memory and reads', () => {
    vit('fromArray and read round-trip every dtype; bool is stored as u32 0/1', async () => {
      for (const a of [Float32Array.from([1.5, NaN, -0, Infinity]), Int32Array.from([INT_MIN, -1, 0, INT_MAX]), Uint8Array.from([1, 0, 1])]) {
        const s = gpu.fromArray(a);
        const back = await gpu.read(s, s.dtype);
        expect(back).toEqual(a);
        expect(Object.is(back[2], a[2])).toBe(true);
      }
      expect(gpu.fromArray(Uint8Array.from([1, 0])).bytes).toBe(256); // 4 bytes a bool, in a 256-byte class
      expect(await gpu.read(gpu.alloc('int32', 5), 'int32')).toEqual(new Int32Array(5));
      expect(await gpu.read(gpu.fromArray(new Float32Array(0)), 'float32')).toEqual(new Float32Array(0));
    });

    vit('has no synchronous read (the tensor layer refuses those), and float64 throws an error that says what to do', () => {
      expect('readSync' in gpu).toBe(false);
      expect(() => gpu.fromArray(new Float64Array(2))).toThrow(TypeError);
      expect(() => gpu.fromArray(new Float64Array(2))).toThrow('webgpu has no float64 (WGSL has no 64-bit floats)');
      expect(() => gpu.alloc('float64', 2)).toThrow('webgpu has no float64');
      const x = pairOf('float32', [1, 2], { shape: [2], strides: [1], offset: 0 });
      expect(() => gpu.copy(x.gpu, 'float64')).toThrow('webgpu has no float64');
    });

    vit('size classes are quarter steps between powers of two', () => {
      expect([1, 256, 257, 1000, 1024, 1025, 1300, 5000].map(sizeClass)).toEqual([256, 256, 320, 1024, 1024, 1280, 1536, 5120]);
      for (let b = 1; b < 1e6; b = Math.ceil(b * 1.37)) {
        expect(sizeClass(b)).toBeGreaterThanOrEqual(b);
        expect(sizeClass(b)).toBeLessThanOrEqual(Math.max(256, b * 1.25 + 4));
      }
    });

    vit('disposeStorage returns the buffer to the pool, and the next storage of that size reuses it', async () => {
      // (live bytes are compared across the dispose alone: an allocation may run a collection
      // that hands back other tests' garbage)
      const a = gpu.alloc('float32', 1000);
      const live = gpu.memory().liveBytes;
      gpu.disposeStorage(a);
      expect(gpu.memory().liveBytes).toBe(live - 4096);
      expect(gpu.memory().pooledBytes).toBeGreaterThanOrEqual(4096);
      const created = gpu.memory().buffersCreated;
      const zeros = gpu.alloc('float32', 1000); // 4000 bytes: the same size class as a's 4096
      expect(gpu.memory().buffersCreated).toBe(created);
      const b = gpu.unary('neg', { storage: zeros, dtype: 'float32', shape: [1000], strides: [1], offset: 0 });
      expect(Array.from(await gpu.read(b, 'float32')).every((v) => Object.is(v, -0))).toBe(true);
      await expect(gpu.read(a, 'float32')).rejects.toThrow('this tensor was disposed');
      expect(() => gpu.unary('neg', { storage: a, dtype: 'float32', shape: [1], strides: [1], offset: 0 })).toThrow('disposed');
    });

    vit('a reused (pooled) buffer is zeroed by alloc and overwritten by uploads', async () => {
      const s = gpu.fromArray(Float32Array.from({ length: 300 }, (_, i) => i + 1));
      gpu.disposeStorage(s);
      expect(await gpu.read(gpu.alloc('float32', 300), 'float32')).toEqual(new Float32Array(300));
      const t = gpu.fromArray(Float32Array.from({ length: 300 }, () => 7));
      gpu.disposeStorage(t);
      const u = gpu.fromArray(Float32Array.from({ length: 300 }, () => 9));
      expect(Array.from(await gpu.read(u, 'float32')).every((v) => v === 9)).toBe(true);
    });

    vit('an upload into a buffer released in the current batch waits for that batch (ordering rule)', async () => {
      // x is read by a queued kernel, then disposed and its buffer re-uploaded before any submit:
      // the kernel must still see the old values
      const x = gpu.fromArray(Float32Array.from({ length: 64 }, () => 1));
      const y = gpu.unary('neg', { storage: x, dtype: 'float32', shape: [64], strides: [1], offset: 0 });
      gpu.disposeStorage(x);
      const z = gpu.fromArray(Float32Array.from({ length: 64 }, () => 5));
      expect(Array.from(await gpu.read(y, 'float32')).every((v) => v === -1)).toBe(true);
      expect(Array.from(await gpu.read(z, 'float32')).every((v) => v === 5)).toBe(true);
    });

    vit('the pool hands out the free buffer made first, whatever order buffers came back in; an upload skips those released in the open batch', async () => {
      const length = 1_234_567; // a size class no other test uses, so the pool holds only these buffers of it
      const created = gpu.memory().buffersCreated;
      const first = [0, 1, 2, 3, 4].map(() => gpu.storage('float32', length));
      const buffers = first.map((s) => s.buffer);
      for (const i of [3, 0, 4, 1, 2]) gpu.disposeStorage(first[i]);
      const again = buffers.map(() => gpu.storage('float32', length));
      expect(again.map((s) => buffers.indexOf(s.buffer))).toEqual([0, 1, 2, 3, 4]);
      expect(gpu.memory().buffersCreated).toBe(created + 5);
      // buffer 1 goes back in a batch that is then submitted, buffer 0 (made first) in the open one
      for (const s of [again[2], again[3], again[4]]) gpu.disposeStorage(s);
      gpu.disposeStorage(again[1]);
      const x = gpu.fromArray(Float32Array.from([1, 2]));
      await gpu.read(gpu.unary('neg', { storage: x, dtype: 'float32', shape: [2], strides: [1], offset: 0 }), 'float32');
      gpu.unary('neg', { storage: x, dtype: 'float32', shape: [2], strides: [1], offset: 0 }); // opens a batch
      gpu.disposeStorage(again[0]);
      const upload = () => gpu.fromArray(new Float32Array(length));
      expect(buffers.indexOf(upload().buffer)).toBe(1);
      expect(buffers.indexOf(upload().buffer)).toBe(2);
      expect(buffers.indexOf(gpu.storage('float32', length).buffer)).toBe(0); // a kernel's output may take it
    });

    vit('hundreds of queued kernels run in batches without a read in between', async () => {
      let s = gpu.fromArray(Int32Array.from([0, 1, 2]));
      const one = gpu.fromArray(Int32Array.from([1, 1, 1]));
      const v = (storage: GpuStorage): View<GpuStorage> => ({ storage, dtype: 'int32', shape: [3], strides: [1], offset: 0 });
      for (let i = 0; i < 700; i++) s = gpu.binary('add', v(s), v(one));
      expect(Array.from(await gpu.read(s, 'int32'))).toEqual([700, 701, 702]);
    });

    vit('bind groups are cached: a loop that gets the same pooled buffers back creates none, and buffers the pool destroys leave the cache', async () => {
      const v = (storage: GpuStorage): View<GpuStorage> => ({ storage, dtype: 'float32', shape: [3], strides: [1], offset: 0 });
      const x = gpu.fromArray(Float32Array.from([1, 2, 3]));
      const iteration = async (check: boolean) => {
        const y = gpu.unary('neg', v(x));
        const z = gpu.binary('add', v(y), v(x));
        if (check) expect(Array.from(await gpu.read(z, 'float32'))).toEqual([0, 0, 0]);
        gpu.disposeStorage(y); // back to the pool, to be taken again by the next iteration
        gpu.disposeStorage(z);
      };
      await iteration(true);
      const before = gpu.ctx.bindGroupStats();
      for (let i = 0; i < 50; i++) await iteration(i % 10 === 0);
      const after = gpu.ctx.bindGroupStats();
      expect(after.created).toBe(before.created); // 100 dispatches, every bind group from the cache
      // trim destroys the pooled buffers (y's and z's among them): their bind groups must go too
      gpu.trimPool();
      expect(gpu.ctx.bindGroupStats().cached).toBeLessThanOrEqual(after.cached - 2);
      await iteration(true); // new buffers, new bind groups, and no destroyed buffer bound
      expect(gpu.ctx.bindGroupStats().created).toBeGreaterThanOrEqual(after.created + 2);
    });

    vit('a bind group depends on one buffer: new combinations of buffers already bound that way create none', async () => {
      const v = (storage: GpuStorage): View<GpuStorage> => ({ storage, dtype: 'float32', shape: [3], strides: [1], offset: 0 });
      const [x, y, z] = [1, 2, 3].map((k) => gpu.fromArray(Float32Array.from([k, 10 * k, 100 * k])));
      const out = gpu.binary('add', v(x), v(y)); // x and y read in groups 1 and 2, out written in group 0
      const accumulate = (a: GpuStorage, b: GpuStorage) => {
        const product = gpu.binary('mul', v(a), v(b));
        gpu.binaryInto('add', v(out), v(product), v(out)); // out read and written through group 0, product read in group 1
        gpu.disposeStorage(product); // the next product gets this buffer again
      };
      accumulate(z, y); // z's and the product buffer's groups are made here
      const created = gpu.ctx.bindGroupStats().created;
      accumulate(x, y); // (product, x, y) and (product, z, x) were never bound together: with groups
      accumulate(z, x); // cached by combination these would make new ones
      expect(gpu.ctx.bindGroupStats().created).toBe(created);
      expect(Array.from(await gpu.read(out, 'float32'))).toEqual([3 + 6 + 2 + 3, 30 + 600 + 200 + 300, 300 + 60000 + 20000 + 30000]);
    });

    vit('a cached bind group of a kernel that reports errors reports again after a read cleared the error', async () => {
      const a = gpu.fromArray(Int32Array.from([1, 2]));
      const b = gpu.fromArray(Int32Array.from([1, 0]));
      const v = (storage: GpuStorage): View<GpuStorage> => ({ storage, dtype: 'int32', shape: [2], strides: [1], offset: 0 });
      const divide = async () => {
        const out = gpu.binary('floorDivide', v(a), v(b));
        try {
          return await gpu.read(out, 'int32');
        } finally {
          gpu.disposeStorage(out); // the next call gets the same buffer, so the same bind group
        }
      };
      await expect(divide()).rejects.toThrow('ZeroDivisionError');
      const created = gpu.ctx.bindGroupStats().created;
      await expect(divide()).rejects.toThrow('ZeroDivisionError');
      expect(gpu.ctx.bindGroupStats().created).toBe(created);
      expect(Array.from(await gpu.read(gpu.binary('floorDivide', v(a), v(a)), 'int32'))).toEqual([1, 1]); // the error was cleared
    });

    vit('storages that become unreachable return their buffers to the pool (FinalizationRegistry)', async () => {
      v8.setFlagsFromString('--expose-gc');
      const gc = vm.runInNewContext('gc') as () => void;
      const live = gpu.memory().liveBytes;
      for (let i = 0; i < 50; i++) gpu.alloc('float32', 10000); // 50 × 40 KB, dropped at once
      expect(gpu.memory().liveBytes).toBeGreaterThanOrEqual(live + 50 * 40000);
      for (let i = 0; i < 5 && gpu.memory().liveBytes > live + 40960; i++) {
        gc();
        await new Promise((r) => setTimeout(r, 20)); // finalizers run as tasks after a collection
      }
      expect(gpu.memory().liveBytes).toBeLessThanOrEqual(live + 40960);
      expect(gpu.memory().pooledBytes).toBeGreaterThanOrEqual(49 * 40960);
    });
    vit('a temporary copy a kernel hands back at once is not handed back again by its finalizer', async () => {
      v8.setFlagsFromString('--expose-gc');
      const gc = vm.runInNewContext('gc') as () => void;
      const length = 777_777; // a size class no other test uses
      const x = gpu.fromArray(new Float32Array(length));
      const view = { storage: x, dtype: 'float32' as const, shape: [length], strides: [1], offset: 0 };
      gpu.copyInto(view, view); // source and destination share a buffer: copied out first, the copy released after
      await gpu.read(x, 'float32');
      for (let i = 0; i < 3; i++) {
        gc();
        await new Promise((r) => setTimeout(r, 20)); // the copy's handle is unreachable: its finalizer may run
      }
      const buffers = [0, 1, 2].map(() => gpu.storage('float32', length).buffer);
      expect(new Set(buffers).size).toBe(3); // each buffer of the class handed to one storage at a time
    });
  });

  describe('reclaiming in a loop that never yields', () => {
    vit('the pool runs collections itself, so live memory stays under what the loop allocated', () => {
      const before = gpu.memory();
      const MiB = 1 << 20;
      let peak = 0;
      for (let i = 0; i < 400; i++) {
        gpu.storage('float32', MiB / 4); // 1 MiB, dropped at once; no await, so no finalizer task can run
        peak = Math.max(peak, gpu.memory().liveBytes - before.liveBytes);
      }
      const after = gpu.memory();
      expect(after.collections).toBeGreaterThan(before.collections);
      // 400 MiB were handed out; collections keep live memory to their threshold (64 MiB to start)
      expect(peak).toBeLessThan(300 * MiB);
      expect(after.buffersCreated - before.buffersCreated).toBeLessThan(300);
    });
  });

  describe('copy, copyInto, fill', () => {
    for (const from of dtypes) {
      for (const to of dtypes) {
        it.prop([inputArb(from)], { numRuns: 15 })(`copy casts ${from} to ${to} like the reference (ToInt32, C's bool)`, async ([g, values]) => {
          const x = pairOf(from, values, g);
          await expectSame(gpu.copy(x.gpu, to), to, js.copy(x.js, to));
        });
      }
    }

    vit('casts to int32 wrap modulo 2^32 like an Int32Array; NaN and ±inf give 0', async () => {
      const x = pairOf('float32', [3e9, -3e9, 2147483648, -2147483649, NaN, Infinity, -Infinity, 1e20, -7.9, 7.9], { shape: [10], strides: [1], offset: 0 });
      await expectSame(gpu.copy(x.gpu, 'int32'), 'int32', js.copy(x.js, 'int32'));
    });

    it.prop(
      [fc.array(fc.integer({ min: 1, max: 4 }), { maxLength: 3 }).chain((shape) => fc.tuple(writeGeometryArb(shape), fc.constantFrom(...dtypes), fc.constantFrom(...dtypes)))],
      { numRuns: 40 },
    )('copyInto writes a broadcast source into a strided destination, casting', async ([dst, dt, st]) => {
      const dstValues = Array.from({ length: dst.length }, (_, i) => (dt === 'bool' ? i % 2 : -i - 1));
      const d = pairOf(dt, dstValues, dst);
      // the source: a row broadcast over the leading dims
      const last = dst.shape.length ? dst.shape[dst.shape.length - 1] : 1;
      const src = pairOf(st, Array.from({ length: last }, (_, i) => (st === 'bool' ? (i + 1) % 2 : i * 1.5 - 2)), {
        shape: dst.shape,
        strides: dst.shape.map((_, i) => (i === dst.shape.length - 1 ? 1 : 0)),
        offset: 0,
      });
      gpu.copyInto(d.gpu, src.gpu);
      js.copyInto(d.js, src.js);
      await expectSame(d.gpu.storage, dt, d.js.storage);
    });

    vit('copyInto from an overlapping view of the same storage reads every value before writing', async () => {
      const p = pairOf('int32', [0, 1, 2, 3, 4, 5, 6, 7], { shape: [7], strides: [1], offset: 1 });
      const src = { ...p, gpu: { ...p.gpu, offset: 0 }, js: { ...p.js, offset: 0 } }; // shifted by one
      gpu.copyInto(p.gpu, src.gpu);
      js.copyInto(p.js, src.js);
      await expectSame(p.gpu.storage, 'int32', p.js.storage);
      expect(Array.from(p.js.storage)).toEqual([0, 0, 1, 2, 3, 4, 5, 6]);
    });

    it.prop([fc.array(fc.integer({ min: 1, max: 4 }), { maxLength: 3 }).chain((shape) => writeGeometryArb(shape)), fc.constantFrom(...dtypes), valueArb('float32')], {
      numRuns: 30,
    })('fill sets exactly the elements of a strided view', async (g, dtype, raw) => {
      const value = dtype === 'int32' ? Math.trunc(Number.isFinite(raw) ? raw : 0) : dtype === 'bool' ? Number(raw !== 0) : raw;
      const p = pairOf(dtype, Array.from({ length: g.length }, (_, i) => (dtype === 'bool' ? 0 : i)), g);
      gpu.fill(p.gpu, value);
      js.fill(p.js, value);
      await expectSame(p.gpu.storage, dtype, p.js.storage);
    });
  });

  describe('elementwise', () => {
    const unaryOps: UnaryOp[] = ['neg', 'abs', 'sign', 'exp', 'log', 'sqrt', 'rsqrt', 'sin', 'cos', 'tanh', 'sigmoid', 'relu', 'floor', 'ceil', 'round', 'trunc', 'logicalNot'];
    const approximate = new Set<UnaryOp>(['exp', 'log', 'sin', 'cos', 'tanh', 'sigmoid', 'rsqrt']);

    for (const dtype of ['float32', 'int32'] as const) {
      it.prop([inputArb(dtype), fc.constantFrom(...unaryOps)], { numRuns: 120 })(`unary ops on ${dtype} equal the reference`, async ([g, raw], op) => {
        // sin/cos reduce their argument in float32: accurate for |x| ≤ 8192 (see math.ts)
        const values = op === 'sin' || op === 'cos' ? raw.map((v) => (Math.abs(v) > 8192 ? v % 8192 : v)) : raw;
        const floating = !['neg', 'abs', 'sign', 'relu', 'floor', 'ceil', 'round', 'trunc', 'logicalNot'].includes(op);
        if (floating && dtype === 'int32') return; // the tensor layer converts ints to float32 first
        const x = pairOf(dtype, values, g);
        await expectSame(gpu.unary(op, x.gpu), op === 'logicalNot' ? 'bool' : dtype, js.unary(op, x.js), approximate.has(op) && dtype === 'float32' ? TRANSCENDENTAL : undefined, op);
      });
    }

    vit('unary functions whose result a subnormal input changes handle it, even where the GPU flushes subnormals', async () => {
      const tiny = 1.401298464324817e-45;
      const values = [tiny, -tiny, 1e-40, -1e-40, 0, -0];
      const x = pairOf('float32', values, { shape: [6], strides: [1], offset: 0 });
      for (const op of ['floor', 'ceil', 'sign', 'relu', 'sqrt', 'log', 'sin', 'tanh', 'exp', 'cos'] as const) {
        await expectSame(gpu.unary(op, x.gpu), 'float32', js.unary(op, x.js), op === 'sqrt' || op === 'log' ? TRANSCENDENTAL : undefined, op);
      }
    });

    const binaryOps: BinaryOp[] = ['add', 'sub', 'mul', 'div', 'floorDivide', 'remainder', 'pow', 'maximum', 'minimum', 'eq', 'ne', 'lt', 'le', 'gt', 'ge', 'logicalAnd', 'logicalOr', 'logicalXor'];
    const comparisons = new Set<BinaryOp>(['eq', 'ne', 'lt', 'le', 'gt', 'ge', 'logicalAnd', 'logicalOr', 'logicalXor']);

    /** Two views of one broadcast shape. */
    const binaryArb = (dtype: GpuDT, kind: 'any' | 'moderate') =>
      fc.array(fc.integer({ min: 1, max: 4 }), { maxLength: 3 }).chain((shape) => fc.tuple(inputArb(dtype, kind, fc.constant(shape)), inputArb(dtype, kind, fc.constant(shape))));

    for (const dtype of dtypes) {
      it.prop([binaryArb(dtype, 'any'), fc.constantFrom(...binaryOps)], { numRuns: 150 })(`binary ops on ${dtype} equal the reference`, async ([[ga, va], [gb, vb]], op) => {
        if (dtype === 'int32' && ((op === 'floorDivide' || op === 'remainder') && vb.includes(0))) return; // an error: tested below
        if (dtype === 'int32' && op === 'pow' && vb.some((v) => v < 0)) return;
        if (dtype === 'bool' && (op === 'sub' || op === 'div')) return; // refused by the tensor layer
        // float floorDivide of huge quotients rounds once more in float32 than in the reference's double
        const hugeQuotient = dtype === 'float32' && op === 'floorDivide' && va.some((a, i) => Math.abs(a / (vb[i] || 1)) > 2 ** 23);
        if (hugeQuotient) return;
        const a = pairOf(dtype, va, ga);
        const b = pairOf(dtype, vb, gb);
        const outDtype = comparisons.has(op) ? 'bool' : dtype;
        const tol = dtype === 'float32' && op === 'pow' ? POW : undefined;
        await expectSame(gpu.binary(op, a.gpu, b.gpu), outDtype, js.binary(op, a.js, b.js), tol, op);
      });
    }

    /** Where binaryInto writes: a fresh strided view, a itself (x.add_(y)), b itself, or both (x.mul_(x)). */
    type Destination = 'strided' | 'a' | 'b' | 'ab';
    const binaryIntoArb = (dtype: GpuDT) =>
      fc.array(fc.integer({ min: 1, max: 4 }), { maxLength: 3 }).chain((shape) =>
        fc.tuple(
          writeGeometryArb(shape).chain((g) => fc.tuple(fc.constant(g), fc.array(valueArb(dtype), { minLength: g.length, maxLength: g.length }))),
          inputArb(dtype, 'any', fc.constant(shape)),
          fc.constantFrom<Destination>('strided', 'a', 'b', 'ab'),
        ),
      );

    for (const dtype of dtypes) {
      // alpha is integral for int32 and bool (the tensor layer checks it); 2^32 + 3 wraps to 3 in int32, 0 makes a bool b false
      const alphas = dtype === 'float32' ? [1, -1, 3, 0, 0.5, -0.1, 1e-3] : [1, -1, 3, 0, 2 ** 32 + 3];
      it.prop([binaryIntoArb(dtype), fc.constantFrom(...binaryOps), fc.constantFrom(...alphas)], { numRuns: 100 })(
        `binaryInto on ${dtype}: into a strided destination or in place (a, b or both), alpha scaling b for add and sub, equals the reference bit for bit`,
        async ([[gw, vw], [gr, vr], into], op, alphaChoice) => {
          const outDtype = comparisons.has(op) ? 'bool' : dtype;
          if (into !== 'strided' && outDtype !== dtype) return; // a tensor can only take a result of its own dtype in place
          if (dtype === 'bool' && (op === 'sub' || op === 'div')) return; // refused by the tensor layer
          // the written operand has the destination's geometry; the other one any geometry
          const [ga, va, gb, vb] = into === 'b' ? [gr, vr, gw, vw] : into === 'ab' ? [gw, vw, gw, vw] : [gw, vw, gr, vr];
          if (dtype === 'int32' && (op === 'floorDivide' || op === 'remainder') && vb.includes(0)) return; // an error: tested below
          if (dtype === 'int32' && op === 'pow' && vb.some((v) => v < 0)) return;
          if (dtype === 'float32' && op === 'floorDivide' && va.some((a, i) => Math.abs(a / (vb[i] || 1)) > 2 ** 23)) return; // see binary ops above
          const alpha = op === 'add' || op === 'sub' ? alphaChoice : 1;
          // a subnormal alpha·b may flush to zero on the GPU, which a normal a then shows (see the header)
          if (dtype === 'float32' && vb.some((v) => f32(v * alpha) !== 0 && Math.abs(f32(v * alpha)) < 2 ** -126)) return;
          const a = pairOf(dtype, va, ga);
          const b = into === 'ab' ? a : pairOf(dtype, vb, gb);
          const out = into === 'a' || into === 'ab' ? a : into === 'b' ? b : pairOf(outDtype, Array.from({ length: gw.length }, (_, i) => i % 2), gw);
          gpu.binaryInto(op, a.gpu, b.gpu, out.gpu, alpha);
          js.binaryInto!(op, a.js, b.js, out.js, alpha);
          await expectSame(out.gpu.storage, outDtype, out.js.storage, dtype === 'float32' && op === 'pow' ? POW : undefined, `${op} alpha ${alpha} into ${into}`);
        },
      );
    }

    vit('int32 arithmetic wraps like Math.imul, and division rounds toward −inf as in Python', async () => {
      const a = [INT_MAX, INT_MIN, 46341, -7, 7, -7, 7, INT_MIN, 3, -3, 2, -2];
      const b = [2, -1, 46341, 2, -2, -2, 2, -1, 31, 7, 33, 31];
      const exponents = pairOf('int32', b.map(Math.abs), { shape: [12], strides: [1], offset: 0 });
      const x = pairOf('int32', a, { shape: [12], strides: [1], offset: 0 });
      const y = pairOf('int32', b, { shape: [12], strides: [1], offset: 0 });
      for (const op of ['add', 'sub', 'mul', 'floorDivide', 'remainder'] as const) {
        await expectSame(gpu.binary(op, x.gpu, y.gpu), 'int32', js.binary(op, x.js, y.js), undefined, op);
      }
      await expectSame(gpu.binary('pow', x.gpu, exponents.gpu), 'int32', js.binary('pow', x.js, exponents.js), undefined, 'pow');
    });

    vit('pow follows C: 1**nan = 1, (-1)**±inf = 1, 0**-1 = inf, (-0)**-1 = -inf, (-8)**(1/3) = NaN', async () => {
      const a = [1, -1, -1, 0, -0, -8, NaN, 2, -2, -Infinity, -Infinity, 0.5, 10];
      const b = [NaN, Infinity, -Infinity, -1, -1, 1 / 3, 0, -Infinity, 3, 3, -3, Infinity, 9.5];
      const x = pairOf('float32', a, { shape: [13], strides: [1], offset: 0 });
      const y = pairOf('float32', b, { shape: [13], strides: [1], offset: 0 });
      await expectSame(gpu.binary('pow', x.gpu, y.gpu), 'float32', js.binary('pow', x.js, y.js), POW);
    });

    vit('pow keeps its accuracy where |b·ln a| is large (up to 87), a is near 1 with a huge b, or b is an integer', async () => {
      // float32 values from a fixed sequence: b chosen so that b·ln a is spread over (-87, 87)
      let seed = 7;
      const next = () => (seed = (seed * 1103515245 + 12345) >>> 0) / 2 ** 32;
      const [a, b]: number[][] = [[], []];
      for (let i = 0; i < 3000; i++) {
        const lnA = i % 3 === 0 ? (next() * 2 - 1) * 1e-5 : (next() * 2 - 1) * 87;
        a.push(Math.fround(Math.exp(lnA)));
        b.push(i % 3 === 2 ? Math.round((next() * 2 - 1) * 30) : Math.fround(((next() * 2 - 1) * 87) / Math.log(a[i])));
      }
      const x = pairOf('float32', a, { shape: [a.length], strides: [1], offset: 0 });
      const y = pairOf('float32', b, { shape: [b.length], strides: [1], offset: 0 });
      await expectSame(gpu.binary('pow', x.gpu, y.gpu), 'float32', js.binary('pow', x.js, y.js), POW);
    });

    it.prop([fc.array(fc.integer({ min: 1, max: 4 }), { maxLength: 3 }).chain((shape) => fc.tuple(inputArb('bool', 'any', fc.constant(shape)), inputArb('float32', 'any', fc.constant(shape)), inputArb('float32', 'any', fc.constant(shape)))), fc.constantFrom(...dtypes)], {
      numRuns: 40,
    })('where picks a or b by a bool condition', async ([[gc, vc], [ga, va], [gb, vb]], dtype) => {
      const cast = (vs: number[]) => vs.map((v) => (dtype === 'int32' ? Math.trunc(Number.isFinite(v) ? v : 0) : dtype === 'bool' ? Number(v !== 0) : v));
      const c = pairOf('bool', vc, gc);
      const a = pairOf(dtype, cast(va), ga);
      const b = pairOf(dtype, cast(vb), gb);
      await expectSame(gpu.where(c.gpu, a.gpu, b.gpu), dtype, js.where(c.js, a.js, b.js));
    });
  });

  describe('reductions', () => {
    const reduceArb = (dtype: GpuDT, maxSize = 5) =>
      inputArb(dtype, 'moderate', fc.array(fc.integer({ min: 1, max: maxSize }), { minLength: 1, maxLength: 4 })).chain(([g, v]) =>
        fc.tuple(fc.constant(g), fc.constant(v), fc.subarray([...g.shape.keys()], { minLength: 1 })),
      );

    for (const dtype of dtypes) {
      it.prop([reduceArb(dtype), fc.constantFrom<ReduceOp>('sum', 'prod', 'max', 'min')], { numRuns: 60 })(
        `sum, prod, max and min of ${dtype} over any dims equal the reference`,
        async ([g, values, dims], op) => {
          const x = pairOf(dtype, values, g);
          // an int32 product past 2^31 wraps on the GPU; the reference rounds it in double first
          if (dtype === 'int32' && op === 'prod' && js.reduce('prod', x.js, dims, 'float64').some((p) => Math.abs(p) >= 2 ** 31)) return;
          const out: DType = op === 'sum' || op === 'prod' ? (dtype === 'float32' ? 'float32' : 'int32') : dtype;
          const expected = js.reduce(op, x.js, dims, out);
          // float32 sums and products round in another order than the reference's doubles; a max or
          // min whose extremes are -0 and +0 may keep the other zero (the workgroup tree's order)
          const tol = dtype === 'float32' ? (op === 'sum' || op === 'prod' ? { rtol: 1e-5, atol: 1e-5 } : { rtol: 0, atol: 0 }) : undefined;
          await expectSame(gpu.reduce(op, x.gpu, dims, out), out, expected, tol, op);
        },
      );
    }

    vit('long rows take the workgroup-tree path, and few long rows the two-pass split; NaN propagates through both', async () => {
      for (const [rows, cols] of [[3, 1000], [2, 70000], [1, 300000], [9000, 70]]) {
        const values = Array.from({ length: rows * cols }, (_, i) => ((i * 7919) % 1001) / 1000 - 0.5);
        values[rows * cols - 5] = rows === 2 ? NaN : values[rows * cols - 5];
        const x = pairOf('float32', values, { shape: [rows, cols], strides: [cols, 1], offset: 0 });
        for (const op of ['sum', 'max', 'min'] as const) {
          await expectSame(gpu.reduce(op, x.gpu, [1], 'float32'), 'float32', js.reduce(op, x.js, [1], 'float32'), { rtol: 1e-5, atol: 1e-3 }, `${op} ${rows}x${cols}`);
        }
        const t = pairOf('float32', values, { shape: [cols, rows], strides: [1, cols], offset: 0 }); // the transpose: reduce dim 0
        await expectSame(gpu.reduce('sum', t.gpu, [0], 'float32'), 'float32', js.reduce('sum', t.js, [0], 'float32'), { rtol: 1e-5, atol: 1e-3 });
        const i = pairOf('int32', values.map((v) => Math.round(v * 1000) || 0), { shape: [rows, cols], strides: [cols, 1], offset: 0 });
        await expectSame(gpu.reduce('sum', i.gpu, [1], 'int32'), 'int32', js.reduce('sum', i.js, [1], 'int32'));
      }
    });

    vit('float32 sums are compensated: 1e6 copies of 0.1 sum to 100000 within 1e-6 relative', async () => {
      const x = pairOf('float32', new Array(1_000_000).fill(0.1), { shape: [1_000_000], strides: [1], offset: 0 });
      const [s] = await gpu.read(gpu.reduce('sum', x.gpu, [0], 'float32'), 'float32');
      expect(Math.abs(s - 100000.0014901161) / 100000).toBeLessThan(1e-6);
    });

    for (const dtype of dtypes) {
      it.prop(
        [inputArb(dtype, 'any', fc.array(fc.integer({ min: 1, max: 6 }), { minLength: 1, maxLength: 3 })).chain(([g, v]) => fc.tuple(fc.constant(g), fc.constant(v), fc.integer({ min: 0, max: g.shape.length - 1 }))), fc.constantFrom<ArgReduceOp>('argmax', 'argmin')],
        { numRuns: 60 },
      )(`argmax/argmin of ${dtype}: the first extreme, NaN above all`, async ([g, values, dim], op) => {
        const x = pairOf(dtype, values, g);
        await expectSame(gpu.argReduce(op, x.gpu, dim), 'int32', js.argReduce(op, x.js, dim));
      });
    }

    vit('argmax over long rows (the workgroup tree) keeps the first of equal maxima and finds a NaN anywhere', async () => {
      const values = Array.from({ length: 3 * 5000 }, (_, i) => (i % 5000 === 4000 || i % 5000 === 17 ? 9 : (i % 13) - 6));
      values[2 * 5000 + 4321] = NaN;
      const x = pairOf('float32', values, { shape: [3, 5000], strides: [5000, 1], offset: 0 });
      for (const op of ['argmax', 'argmin'] as const) await expectSame(gpu.argReduce(op, x.gpu, 1), 'int32', js.argReduce(op, x.js, 1));
      expect(Array.from(await gpu.read(gpu.argReduce('argmax', x.gpu, 1), 'int32'))).toEqual([17, 17, 4321]);
    });
  });

  describe('matmul', () => {
    /** [B, M, K] × [B, K, N] with any strides: row-major, transposed, or a broadcast batch. */
    const matmulArb = (dtype: 'float32' | 'int32', max: number) =>
      fc
        .tuple(fc.integer({ min: 1, max: 3 }), fc.integer({ min: 1, max }), fc.integer({ min: 0, max }), fc.integer({ min: 1, max }), fc.constantFrom('rows', 'cols', 'batch0'), fc.constantFrom('rows', 'cols', 'batch0'))
        .chain(([B, M, K, N, la, lb]) => {
          const geometry = (b: number, r: number, c: number, layout: string): Geometry & { length: number } => {
            if (layout === 'cols') return { shape: [b, r, c], strides: [r * c, 1, r], offset: 1, length: 1 + b * r * c };
            if (layout === 'batch0') return { shape: [b, r, c], strides: [0, c, 1], offset: 0, length: r * c };
            return { shape: [b, r, c], strides: [r * c, c, 1], offset: 0, length: b * r * c };
          };
          const ga = geometry(B, M, K, la);
          const gb = geometry(B, K, N, lb);
          const values = (n: number) => fc.array(dtype === 'int32' ? fc.integer({ min: -9, max: 9 }) : fc.integer({ min: -16, max: 16 }).map((v) => v / 4), { minLength: n, maxLength: n });
          return fc.tuple(fc.constant(ga), values(Math.max(ga.length, 1)), fc.constant(gb), values(Math.max(gb.length, 1)));
        });

    for (const dtype of ['float32', 'int32'] as const) {
      it.prop([matmulArb(dtype, 9)], { numRuns: 40 })(`small ${dtype} products with any strides equal the reference exactly`, async ([ga, va, gb, vb]) => {
        const a = pairOf(dtype, va, ga);
        const b = pairOf(dtype, vb, gb);
        await expectSame(gpu.matmul(a.gpu, b.gpu), dtype, js.matmul(a.js, b.js));
      });
    }

    it.prop([matmulArb('float32', 150)], { numRuns: 12 })('products across tile edges (64×64 tiles, k steps of 16) on both load paths', async ([ga, va, gb, vb]) => {
      const a = pairOf('float32', va, ga);
      const b = pairOf('float32', vb, gb);
      await expectSame(gpu.matmul(a.gpu, b.gpu), 'float32', js.matmul(a.js, b.js), { rtol: 1e-6, atol: 1e-6 });
    });

    // tileFor picks the bigger tilings only for products too big for SwiftShader: run each tiling
    // here directly. SwiftShader has 32 KiB of workgroup memory, short of the wide tiling's two
    // stages (48 KiB): there it runs in one stage, the same kernel apart from the pipelining that
    // the large tiling's tests cover (a real GPU checks the two-stage form in bench/gpu.ts).
    const runnable = (tile: Tile): Tile => (tileBytes(tile) <= gpu.ctx.device.limits.maxComputeWorkgroupStorageSize ? tile : { ...tile, pipeline: false });
    for (const [name, tile] of Object.entries(TILES)) {
      it.prop([matmulArb('float32', 150)], { numRuns: 6 })(`the ${name} tiling (${tile.BM}×${tile.BN}, k steps of ${tile.BK}) across its tile edges on both load paths`, async ([ga, va, gb, vb]) => {
        const a = pairOf('float32', va, ga);
        const b = pairOf('float32', vb, gb);
        await expectSame(matmulWith(gpu, a.gpu, b.gpu, runnable(tile)), 'float32', js.matmul(a.js, b.js), { rtol: 1e-6, atol: 1e-6 });
      });

      // dims that are whole multiples of the blocks get the kernel without edge checks (int32
      // products, which are small, on the small tiling only)
      const exactArb = (dtype: 'float32' | 'int32') =>
        fc
          .tuple(fc.integer({ min: 1, max: 2 }), fc.integer({ min: 1, max: 2 }), fc.integer({ min: 1, max: 3 }), fc.integer({ min: 1, max: 2 }), fc.constantFrom('rows', 'cols'))
          .chain(([B, m, k, n, layout]) => {
            const [M, K, N] = [m * tile.BM, k * tile.BK, n * tile.BN];
            const geometry = (r: number, c: number): Geometry =>
              layout === 'cols' ? { shape: [B, r, c], strides: [r * c, 1, r], offset: 0 } : { shape: [B, r, c], strides: [r * c, c, 1], offset: 0 };
            const value = dtype === 'int32' ? fc.integer({ min: -9, max: 9 }) : fc.integer({ min: -16, max: 16 }).map((v) => v / 4);
            const values = (count: number) => fc.array(value, { minLength: count, maxLength: count });
            return fc.tuple(fc.constant(geometry(M, K)), values(B * M * K), fc.constant(geometry(K, N)), values(B * K * N));
          });
      for (const dtype of name === 'small' ? (['float32', 'int32'] as const) : (['float32'] as const)) {
        it.prop([exactArb(dtype)], { numRuns: 4 })(`the ${name} tiling on ${dtype} products its blocks tile exactly (no edge checks), on both load paths`, async ([ga, va, gb, vb]) => {
          const a = pairOf(dtype, va, ga);
          const b = pairOf(dtype, vb, gb);
          await expectSame(matmulWith(gpu, a.gpu, b.gpu, runnable(tile)), dtype, js.matmul(a.js, b.js), dtype === 'int32' ? undefined : { rtol: 1e-6, atol: 1e-6 });
        });
      }
    }

    vit('a tiling that needs more workgroup memory than the device has is refused with a clear error', () => {
      const a = pairOf('float32', [1], { shape: [1, 1, 1], strides: [1, 1, 1], offset: 0 });
      const huge: Tile = { BM: 256, BN: 256, BK: 64, TM: 16, TN: 16, pipeline: true };
      expect(() => matmulWith(gpu, a.gpu, a.gpu, huge)).toThrow(/needs 262144 bytes of workgroup memory; this device has \d+/);
    });

    vit('tileFor: the wide tiling only for vec4 products it tiles exactly, with room for its stages and a block for every multiprocessor', () => {
      const big = 48 * 1024;
      expect(tileFor(1, 4096, 4096, 4096, true, big)).toBe(TILES.wide);
      expect(tileFor(1, 2048, 2048, 2048, true, big)).toBe(TILES.wide);
      expect(tileFor(1, 4096, 4096, 4096, true, 32 * 1024)).toBe(TILES.large); // too little workgroup memory
      expect(tileFor(1, 4096, 4096, 4096, false, big)).toBe(TILES.large); // strided loads
      expect(tileFor(1, 4000, 4000, 4000, true, big)).toBe(TILES.large); // edges
      expect(tileFor(1, 1024, 1024, 1024, true, big)).toBe(TILES.small); // too few blocks for the big tiles
    });

    vit('a 130×200 by 200×70 product of random floats agrees within float32 rounding', async () => {
      const [M, K, N] = [130, 200, 70];
      const rand = (n: number) => Array.from({ length: n }, (_, i) => f32(Math.sin(i * 12.9898) * 0.5));
      const a = pairOf('float32', rand(M * K), { shape: [1, M, K], strides: [0, K, 1], offset: 0 });
      const b = pairOf('float32', rand(K * N + 8).slice(8), { shape: [1, K, N], strides: [0, N, 1], offset: 0 });
      await expectSame(gpu.matmul(a.gpu, b.gpu), 'float32', js.matmul(a.js, b.js), { rtol: 1e-5, atol: 1e-5 });
    });
  });

  describe('gather and scatter', () => {
    /** x of a shape, a dim, an index shape no larger off that dim, and indices in range. */
    const gatherArb = (dtype: GpuDT) =>
      inputArb(dtype, 'any', fc.array(fc.integer({ min: 1, max: 4 }), { minLength: 1, maxLength: 3 })).chain(([g, v]) =>
        fc.integer({ min: 0, max: g.shape.length - 1 }).chain((dim) =>
          fc.tuple(...g.shape.map((s, d) => fc.integer({ min: 1, max: d === dim ? 5 : s }))).chain((indexShape) =>
            fc.tuple(fc.constant(g), fc.constant(v), fc.constant(dim), fc.constant(indexShape), fc.array(fc.integer({ min: 0, max: g.shape[dim] - 1 }), { minLength: numel(indexShape), maxLength: numel(indexShape) })),
          ),
        ),
      );
    const indexPair = (shape: number[], values: number[]) => pairOf('int32', values, { shape, strides: contiguous(shape), offset: 0 });

    for (const dtype of dtypes) {
      it.prop([gatherArb(dtype)], { numRuns: 30 })(`gather of ${dtype} equals the reference`, async ([g, v, dim, indexShape, idx]) => {
        const x = pairOf(dtype, v, g);
        const index = indexPair(indexShape, idx);
        await expectSame(gpu.gather(x.gpu, dim, index.gpu), dtype, js.gather(x.js, dim, index.js));
      });

      it.prop([gatherArb(dtype), fc.boolean()], { numRuns: 30 })(`scatter of ${dtype} (last write wins, or accumulate) equals the reference`, async ([g, v, dim, indexShape, idx], accumulate) => {
        // dst: a fresh contiguous tensor of g's shape (written in place); src: values shaped like the index
        const dst = pairOf(dtype, v.slice(0, numel(g.shape)).concat(new Array(Math.max(0, numel(g.shape) - v.length)).fill(0)), { shape: g.shape, strides: contiguous(g.shape), offset: 0 });
        const src = pairOf(dtype, idx.map((k, i) => (dtype === 'bool' ? (k + i) % 2 : dtype === 'int32' ? k * 10 + i : k + i / 4)), { shape: indexShape, strides: contiguous(indexShape), offset: 0 });
        const index = indexPair(indexShape, idx);
        gpu.scatter(dst.gpu, dim, index.gpu, src.gpu, accumulate);
        js.scatter(dst.js, dim, index.js, src.js, accumulate);
        await expectSame(dst.gpu.storage, dtype, dst.js.storage, dtype === 'float32' && accumulate ? { rtol: 1e-6, atol: 1e-6 } : undefined);
      });
    }

    vit('repeated indices: without accumulate the last one wins, every time', async () => {
      for (let round = 0; round < 5; round++) {
        const dst = pairOf('float32', new Array(4).fill(0), { shape: [4], strides: [1], offset: 0 });
        const idx = Array.from({ length: 2000 }, (_, i) => i % 3);
        const src = pairOf('float32', idx.map((_, i) => i), { shape: [2000], strides: [1], offset: 0 });
        gpu.scatter(dst.gpu, 0, indexPair([2000], idx).gpu, src.gpu, false);
        expect(Array.from(await gpu.read(dst.gpu.storage, 'float32'))).toEqual([1998, 1999, 1997, 0]);
      }
    });

    vit('an index out of bounds is reported by the next read with PyTorch’s message', async () => {
      const x = pairOf('float32', [1, 2, 3, 4, 5, 6], { shape: [2, 3], strides: [3, 1], offset: 0 });
      const out = gpu.gather(x.gpu, 1, indexPair([1, 2], [0, 3]).gpu);
      await expect(gpu.read(out, 'float32')).rejects.toThrow(RangeError);
      const again = gpu.gather(x.gpu, 0, indexPair([1, 1], [-1]).gpu);
      await expect(gpu.read(again, 'float32')).rejects.toThrow('index -1 is out of bounds for dimension 0 with size 2');
      // reported once: the next read is clean
      expect(Array.from(await gpu.read(gpu.gather(x.gpu, 1, indexPair([1, 1], [2]).gpu), 'float32'))).toEqual([3]);
      const dst = pairOf('float32', [0, 0, 0], { shape: [3], strides: [1], offset: 0 });
      gpu.scatter(dst.gpu, 0, indexPair([2], [1, 7]).gpu, pairOf('float32', [5, 6], { shape: [2], strides: [1], offset: 0 }).gpu, true);
      await expect(gpu.read(dst.gpu.storage, 'float32')).rejects.toThrow('index 7 is out of bounds for dimension 0 with size 3');
      expect(Array.from(await gpu.read(dst.gpu.storage, 'float32'))).toEqual([0, 5, 0]); // the bad one was skipped
    });

    vit('integer division by zero and negative integer powers are reported by the next read', async () => {
      const a = pairOf('int32', [1, 2], { shape: [2], strides: [1], offset: 0 });
      const b = pairOf('int32', [1, 0], { shape: [2], strides: [1], offset: 0 });
      await expect(gpu.read(gpu.binary('floorDivide', a.gpu, b.gpu), 'int32')).rejects.toThrow('ZeroDivisionError: integer division by zero');
      await expect(gpu.read(gpu.binary('remainder', a.gpu, b.gpu), 'int32')).rejects.toThrow('ZeroDivisionError: integer modulo by zero');
      const m = pairOf('int32', [2, -1], { shape: [2], strides: [1], offset: 0 });
      await expect(gpu.read(gpu.binary('pow', a.gpu, m.gpu), 'int32')).rejects.toThrow('Integers to negative integer powers are not allowed.');
    });
  });

  describe('errors that are not the kernels’', () => {
    vit('a kernel whose WGSL does not compile fails the next read with the compiler’s message, not a hang', async () => {
      const broken = gpu.ctx.kernel('deliberately_broken', [{ name: 'dst', type: 'f32', access: 'read_write' }], () => '@compute @workgroup_size(1) fn main() { let x: f32 = undefinedThing; }');
      const out = gpu.storage('float32', 4);
      gpu.ctx.dispatch(broken, new Int32Array(64), [out.buffer], [1, 1, 1]);
      await expect(gpu.read(out, 'float32')).rejects.toThrow(/kernel 'deliberately_broken' failed to compile: .*undefinedThing/s);
      // the device is still usable afterwards
      const x = pairOf('float32', [1, 2], { shape: [2], strides: [1], offset: 0 });
      expect(Array.from(await gpu.read(gpu.unary('neg', x.gpu), 'float32'))).toEqual([-1, -2]);
    });

    vit('a lost device makes kernels throw at once and pending reads reject instead of hanging', async () => {
      const other = await loadWebGpuBackend(); // a second device, to lose
      const s = other.fromArray(Float32Array.from([1, 2, 3]));
      const pending = other.read(other.unary('exp', { storage: s, dtype: 'float32', shape: [3], strides: [1], offset: 0 }), 'float32');
      other.ctx.device.destroy();
      await pending.catch(() => undefined); // may have finished before the loss
      await new Promise((r) => setTimeout(r, 20));
      expect(() => other.unary('neg', { storage: s, dtype: 'float32', shape: [3], strides: [1], offset: 0 })).toThrow(/webgpu: the GPU device was lost/);
      await expect(other.read(s, 'float32')).rejects.toThrow(/device was lost/);
    });
  });

  describe('fused softmax', () => {
    /** A strided float32 view of up to 3 dims, its values, and a dim to take rows along. */
    const rowsArb = inputArb('float32', 'any', fc.array(fc.integer({ min: 1, max: 6 }), { maxLength: 3 })).chain(([g, v]) =>
      fc.tuple(fc.constant(g), fc.constant(v), fc.integer({ min: 0, max: Math.max(g.shape.length - 1, 0) })),
    );
    /** Values beyond ±1e6 brought to ±50, so that differences within a row stay far from float32 overflow. */
    const rowValues = (values: readonly number[]) => values.map((v) => (Math.abs(v) > 1e6 ? Math.sign(v) * 50 : v));

    it.prop(
      [rowsArb, fc.boolean()],
      { numRuns: 60 },
    )('softmax and logSoftmax rows equal the composite (amax, sub, exp, sum, div) on js', async ([g, values, dim], log) => {
      const x = pairOf('float32', rowValues(values), g);
      const t = jsTensorOf(x);
      const expected = (log ? t.logSoftmax(dim) : t.softmax(dim)).contiguous().toTypedArray();
      // ln Σ rounds in float32 on both sides, in another order: an absolute error of a few 1e-7
      await expectSame(gpu.softmax(x.gpu, dim, log), 'float32', expected as Float32Array, { rtol: 2e-6, atol: 1e-6 });
    });

    it.prop(
      [rowsArb, fc.boolean()],
      { numRuns: 60 },
    )('their backward from a strided gradient equals the composite on js', async ([geometry, values, dim], log) => {
      const grad = pairOf('float32', rowValues(values), geometry);
      const g = jsTensorOf(grad);
      // y: the forward's output (contiguous, as the forward makes it) of some row values
      const x = torch.tensor(Float32Array.from({ length: numel(geometry.shape) }, (_, i) => Math.sin(3 * i) * 4), { shape: geometry.shape });
      const y = log ? x.logSoftmax(dim) : x.softmax(dim);
      const yPair = pairOf('float32', Array.from(y.toTypedArray()), { shape: geometry.shape, strides: contiguous(geometry.shape), offset: 0 });
      const expected = log ? g.sub(y.exp().mul(g.sum(dim, true))) : y.mul(g.sub(g.mul(y).sum(dim, true)));
      const d = geometry.shape.length === 0 ? 0 : dim;
      // Σ adds its (at most 6) terms in another order on each side, so the sums may differ by
      // 2·5 float32 ulps of Σ|terms| ≤ 6·max|g| (|y|, e^y ≤ 1), and an output where g − s cancels
      // carries that absolute error: 2·5·2⁻²⁴·6 < 4e-6 of max|g|, or 2e-5 where g is small
      const largest = Math.max(0, ...rowValues(values).filter(Number.isFinite).map(Math.abs));
      const atol = Math.max(2e-5, 4e-6 * largest);
      await expectSame(gpu.softmaxBackward(grad.gpu, yPair.gpu, d, log), 'float32', expected.contiguous().toTypedArray() as Float32Array, { rtol: 2e-6, atol });
    });

    it.prop([inputArb('float32')], { numRuns: 60 })("relu's fused backward equals where(y <= 0, 0, g) on js: NaN y passes g on, ±0 stops it", async ([geometry, values]) => {
      const grad = pairOf('float32', values, geometry);
      const g = jsTensorOf(grad);
      const specials = [NaN, -0, 0, Infinity, -Infinity];
      const yValues = Array.from({ length: numel(geometry.shape) }, (_, i) => (i % 3 === 0 ? specials[(i / 3) % specials.length] : Math.sin(i) * 3));
      const yPair = pairOf('float32', yValues, { shape: geometry.shape, strides: contiguous(geometry.shape), offset: 0 });
      const y = torch.tensor(Float32Array.from(yValues), { shape: geometry.shape });
      const expected = torch.where(y.le(0), 0, g);
      await expectSame(gpu.reluBackward(grad.gpu, yPair.gpu), 'float32', expected.contiguous().toTypedArray() as Float32Array);
    });

    vit('long rows (a 5000-class softmax) and many short ones', async () => {
      for (const [rows, cols] of [[3, 5000], [2000, 10]]) {
        const values = Array.from({ length: rows * cols }, (_, i) => Math.sin(i) * 8);
        const x = pairOf('float32', values, { shape: [rows, cols], strides: [cols, 1], offset: 0 });
        const t = torch.tensor(Float32Array.from(values), { shape: [rows, cols] });
        await expectSame(gpu.softmax(x.gpu, 1, true), 'float32', t.logSoftmax(1).toTypedArray() as Float32Array, { rtol: 2e-6, atol: 2e-6 });
        await expectSame(gpu.softmax(x.gpu, 1, false), 'float32', t.softmax(1).toTypedArray() as Float32Array, { rtol: 2e-5, atol: 1e-9 });
      }
    });
  });

  describe('through the tensor layer', () => {
    vit('Tensor.dispose() hands the buffer back at once; using the tensor afterwards says why it fails', async () => {
      const t = torch.ones([1000], { device: 'webgpu' });
      const live = gpu.memory().liveBytes; // measured after the allocation, which may collect other garbage
      t.dispose();
      expect(gpu.memory().liveBytes).toBe(live - 4096);
      expect(() => t.add(1)).toThrow('webgpu: this tensor was disposed');
    });

    vit('softmax and logSoftmax run the fused kernel (one dispatch) and equal the composite on js, gradients too', async () => {
      const dispatch = vi.spyOn(gpu.ctx, 'dispatch');
      try {
        const values = Array.from({ length: 24 }, (_, i) => Math.sin(i) * 6);
        for (const [shape, dim] of [[[4, 6], 1], [[4, 6], -2], [[2, 3, 4], 1], [[24], -1]] as [number[], number][]) {
          for (const log of [false, true]) {
            const cpu = torch.tensor(Float32Array.from(values), { shape }).requiresGrad_();
            const x = torch.tensor(Float32Array.from(values), { shape, device: 'webgpu' }).requiresGrad_();
            dispatch.mockClear();
            const y = log ? x.logSoftmax(dim) : x.softmax(dim);
            expect(dispatch.mock.calls.map(([kernel]) => kernel.name)).toEqual(['softmax_rows_float32']);
            const expected = log ? cpu.logSoftmax(dim) : cpu.softmax(dim);
            expect(y.gradFn?.name).toBe(expected.gradFn?.name);
            expect(difference(await y.data(), expected.toTypedArray(), { rtol: 2e-6, atol: 1e-6 })).toBeUndefined();
            // the backward is fused too, from the fused forward's output
            const weights = torch.arange(24, { dtype: 'float32' }).reshape(shape);
            const loss = y.mul(weights.to('webgpu')).sum();
            dispatch.mockClear();
            loss.backward();
            expect(dispatch.mock.calls.map(([kernel]) => kernel.name)).toContain('softmax_backward_rows_float32');
            expected.mul(weights).sum().backward();
            expect(difference(await x.grad!.data(), cpu.grad!.toTypedArray(), { rtol: 1e-5, atol: 1e-5 })).toBeUndefined();
          }
        }
        // a 0-d tensor is one row of one; an empty one needs no kernel; a dim out of range says so
        expect(await torch.tensor(3, { dtype: 'float32', device: 'webgpu' }).softmax(0).itemAsync()).toBe(1);
        expect(await torch.tensor(3, { dtype: 'float32', device: 'webgpu' }).logSoftmax(-1).itemAsync()).toBe(0);
        expect(torch.zeros([0, 3], { device: 'webgpu' }).logSoftmax(1).shape).toEqual([0, 3]);
        expect(() => torch.zeros([2, 3], { device: 'webgpu' }).softmax(2)).toThrow('Dimension out of range (expected to be in range of [-2, 1], but got 2)');
      } finally {
        dispatch.mockRestore();
      }
    });

    vit('an SGD step, p.sub_(g, { alpha: lr }) under noGrad, is one dispatch writing into p’s buffer, equal to js’s mul then sub to the bit', async () => {
      const values = (seed: number) => Float32Array.from({ length: 1000 }, (_, i) => Math.sin(i * seed) * 3);
      const p = torch.tensor(values(1), { device: 'webgpu', requiresGrad: true });
      const g = torch.tensor(values(7), { device: 'webgpu' });
      const buffer = (p._storage.handle as GpuStorage).buffer;
      const dispatch = vi.spyOn(gpu.ctx, 'dispatch');
      try {
        torch.noGrad(() => p.sub_(g, { alpha: 0.1 }));
        expect(dispatch.mock.calls.map(([kernel]) => kernel.name)).toEqual(['binary_sub_float32_scaled_aInOut']);
        expect(dispatch.mock.calls[0][2]).toEqual([buffer, (g._storage.handle as GpuStorage).buffer]); // p bound once, read and written
      } finally {
        dispatch.mockRestore();
      }
      // the reference rounds 0.1·g to float32 before subtracting: a fused multiply-add would differ in the last bit
      const expected = torch.tensor(values(1)).sub(torch.tensor(values(7)).mul(0.1));
      expect(difference(await p.data(), expected.toTypedArray())).toBeUndefined();
    });

    vit('optim.SGD steps each parameter in one dispatch', async () => {
      const w = torch.ones([4, 3], { device: 'webgpu', requiresGrad: true });
      const b = torch.zeros([3], { device: 'webgpu', requiresGrad: true });
      const optimizer = new torch.optim.SGD([w, b], { lr: 0.5 });
      torch.ones([2, 4], { device: 'webgpu' }).matmul(w).add(b).sum().backward();
      const dispatch = vi.spyOn(gpu.ctx, 'dispatch');
      try {
        optimizer.step();
        expect(dispatch.mock.calls.map(([kernel]) => kernel.name)).toEqual(['binary_add_float32_scaled_aInOut', 'binary_add_float32_scaled_aInOut']);
      } finally {
        dispatch.mockRestore();
      }
      expect(Array.from(await w.data())).toEqual(Array(12).fill(0));
      expect(Array.from(await b.data())).toEqual([-1, -1, -1]);
    });

    vit("to('js') and cpu() cannot read synchronously and say how to read asynchronously; that way works", async () => {
      const x = torch.tensor([[1.5, 2], [3, 4]], { device: 'webgpu' });
      const message = "to('js') cannot read a webgpu tensor synchronously (the GPU answers asynchronously); use `torch.tensor(await x.data(), { shape: x.shape, device: 'js' })` instead";
      expect(() => x.to('js')).toThrow(message);
      expect(() => x.cpu()).toThrow(message);
      expect(() => x.to({ device: 'wasm', dtype: 'int32' })).toThrow("to('wasm') cannot read a webgpu tensor synchronously");
      expect(torch.tensor(await x.data(), { shape: x.shape, device: 'js' }).tolist()).toEqual([[1.5, 2], [3, 4]]);
      expect(x.to('int32').device).toBe('webgpu'); // a cast stays on the GPU
    });

    vit('a training step of a small MLP (matmul, add, relu, logSoftmax, gather, mean, backward, SGD) matches js', async () => {
      const run = async (device: 'js' | 'webgpu') => {
        torch.manualSeed(3);
        const w1 = torch.randn([8, 16], { device }).mul(0.3).requiresGrad_();
        const b1 = torch.zeros([16], { device, requiresGrad: true });
        const w2 = torch.randn([16, 4], { device }).mul(0.3).requiresGrad_();
        const x = torch.randn([10, 8], { device });
        const y = torch.randint(0, 4, [10, 1], { device });
        const losses: number[] = [];
        for (let step = 0; step < 3; step++) {
          const logits = x.matmul(w1).add(b1).relu().matmul(w2);
          const loss = logits.logSoftmax(1).gather(1, y).mean().neg();
          loss.backward();
          torch.noGrad(() => {
            for (const p of [w1, b1, w2]) {
              p.sub_(p.grad!.mul(0.5));
              p.grad = null;
            }
          });
          losses.push(await loss.itemAsync());
        }
        return { losses, w2: Array.from(await w2.data()) };
      };
      const [cpu, gpuRun] = [await run('js'), await run('webgpu')];
      expect(difference(gpuRun.losses, cpu.losses, { rtol: 1e-5, atol: 1e-6 })).toBeUndefined();
      expect(difference(gpuRun.w2, cpu.w2, { rtol: 1e-4, atol: 1e-5 })).toBeUndefined();
      expect(cpu.losses[2]).toBeLessThan(cpu.losses[0]);
    });
  });
});
