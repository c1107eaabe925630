/**
 * What every kernel family shares: dtype codes, loading and storing any dtype through float64
 * with exactly the conversions a JavaScript typed array makes, and the strided walk over a view.
 *
 * Memory itself is managed on the JavaScript side (src/backend/wasm/heap.ts): it hands kernels
 * byte addresses of storages in this module's linear memory. Kernels never allocate.
 */

// dtype codes, shared with src/backend/wasm/index.ts. `@inline` makes each use a literal rather
// than a global read, so that `dt == F32` in a kernel specialised for one dtype folds away when
// it is compiled (see the op codes in elementwise.ts).
// @ts-ignore: decorator
@inline export const F32: i32 = 0;
// @ts-ignore: decorator
@inline export const F64: i32 = 1;
// @ts-ignore: decorator
@inline export const I32: i32 = 2;
// @ts-ignore: decorator
@inline export const BOOL: i32 = 3;

/** Bytes per element of a dtype (bool is one byte, 0 or 1). */
// @ts-ignore: decorator
@inline
export function sizeOf(dtype: i32): usize {
  return dtype == F64 ? 8 : dtype == BOOL ? 1 : 4;
}

/**
 * JavaScript's ToInt32, which a store into an Int32Array applies: truncate toward zero, then
 * wrap modulo 2³² into [-2³¹, 2³¹); NaN and ±Infinity become 0. (Wasm's own float-to-int
 * instructions trap or saturate instead, so we spell it out.)
 */
export function toInt32(x: f64): i32 {
  if (!isFinite(x)) return 0;
  const t = trunc(x);
  if (t >= -2147483648.0 && t <= 2147483647.0) return <i32>t;
  const m = t - floor(t / 4294967296.0) * 4294967296.0; // in [0, 2³²)
  return <i32><i64>m;
}

/** Loads element `p` of a storage of `dtype` as a float64 (exact for every dtype). */
// @ts-ignore: decorator
@inline
export function loadF64(dtype: i32, p: usize): f64 {
  if (dtype == F32) return <f64>load<f32>(p);
  if (dtype == F64) return load<f64>(p);
  if (dtype == I32) return <f64>load<i32>(p);
  return <f64>load<u8>(p);
}

/**
 * Stores `v` into a storage of `dtype` as a typed array would: float32 rounds to nearest,
 * int32 applies ToInt32, bool stores `v !== 0` (so NaN is true, as in C).
 */
// @ts-ignore: decorator
@inline
export function storeF64(dtype: i32, p: usize, v: f64): void {
  if (dtype == F32) store<f32>(p, <f32>v);
  else if (dtype == F64) store<f64>(p, v);
  else if (dtype == I32) store<i32>(p, toInt32(v));
  else store<u8>(p, v != 0 ? 1 : 0);
}

/**
 * Transposes the 4 x 4 block of 32-bit values held in c0..c3 (c_j = 4 consecutive elements of
 * column j) and stores its rows (r_t = element t of each column) at dst, dst + step, dst + 2 step,
 * dst + 3 step: six shuffles instead of sixteen scalar loads and stores.
 */
// @ts-ignore: decorator
@inline
export function storeTransposed4x4(c0: v128, c1: v128, c2: v128, c3: v128, dst: usize, step: usize): void {
  const t0 = i32x4.shuffle(c0, c1, 0, 4, 1, 5);
  const t1 = i32x4.shuffle(c2, c3, 0, 4, 1, 5);
  const t2 = i32x4.shuffle(c0, c1, 2, 6, 3, 7);
  const t3 = i32x4.shuffle(c2, c3, 2, 6, 3, 7);
  v128.store(dst, i32x4.shuffle(t0, t1, 0, 1, 4, 5));
  v128.store(dst + step, i32x4.shuffle(t0, t1, 2, 3, 6, 7));
  v128.store(dst + 2 * step, i32x4.shuffle(t2, t3, 0, 1, 4, 5));
  v128.store(dst + 3 * step, i32x4.shuffle(t2, t3, 2, 3, 6, 7));
}

// ---- the strided walk ---------------------------------------------------------------------------
//
// A kernel over views sees them through a descriptor `d` of i32 words that the TypeScript side
// writes (after merging dims that are laid out contiguously together, so most views collapse to
// one or two dims):
//
//   d[0]                         ndim (at least 1)
//   d[1 .. 1+ndim)               shape
//   then for each operand k:     ndim strides (elements)
//   then                         ndim odometer digits (zero)
//   then for each operand k:     its current element offset (starting at the view's offset)
//
// The walk visits the view row by row, a row being the last dim: `rowCount(d)` rows of
// `rowLength(d)` elements; after each row `nextRow` advances the odometer over the other dims and
// moves every operand's offset by its strides, carrying like an odometer. An operand's byte
// address in the current row is base + offset(d, k) * size, and it steps by stride(d, k, ndim-1).

// @ts-ignore: decorator
@inline
export function ndimOf(d: usize): i32 {
  return load<i32>(d);
}

// @ts-ignore: decorator
@inline
export function rowLength(d: usize): i32 {
  return load<i32>(d + (<usize>ndimOf(d)) * 4);
}

/** Number of rows: the product of every size but the last. */
export function rowCount(d: usize): i32 {
  const ndim = ndimOf(d);
  let rows = 1;
  for (let i = 0; i < ndim - 1; i++) rows *= load<i32>(d + 4 + (<usize>i) * 4);
  return rows;
}

/** Stride of operand `k` along dim `i`, in elements. */
// @ts-ignore: decorator
@inline
export function strideOf(d: usize, k: i32, i: i32): i32 {
  const ndim = ndimOf(d);
  return load<i32>(d + 4 + (<usize>(ndim + k * ndim + i)) * 4);
}

/** Address of the odometer digits and of the operands' current offsets, for `nops` operands. */
// @ts-ignore: decorator
@inline
function digitsAt(d: usize, nops: i32): usize {
  const ndim = ndimOf(d);
  return d + 4 + (<usize>(ndim * (1 + nops))) * 4;
}

/** Current element offset of operand `k` (of `nops`). */
// @ts-ignore: decorator
@inline
export function offsetOf(d: usize, nops: i32, k: i32): i32 {
  return load<i32>(digitsAt(d, nops) + (<usize>(ndimOf(d) + k)) * 4);
}

/** Advances to the next row: bumps the odometer over dims [0, ndim-1) and every operand's offset. */
export function nextRow(d: usize, nops: i32): void {
  const ndim = ndimOf(d);
  const digits = digitsAt(d, nops);
  const offsets = digits + (<usize>ndim) * 4;
  for (let i = ndim - 2; i >= 0; i--) {
    const size = load<i32>(d + 4 + (<usize>i) * 4);
    const digit = load<i32>(digits + (<usize>i) * 4) + 1;
    if (digit < size) {
      store<i32>(digits + (<usize>i) * 4, digit);
      for (let k = 0; k < nops; k++) {
        const o = offsets + (<usize>k) * 4;
        store<i32>(o, load<i32>(o) + strideOf(d, k, i));
      }
      return;
    }
    // this digit wraps to 0: undo its steps and carry into the next dim
    store<i32>(digits + (<usize>i) * 4, 0);
    for (let k = 0; k < nops; k++) {
      const o = offsets + (<usize>k) * 4;
      store<i32>(o, load<i32>(o) - strideOf(d, k, i) * (size - 1));
    }
  }
}

/** The first byte after this module's static data: the TypeScript heap starts here. */
export function heapBase(): usize {
  return __heap_base;
}
