/**
 * Shape arithmetic shared by every op: strides, broadcasting, dim normalisation.
 * Nothing here touches data.
 */

/** A tensor's shape, like `torch.Size`. */
export type Shape = readonly number[];

/** Number of elements of a shape: the product of its sizes (1 for a 0-d shape). */
export function numelOf(shape: Shape): number {
  let n = 1;
  for (const s of shape) n *= s;
  return n;
}

/** Row-major (C-order) strides: the last dim is adjacent in memory, as PyTorch lays out new tensors. */
export function contiguousStrides(shape: Shape): number[] {
  const strides = new Array<number>(shape.length);
  let step = 1;
  for (let d = shape.length - 1; d >= 0; d--) {
    strides[d] = step;
    step *= Math.max(shape[d], 1);
  }
  return strides;
}

/**
 * True when `strides` are the row-major strides of `shape` (dims of size 1 may have any stride).
 * A tensor with no elements is contiguous whatever its strides, as in PyTorch.
 */
export function isContiguousLayout(shape: Shape, strides: readonly number[]): boolean {
  if (numelOf(shape) === 0) return true;
  let expected = 1;
  for (let d = shape.length - 1; d >= 0; d--) {
    if (shape[d] === 1) continue;
    if (strides[d] !== expected) return false;
    expected *= shape[d];
  }
  return true;
}

/** Whether two shapes are the same, dim for dim. */
export const sameShape = (a: Shape, b: Shape): boolean => a.length === b.length && a.every((size, d) => size === b[d]);

/** Formats a shape the way PyTorch's messages do: `[2, 3]`. */
export const fmtShape = (shape: Shape): string => `[${shape.join(', ')}]`;

/**
 * Wraps a possibly negative `dim` into `[0, ndim)`, PyTorch's `maybe_wrap_dim`.
 * A 0-d tensor accepts dims -1 and 0, as in PyTorch.
 */
export function normalizeDim(dim: number, ndim: number): number {
  const n = Math.max(ndim, 1);
  if (!Number.isInteger(dim) || dim < -n || dim >= n) {
    throw new RangeError(`Dimension out of range (expected to be in range of [${-n}, ${n - 1}], but got ${dim})`);
  }
  return dim < 0 ? dim + n : dim;
}

/**
 * Broadcasts shapes by NumPy's rule, which PyTorch follows: align from the right; each pair of
 * sizes must be equal or one of them 1, and the result takes the larger.
 * @example
 * torch.broadcastShapes([2, 1], [3]); // [2, 3]
 * torch.broadcastShapes([5, 1, 4], [3, 1]); // [5, 3, 4]
 */
export function broadcastShapes(...shapes: Shape[]): number[] {
  let ndim = 0;
  for (const shape of shapes) ndim = Math.max(ndim, shape.length);
  const out = new Array<number>(ndim).fill(1);
  for (const shape of shapes) {
    for (let i = 1; i <= shape.length; i++) {
      const size = shape[shape.length - i];
      const have = out[ndim - i];
      if (have === 1) out[ndim - i] = size;
      else if (size !== 1 && size !== have) {
        throw new RangeError(
          `The size of tensor a (${have}) must match the size of tensor b (${size}) at non-singleton dimension ${ndim - i}` +
            ` (shapes ${shapes.map(fmtShape).join(' and ')})`,
        );
      }
    }
  }
  return out;
}

/** True when `from` broadcasts to `to` without changing it (`expand` would accept it): each size 1 or equal. */
export function broadcastsTo(from: Shape, to: Shape): boolean {
  const lead = to.length - from.length;
  return lead >= 0 && from.every((size, d) => size === 1 || size === to[lead + d]);
}

/**
 * Reads a shape given either as one array or spread as numbers (`zeros([2, 3])` or `zeros(2, 3)`),
 * and checks that every size is a non-negative integer.
 */
export function parseShape(args: readonly (number | Shape)[], what = 'shape'): number[] {
  const shape = args.length === 1 && Array.isArray(args[0]) ? [...(args[0] as Shape)] : (args as number[]);
  for (const s of shape) {
    if (typeof s !== 'number' || !Number.isInteger(s)) {
      throw new TypeError(`${what} ${fmtShape(shape)} is invalid: every size must be an integer`);
    }
    if (s < 0) throw new RangeError(`Trying to create tensor with negative dimension ${s}: ${fmtShape(shape)}`);
  }
  return [...shape];
}

/**
 * Merges dims that every operand walks contiguously together (dim d into d+1 when
 * stride[d] = stride[d+1] · size[d+1] for all of them) and drops dims of size 1. The walk visits
 * the same elements in the same order in fewer, longer rows, so a kernel's index arithmetic
 * shrinks and most views become one or two dims. Always leaves at least one dim. (Used by the
 * wasm and webgpu backends to describe views to their kernels.)
 */
export function collapseDims(shape: Shape, strides: readonly (readonly number[])[]): { shape: number[]; strides: number[][] } {
  const outShape: number[] = [];
  const outStrides: number[][] = strides.map(() => []);
  for (let d = 0; d < shape.length; d++) {
    if (shape[d] === 1) continue;
    const last = outShape.length - 1;
    if (last >= 0 && strides.every((s, k) => outStrides[k][last] === s[d] * shape[d])) {
      outShape[last] *= shape[d];
      strides.forEach((s, k) => (outStrides[k][last] = s[d]));
    } else {
      outShape.push(shape[d]);
      strides.forEach((s, k) => outStrides[k].push(s[d]));
    }
  }
  if (outShape.length === 0) return { shape: [1], strides: strides.map(() => [0]) };
  return { shape: outShape, strides: outStrides };
}
