/**
 * Reductions: `reduce` (sum, prod, max, min over a set of dims) and `argReduce` (argmax, argmin
 * over one dim).
 *
 * The TypeScript side splits the input's dims into kept dims (the output's, walked with the
 * descriptor `dk`) and reduced dims (walked with `dr` from each output's first element), so any
 * strides work. Every reduction accumulates in float64 in the reference's order, which makes the
 * results the reference's bit for bit (a float32 sum is rounded once, at the end) — except the
 * SIMD sum of a contiguous run, whose lanes add in a different order (float64, so the difference
 * is far below float32's resolution and about 1e-16 relative for float64).
 */
import { F32, F64, loadF64, nextRow, offsetOf, rowCount, rowLength, sizeOf, storeF64, strideOf } from './memory';

// op codes, in the order of ReduceOp and ArgReduceOp (literals: see elementwise.ts)
// @ts-ignore: decorator
@inline const SUM = 0, PROD = 1, MAX = 2, MIN = 3;
// @ts-ignore: decorator
@inline const ARGMAX = 0;

/** Σ of n contiguous float32s, in float64: 4 float64 lanes (two f64x2) fed by one f32x4 load. */
function sumRun32(p: usize, n: i32): f64 {
  let acc0 = f64x2.splat(0), acc1 = f64x2.splat(0);
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const v = v128.load(p + <usize>i * 4);
    acc0 = f64x2.add(acc0, f64x2.promote_low_f32x4(v));
    acc1 = f64x2.add(acc1, f64x2.promote_low_f32x4(i32x4.shuffle(v, v, 2, 3, 0, 1)));
  }
  const acc = f64x2.add(acc0, acc1);
  let s = f64x2.extract_lane(acc, 0) + f64x2.extract_lane(acc, 1);
  for (; i < n; i++) s += <f64>load<f32>(p + <usize>i * 4);
  return s;
}

/** Σ of n contiguous float64s with two f64x2 accumulators. */
function sumRun64(p: usize, n: i32): f64 {
  let acc0 = f64x2.splat(0), acc1 = f64x2.splat(0);
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    acc0 = f64x2.add(acc0, v128.load(p + <usize>i * 8));
    acc1 = f64x2.add(acc1, v128.load(p + <usize>i * 8, 16));
  }
  const acc = f64x2.add(acc0, acc1);
  let s = f64x2.extract_lane(acc, 0) + f64x2.extract_lane(acc, 1);
  for (; i < n; i++) s += load<f64>(p + <usize>i * 8);
  return s;
}

/**
 * Σ over the reduced dims of `dr` for 8 outputs side by side, whose elements are adjacent in
 * memory (a kept dim of stride 1, as when a bias gradient sums a [batch, features] gradient over
 * the batch): each reduced position is two vector loads, and every output keeps its own float64
 * accumulator, adding in the reference's order, so the sums are the reference's bit for bit. One
 * output at a time would walk the reduced dim with a stride of a whole row, one dependent add
 * after another. `base` is the first output's element offset; writes 8 values of dtype `ot` at `o`.
 */
function sumColumns8(dt: i32, ot: i32, dr: usize, x: usize, base: i32, o: usize): void {
  const nr = rowLength(dr);
  const rowsR = rowCount(dr);
  const sr = strideOf(dr, 0, load<i32>(dr) - 1);
  let acc0 = f64x2.splat(0), acc1 = f64x2.splat(0), acc2 = f64x2.splat(0), acc3 = f64x2.splat(0);
  for (let q = 0; q < rowsR; q++) {
    const start = base + offsetOf(dr, 1, 0);
    for (let i = 0; i < nr; i++) {
      if (dt == F32) {
        const p = x + <usize>(start + i * sr) * 4;
        const v = v128.load(p);
        const w = v128.load(p, 16);
        acc0 = f64x2.add(acc0, f64x2.promote_low_f32x4(v));
        acc1 = f64x2.add(acc1, f64x2.promote_low_f32x4(i32x4.shuffle(v, v, 2, 3, 0, 1)));
        acc2 = f64x2.add(acc2, f64x2.promote_low_f32x4(w));
        acc3 = f64x2.add(acc3, f64x2.promote_low_f32x4(i32x4.shuffle(w, w, 2, 3, 0, 1)));
      } else {
        const p = x + <usize>(start + i * sr) * 8;
        acc0 = f64x2.add(acc0, v128.load(p));
        acc1 = f64x2.add(acc1, v128.load(p, 16));
        acc2 = f64x2.add(acc2, v128.load(p, 32));
        acc3 = f64x2.add(acc3, v128.load(p, 48));
      }
    }
    nextRow(dr, 1);
  }
  const oz = <usize>sizeOf(ot);
  storeF64(ot, o, f64x2.extract_lane(acc0, 0));
  storeF64(ot, o + oz, f64x2.extract_lane(acc0, 1));
  storeF64(ot, o + 2 * oz, f64x2.extract_lane(acc1, 0));
  storeF64(ot, o + 3 * oz, f64x2.extract_lane(acc1, 1));
  storeF64(ot, o + 4 * oz, f64x2.extract_lane(acc2, 0));
  storeF64(ot, o + 5 * oz, f64x2.extract_lane(acc2, 1));
  storeF64(ot, o + 6 * oz, f64x2.extract_lane(acc3, 0));
  storeF64(ot, o + 7 * oz, f64x2.extract_lane(acc3, 1));
}

/** acc (op) v: Σ, Π, and max/min that propagate NaN (the reference's `combine`). */
// @ts-ignore: decorator
@inline
function combine(op: i32, acc: f64, v: f64): f64 {
  if (op == SUM) return acc + v;
  if (op == PROD) return acc * v;
  if (acc != acc || v != v) return NaN;
  if (op == MAX) return v > acc ? v : acc;
  return v < acc ? v : acc;
}

/**
 * Reduces x (dtype `dt`) over the dims of `dr` for every element of `dk`, writing the contiguous
 * output of dtype `ot`.
 */
export function reduce(op: i32, dt: i32, ot: i32, dk: usize, dr: usize, x: usize, out: usize): void {
  const z = sizeOf(dt);
  const oz = sizeOf(ot);
  const nk = rowLength(dk);
  const rowsK = rowCount(dk);
  const sk = strideOf(dk, 0, load<i32>(dk) - 1);
  const nr = rowLength(dr);
  const rowsR = rowCount(dr);
  const sr = strideOf(dr, 0, load<i32>(dr) - 1);
  const init: f64 = op == SUM ? 0 : op == PROD ? 1 : op == MAX ? -Infinity : Infinity;
  const contiguousSum = op == SUM && rowsR == 1 && sr == 1 && (dt == F32 || dt == F64);
  const columnSum = op == SUM && !contiguousSum && sk == 1 && (dt == F32 || dt == F64);
  let o: usize = out;
  for (let r = 0; r < rowsK; r++) {
    const rowBase = offsetOf(dk, 1, 0);
    let j = 0;
    if (columnSum) {
      for (; j + 8 <= nk; j += 8) {
        sumColumns8(dt, ot, dr, x, rowBase + j, o);
        o += 8 * oz;
      }
    }
    for (; j < nk; j++) {
      const base = rowBase + j * sk;
      let acc = init;
      if (contiguousSum) {
        acc = dt == F32 ? sumRun32(x + <usize>base * 4, nr) : sumRun64(x + <usize>base * 8, nr);
      } else {
        for (let q = 0; q < rowsR; q++) {
          const p = x + <usize>(base + offsetOf(dr, 1, 0)) * z;
          if (dt == F32) {
            for (let i = 0; i < nr; i++) acc = combine(op, acc, <f64>load<f32>(p + <usize>(i * sr) * 4));
          } else {
            for (let i = 0; i < nr; i++) acc = combine(op, acc, loadF64(dt, p + <usize>(i * sr) * z));
          }
          nextRow(dr, 1);
        }
      }
      storeF64(ot, o, acc);
      o += oz;
    }
    nextRow(dk, 1);
  }
}

/**
 * For each element of `dk`, the position along the reduced dim (n elements, stride s) of the
 * first largest (argmax) or smallest (argmin) value; a NaN counts as both and stops the search.
 */
export function argReduce(op: i32, dt: i32, dk: usize, n: i32, s: i32, x: usize, out: usize): void {
  const z = sizeOf(dt);
  const nk = rowLength(dk);
  const rowsK = rowCount(dk);
  const sk = strideOf(dk, 0, load<i32>(dk) - 1);
  let o: usize = out;
  for (let r = 0; r < rowsK; r++) {
    const rowBase = offsetOf(dk, 1, 0);
    for (let j = 0; j < nk; j++) {
      const p = x + <usize>(rowBase + j * sk) * z;
      let bestIndex = 0;
      if (n > 0) {
        let best = loadF64(dt, p);
        for (let i = 1; i < n && best == best; i++) {
          const v = loadF64(dt, p + <usize>(i * s) * z);
          if (v != v || (op == ARGMAX ? v > best : v < best)) {
            best = v;
            bestIndex = i;
          }
        }
      }
      store<i32>(o, bestIndex);
      o += 4;
    }
    nextRow(dk, 1);
  }
}

