/**
 * Fused kernels the tensor layer uses where a backend offers them (Backend.softmax,
 * softmaxBackward, reluBackward in src/backend/backend.ts): one pass instead of the five, four or
 * two primitives it otherwise composes, with no temporaries. Each computes exactly what the
 * composition computes on this backend — the same float32 roundings in the same order, the sums
 * in float64 from first to last as the reference adds them — so the result does not depend on
 * which path ran, apart from the last bit of a sum that the composition's SIMD sum adds in
 * another order.
 *
 * The softmax kernels take contiguous float32 tensors seen as [outer, n, inner], `dim` being the
 * n in the middle (the TypeScript side copies a strided view first); a row is the n elements
 * `inner` apart that one (outer, inner) position holds.
 */
import { nextRow, offsetOf, rowCount, rowLength, strideOf } from './memory';

/** e^x rounded to float32, as the unary `exp` kernel computes it (in float64). */
// @ts-ignore: decorator
@inline
function exp32(x: f32): f32 {
  return <f32>Math.exp(<f64>x);
}

/**
 * softmax (log = 0) or logSoftmax (log = 1) along each row, from x into out:
 *   shifted = x − max, e = exp(shifted), s = Σ e,
 *   softmax = e / s,   logSoftmax = shifted − log s.
 */
export function softmax(log: i32, outer: i32, n: i32, inner: i32, x: usize, out: usize): void {
  const step = <usize>inner * 4;
  for (let o = 0; o < outer; o++) {
    for (let j = 0; j < inner; j++) {
      const start = (<usize>o * n * inner + j) * 4;
      const px = x + start;
      const po = out + start;
      let m = load<f32>(px);
      let nan = m != m;
      for (let i = 1; i < n; i++) {
        const v = load<f32>(px + <usize>i * step);
        if (v != v) nan = true;
        else if (v > m) m = v;
      }
      if (nan) m = NaN; // the max propagates NaN, as `amax` does
      let s: f64 = 0;
      for (let i = 0; i < n; i++) s += <f64>exp32(load<f32>(px + <usize>i * step) - m);
      const sum = <f32>s;
      if (log) {
        const ls = <f32>Math.log(<f64>sum);
        for (let i = 0; i < n; i++) store<f32>(po + <usize>i * step, (load<f32>(px + <usize>i * step) - m) - ls);
      } else {
        for (let i = 0; i < n; i++) store<f32>(po + <usize>i * step, exp32(load<f32>(px + <usize>i * step) - m) / sum);
      }
    }
  }
}

/**
 * The gradient of softmax (log = 0) or logSoftmax (log = 1) along each row, from the output
 * gradient g and the forward's output y (both contiguous, same shape), into out:
 *   softmax:    y ⊙ (g − Σ g ⊙ y)
 *   logSoftmax: g − e^y ⊙ Σ g
 */
export function softmaxBackward(log: i32, outer: i32, n: i32, inner: i32, g: usize, y: usize, out: usize): void {
  const step = <usize>inner * 4;
  for (let o = 0; o < outer; o++) {
    for (let j = 0; j < inner; j++) {
      const start = (<usize>o * n * inner + j) * 4;
      const pg = g + start;
      const py = y + start;
      const po = out + start;
      let s: f64 = 0;
      if (log) {
        for (let i = 0; i < n; i++) s += <f64>load<f32>(pg + <usize>i * step);
        const sum = <f32>s;
        for (let i = 0; i < n; i++) {
          const k = <usize>i * step;
          store<f32>(po + k, load<f32>(pg + k) - exp32(load<f32>(py + k)) * sum);
        }
      } else {
        for (let i = 0; i < n; i++) {
          const k = <usize>i * step;
          s += <f64>(load<f32>(pg + k) * load<f32>(py + k));
        }
        const sum = <f32>s;
        for (let i = 0; i < n; i++) {
          const k = <usize>i * step;
          store<f32>(po + k, load<f32>(py + k) * (load<f32>(pg + k) - sum));
        }
      }
    }
  }
}

/**
 * relu's gradient: g where y > 0 or y is NaN, +0 where y ≤ 0 (the composition `where(y <= 0, 0, g)`).
 * `d` walks g, y and the contiguous output; contiguous rows take 4 lanes at a time, the lanes
 * where y ≤ 0 cleared by a mask.
 */
export function reluBackward(d: usize, g: usize, y: usize, out: usize): void {
  const n = rowLength(d);
  const rows = rowCount(d);
  const ndim = load<i32>(d);
  const sg = strideOf(d, 0, ndim - 1);
  const sy = strideOf(d, 1, ndim - 1);
  const zero = f32x4.splat(0);
  for (let r = 0; r < rows; r++) {
    const pg = g + <usize>offsetOf(d, 2, 0) * 4;
    const py = y + <usize>offsetOf(d, 2, 1) * 4;
    const po = out + <usize>(r * n) * 4;
    let i = 0;
    if (sg == 1 && sy == 1) {
      for (; i + 4 <= n; i += 4) {
        const k = <usize>i * 4;
        v128.store(po + k, v128.andnot(v128.load(pg + k), f32x4.le(v128.load(py + k), zero)));
      }
    }
    for (; i < n; i++) {
      const v = load<f32>(py + <usize>(i * sy) * 4);
      store<f32>(po + <usize>i * 4, v <= 0 ? 0 : load<f32>(pg + <usize>(i * sg) * 4));
    }
    nextRow(d, 2);
  }
}
