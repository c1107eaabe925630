/** Element types: storage arrays, names, promotion and scalar casts (src/dtype.ts). */
import { describe, expect, it } from 'vitest';
import {
  allocArray,
  castScalar,
  category,
  checkDType,
  dtypeOfArray,
  dtypes,
  isFloating,
  promoteTypes,
  scalarDType,
  type DType,
} from '../src/dtype.js';

describe('dtypes and their storage', () => {
  it('lists the four dtypes in promotion order', () => {
    expect(dtypes).toEqual(['bool', 'int32', 'float32', 'float64']);
  });

  it('allocates a zero-filled typed array of the right kind', () => {
    expect(allocArray('float32', 3)).toEqual(new Float32Array(3));
    expect(allocArray('float64', 2)).toBeInstanceOf(Float64Array);
    expect(allocArray('int32', 2)).toBeInstanceOf(Int32Array);
    expect(allocArray('bool', 2)).toBeInstanceOf(Uint8Array);
  });

  it('maps typed arrays back to dtypes, and nothing else', () => {
    for (const d of dtypes) expect(dtypeOfArray(allocArray(d, 1))).toBe(d);
    expect(dtypeOfArray(new Uint16Array(1))).toBeUndefined();
    expect(dtypeOfArray(new Int8Array(1))).toBeUndefined();
  });

  it('knows which dtypes are floating', () => {
    expect(dtypes.filter(isFloating)).toEqual(['float32', 'float64']);
  });
});

describe('checkDType', () => {
  it('returns valid names', () => {
    for (const d of dtypes) expect(checkDType(d)).toBe(d);
  });

  it('throws a TypeError listing the valid dtypes', () => {
    expect(() => checkDType('float16')).toThrow(TypeError);
    expect(() => checkDType('float16')).toThrow(`unknown dtype "float16"; expected one of 'bool', 'int32', 'float32', 'float64'`);
    expect(() => checkDType(undefined)).toThrow('unknown dtype undefined; expected one of');
    expect(() => checkDType(32)).toThrow('unknown dtype 32;');
  });
});

describe('promoteTypes', () => {
  // torch.promote_types for every pair, printed by PyTorch 1.13 (rows a, columns b in `dtypes` order)
  const torchTable: Record<DType, DType[]> = {
    bool: ['bool', 'int32', 'float32', 'float64'],
    int32: ['int32', 'int32', 'float32', 'float64'],
    float32: ['float32', 'float32', 'float32', 'float64'],
    float64: ['float64', 'float64', 'float64', 'float64'],
  };

  it.each(dtypes.flatMap((a) => dtypes.map((b, j) => [a, b, torchTable[a][j]] as const)))(
    'promoteTypes(%s, %s) is %s as in PyTorch',
    (a, b, expected) => {
      expect(promoteTypes(a, b)).toBe(expected);
      expect(promoteTypes(b, a)).toBe(expected);
    },
  );
});

describe('categories and scalar dtypes', () => {
  it('orders bool < integer < floating', () => {
    expect(dtypes.map(category)).toEqual([0, 1, 2, 2]);
  });

  it('infers bool for booleans, int32 for integers and float32 otherwise', () => {
    expect(scalarDType(true)).toBe('bool');
    expect(scalarDType(3)).toBe('int32');
    expect(scalarDType(-0)).toBe('int32');
    expect(scalarDType(2.5)).toBe('float32');
    expect(scalarDType(NaN)).toBe('float32');
    expect(scalarDType(Infinity)).toBe('float32');
  });
});

describe('castScalar', () => {
  it('casts like storing into a tensor of the dtype', () => {
    expect(castScalar(2.5, 'bool')).toBe(1);
    expect(castScalar(0, 'bool')).toBe(0);
    expect(castScalar(NaN, 'bool')).toBe(1); // bool(nan) is True
    expect(castScalar(true, 'int32')).toBe(1);
    expect(castScalar(-1.7, 'int32')).toBe(-1); // truncation toward zero, like .to(torch.int32)
    expect(castScalar(1.7, 'int32')).toBe(1);
    expect(castScalar(NaN, 'int32')).toBe(0);
    expect(castScalar(0.1, 'float32')).toBe(Math.fround(0.1));
    expect(castScalar(0.1, 'float64')).toBe(0.1);
    expect(castScalar(false, 'float64')).toBe(0);
  });
});
