/**
 * Element types. Kindling has PyTorch's four that matter for learning the basics:
 * `float32` (the default), `float64`, `int32` and `bool`.
 */

/** The name of a tensor's element type, as in `torch.float32`. */
export type DType = 'float32' | 'float64' | 'int32' | 'bool';

/** Every dtype, in promotion order (`bool` < `int32` < `float32` < `float64`). */
export const dtypes: readonly DType[] = ['bool', 'int32', 'float32', 'float64'];

/** The typed array that stores each dtype. `bool` is stored as one byte per element (0 or 1). */
export type TypedArray = Float32Array | Float64Array | Int32Array | Uint8Array;

/** Maps a dtype to the typed array that holds it. */
export interface TypedArrayFor {
  float32: Float32Array;
  float64: Float64Array;
  int32: Int32Array;
  bool: Uint8Array;
}

const arrayConstructors = {
  float32: Float32Array,
  float64: Float64Array,
  int32: Int32Array,
  bool: Uint8Array,
} as const;

/** Allocates a zero-filled typed array of `length` elements for `dtype`. */
export function allocArray<D extends DType>(dtype: D, length: number): TypedArrayFor[D] {
  return new arrayConstructors[dtype](length) as TypedArrayFor[D];
}

/** The dtype whose storage is this typed array, or undefined for other arrays. */
export function dtypeOfArray(array: ArrayBufferView): DType | undefined {
  if (array instanceof Float32Array) return 'float32';
  if (array instanceof Float64Array) return 'float64';
  if (array instanceof Int32Array) return 'int32';
  if (array instanceof Uint8Array) return 'bool';
  return undefined;
}

/** Throws a TypeError listing the valid dtypes unless `name` is one of them. */
export function checkDType(name: unknown): DType {
  if (typeof name === 'string' && (dtypes as readonly string[]).includes(name)) return name as DType;
  throw new TypeError(`unknown dtype ${JSON.stringify(name)}; expected one of ${dtypes.map((d) => `'${d}'`).join(', ')}`);
}

export const isFloating = (dtype: DType): boolean => dtype === 'float32' || dtype === 'float64';

/**
 * PyTorch's `torch.promote_types`: the smallest dtype that can hold values of both.
 * With four dtypes ordered bool < int32 < float32 < float64 this is simply the larger one.
 * @example
 * torch.promoteTypes('int32', 'float32'); // 'float32'
 * torch.promoteTypes('bool', 'int32'); // 'int32'
 */
export function promoteTypes(a: DType, b: DType): DType {
  return dtypes.indexOf(a) >= dtypes.indexOf(b) ? a : b;
}

/**
 * The category of a dtype for PyTorch's result-type rule: a 0-d tensor or a Python number only
 * raises the result's dtype when it is of a higher category than every dimensioned operand.
 */
export function category(dtype: DType): number {
  return dtype === 'bool' ? 0 : dtype === 'int32' ? 1 : 2;
}

/** The dtype PyTorch infers for a JavaScript scalar: booleans are bool, integers int64 (int32 here), others float. */
export function scalarDType(value: number | boolean): DType {
  if (typeof value === 'boolean') return 'bool';
  return Number.isInteger(value) ? 'int32' : 'float32';
}

/** Converts a JavaScript number to the value a tensor of `dtype` would store (truncation toward zero for int32). */
export function castScalar(value: number | boolean, dtype: DType): number {
  const x = Number(value);
  switch (dtype) {
    case 'bool':
      return x !== 0 ? 1 : 0;
    case 'int32':
      return Number.isFinite(x) ? Math.trunc(x) | 0 : 0;
    case 'float32':
      return Math.fround(x);
    case 'float64':
      return x;
  }
}
