/**
 * Indexing along a dim: `gather` reads x at positions picked by an int32 index tensor and
 * `scatter` writes (or adds) into dst at them.
 *
 * For an index element at multi-index p, the source/destination element is the one at p with
 * p[dim] replaced by the index value k. The descriptor `d` walks the index's shape with the
 * data operand's strides (its stride along `dim` set to 0 by the caller, since k supplies that
 * coordinate as k * dimStride) and the index's own strides. An index outside [0, size) stops the
 * kernel: it returns BAD_INDEX and stores the offending value at `err`, so TypeScript throws the
 * reference's RangeError. Elements before it have been written, as in the reference.
 */
import { loadF64, nextRow, offsetOf, rowCount, rowLength, sizeOf, storeF64, strideOf } from './memory';

export const BAD_INDEX = 1;

/** out[p] = x[p with p[dim] = index[p]]: operands 0 = x (dtype `dt`), 1 = index (int32); out contiguous. */
export function gather(dt: i32, d: usize, x: usize, index: usize, out: usize, size: i32, dimStride: i32, err: usize): i32 {
  const z = sizeOf(dt);
  const n = rowLength(d);
  const rows = rowCount(d);
  const ndim = load<i32>(d);
  const sx = strideOf(d, 0, ndim - 1);
  const si = strideOf(d, 1, ndim - 1);
  let o: usize = out;
  for (let r = 0; r < rows; r++) {
    const xRow = offsetOf(d, 2, 0);
    const iRow = offsetOf(d, 2, 1);
    for (let j = 0; j < n; j++) {
      const k = load<i32>(index + <usize>(iRow + j * si) * 4);
      if (k < 0 || k >= size) {
        store<i32>(err, k);
        return BAD_INDEX;
      }
      const src = x + <usize>(xRow + j * sx + k * dimStride) * z;
      if (z == 8) store<u64>(o, load<u64>(src));
      else if (z == 4) store<u32>(o, load<u32>(src));
      else store<u8>(o, load<u8>(src));
      o += z;
    }
    nextRow(d, 2);
  }
  return 0;
}

/**
 * dst[p with p[dim] = index[p]] = src[p] (or += when `accumulate`): operands 0 = dst (dtype
 * `dt`), 1 = index (int32), 2 = src (dtype `st`). Later index elements win on repeats.
 */
export function scatter(dt: i32, st: i32, d: usize, dst: usize, index: usize, src: usize, size: i32, dimStride: i32, accumulate: bool, err: usize): i32 {
  const z = sizeOf(dt);
  const sz = sizeOf(st);
  const n = rowLength(d);
  const rows = rowCount(d);
  const ndim = load<i32>(d);
  const sd = strideOf(d, 0, ndim - 1);
  const si = strideOf(d, 1, ndim - 1);
  const ss = strideOf(d, 2, ndim - 1);
  for (let r = 0; r < rows; r++) {
    const dRow = offsetOf(d, 3, 0);
    const iRow = offsetOf(d, 3, 1);
    const sRow = offsetOf(d, 3, 2);
    for (let j = 0; j < n; j++) {
      const k = load<i32>(index + <usize>(iRow + j * si) * 4);
      if (k < 0 || k >= size) {
        store<i32>(err, k);
        return BAD_INDEX;
      }
      const p = dst + <usize>(dRow + j * sd + k * dimStride) * z;
      const v = loadF64(st, src + <usize>(sRow + j * ss) * sz);
      storeF64(dt, p, accumulate ? loadF64(dt, p) + v : v);
    }
    nextRow(d, 3);
  }
  return 0;
}
