/**
 * Elementwise math (src/ops/elementwise.ts): binary ops with broadcasting and PyTorch's type
 * promotion, unary functions, where/clamp, comparisons, and their error messages. Expected values
 * come from plain JavaScript on the generated inputs.
 */
import { beforeAll, describe, expect, it as vit } from 'vitest';
import { fc, it } from '@fast-check/vitest';
import * as torch from '../../src/index.js';
import type { DType } from '../../src/dtype.js';
import type { Tensor } from '../../src/tensor.js';
import { devices, floatDTypes, hasFloat64, readsSync } from '../devices.js';
import {
  broadcastableTo,
  broadcastPairArb,
  expectClose,
  refAt,
  refBroadcastShape,
  refExpand,
  refFrom,
  shapeArb,
  tensorArb,
  valueArb,
  type Ref,
  type TensorCase,
} from '../helpers.js';

const allDTypes: DType[] = ['bool', 'int32', 'float32', 'float64'];
/** The dtypes a device stores (webgpu has no float64). */
const dtypesOn = (device: string): DType[] => allDTypes.filter((d) => d !== 'float64' || device !== 'webgpu');
const order = (d: DType) => allDTypes.indexOf(d);
const category = (d: DType) => (d === 'bool' ? 0 : d === 'int32' ? 1 : 2);
const larger = (ds: DType[]) => ds.reduce((p, d) => (order(d) > order(p) ? d : p));

/**
 * PyTorch's result type, written out for the test: dimensioned tensors decide; 0-d tensors only
 * when they are of a higher category (bool < integer < floating).
 */
function refResultType(...xs: { dtype: DType; ndim: number }[]): DType {
  const dimensioned = xs.filter((x) => x.ndim > 0).map((x) => x.dtype);
  const zeroDim = xs.filter((x) => x.ndim === 0).map((x) => x.dtype);
  if (dimensioned.length === 0) return larger(zeroDim);
  const result = larger(dimensioned);
  return zeroDim.length && category(larger(zeroDim)) > category(result) ? larger(zeroDim) : result;
}

/** The value a tensor of `dtype` stores for `v`. */
function castTo(dtype: DType, v: number): number {
  if (dtype === 'bool') return v !== 0 ? 1 : 0;
  if (dtype === 'int32') return v | 0;
  return dtype === 'float32' ? Math.fround(v) : v;
}

/** Python's `%`: the result has the divisor's sign. */
const pyMod = (a: number, b: number) => {
  const r = a - Math.floor(a / b) * b;
  return b === 0 ? NaN : r;
};
const nanOr = (a: number, b: number, f: () => number) => (Number.isNaN(a) || Number.isNaN(b) ? NaN : f());

type BinaryName = 'add' | 'sub' | 'mul' | 'div' | 'maximum' | 'minimum' | 'pow' | 'remainder' | 'floorDivide' | 'eq' | 'ne' | 'lt' | 'le' | 'gt' | 'ge' | 'logicalAnd' | 'logicalOr' | 'logicalXor';

/** Each binary op: its reference on numbers, and whether it always gives bool or a floating result. */
const binaryOps: Record<BinaryName, { f: (a: number, b: number) => number; result?: 'bool' | 'floating' }> = {
  add: { f: (a, b) => a + b },
  sub: { f: (a, b) => a - b },
  mul: { f: (a, b) => a * b },
  div: { f: (a, b) => a / b, result: 'floating' },
  maximum: { f: (a, b) => nanOr(a, b, () => Math.max(a, b)) },
  minimum: { f: (a, b) => nanOr(a, b, () => Math.min(a, b)) },
  pow: { f: (a, b) => a ** b },
  remainder: { f: pyMod },
  floorDivide: { f: (a, b) => Math.floor(a / b) },
  eq: { f: (a, b) => Number(a === b), result: 'bool' },
  ne: { f: (a, b) => Number(a !== b), result: 'bool' },
  lt: { f: (a, b) => Number(a < b), result: 'bool' },
  le: { f: (a, b) => Number(a <= b), result: 'bool' },
  gt: { f: (a, b) => Number(a > b), result: 'bool' },
  ge: { f: (a, b) => Number(a >= b), result: 'bool' },
  logicalAnd: { f: (a, b) => Number(a !== 0 && b !== 0), result: 'bool' },
  logicalOr: { f: (a, b) => Number(a !== 0 || b !== 0), result: 'bool' },
  logicalXor: { f: (a, b) => Number((a !== 0) !== (b !== 0)), result: 'bool' },
};

/** The reference of `a op b`: broadcast, compute in doubles on the promoted values, store in the result dtype. */
function refBinary(name: BinaryName, a: TensorCase, b: TensorCase): { dtype: DType; ref: Ref } {
  const { f, result } = binaryOps[name];
  const common = refResultType({ dtype: a.dtype, ndim: a.shape.length }, { dtype: b.dtype, ndim: b.shape.length });
  const computeIn = result === 'floating' && category(common) < 2 ? 'float32' : common;
  const dtype: DType = result === 'bool' ? 'bool' : computeIn;
  const shape = refBroadcastShape(a.shape, b.shape);
  const [ea, eb] = [refExpand(a.ref, shape), refExpand(b.ref, shape)];
  const ref = refFrom(shape, (i) => castTo(dtype, f(castTo(computeIn, refAt(ea, i)), castTo(computeIn, refAt(eb, i)))));
  return { dtype, ref };
}

/** Two tensors of any dtypes whose shapes broadcast together, each with random strides. */
const binaryCaseArb = (dtypes: DType[] = allDTypes) =>
  fc
    .tuple(fc.constantFrom(...dtypes), fc.constantFrom(...dtypes), broadcastPairArb({ maxDims: 3 }))
    .chain(([da, db, [sa, sb]]) => fc.tuple(tensorArb(da, sa), tensorArb(db, sb)));

describe.each(devices)('binary ops on %s', (device) => {
  beforeAll(() => torch.init(device));

  const safeOps: BinaryName[] = ['add', 'sub', 'mul', 'div', 'maximum', 'minimum', 'eq', 'ne', 'lt', 'le', 'gt', 'ge', 'logicalAnd', 'logicalOr', 'logicalXor'];

  it.prop([binaryCaseArb(), fc.constantFrom(...safeOps)], { numRuns: 150 })(
    'broadcast, promote and compute like the reference',
    async ([a, b], name) => {
      const [x, y] = [a.make(device), b.make(device)];
      const expected = refBinary(name, a, b);
      if (name === 'sub' && (a.dtype === 'bool' || b.dtype === 'bool')) {
        const both = a.dtype === b.dtype;
        expect(() => x.sub(y)).toThrow(`Subtraction, the \`-\` operator, with ${both ? 'two bool tensors' : 'a bool tensor'} is not supported.`);
        return;
      }
      const out = (torch[name] as (p: Tensor, q: Tensor) => Tensor)(x, y);
      expect(out.dtype).toBe(expected.dtype);
      expect(out.device).toBe(device);
      await expectClose(out, expected.ref, { rtol: 0, atol: 0 });
    },
  );

  it.prop([binaryCaseArb(['float32', 'float64']), fc.constantFrom<BinaryName>('pow', 'remainder', 'floorDivide')], { numRuns: 60 })(
    'pow, remainder and floorDivide follow Python on floats',
    async ([a, b], name) => {
      const out = (torch[name] as (p: Tensor, q: Tensor) => Tensor)(a.make(device), b.make(device));
      await expectClose(out, refBinary(name, a, b).ref, { rtol: 1e-6, atol: 0 });
    },
  );

  it.prop([binaryCaseArb(['int32']), fc.constantFrom<BinaryName>('remainder', 'floorDivide', 'mul', 'pow')], { numRuns: 60 })(
    'remainder, floorDivide, mul and pow on int32 (non-zero divisors, non-negative exponents)',
    async ([a, b], name) => {
      const divisor = name === 'remainder' || name === 'floorDivide';
      if (divisor && b.ref.data.includes(0)) return;
      if (name === 'pow' && b.ref.data.some((v) => v < 0)) return;
      const out = (torch[name] as (p: Tensor, q: Tensor) => Tensor)(a.make(device), b.make(device));
      expect(out.dtype).toBe('int32');
      const expected = refBinary(name, a, b).ref;
      if (name === 'pow') {
        // powers overflow 32 bits and wrap, like C: compute them exactly with BigInt, then wrap
        const shape = refBroadcastShape(a.shape, b.shape);
        const [ea, eb] = [refExpand(a.ref, shape), refExpand(b.ref, shape)];
        expected.data = refFrom(shape, (i) => Number(BigInt.asIntN(32, BigInt(refAt(ea, i)) ** BigInt(refAt(eb, i))))).data;
      }
      await expectClose(out, expected, { rtol: 0, atol: 0 });
    },
  );

  it.prop([binaryCaseArb(['float32', 'int32'])], { numRuns: 60 })(
    'add of broadcast operands equals add of explicitly expanded contiguous copies',
    async ([a, b]) => {
      const [x, y] = [a.make(device), b.make(device)];
      const shape = refBroadcastShape(a.shape, b.shape);
      const expanded = torch.add(x.expand(shape).contiguous(), y.expand(shape).contiguous());
      expect(x.expand(shape).contiguous().isContiguous()).toBe(true);
      await expectClose(torch.add(x, y), expanded, { rtol: 0, atol: 0 });
      await expectClose(y.add(x), expanded, { rtol: 0, atol: 0 }); // addition commutes, broadcasting too
    },
  );

  vit.each(dtypesOn(device).flatMap((da) => dtypesOn(device).map((db) => [da, db] as const)))(
    'the result dtype of %s and %s tensors is promoteTypes of theirs',
    (da, db) => {
      const [x, y] = [torch.ones([2], { dtype: da, device }), torch.ones([2], { dtype: db, device })];
      const promoted = torch.promoteTypes(da, db);
      for (const op of [torch.add, torch.mul, torch.maximum, torch.minimum, torch.remainder]) expect(op(x, y).dtype).toBe(promoted);
      expect(torch.where(torch.ones([2], { dtype: 'bool', device }), x, y).dtype).toBe(promoted);
      expect(torch.div(x, y).dtype).toBe(category(promoted) === 2 ? promoted : 'float32');
      expect(torch.eq(x, y).dtype).toBe('bool');
      expect(torch.resultType(x, y)).toBe(promoted);
    },
  );

  vit.skipIf(!hasFloat64(device))('0-d tensors and numbers only raise the dtype when of a higher category', () => {
    const ints = torch.tensor([1, 2], { device });
    const floats = torch.tensor([1, 2], { dtype: 'float32', device });
    const bools = torch.tensor([true, false], { device });
    const double0d = torch.tensor(1.5, { dtype: 'float64', device });
    // each case checked against torch.result_type (int64 standing in for int32)
    expect(torch.resultType(ints, 2.5)).toBe('float32');
    expect(torch.resultType(floats, double0d)).toBe('float32');
    expect(torch.resultType(ints, double0d)).toBe('float64');
    expect(torch.resultType(bools, 2)).toBe('int32');
    expect(torch.resultType(torch.tensor(true, { device }), ints)).toBe('int32');
    expect(torch.resultType(torch.tensor(1, { device }), 2.5)).toBe('float32');
    expect(torch.resultType(floats, 2)).toBe('float32');
    expect(torch.resultType(bools, true)).toBe('bool');
    expect(ints.add(2.5).dtype).toBe('float32');
    expect(floats.add(double0d).dtype).toBe('float32');
    expect(ints.div(ints).dtype).toBe('float32');
    expect(torch.add(2, ints).dtype).toBe('int32');
  });

  vit('add and sub scale the other operand by alpha', async () => {
    const x = torch.tensor([1, 2], { device });
    await expectClose(x.add(1, { alpha: 3 }), [4, 5]);
    await expectClose(x.sub(torch.tensor([1, 1], { device }), { alpha: 2 }), [-1, 0]);
    await expectClose(torch.add(x, x, { alpha: -1 }), [0, 0]);
    await expectClose(x.add(torch.tensor([1, 2], { dtype: 'float32', device }), { alpha: 0.5 }), [1.5, 3]);
    expect(() => x.add(1, { alpha: 0.5 })).toThrow(TypeError);
    expect(() => x.add(1, { alpha: 0.5 })).toThrow('For integral input tensors, argument alpha must not be a floating point number.');
    expect(() => x.sub(x, { alpha: 1.5 })).toThrow('For integral input tensors, argument alpha must not be a floating point number.');
  });

  vit('div rounds when asked', async () => {
    const x = torch.tensor([7, -7], { device });
    await expectClose(x.div(2), [3.5, -3.5]);
    await expectClose(x.div(2, { roundingMode: 'floor' }), [3, -4]);
    await expectClose(x.div(2, { roundingMode: 'trunc' }), [3, -3]);
    expect(x.div(2, { roundingMode: 'trunc' }).dtype).toBe('int32');
    await expectClose(torch.tensor([7, -7, 6, -1, 0], { device }).div(torch.tensor([-2, 2, -3, 5, -4], { device }), { roundingMode: 'trunc' }), [-3, -3, -2, 0, 0]);
    await expectClose(torch.div(7, torch.tensor([2, -2], { device }), { roundingMode: 'trunc' }), [3, -3]);
    await expectClose(torch.tensor([-2147483648, 2147483647], { device }).div(torch.tensor([3, -2], { device }), { roundingMode: 'trunc' }), [-715827882, -1073741823]);
    await expectClose(torch.tensor([7.5, -7.5], { device }).div(2, { roundingMode: 'trunc' }), [3, -3]);
    expect(() => x.div(2, { roundingMode: 'round' as never })).toThrow(RangeError);
    expect(() => x.div(2, { roundingMode: 'round' as never })).toThrow(
      "div expected rounding_mode to be one of None, 'trunc', or 'floor' but found 'round'",
    );
  });

  vit('numbers on either side become tensors of the result type', async () => {
    await expectClose(torch.sub(10, torch.tensor([1, 2], { device })), [9, 8]);
    await expectClose(torch.tensor([1, 2], { device }).mul(0.5), [0.5, 1]);
    await expectClose(torch.tensor([1, 5], { device }).gt(2), [false, true]);
    await expectClose(torch.pow(2, torch.tensor([1, 3], { device })), [2, 8]);
  });

  vit('need at least one tensor operand', () => {
    expect(() => torch.add(1, 2)).toThrow(TypeError);
    expect(() => torch.add(1, 2)).toThrow('expected at least one Tensor operand');
  });

  vit('refuse bool subtraction, integer division by zero and negative integer powers', async () => {
    const b = torch.tensor([true], { device });
    expect(() => b.sub(b)).toThrow(TypeError);
    expect(() => b.sub(b)).toThrow('Subtraction, the `-` operator, with two bool tensors is not supported. Use the `^` or `logical_xor()` operator instead.');
    expect(() => b.sub(1)).toThrow(
      'Subtraction, the `-` operator, with a bool tensor is not supported. If you are trying to invert a mask, use the `~` or `logical_not()` operator instead.',
    );
    expect(() => torch.sub(torch.tensor([1], { device }), b)).toThrow('with a bool tensor is not supported');
    const ints = torch.tensor([1], { device });
    if (readsSync(device)) {
      expect(() => ints.floorDivide(0)).toThrow('ZeroDivisionError');
      expect(() => ints.div(0, { roundingMode: 'trunc' })).toThrow('ZeroDivisionError');
      expect(() => ints.remainder(0)).toThrow('ZeroDivisionError');
      expect(() => ints.pow(-1)).toThrow('Integers to negative integer powers are not allowed.');
    } else {
      // a GPU kernel cannot throw: webgpu reports the error at the next read
      await expect(ints.floorDivide(0).data()).rejects.toThrow('ZeroDivisionError');
      await expect(ints.div(0, { roundingMode: 'trunc' }).data()).rejects.toThrow('ZeroDivisionError');
      await expect(ints.remainder(0).data()).rejects.toThrow('ZeroDivisionError');
      await expect(ints.pow(-1).data()).rejects.toThrow('Integers to negative integer powers are not allowed.');
    }
  });
});

describe.each(devices)('in-place binary ops on %s', (device) => {
  beforeAll(() => torch.init(device));

  const inplaceOps = ['add', 'sub', 'mul', 'div'] as const;

  it.prop(
    [
      shapeArb({ minDims: 1, maxDims: 3 }).chain((shape) => fc.tuple(tensorArb('float64', shape), broadcastableTo(shape).chain((s) => tensorArb('float64', s)))),
      fc.constantFrom(...inplaceOps),
    ],
    { numRuns: 60 },
  )('x.op_(y) writes x.op(y) into x and returns x', async ([a, b], name) => {
    if (a.layout?.expanded.some(Boolean)) return; // in-place writes into a broadcast view repeat elements
    const x = a.make(device);
    const y = b.make(device);
    const expected = (x[name] as (o: Tensor) => Tensor).call(x, y);
    const returned = (x[`${name}_`] as (o: Tensor) => Tensor).call(x, y);
    expect(returned).toBe(x);
    await expectClose(x, expected, { rtol: 0, atol: 0 });
  });

  it.prop(
    [
      fc.constantFrom('add', 'sub'),
      fc.constantFrom(...floatDTypes(device)).chain((dtype) =>
        shapeArb({ minDims: 1, maxDims: 3 }).chain((shape) => fc.tuple(tensorArb(dtype, shape), broadcastableTo(shape).chain((s) => tensorArb(dtype, s)))),
      ),
      fc.constantFrom(-1e-3, 0.3, -2, 1),
      fc.boolean(),
    ],
    { numRuns: 60 },
  )('x.add_(y, { alpha }) and x.sub_(y, { alpha }) equal the out-of-place forms bit for bit, for a tensor or a number y', async (name, [a, b], alpha, numberOperand) => {
    if (a.layout?.expanded.some(Boolean)) return;
    const x = a.make(device);
    const y = numberOperand ? 0.7 : b.make(device);
    const expected = x[name](y, { alpha });
    expect(x[`${name}_`](y, { alpha })).toBe(x);
    await expectClose(x, expected, { rtol: 0, atol: 0 });
  });

  vit('an operand in x’s own memory is read before x is written: x itself, an overlapping slice, a transpose', async () => {
    const dtype = floatDTypes(device).at(-1)!;
    const x = torch.tensor([1, 2, 3], { dtype, device });
    x.mul_(x);
    await expectClose(x, [1, 4, 9]);
    const s = torch.tensor([1, 2, 3, 4], { dtype, device });
    s.index('1:').add_(s.index(':-1')); // s[1:] += s[:-1], with the old s[:-1]
    await expectClose(s, [1, 3, 5, 7]);
    const m = torch.tensor([[1, 2], [3, 4]], { dtype, device });
    m.sub_(m.t());
    await expectClose(m, [[0, -1], [1, 0]]);
  });

  vit('an optimizer-style update under noGrad bumps the version that saved tensors check', async () => {
    const w = torch.tensor([1, 2], { dtype: 'float32', device, requiresGrad: true });
    const loss = w.mul(w).sum(); // saves w
    torch.noGrad(() => w.add_(torch.tensor([0.5, 0.5], { device }), { alpha: -0.1 }));
    await expectClose(w, [0.95, 1.95]);
    expect(w.isLeaf && w.requiresGrad).toBe(true);
    expect(() => loss.backward()).toThrow(/modified by an inplace operation/);
  });

  vit('with grad recording on, in-place ops keep their autograd rules', async () => {
    const w = torch.tensor([1, 2], { dtype: 'float32', device, requiresGrad: true });
    expect(() => w.add_(1)).toThrow('a leaf Variable that requires grad is being used in an in-place operation.');
    const b = torch.tensor([3, 4], { dtype: 'float32', device, requiresGrad: true });
    const x = w.mul(1);
    x.sub_(b, { alpha: 2 }); // recorded: x = w - 2b
    expect(x.gradFn?.name).toBe('SubBackward0');
    x.sum().backward();
    await expectClose(w.grad!, [1, 1]);
    await expectClose(b.grad!, [-2, -2]);
  });

  vit('an operand of another dtype, or a result of another dtype, takes the out-of-place path and its rules', async () => {
    const x = torch.tensor([1.5, 2.5], { dtype: 'float32', device });
    x.add_(torch.tensor([1, 2], { device }), { alpha: 2 }); // int32 operand, cast
    await expectClose(x, [3.5, 6.5]);
    const ints = torch.tensor([1, 2], { device });
    expect(() => ints.add_(0.5)).toThrow("result type float32 can't be cast to the desired output type int32");
    expect(() => ints.div_(2)).toThrow("result type float32 can't be cast to the desired output type int32");
    expect(() => torch.tensor([true], { device }).sub_(torch.tensor([true], { device }))).toThrow(/Subtraction, the `-` operator, with two bool tensors/);
    expect(() => x.add_(torch.ones(3, { device }))).toThrow(/must match the size|doesn't match the broadcast shape/);
  });

  vit('unary in-place forms match their out-of-place forms', async () => {
    const values = [-1.5, -0.25, 0.5, 2];
    for (const name of ['neg', 'exp', 'abs', 'relu', 'sigmoid', 'tanh'] as const) {
      const x = torch.tensor(values, { dtype: floatDTypes(device).at(-1)!, device });
      const expected = x[name]();
      expect(x[`${name}_`]()).toBe(x);
      await expectClose(x, expected);
    }
    const positive = torch.tensor([0.5, 4], { dtype: floatDTypes(device).at(-1)!, device });
    await expectClose(positive.clone().sqrt_(), positive.sqrt());
    await expectClose(positive.clone().log_(), positive.log());
    await expectClose(positive.clone().pow_(2), [0.25, 16]);
    await expectClose(positive.clone().clamp_(1, 2), [1, 2]);
  });
});

/** Each unary op: its reference, and whether it turns integers into floats. */
const roundHalfEven = (x: number) => {
  const f = Math.floor(x);
  return x - f === 0.5 ? (f % 2 === 0 ? f : f + 1) : Math.round(x);
};
const unaryOps: Record<string, { f: (x: number) => number; floating: boolean }> = {
  neg: { f: (x) => -x, floating: false },
  abs: { f: Math.abs, floating: false },
  sign: { f: Math.sign, floating: false },
  exp: { f: Math.exp, floating: true },
  log: { f: Math.log, floating: true },
  sqrt: { f: Math.sqrt, floating: true },
  rsqrt: { f: (x) => 1 / Math.sqrt(x), floating: true },
  sin: { f: Math.sin, floating: true },
  cos: { f: Math.cos, floating: true },
  tanh: { f: Math.tanh, floating: true },
  sigmoid: { f: (x) => 1 / (1 + Math.exp(-x)), floating: true },
  relu: { f: (x) => (Number.isNaN(x) ? x : Math.max(x, 0)), floating: false },
  floor: { f: Math.floor, floating: false },
  ceil: { f: Math.ceil, floating: false },
  round: { f: roundHalfEven, floating: false },
  trunc: { f: Math.trunc, floating: false },
};

describe.each(devices)('unary ops on %s', (device) => {
  beforeAll(() => torch.init(device));

  it.prop(
    [
      fc.constantFrom('float32' as const, 'float64' as const, 'int32' as const).chain((dtype) => tensorArb(dtype, shapeArb({ maxDims: 3 }), { values: 'real' })),
      fc.constantFrom(...Object.keys(unaryOps)),
    ],
    { numRuns: 150 },
  )('compute the reference function elementwise on strided inputs', async (c, name) => {
    const { f, floating } = unaryOps[name];
    const outDtype: DType = floating && c.dtype === 'int32' ? 'float32' : c.dtype;
    const out = (torch[name as keyof typeof torch] as (t: Tensor) => Tensor)(c.make(device));
    expect(out.dtype).toBe(outDtype);
    expect(out.shape).toEqual(c.shape);
    // the kernel computes in doubles and rounds once into the output dtype, as the reference does;
    // webgpu computes in float32 and states a few ulps (src/backend/webgpu/math.ts)
    const tolerance = device === 'webgpu' ? { rtol: 5e-7, atol: 1e-7 } : { rtol: 1e-12, atol: 0 };
    await expectClose(out, { shape: c.shape, data: c.ref.data.map((v) => castTo(outDtype, f(v))) }, tolerance);
  });

  vit('round halves to even, like PyTorch', async () => {
    await expectClose(torch.tensor([0.5, 1.5, 2.5, -0.5, -1.5, 2.4], { device }).round(), [0, 2, 2, -0, -2, 2]);
  });

  vit('logicalNot gives bool', async () => {
    const out = torch.tensor([0, 2, -1], { device }).logicalNot();
    expect(out.dtype).toBe('bool');
    await expectClose(out, [true, false, false]);
  });

  vit('neg and relu refuse bool tensors', () => {
    const b = torch.tensor([true], { device });
    expect(() => b.neg()).toThrow(TypeError);
    expect(() => b.neg()).toThrow(
      'Negation, the `-` operator, on a bool tensor is not supported. If you are trying to invert a mask, use the `~` or `logical_not()` operator instead.',
    );
    expect(() => b.relu()).toThrow(TypeError);
    expect(() => b.relu()).toThrow('Boolean inputs not supported for relu');
  });
});

describe.each(devices)('where, clamp and comparisons on %s', (device) => {
  beforeAll(() => torch.init(device));

  /** A bool condition and two operands whose three shapes broadcast together. */
  const whereArb = shapeArb({ maxDims: 3 }).chain((out) =>
    fc
      .tuple(broadcastableTo(out), broadcastableTo(out), broadcastableTo(out), fc.constantFrom(...allDTypes), fc.constantFrom(...allDTypes))
      .chain(([sc, sa, sb, da, db]) => fc.tuple(tensorArb('bool', sc), tensorArb(da, sa), tensorArb(db, sb))),
  );

  it.prop([whereArb], { numRuns: 80 })('where(c, a, b) picks a where c is true, else b, broadcasting all three', async ([c, a, b]) => {
    const out = torch.where(c.make(device), a.make(device), b.make(device));
    const dtype = refResultType({ dtype: a.dtype, ndim: a.shape.length }, { dtype: b.dtype, ndim: b.shape.length });
    expect(out.dtype).toBe(dtype);
    const shape = refBroadcastShape(refBroadcastShape(c.shape, a.shape), b.shape);
    const [ec, ea, eb] = [refExpand(c.ref, shape), refExpand(a.ref, shape), refExpand(b.ref, shape)];
    await expectClose(out, refFrom(shape, (i) => castTo(dtype, refAt(ec, i) ? refAt(ea, i) : refAt(eb, i))), { rtol: 0, atol: 0 });
  });

  vit('where takes numbers and needs a bool condition', async () => {
    await expectClose(torch.where(torch.tensor([true, false], { device }), 1.5, torch.tensor([1, 2], { device })), [1.5, 2]);
    expect(() => torch.where(torch.tensor([1], { device }), 0, 1)).toThrow(TypeError);
    expect(() => torch.where(torch.tensor([1], { device }), 0, 1)).toThrow(
      'where expected condition to be a boolean tensor, but got a tensor with dtype int32',
    );
  });

  it.prop(
    [tensorArb('float32', shapeArb({ maxDims: 3 }), { values: 'real' }), fc.option(valueArb('float32'), { nil: undefined }), fc.option(valueArb('float32'), { nil: undefined })],
    { numRuns: 60 },
  )('clamp(min, max) is min(max(x, min), max), either bound optional', async (c, lo, hi) => {
    if (lo === undefined && hi === undefined) return;
    const out = c.make(device).clamp(lo, hi);
    const f = (x: number) => Math.min(Math.max(x, lo ?? -Infinity), hi ?? Infinity);
    await expectClose(out, { shape: c.shape, data: c.ref.data.map(f) }, { rtol: 0, atol: 0 });
  });

  vit('clamp takes tensor bounds, promotes, keeps NaN, and needs a bound', async () => {
    const x = torch.tensor([-2, 0.5, 3, NaN], { device });
    await expectClose(x.clamp(0, 1), [0, 0.5, 1, NaN]);
    await expectClose(x.clamp(null, 0), [-2, 0, 0, NaN]);
    await expectClose(x.clamp(torch.tensor([0, 1, 0, 0], { dtype: 'float32', device })), [0, 1, 3, NaN]);
    expect(torch.tensor([1, 5], { device }).clamp(0.5, 2).dtype).toBe('float32');
    await expectClose(torch.tensor([1, 5], { device }).clamp(3, 2), [2, 2]); // min > max gives max, as in PyTorch
    expect(() => x.clamp()).toThrow(TypeError);
    expect(() => x.clamp()).toThrow("torch.clamp: At least one of 'min' or 'max' must not be None");
  });

  vit.skipIf(readsSync(device))('equal and allclose, which answer a boolean read synchronously, say what to do on webgpu', () => {
    const x = torch.tensor([1, 2], { device });
    expect(x.equal(torch.tensor([[1, 2]], { device }))).toBe(false); // shapes differ: nothing to read
    expect(() => x.equal(x)).toThrow('equal() answers a JavaScript boolean, and a webgpu tensor cannot be read synchronously: use `await a.eq(b).all().itemAsync()` instead');
    expect(() => x.allclose(x)).toThrow('allclose() answers a JavaScript boolean, and a webgpu tensor cannot be read synchronously: use `await a.sub(b).abs().le(b.abs().mul(rtol).add(atol)).all().itemAsync()` instead');
  });

  vit.skipIf(!readsSync(device))('equal compares shape and values; allclose compares within tolerance', () => {
    const x = torch.tensor([1, 2], { device });
    expect(x.equal(torch.tensor([1, 2], { device }))).toBe(true);
    expect(x.equal(torch.tensor([[1, 2]], { device }))).toBe(false);
    expect(x.equal(torch.tensor([1, 3], { device }))).toBe(false);
    expect(torch.tensor([1, 2], { dtype: 'float32', device }).allclose(torch.tensor([1, 2.000001], { device }))).toBe(true);
    expect(torch.tensor([1, 2], { dtype: 'float32', device }).allclose(torch.tensor([1, 2.1], { device }))).toBe(false);
    expect(torch.tensor([1, 2], { dtype: 'float32', device }).allclose(torch.tensor([1, 2.1], { device }), { atol: 0.2 })).toBe(true);
    const nan = torch.tensor([NaN, Infinity], { device });
    expect(nan.allclose(nan)).toBe(false);
    expect(nan.allclose(nan, { equalNan: true })).toBe(true);
  });

  vit('comparisons of mixed dtypes compare the promoted values', async () => {
    await expectClose(torch.tensor([1, 2], { device }).eq(torch.tensor([1, 2.5], { device })), [true, false]);
    await expectClose(torch.tensor([true, false], { device }).lt(0.5), [false, true]);
  });
});
