/**
 * Describing strided views to kernels: merging dims, and packing the 64 integer parameters a
 * dispatch receives (see `header` in wgsl.ts).
 */
import { MAX_DIMS } from './wgsl.js';

export { collapseDims as collapse } from '../../shape.js';

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
