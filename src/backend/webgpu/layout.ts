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

/** Turns a float's bits into an int32 (a fill value passed as a parameter). */
const floatBits = new Float32Array(1);
const floatBitsAsInt = new Int32Array(floatBits.buffer);

/**
 * The 64 parameters of one dispatch, written by position (the kernel's WGSL reads the same
 * positions). A plain array rather than an Int32Array: a 256-byte typed array lives outside V8's
 * heap and costs more to allocate and collect, and there is one per dispatch. The context converts
 * the values to int32 when it copies them into the batch's parameter buffer.
 */
export class Params {
  readonly values: number[] = new Array<number>(64).fill(0);
  set(at: number, ...values: number[]): this {
    for (let i = 0; i < values.length; i++) this.values[at + i] = values[i];
    return this;
  }
  /** Stores a float's bits (a fill value) as a parameter. */
  setF32(at: number, value: number): this {
    floatBits[0] = value;
    this.values[at] = floatBitsAsInt[0];
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
