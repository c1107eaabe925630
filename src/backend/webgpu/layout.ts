/**
 * Describing strided views to kernels: merging dims, and packing the 64 integer parameters a
 * dispatch receives (see `header` in wgsl.ts).
 */
import { MAX_DIMS } from './wgsl.js';

/**
 * Merges dims that every operand walks contiguously together (dim d into d+1 when
 * stride[d] = stride[d+1] · size[d+1] for all of them) and drops dims of size 1. The walk visits
 * the same elements in the same order in fewer, longer rows, so a kernel's index arithmetic (one
 * division per dim per element) shrinks, and most views become one or two dims. Always leaves at
 * least one dim.
 */
export function collapse(shape: readonly number[], strides: readonly (readonly number[])[]): { shape: number[]; strides: number[][] } {
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

/** Throws when a view still has more dims than kernels index after merging. */
export function checkDims(ndim: number, what: string): void {
  if (ndim > MAX_DIMS) {
    throw new RangeError(`webgpu ${what}: views with more than ${MAX_DIMS} dims that cannot be merged are not supported (got ${ndim})`);
  }
}

/** The 64 parameters of one dispatch, written by position (the kernel's WGSL reads the same positions). */
export class Params {
  readonly values = new Int32Array(64);
  set(at: number, ...values: number[]): this {
    values.forEach((v, i) => (this.values[at + i] = v));
    return this;
  }
  /** Stores a float's bits (a fill value) as a parameter. */
  setF32(at: number, value: number): this {
    new Float32Array(this.values.buffer, at * 4, 1)[0] = value;
    return this;
  }
}

/** Workgroups for `n` threads of 256, spread over x and y because each grid dim holds at most 65535. */
export function grid1d(n: number): [number, number, number] {
  const groups = Math.max(1, Math.ceil(n / 256));
  if (groups <= 65535) return [groups, 1, 1];
  const y = Math.ceil(groups / 65535);
  return [Math.ceil(groups / y), y, 1];
}
