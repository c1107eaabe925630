/**
 * Data movement: strided copy with a cast (`copy`, which also makes views contiguous), writing
 * into a strided view (`copyInto`), and `fill`.
 *
 * Casts follow JavaScript typed-array stores, as the reference backend does: to float32 round to
 * nearest, to int32 truncate and wrap (ToInt32), to bool `x !== 0`.
 */
import { F32, F64, I32, loadF64, nextRow, offsetOf, rowCount, rowLength, sizeOf, storeF64, storeTransposed4x4, strideOf, toInt32 } from './memory';

/**
 * One row of a copy: n elements from `src` (stride `ss`) to `dst` (stride `ds`), converting
 * from `st` to `dt`. Same dtype and unit strides is a plain memory copy.
 */
function copyRow(st: i32, dt: i32, n: i32, src: usize, ss: i32, dst: usize, ds: i32): void {
  const sz = sizeOf(st);
  const dz = sizeOf(dt);
  if (st == dt && ss == 1 && ds == 1) {
    memory.copy(dst, src, <usize>n * sz);
    return;
  }
  if (st == dt && dt == F32) {
    for (let i = 0; i < n; i++) store<f32>(dst + <usize>(i * ds) * 4, load<f32>(src + <usize>(i * ss) * 4));
    return;
  }
  if (st == dt && dt == F64) {
    for (let i = 0; i < n; i++) store<f64>(dst + <usize>(i * ds) * 8, load<f64>(src + <usize>(i * ss) * 8));
    return;
  }
  for (let i = 0; i < n; i++) storeF64(dt, dst + <usize>(i * ds) * dz, loadF64(st, src + <usize>(i * ss) * sz));
}

/**
 * out[i][j] = src[i + j * ss] for a rows x n output: a transposed matrix made contiguous. Walking
 * either the output's rows or the source's columns straight would touch a new cache line per
 * element on one side, so the copy goes in 16 x 16 tiles, which fit in cache on both sides. In a
 * tile, 32-bit values move in 4 x 4 blocks: four vector loads down four source columns, turned
 * into four output rows in registers (the backward pass makes each Linear layer's weight
 * gradient contiguous this way, every step).
 */
function transpose(size: usize, rows: i32, n: i32, src: usize, ss: i32, out: usize): void {
  const T = 16;
  const cs = <usize>ss * size; // bytes between source columns
  for (let i0 = 0; i0 < rows; i0 += T) {
    const i1 = min(rows, i0 + T);
    for (let j0 = 0; j0 < n; j0 += T) {
      const j1 = min(n, j0 + T);
      let i = i0;
      if (size == 4) {
        for (; i + 4 <= i1; i += 4) {
          let j = j0;
          for (; j + 4 <= j1; j += 4) {
            const s = src + (<usize>i + <usize>j * ss) * 4;
            storeTransposed4x4(v128.load(s), v128.load(s + cs), v128.load(s + 2 * cs), v128.load(s + 3 * cs), out + (<usize>i * n + j) * 4, <usize>n * 4);
          }
          for (; j < j1; j++) {
            for (let t = i; t < i + 4; t++) store<u32>(out + (<usize>t * n + j) * 4, load<u32>(src + (<usize>t + <usize>j * ss) * 4));
          }
        }
      }
      for (; i < i1; i++) {
        const o = out + <usize>i * n * size;
        if (size == 4) for (let j = j0; j < j1; j++) store<u32>(o + <usize>j * 4, load<u32>(src + (<usize>i + <usize>j * ss) * 4));
        else for (let j = j0; j < j1; j++) store<u64>(o + <usize>j * 8, load<u64>(src + (<usize>i + <usize>j * ss) * 8));
      }
    }
  }
}

/**
 * Copies the view described by `d` (one operand) from storage `src` of dtype `st` into the
 * contiguous storage `out` of dtype `dt`.
 */
export function copy(st: i32, dt: i32, d: usize, src: usize, out: usize): void {
  const n = rowLength(d);
  const rows = rowCount(d);
  const ndim = load<i32>(d);
  const ss = strideOf(d, 0, ndim - 1);
  const sz = sizeOf(st);
  const dz = sizeOf(dt);
  if (ndim == 2 && st == dt && sz >= 4 && ss != 1 && strideOf(d, 0, 0) == 1) {
    transpose(sz, rows, n, src + <usize>offsetOf(d, 1, 0) * sz, ss, out);
    return;
  }
  for (let r = 0; r < rows; r++) {
    copyRow(st, dt, n, src + <usize>offsetOf(d, 1, 0) * sz, ss, out + <usize>(r * n) * dz, 1);
    nextRow(d, 1);
  }
}

/**
 * Writes the view of `src` (operand 1, dtype `st`) into the view of `dst` (operand 0, dtype `dt`),
 * element by element in row-major order. The caller makes `src` a separate copy first when the
 * two views share a storage, as the reference reads everything before writing.
 */
export function copyInto(dt: i32, st: i32, d: usize, dst: usize, src: usize): void {
  const n = rowLength(d);
  const rows = rowCount(d);
  const ndim = load<i32>(d);
  const ds = strideOf(d, 0, ndim - 1);
  const ss = strideOf(d, 1, ndim - 1);
  const dz = sizeOf(dt);
  const sz = sizeOf(st);
  for (let r = 0; r < rows; r++) {
    copyRow(st, dt, n, src + <usize>offsetOf(d, 2, 1) * sz, ss, dst + <usize>offsetOf(d, 2, 0) * dz, ds);
    nextRow(d, 2);
  }
}

/** Sets every element of the view of `dst` (dtype `dt`) to `value`, converted to the dtype. */
export function fill(dt: i32, d: usize, dst: usize, value: f64): void {
  const n = rowLength(d);
  const rows = rowCount(d);
  const ndim = load<i32>(d);
  const ds = strideOf(d, 0, ndim - 1);
  const dz = sizeOf(dt);
  for (let r = 0; r < rows; r++) {
    const row = dst + <usize>offsetOf(d, 1, 0) * dz;
    if (dt == F32) {
      const v = <f32>value;
      if (ds == 1) {
        const vv = f32x4.splat(v);
        let i = 0;
        for (; i + 4 <= n; i += 4) v128.store(row + <usize>i * 4, vv);
        for (; i < n; i++) store<f32>(row + <usize>i * 4, v);
      } else {
        for (let i = 0; i < n; i++) store<f32>(row + <usize>(i * ds) * 4, v);
      }
    } else if (dt == F64) {
      for (let i = 0; i < n; i++) store<f64>(row + <usize>(i * ds) * 8, value);
    } else if (dt == I32) {
      const v = toInt32(value);
      for (let i = 0; i < n; i++) store<i32>(row + <usize>(i * ds) * 4, v);
    } else {
      const v: u8 = value != 0 ? 1 : 0;
      if (ds == 1) memory.fill(row, v, <usize>n);
      else for (let i = 0; i < n; i++) store<u8>(row + <usize>(i * ds), v);
    }
    nextRow(d, 1);
  }
}
