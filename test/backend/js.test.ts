/**
 * The js backend's kernels called directly on hand-made strided views (src/backend/js/index.ts):
 * transposed, sliced (with an offset), and broadcast (stride 0) inputs, and outputs written into
 * strided views. Expected values are worked out by hand or with plain index arithmetic.
 */
import { describe, expect, it as vit } from 'vitest';
import { fc, it } from '@fast-check/vitest';
import type { View } from '../../src/backend/backend.js';
import { jsBackend as js, offsetsOf } from '../../src/backend/js/index.js';
import type { DType, TypedArray } from '../../src/dtype.js';
import { numelOf, unravel } from '../helpers.js';

/** A view over `storage` (contiguous strides unless given). */
function view(storage: TypedArray, shape: number[], strides?: number[], offset = 0): View<TypedArray> {
  const dtype: DType =
    storage instanceof Float64Array ? 'float64' : storage instanceof Int32Array ? 'int32' : storage instanceof Uint8Array ? 'bool' : 'float32';
  const contiguous = shape.map((_, d) => numelOf(shape.slice(d + 1)));
  return { storage, dtype, shape, strides: strides ?? contiguous, offset };
}

const f64 = (...values: number[]) => Float64Array.from(values);
const list = (a: TypedArray) => Array.from(a);

// storage 0..11 seen as a 3x4 matrix, and views of it
const storage12 = () => f64(...Array.from({ length: 12 }, (_, i) => i));
const transposed = (s: TypedArray) => view(s, [4, 3], [1, 4]); // the 3x4 matrix transposed
const interior = (s: TypedArray) => view(s, [2, 2], [4, 2], 5); // rows 1..2, columns 1 and 3
const broadcastRow = (s: TypedArray) => view(s, [3, 4], [0, 1], 4); // row 1 repeated 3 times

describe('offsetsOf', () => {
  vit('lists storage positions in row-major order', () => {
    expect(list(offsetsOf(view(storage12(), [3, 4])))).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11]);
    expect(list(offsetsOf(transposed(storage12())))).toEqual([0, 4, 8, 1, 5, 9, 2, 6, 10, 3, 7, 11]);
    expect(list(offsetsOf(interior(storage12())))).toEqual([5, 7, 9, 11]);
    expect(list(offsetsOf(view(storage12(), [2, 3], [0, 2], 1)))).toEqual([1, 3, 5, 1, 3, 5]);
  });

  vit('handles 0-d and empty views', () => {
    expect(list(offsetsOf({ shape: [], strides: [], offset: 7 }))).toEqual([7]);
    expect(list(offsetsOf({ shape: [2, 0, 3], strides: [0, 5, 1], offset: 7 }))).toEqual([]);
  });

  it.prop(
    [
      fc.array(fc.integer({ min: 1, max: 4 }), { maxLength: 4 }).chain((shape) =>
        fc.tuple(fc.constant(shape), fc.array(fc.integer({ min: 0, max: 6 }), { minLength: shape.length, maxLength: shape.length }), fc.nat(5)),
      ),
    ],
    { numRuns: 100 },
  )('equals offset + Σ index·stride for any strides', ([shape, strides, offset]) => {
    const expected = Array.from({ length: numelOf(shape) }, (_, i) => unravel(i, shape).reduce((at, k, d) => at + k * strides[d], offset));
    expect(list(offsetsOf({ shape, strides, offset }))).toEqual(expected);
  });
});

describe('memory', () => {
  vit('alloc gives zeros of the dtype', () => {
    expect(js.alloc('float64', 3)).toEqual(new Float64Array(3));
    expect(js.alloc('bool', 2)).toBeInstanceOf(Uint8Array);
  });

  vit('fromArray, readSync and read share the array itself', async () => {
    const a = f64(1, 2);
    expect(js.fromArray(a)).toBe(a);
    expect(js.readSync!(a, 'float64')).toBe(a);
    expect(await js.read(a, 'float64')).toBe(a);
  });
});

describe('copy', () => {
  vit('makes strided views contiguous', () => {
    expect(list(js.copy(transposed(storage12()), 'float64'))).toEqual([0, 4, 8, 1, 5, 9, 2, 6, 10, 3, 7, 11]);
    expect(list(js.copy(interior(storage12()), 'float64'))).toEqual([5, 7, 9, 11]);
    expect(list(js.copy(broadcastRow(storage12()), 'float64'))).toEqual([4, 5, 6, 7, 4, 5, 6, 7, 4, 5, 6, 7]);
  });

  vit('casts: truncation to int32, non-zero (and NaN) to true', () => {
    const s = f64(1.7, -1.7, 0, NaN);
    expect(js.copy(view(s, [4]), 'int32')).toEqual(Int32Array.from([1, -1, 0, 0]));
    expect(js.copy(view(s, [4]), 'bool')).toEqual(Uint8Array.from([1, 1, 0, 1]));
    expect(js.copy(view(s, [4]), 'float32')).toEqual(Float32Array.from([1.7, -1.7, 0, NaN]));
  });
});

describe('copyInto', () => {
  vit('writes a broadcast source into a strided destination, keeping fractions', () => {
    const dst = storage12();
    js.copyInto(interior(dst), view(f64(0.5, 0.25), [2, 2], [0, 1]));
    expect(list(dst)).toEqual([0, 1, 2, 3, 4, 0.5, 6, 0.25, 8, 0.5, 10, 0.25]);
  });

  vit('reads the whole source before writing when the two overlap', () => {
    const s = f64(1.5, 2.5, 3.5, 4.5);
    js.copyInto(view(s, [3], [1], 1), view(s, [3], [1], 0)); // s[1:] = s[:-1]
    expect(list(s)).toEqual([1.5, 1.5, 2.5, 3.5]);
  });

  vit('casts to the destination dtype', () => {
    const ints = new Int32Array(2);
    js.copyInto(view(ints, [2]), view(f64(2.9, -2.9), [2]));
    expect(list(ints)).toEqual([2, -2]);
    const bools = new Uint8Array(2);
    js.copyInto(view(bools, [2]), view(f64(0, 5), [2]));
    expect(list(bools)).toEqual([0, 1]);
  });
});

describe('fill', () => {
  vit('sets the elements of a strided view only', () => {
    const s = storage12();
    js.fill(interior(s), -1);
    expect(list(s)).toEqual([0, 1, 2, 3, 4, -1, 6, -1, 8, -1, 10, -1]);
  });

  vit('stores 0/1 in a bool view', () => {
    const s = new Uint8Array(2);
    js.fill(view(s, [2]), 7);
    expect(list(s)).toEqual([1, 1]);
  });
});

describe('unary', () => {
  const x = f64(-1.5, -0.5, 0, 0.5, 2.5, NaN);
  const run = (op: Parameters<typeof js.unary>[0]) => list(js.unary(op, view(x, [6])));

  vit('computes each function', () => {
    expect(run('neg')).toEqual([1.5, 0.5, -0, -0.5, -2.5, NaN]);
    expect(run('abs')).toEqual([1.5, 0.5, 0, 0.5, 2.5, NaN]);
    expect(run('sign')).toEqual([-1, -1, 0, 1, 1, NaN]);
    expect(run('relu')).toEqual([0, 0, 0, 0.5, 2.5, NaN]);
    expect(run('floor')).toEqual([-2, -1, 0, 0, 2, NaN]);
    expect(run('ceil')).toEqual([-1, -0, 0, 1, 3, NaN]);
    expect(run('trunc')).toEqual([-1, -0, 0, 0, 2, NaN]);
    expect(run('round')).toEqual([-2, -0, 0, 0, 2, NaN]); // halves to even
    expect(run('exp')).toEqual([-1.5, -0.5, 0, 0.5, 2.5, NaN].map(Math.exp));
    expect(run('sigmoid')).toEqual([-1.5, -0.5, 0, 0.5, 2.5, NaN].map((v) => 1 / (1 + Math.exp(-v))));
    expect(run('tanh')).toEqual([-1.5, -0.5, 0, 0.5, 2.5, NaN].map(Math.tanh));
    expect(list(js.unary('sqrt', view(f64(4, 0.25), [2])))).toEqual([2, 0.5]);
    expect(list(js.unary('rsqrt', view(f64(4, 0.25), [2])))).toEqual([0.5, 2]);
    expect(list(js.unary('log', view(f64(1, Math.E), [2])))).toEqual([0, 1]);
    expect(list(js.unary('sin', view(f64(0), [1])))).toEqual([0]);
    expect(list(js.unary('cos', view(f64(0), [1])))).toEqual([1]);
  });

  vit('rounds every half to even', () => {
    expect(list(js.unary('round', view(f64(0.5, 1.5, 2.5, -2.5, 3.5, 2.4, 2.6), [7])))).toEqual([0, 2, 2, -2, 4, 2, 3]);
  });

  vit('keeps the dtype, except logicalNot which gives bool', () => {
    expect(js.unary('neg', view(Int32Array.from([1, -2]), [2]))).toEqual(Int32Array.from([-1, 2]));
    expect(js.unary('logicalNot', view(f64(0, 2, NaN), [3]))).toEqual(Uint8Array.from([1, 0, 0]));
  });

  vit('reads strided input', () => {
    expect(list(js.unary('neg', transposed(storage12())))).toEqual([0, 4, 8, 1, 5, 9, 2, 6, 10, 3, 7, 11].map((v) => -v));
  });
});

describe('binary', () => {
  vit('combines a transposed and a broadcast view elementwise', () => {
    const a = view(storage12(), [3, 2], [1, 4], 1); // [[1, 5], [2, 6], [3, 7]]
    const b = view(f64(10, 20), [3, 2], [0, 1]); // [[10, 20]] repeated
    expect(list(js.binary('add', a, b))).toEqual([11, 25, 12, 26, 13, 27]);
    expect(list(js.binary('sub', a, b))).toEqual([-9, -15, -8, -14, -7, -13]);
    expect(list(js.binary('mul', a, b))).toEqual([10, 100, 20, 120, 30, 140]);
    expect(list(js.binary('maximum', a, view(f64(2, 6), [3, 2], [0, 1])))).toEqual([2, 6, 2, 6, 3, 7]);
    expect(list(js.binary('minimum', a, view(f64(2, 6), [3, 2], [0, 1])))).toEqual([1, 5, 2, 6, 2, 6]);
  });

  vit('follows Python for floor division, remainder and powers', () => {
    const a = view(f64(7, -7, 7, -7), [4]);
    const b = view(f64(2, 2, -2, -2), [4]);
    expect(list(js.binary('floorDivide', a, b))).toEqual([3, -4, -4, 3]);
    expect(list(js.binary('remainder', a, b))).toEqual([1, 1, -1, -1]);
    expect(list(js.binary('div', a, b))).toEqual([3.5, -3.5, -3.5, 3.5]);
    expect(list(js.binary('pow', view(f64(2, 4), [2]), view(f64(3, 0.5), [2])))).toEqual([8, 2]);
  });

  vit('propagates NaN through maximum and minimum', () => {
    const a = view(f64(NaN, 1), [2]);
    const b = view(f64(0, NaN), [2]);
    expect(list(js.binary('maximum', a, b))).toEqual([NaN, NaN]);
    expect(list(js.binary('minimum', a, b))).toEqual([NaN, NaN]);
  });

  vit('writes bool for comparisons and logic', () => {
    const a = view(f64(1, 2, 3, NaN), [4]);
    const b = view(f64(2, 2, 2, NaN), [4]);
    const run = (op: Parameters<typeof js.binary>[0]) => js.binary(op, a, b);
    expect(run('eq')).toEqual(Uint8Array.from([0, 1, 0, 0]));
    expect(run('ne')).toEqual(Uint8Array.from([1, 0, 1, 1]));
    expect(run('lt')).toEqual(Uint8Array.from([1, 0, 0, 0]));
    expect(run('le')).toEqual(Uint8Array.from([1, 1, 0, 0]));
    expect(run('gt')).toEqual(Uint8Array.from([0, 0, 1, 0]));
    expect(run('ge')).toEqual(Uint8Array.from([0, 1, 1, 0]));
    const p = view(Uint8Array.from([0, 0, 1, 1]), [4]);
    const q = view(Uint8Array.from([0, 1, 0, 1]), [4]);
    expect(list(js.binary('logicalAnd', p, q))).toEqual([0, 0, 0, 1]);
    expect(list(js.binary('logicalOr', p, q))).toEqual([0, 1, 1, 1]);
    expect(list(js.binary('logicalXor', p, q))).toEqual([0, 1, 1, 0]);
  });

  vit('does int32 arithmetic in 32 bits, wrapping like C', () => {
    const i32 = (...v: number[]) => view(Int32Array.from(v), [v.length]);
    expect(list(js.binary('mul', i32(65536, 46341), i32(65536, 46341)))).toEqual([0, -2147479015]);
    expect(list(js.binary('add', i32(2 ** 31 - 1), i32(1)))).toEqual([-(2 ** 31)]);
    expect(list(js.binary('pow', i32(3, -2, 2, 5), i32(4, 3, 31, 0)))).toEqual([81, -8, -(2 ** 31), 1]);
    expect(list(js.binary('floorDivide', i32(-7), i32(2)))).toEqual([-4]);
  });

  vit('computes large int32 powers quickly, modulo 2^32', () => {
    // the reference: square-and-multiply with BigInt, reduced mod 2^32 and read as a signed int
    const modPow = (base: number, exponent: number) => {
      let [r, b, e] = [1n, BigInt(base) & 0xffffffffn, BigInt(exponent)];
      for (; e > 0n; e >>= 1n, b = (b * b) & 0xffffffffn) if (e & 1n) r = (r * b) & 0xffffffffn;
      return Number(BigInt.asIntN(32, r));
    };
    const bases = [3, -3, 7, 1, -1, 0];
    const exponents = [2 ** 30 + 1, 2 ** 31 - 1, 2 ** 30, 2 ** 31 - 1, 2 ** 31 - 1, 2 ** 31 - 1];
    const out = js.binary('pow', view(Int32Array.from(bases), [6]), view(Int32Array.from(exponents), [6]));
    expect(list(out)).toEqual(bases.map((b, i) => modPow(b, exponents[i])));
  });

  vit('refuses int32 division by zero and negative int32 powers', () => {
    const i32 = (...v: number[]) => view(Int32Array.from(v), [v.length]);
    expect(() => js.binary('floorDivide', i32(1), i32(0))).toThrow(RangeError);
    expect(() => js.binary('floorDivide', i32(1), i32(0))).toThrow('ZeroDivisionError: integer division by zero');
    expect(() => js.binary('remainder', i32(1), i32(0))).toThrow('ZeroDivisionError: integer modulo by zero');
    expect(() => js.binary('pow', i32(2), i32(-1))).toThrow('Integers to negative integer powers are not allowed.');
  });
});

describe('binaryInto', () => {
  vit('writes into a strided destination, leaving the rest of its storage', () => {
    const dst = storage12();
    js.binaryInto!('mul', view(f64(1, 2, 3, 4), [2, 2]), view(f64(10), [2, 2], [0, 0]), interior(dst));
    expect(list(dst)).toEqual([0, 1, 2, 3, 4, 10, 6, 20, 8, 30, 10, 40]);
  });

  vit('writes into an operand itself, as an in-place op does', () => {
    const s = f64(1, 2, 3);
    js.binaryInto!('sub', view(s, [3]), view(f64(0.5, 0.5, 0.5), [3]), view(s, [3]));
    expect(list(s)).toEqual([0.5, 1.5, 2.5]);
    js.binaryInto!('mul', view(s, [3]), view(s, [3]), view(s, [3])); // x.mul_(x)
    expect(list(s)).toEqual([0.25, 2.25, 6.25]);
  });

  vit('scales b by alpha for add and sub, rounding alpha·b to the dtype as mul stores it', () => {
    const s = f64(1, 2);
    js.binaryInto!('add', view(s, [2]), view(f64(10, 20), [2]), view(s, [2]), -0.5);
    expect(list(s)).toEqual([-4, -8]);
    // float32: 1 + 0.2 · 0.3 is 1.0599999 with alpha·b rounded to float32 first, as mul then add
    // give it, and 1.0600001 if the sum were rounded once, from float64
    const a = Float32Array.of(1);
    js.binaryInto!('add', view(a, [1]), view(Float32Array.of(0.2), [1]), view(a, [1]), 0.3);
    const product = js.binary('mul', view(Float32Array.of(0.2), [1]), view(Float32Array.of(0.3), [1]));
    expect(a[0]).toBe(js.binary('add', view(Float32Array.of(1), [1]), view(product, [1]))[0]);
    expect(a[0]).toBe(Math.fround(1.0599999));
    // int32: alpha·b wraps like an int32 multiply
    const ints = Int32Array.of(1);
    js.binaryInto!('sub', view(ints, [1]), view(Int32Array.of(65536), [1]), view(ints, [1]), 65536);
    expect(list(ints)).toEqual([1]);
  });
});

describe('where', () => {
  vit('picks from a or b by a broadcast condition', () => {
    const cond = view(Uint8Array.from([1, 0]), [2, 2], [0, 1]);
    const a = view(f64(1, 2, 3, 4), [2, 2], [1, 2]); // [[1, 3], [2, 4]]
    const b = view(f64(-1), [2, 2], [0, 0]);
    expect(list(js.where(cond, a, b))).toEqual([1, -1, 2, -1]);
  });
});

describe('reduce', () => {
  // the 3x4 matrix transposed: [[0, 4, 8], [1, 5, 9], [2, 6, 10], [3, 7, 11]]
  vit('sums, multiplies and takes extremes over chosen dims of a strided view', () => {
    const t = transposed(storage12());
    expect(list(js.reduce('sum', t, [1], 'float64'))).toEqual([12, 15, 18, 21]);
    expect(list(js.reduce('sum', t, [0], 'float64'))).toEqual([6, 22, 38]);
    expect(list(js.reduce('sum', t, [0, 1], 'float64'))).toEqual([66]);
    expect(list(js.reduce('max', t, [1], 'float64'))).toEqual([8, 9, 10, 11]);
    expect(list(js.reduce('min', t, [0], 'float64'))).toEqual([0, 4, 8]);
    expect(list(js.reduce('prod', interior(storage12()), [1], 'float64'))).toEqual([35, 99]);
    expect(list(js.reduce('sum', broadcastRow(storage12()), [0], 'float64'))).toEqual([12, 15, 18, 21]);
  });

  vit('keeps everything when no dims are reduced, and gives the identity for empty reductions', () => {
    expect(list(js.reduce('sum', interior(storage12()), [], 'float64'))).toEqual([5, 7, 9, 11]);
    const empty = view(f64(), [2, 0], [0, 1]);
    expect(list(js.reduce('sum', empty, [1], 'float64'))).toEqual([0, 0]);
    expect(list(js.reduce('prod', empty, [1], 'float64'))).toEqual([1, 1]);
  });

  vit('propagates NaN through max and min', () => {
    const x = view(f64(1, NaN, 3), [3]);
    expect(list(js.reduce('max', x, [0], 'float64'))).toEqual([NaN]);
    expect(list(js.reduce('min', x, [0], 'float64'))).toEqual([NaN]);
  });

  vit('writes the requested dtype', () => {
    const bools = view(Uint8Array.from([1, 1, 0, 1]), [2, 2]);
    expect(js.reduce('sum', bools, [1], 'int32')).toEqual(Int32Array.from([2, 1]));
    expect(js.reduce('prod', bools, [1], 'bool')).toEqual(Uint8Array.from([1, 0]));
  });
});

describe('argReduce', () => {
  vit('gives the first index of the extremum along a dim of a strided view', () => {
    const t = transposed(f64(3, 1, 3, 0, 9, 9, 2, 2, 1, 1, 5, 0)); // [[3, 9, 1], [1, 9, 1], [3, 2, 5], [0, 2, 0]]
    expect(list(js.argReduce('argmax', t, 1))).toEqual([1, 1, 2, 1]);
    expect(list(js.argReduce('argmin', t, 1))).toEqual([2, 0, 1, 0]);
    expect(list(js.argReduce('argmax', t, 0))).toEqual([0, 0, 2]);
    expect(list(js.argReduce('argmin', t, 0))).toEqual([3, 2, 3]);
  });

  vit('counts NaN as the extremum, as PyTorch does', () => {
    const x = view(f64(1, NaN, 5, NaN), [4]);
    expect(list(js.argReduce('argmax', x, 0))).toEqual([1]);
    expect(list(js.argReduce('argmin', x, 0))).toEqual([1]);
  });
});

describe('matmul', () => {
  vit('multiplies transposed and offset operands, per batch', () => {
    // a: batch 0 is [[0, 4], [1, 5]] (transposed), batch 1 repeats it (stride 0)
    const a = view(storage12(), [2, 2, 2], [0, 1, 4]);
    // b: batch 0 is [[1, 0], [0, 1]], batch 1 is [[2, 0], [0, 2]] (offset 1 into the storage)
    const b = view(f64(9, 1, 0, 0, 1, 2, 0, 0, 2), [2, 2, 2], [4, 2, 1], 1);
    expect(list(js.matmul(a, b))).toEqual([0, 4, 1, 5, 0, 8, 2, 10]);
  });

  vit('handles K = 0 and int32 operands', () => {
    expect(list(js.matmul(view(f64(), [1, 2, 0]), view(f64(), [1, 0, 3])))).toEqual([0, 0, 0, 0, 0, 0]);
    const a = view(Int32Array.from([1, 2, 3, 4]), [1, 2, 2]);
    expect(js.matmul(a, a)).toEqual(Int32Array.from([7, 10, 15, 22]));
  });
});

describe('gather and scatter', () => {
  vit('gather reads along a dim of a strided input at strided indices', () => {
    const x = transposed(storage12()); // [[0, 4, 8], [1, 5, 9], [2, 6, 10], [3, 7, 11]]
    const index = view(Int32Array.from([2, 0, 1]), [2, 2], [1, 0]); // [[2, 2], [0, 0]]
    expect(list(js.gather(x, 1, index))).toEqual([8, 8, 1, 1]);
    expect(list(js.gather(x, 0, index))).toEqual([2, 6, 0, 4]);
  });

  vit('scatter writes into a strided destination, or accumulates', () => {
    const dst = storage12();
    const target = interior(dst); // positions 5, 7, 9, 11
    const index = view(Int32Array.from([1, 1]), [2, 1]); // column 1 of each row
    js.scatter(target, 1, index, view(f64(-1, -2), [2, 1]), false);
    expect(list(dst)).toEqual([0, 1, 2, 3, 4, 5, 6, -1, 8, 9, 10, -2]);
    const sums = new Float64Array(3);
    js.scatter(view(sums, [3]), 0, view(Int32Array.from([0, 2, 0, 0]), [4]), view(f64(1, 2, 3, 4), [4]), true);
    expect(list(sums)).toEqual([8, 0, 2]);
  });

  vit('name the dim and size of an index out of bounds', () => {
    const x = view(f64(1, 2, 3), [3]);
    expect(() => js.gather(x, 0, view(Int32Array.from([3]), [1]))).toThrow(RangeError);
    expect(() => js.gather(x, 0, view(Int32Array.from([3]), [1]))).toThrow('index 3 is out of bounds for dimension 0 with size 3');
    expect(() => js.scatter(x, 0, view(Int32Array.from([-1]), [1]), view(f64(0), [1]), false)).toThrow(
      'index -1 is out of bounds for dimension 0 with size 3',
    );
  });
});
