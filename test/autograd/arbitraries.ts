/**
 * fast-check arbitraries for gradient checks: float64 leaves that require grad, laid out
 * contiguously or as a non-contiguous view (permuted dims, a step or an offset in the innermost
 * storage dim), with values drawn so that the function being checked is differentiable there
 * (away from 0 for abs and relu, positive for log, distinct for max and min, …).
 */
import fc from 'fast-check';
import { fromTypedArray } from '../../src/ops/creation.js';
import type { Device } from '../../src/device.js';
import type { Tensor } from '../../src/tensor.js';

export const numelOf = (shape: readonly number[]): number => shape.reduce((n, s) => n * s, 1);

/** What values a leaf holds. */
export type Values =
  /** any in [-2, 2] */
  | 'real'
  /** in [0.5, 2] */
  | 'positive'
  /** |v| in [0.25, 2], either sign */
  | 'nonzero'
  /** pairwise distinct, at least 0.05 apart, in [-2, 2] (no ties for max/min) */
  | 'distinct'
  /** 0.25k + 0.1 for integer k, in [-1.9, 1.85]: never within 0.1 of a multiple of 0.25 (clamp bounds) */
  | 'offGrid'
  /** k/4 in [-1, 1] including exact zeros (prod's special cases) */
  | 'withZeros';

export function valuesArb(kind: Values, n: number): fc.Arbitrary<number[]> {
  const list = (arb: fc.Arbitrary<number>) => fc.array(arb, { minLength: n, maxLength: n });
  switch (kind) {
    case 'real':
      return list(fc.double({ min: -2, max: 2, noNaN: true }));
    case 'positive':
      return list(fc.double({ min: 0.5, max: 2, noNaN: true }));
    case 'nonzero':
      return list(fc.tuple(fc.double({ min: 0.25, max: 2, noNaN: true }), fc.boolean()).map(([v, negative]) => (negative ? -v : v)));
    case 'distinct':
      return fc.uniqueArray(fc.integer({ min: -40, max: 40 }), { minLength: n, maxLength: n }).map((ks) => ks.map((k) => k * 0.05));
    case 'offGrid':
      return list(fc.integer({ min: -8, max: 7 }).map((k) => 0.25 * k + 0.1));
    case 'withZeros':
      return list(fc.integer({ min: -4, max: 4 }).map((k) => k / 4));
  }
}

/**
 * How a leaf sits in storage: dims permuted (`perm[i]` is the logical dim stored at position i)
 * and the innermost stored dim read with a step and an offset, so strides are not row-major.
 */
export interface Layout {
  perm: number[];
  step: number;
  offset: number;
}

export function layoutArb(ndim: number): fc.Arbitrary<Layout | undefined> {
  if (ndim === 0) return fc.constant(undefined);
  const dims = Array.from({ length: ndim }, (_, i) => i);
  return fc.oneof(
    fc.constant(undefined),
    fc.record({
      perm: fc.shuffledSubarray(dims, { minLength: ndim, maxLength: ndim }),
      step: fc.integer({ min: 1, max: 2 }),
      offset: fc.integer({ min: 0, max: 1 }),
    }),
  );
}

/** A float64 leaf of `shape` holding `values` (row-major), laid out as `layout` says, requiring grad. */
export function leaf(values: readonly number[], shape: readonly number[], layout: Layout | undefined, device: Device): Tensor {
  if (!layout) return fromTypedArray(Float64Array.from(values), [...shape]).to(device).requiresGrad_();
  const { perm, step, offset } = layout;
  const last = perm.length - 1;
  const stored = perm.map((d) => shape[d]);
  const baseShape = stored.map((s, i) => (i === last ? offset + s * step : s));
  const base = new Float64Array(numelOf(baseShape)).fill(NaN); // unread positions: a wrong read shows as NaN
  const strides = baseShape.map((_, i) => numelOf(baseShape.slice(i + 1)));
  for (let j = 0; j < values.length; j++) {
    // the logical multi-index of element j, then its place in the base
    let rest = j;
    const index = new Array<number>(shape.length);
    for (let d = shape.length - 1; d >= 0; d--) {
      index[d] = rest % shape[d];
      rest = Math.floor(rest / shape[d]);
    }
    const at = perm.reduce((sum, d, i) => sum + (i === last ? offset + index[d] * step : index[d]) * strides[i], 0);
    base[at] = values[j];
  }
  const stridedView = fromTypedArray(base, baseShape)
    .to(device)
    .index('...', `${offset}::${step}`)
    .permute(shape.map((_, d) => perm.indexOf(d)));
  return stridedView.detach().requiresGrad_(); // a leaf with the view's strides
}

/** A leaf's recipe: shape, values and layout; `make(device)` builds a fresh leaf each call. */
export interface LeafCase {
  shape: number[];
  values: number[];
  layout: Layout | undefined;
  make(device: Device): Tensor;
}

/** Leaves of the given shape (or shapes) and values, in any layout unless `contiguous`. */
export function leafArb(shapes: readonly number[] | fc.Arbitrary<number[]>, kind: Values = 'real', contiguous = false): fc.Arbitrary<LeafCase> {
  const shapeArbitrary: fc.Arbitrary<number[]> = shapes instanceof fc.Arbitrary ? shapes : fc.constant([...(shapes as readonly number[])]);
  return shapeArbitrary.chain((shape) =>
    fc.tuple(valuesArb(kind, numelOf(shape)), contiguous ? fc.constant(undefined) : layoutArb(shape.length)).map(
      ([values, layout]): LeafCase =>
        ({
          shape,
          values,
          layout,
          make: (device: Device) => leaf(values, shape, layout, device),
          [fc.toStringMethod]: () => `leaf${JSON.stringify(shape)} ${JSON.stringify(values)} layout=${JSON.stringify(layout)}`,
        }) as LeafCase,
    ),
  );
}

/** Shapes of `minDims..maxDims` dims with sizes `minSize..maxSize` (small: gradcheck is O(numel²)). */
export function smallShape({ minDims = 0, maxDims = 3, minSize = 1, maxSize = 3 } = {}): fc.Arbitrary<number[]> {
  return fc.array(fc.integer({ min: minSize, max: maxSize }), { minLength: minDims, maxLength: maxDims });
}

/** A shape that broadcasts to `out`: a suffix of it with some sizes replaced by 1. */
export function broadcastableTo(out: readonly number[]): fc.Arbitrary<number[]> {
  return fc
    .tuple(fc.integer({ min: 0, max: out.length }), fc.array(fc.boolean(), { minLength: out.length, maxLength: out.length }))
    .map(([drop, ones]) => out.slice(drop).map((s, i) => (ones[drop + i] ? 1 : s)));
}

/** Two shapes that broadcast together. */
export function broadcastPair(options: Parameters<typeof smallShape>[0] = {}): fc.Arbitrary<[number[], number[]]> {
  return smallShape(options).chain((out) => fc.tuple(broadcastableTo(out), broadcastableTo(out)));
}

/** A dim of an `ndim`-d tensor, written positive or negative. */
export function dimArb(ndim: number): fc.Arbitrary<number> {
  return fc.integer({ min: 0, max: ndim - 1 }).chain((d) => fc.constantFrom(d, d - ndim));
}

/** A subset of the dims of an `ndim`-d tensor (possibly empty), each written positive or negative. */
export function dimsArb(ndim: number): fc.Arbitrary<number[]> {
  const all = Array.from({ length: ndim }, (_, d) => d);
  return fc.shuffledSubarray(all).chain((dims) => (dims.length ? fc.tuple(...dims.map((d) => fc.constantFrom(d, d - ndim))) : fc.constant([])));
}
