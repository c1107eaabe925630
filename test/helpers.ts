/**
 * Shared test helpers.
 *
 * - `Ref`: a plain-JS n-d array (shape + row-major numbers) and a few reference operations on it.
 *   Property tests compute what an op should give with these, never with the library itself.
 * - `expectClose`: compares a tensor with an expected tensor, nested array or `Ref`, within a
 *   tolerance. It reads with `await x.data()`, which works on every device.
 * - fast-check arbitraries: shapes, broadcastable shape pairs, and tensors of a dtype laid out with
 *   random strides (a transposed, sliced, expanded view of a bigger base whose unused elements hold
 *   a sentinel), so every kernel is exercised on non-contiguous inputs.
 */
import fc from 'fast-check';
import { fromTypedArray } from '../src/ops/creation.js';
import { allocArray, type DType } from '../src/dtype.js';
import type { Device } from '../src/device.js';
import { Tensor, type NestedArray } from '../src/tensor.js';

// ---- plain-JS reference arrays ------------------------------------------------------------------

/** A plain n-d array: `data` holds the elements in row-major order (bools as 0/1). */
export interface Ref {
  shape: number[];
  data: number[];
}

export const numelOf = (shape: readonly number[]): number => shape.reduce((n, s) => n * s, 1);

/** The multi-index of the `flat`-th element of `shape` in row-major order. */
export function unravel(flat: number, shape: readonly number[]): number[] {
  const index = new Array<number>(shape.length);
  for (let d = shape.length - 1; d >= 0; d--) {
    index[d] = flat % shape[d];
    flat = Math.floor(flat / shape[d]);
  }
  return index;
}

/** The row-major position of a multi-index. */
export function ravel(index: readonly number[], shape: readonly number[]): number {
  let flat = 0;
  for (let d = 0; d < shape.length; d++) flat = flat * shape[d] + index[d];
  return flat;
}

/** A `Ref` of `shape` whose element at each multi-index is `f(index)`. */
export function refFrom(shape: readonly number[], f: (index: number[]) => number): Ref {
  const data = Array.from({ length: numelOf(shape) }, (_, i) => f(unravel(i, shape)));
  return { shape: [...shape], data };
}

/** The element of `ref` at a multi-index. */
export const refAt = (ref: Ref, index: readonly number[]): number => ref.data[ravel(index, ref.shape)];

/** Nested arrays like `tolist()` gives (booleans when `bool`). */
export function toNested(ref: Ref, bool = false): NestedArray {
  const build = (dim: number, start: number): NestedArray => {
    if (dim === ref.shape.length) return bool ? ref.data[start] !== 0 : ref.data[start];
    const step = numelOf(ref.shape.slice(dim + 1));
    return Array.from({ length: ref.shape[dim] }, (_, i) => build(dim + 1, start + i * step));
  };
  return build(0, 0);
}

/** Flattens nested arrays (booleans become 0/1). */
export function flatOf(nested: NestedArray): number[] {
  if (!Array.isArray(nested)) return [Number(nested)];
  return nested.flatMap(flatOf);
}

/** A tensor's values as a `Ref`, read asynchronously so that it works on every device. */
export async function read(t: Tensor): Promise<Ref> {
  return { shape: [...t.shape], data: Array.from(await t.data(), Number) };
}

/** `ref` with its dims reordered: output dim i is input dim `dims[i]`. */
export function refPermute(ref: Ref, dims: readonly number[]): Ref {
  return refFrom(
    dims.map((d) => ref.shape[d]),
    (index) => {
      const source = new Array<number>(dims.length);
      dims.forEach((d, i) => (source[d] = index[i]));
      return refAt(ref, source);
    },
  );
}

/** `ref[start:stop:step]` along `dim`, with Python's clamping of the bounds (step > 0). */
export function refSlice(ref: Ref, dim: number, start: number, stop: number, step: number): Ref {
  const size = ref.shape[dim];
  const clamp = (i: number) => Math.min(Math.max(i < 0 ? i + size : i, 0), size);
  const [from, to] = [clamp(start), clamp(stop)];
  const length = Math.max(0, Math.ceil((to - from) / step));
  const shape = ref.shape.map((s, d) => (d === dim ? length : s));
  return refFrom(shape, (index) => refAt(ref, index.map((i, d) => (d === dim ? from + i * step : i))));
}

/** `ref` broadcast to `shape` (NumPy's rule, as PyTorch's `expand`). */
export function refExpand(ref: Ref, shape: readonly number[]): Ref {
  const lead = shape.length - ref.shape.length;
  return refFrom(shape, (index) =>
    refAt(
      ref,
      ref.shape.map((s, d) => (s === 1 ? 0 : index[d + lead])),
    ),
  );
}

/** The elementwise broadcast shape, written out independently of `broadcastShapes`. */
export function refBroadcastShape(a: readonly number[], b: readonly number[]): number[] {
  const n = Math.max(a.length, b.length);
  return Array.from({ length: n }, (_, i) => {
    const x = a[a.length - n + i] ?? 1;
    const y = b[b.length - n + i] ?? 1;
    if (x !== y && x !== 1 && y !== 1) throw new Error(`reference: ${a} and ${b} do not broadcast`);
    return x === 1 ? y : x;
  });
}

// ---- comparing ----------------------------------------------------------------------------------

export interface Tolerance {
  rtol?: number;
  atol?: number;
}

const isRef = (x: unknown): x is Ref => typeof x === 'object' && x !== null && !Array.isArray(x) && 'data' in x && 'shape' in x;

/** Where `got` and `want` differ (undefined when they agree): structure exactly, numbers within tolerance, NaN equal to NaN. */
function mismatch(got: NestedArray, want: NestedArray, rtol: number, atol: number, path: string): string | undefined {
  if (Array.isArray(want)) {
    if (!Array.isArray(got)) return `${path || 'value'}: expected a list of ${want.length}, got ${String(got)}`;
    if (got.length !== want.length) return `${path || 'value'}: expected length ${want.length}, got ${got.length}`;
    for (let i = 0; i < want.length; i++) {
      const m = mismatch(got[i], want[i], rtol, atol, `${path}[${i}]`);
      if (m) return m;
    }
    return undefined;
  }
  if (Array.isArray(got)) return `${path || 'value'}: expected ${String(want)}, got a list`;
  if (typeof want === 'boolean' || typeof got === 'boolean') {
    return got === want ? undefined : `${path || 'value'}: expected ${String(want)}, got ${String(got)}`;
  }
  const close = Object.is(got, want) || (Number.isNaN(got) && Number.isNaN(want)) || Math.abs(got - want) <= atol + rtol * Math.abs(want);
  return close ? undefined : `${path || 'value'}: expected ${want}, got ${got} (rtol ${rtol}, atol ${atol})`;
}

/** Nested arrays of a tensor's values, read with `await x.data()` (works on every device). */
export async function listOf(t: Tensor): Promise<NestedArray> {
  return toNested(await read(t), t.dtype === 'bool');
}

/**
 * Asserts that `actual` has the expected shape and values within `|a - e| <= atol + rtol·|e|`
 * (NaN matches NaN; bools and infinities must match exactly). `expected` may be a tensor,
 * nested arrays (as `tolist()` gives them) or a `Ref`.
 */
export async function expectClose(actual: Tensor, expected: Tensor | NestedArray | Ref, tolerance: Tolerance = {}): Promise<void> {
  const { rtol = 1e-5, atol = 1e-6 } = tolerance;
  let want: NestedArray;
  if (expected instanceof Tensor || isRef(expected)) {
    const shape = expected instanceof Tensor ? [...expected.shape] : expected.shape;
    if (shape.length !== actual.shape.length || shape.some((s, i) => s !== actual.shape[i])) {
      throw new Error(`expectClose: expected shape [${shape.join(', ')}], got [${actual.shape.join(', ')}]`);
    }
    want = expected instanceof Tensor ? await listOf(expected) : toNested(expected, actual.dtype === 'bool');
  } else {
    want = expected;
  }
  const got = await listOf(actual);
  const problem = mismatch(got, want, rtol, atol, '');
  if (problem) {
    throw new Error(`expectClose: ${problem}\n  actual:   ${JSON.stringify(got)}\n  expected: ${JSON.stringify(want)}`);
  }
}

// ---- arbitraries --------------------------------------------------------------------------------

export interface ShapeOptions {
  minDims?: number;
  maxDims?: number;
  minSize?: number;
  maxSize?: number;
}

/** Shapes of `minDims..maxDims` dims (default 0..4), each size in `minSize..maxSize` (default 1..4). */
export function shapeArb({ minDims = 0, maxDims = 4, minSize = 1, maxSize = 4 }: ShapeOptions = {}): fc.Arbitrary<number[]> {
  return fc.array(fc.integer({ min: minSize, max: maxSize }), { minLength: minDims, maxLength: maxDims });
}

/** Shapes that broadcast to `out`: a suffix of it (maybe all of it) with some sizes replaced by 1. */
export function broadcastableTo(out: readonly number[]): fc.Arbitrary<number[]> {
  return fc
    .tuple(fc.integer({ min: 0, max: out.length }), fc.array(fc.boolean(), { minLength: out.length, maxLength: out.length }))
    .map(([drop, ones]) => out.slice(drop).map((s, i) => (ones[drop + i] ? 1 : s)));
}

/** Two shapes that broadcast together, built from a common target shape. */
export function broadcastPairArb(options: ShapeOptions = {}): fc.Arbitrary<[number[], number[]]> {
  return shapeArb(options).chain((out) => fc.tuple(broadcastableTo(out), broadcastableTo(out)));
}

/** A permutation of `0..n-1`. */
export function permutationArb(n: number): fc.Arbitrary<number[]> {
  const dims = Array.from({ length: n }, (_, i) => i);
  return fc.shuffledSubarray(dims, { minLength: n, maxLength: n });
}

/**
 * Element values for a dtype. `exact` floats are multiples of 1/4 in [-10, 10], so sums and
 * products of a few hundred of them are exact in float32 and a reference in doubles agrees;
 * `real` floats are any finite doubles in [-10, 10], rounded to float32 when the dtype is.
 */
export function valueArb(dtype: DType, kind: 'exact' | 'real' = 'exact'): fc.Arbitrary<number> {
  if (dtype === 'bool') return fc.constantFrom(0, 1);
  if (dtype === 'int32') return fc.integer({ min: -20, max: 20 });
  if (kind === 'exact') return fc.integer({ min: -40, max: 40 }).map((v) => v / 4);
  return fc.double({ min: -10, max: 10, noNaN: true }).map((v) => (dtype === 'float32' ? Math.fround(v) : v) + 0); // + 0 turns -0 into 0
}

/** How a generated tensor is laid out in its storage. */
export interface Layout {
  /** Base dim i holds logical dim `perm[i]` (so the tensor is a permuted view). */
  perm: number[];
  /** Per base dim: the view starts `start` elements in, steps by `step`, and `pad` elements are left unused at the end. */
  starts: number[];
  steps: number[];
  pads: number[];
  /** Logical dims that are broadcast views (stride 0) of a size-1 dim. */
  expanded: boolean[];
}

/** A generated tensor: its dtype, shape, row-major values (the reference) and how to build it on a device. */
export interface TensorCase {
  dtype: DType;
  shape: number[];
  ref: Ref;
  /** undefined for a plain contiguous tensor. */
  layout: Layout | undefined;
  /** The tensor on `device`; a fresh one each call, so in-place tests cannot leak into each other. */
  make(device: Device): Tensor;
}

function layoutArb(ndim: number): fc.Arbitrary<Layout | undefined> {
  const perDim = <T>(arb: fc.Arbitrary<T>) => fc.array(arb, { minLength: ndim, maxLength: ndim });
  const strided = fc.record({
    perm: permutationArb(ndim),
    starts: perDim(fc.integer({ min: 0, max: 1 })),
    steps: perDim(fc.integer({ min: 1, max: 2 })),
    pads: perDim(fc.integer({ min: 0, max: 1 })),
    expanded: perDim(fc.boolean()),
  });
  return fc.oneof(fc.constant(undefined), strided);
}

/** The value a base element no view position reads holds: a wrong read shows up in the results. */
const sentinel = (dtype: DType): number => (dtype === 'bool' ? 1 : dtype === 'int32' ? -7777 : NaN);

/** Builds the tensor of a case: a contiguous tensor, or a strided view of a bigger base. */
export function makeTensor(dtype: DType, ref: Ref, layout: Layout | undefined, device: Device): Tensor {
  // webgpu has no float64: a generated float64 case is skipped there (a failed fast-check precondition)
  if (device === 'webgpu' && dtype === 'float64') fc.pre(false);
  const { shape, data } = ref;
  if (!layout) {
    const array = allocArray(dtype, data.length);
    array.set(data);
    return fromTypedArray(array, shape).to(device);
  }
  const { perm, starts, steps, pads, expanded } = layout;
  const baseShape = perm.map((d, i) => (expanded[d] ? 1 : starts[i] + shape[d] * steps[i] + pads[i]));
  const base = allocArray(dtype, numelOf(baseShape));
  base.fill(sentinel(dtype));
  for (let j = 0; j < data.length; j++) {
    const index = unravel(j, shape);
    const at = perm.map((d, i) => (expanded[d] ? 0 : starts[i] + index[d] * steps[i]));
    base[ravel(at, baseShape)] = data[j];
  }
  const sliced = fromTypedArray(base, baseShape)
    .to(device)
    .index(...perm.map((d, i) => (expanded[d] ? ':' : `${starts[i]}:${starts[i] + shape[d] * steps[i]}:${steps[i]}`)));
  const inverse = shape.map((_, d) => perm.indexOf(d));
  return sliced.permute(inverse).expand(shape);
}

/**
 * Tensors of `dtype` with shapes from `shapes` (a fixed shape or an arbitrary), laid out with
 * random strides: contiguous, or a permuted, sliced (offset and step 2) view of a bigger base,
 * with some dims broadcast (stride 0). Dims that are broadcast hold equal values along them.
 */
export function tensorArb(
  dtype: DType,
  shapes: readonly number[] | fc.Arbitrary<number[]> = shapeArb(),
  options: { values?: 'exact' | 'real'; layout?: 'any' | 'contiguous' } = {},
): fc.Arbitrary<TensorCase> {
  const shapeArbitrary: fc.Arbitrary<number[]> = shapes instanceof fc.Arbitrary ? shapes : fc.constant([...(shapes as readonly number[])]);
  return shapeArbitrary.chain((shape) =>
    fc
      .tuple(
        fc.array(valueArb(dtype, options.values), { minLength: numelOf(shape), maxLength: numelOf(shape) }),
        options.layout === 'contiguous' ? fc.constant(undefined) : layoutArb(shape.length),
      )
      .map(([values, layout]): TensorCase => {
        // a broadcast dim repeats one slice: copy the values at index 0 of each expanded dim
        const data = layout
          ? values.map((_, j) => values[ravel(unravel(j, shape).map((i, d) => (layout.expanded[d] ? 0 : i)), shape)])
          : values;
        const ref: Ref = { shape, data };
        return {
          dtype,
          shape,
          ref,
          layout,
          make: (device) => makeTensor(dtype, ref, layout, device),
          [fc.toStringMethod]: () => `${dtype}${JSON.stringify(shape)} ${JSON.stringify(data)} layout=${JSON.stringify(layout)}`,
        } as TensorCase;
      }),
  );
}
